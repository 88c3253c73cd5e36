// The API server against hostile and broken clients: each request gets the right status and
// a message naming the problem, and the server keeps serving the next one.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "support/api_client.h"
#include "support/cluster_fixture.h"

namespace frocket::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class ApiHostileTest : public ClusterTest {
 protected:
  // `frocket serve` in the embedded mode with `extra` settings, and a dataset "web"
  // registered from data/ (through the CLI, so that no API setting is involved).
  void Start(const Environment& extra = {}) {
    if (data_.empty()) {
      data_ = Generate("data", 3000, 2, 1);
      FrocketRun r = Embedded({"register", "web", data_, "user_id", "ts", "--nopretty"});
      ASSERT_EQ(r.result.exit_code, 0) << r.Describe();
    }
    auto server = ApiServerProcess::Start(EmbeddedEnv(extra), Dir("logs") + "/serve.log");
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(*server);
  }

  void TearDown() override {
    if (HasFailure() && server_) std::cerr << "--- server log:\n" << server_->process().Log();
    server_.reset();
    ClusterTest::TearDown();
  }

  // Status and body of one request, the body parsed as JSON.
  ApiResponse Call(const std::string& method, const std::string& path, const std::string& body = "",
                   const std::vector<std::string>& headers = {}, const std::string& token = "") {
    ApiClient client(server_->port(), token);
    auto r = client.Call(method, path, body, headers);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : ApiResponse{};
  }

  // Expects `status` and a JSON error whose message mentions `mention`.
  static void ExpectError(const ApiResponse& r, long status, const std::string& mention) {
    EXPECT_EQ(r.status, status) << r.Describe();
    json j = r.Json();
    ASSERT_TRUE(j.is_object()) << r.Describe();
    EXPECT_EQ(j.value("success", true), false) << r.Describe();
    EXPECT_TRUE(Mentions(j.value("errorMessage", ""), mention)) << r.Describe();
  }

  // The server still answers a plain request.
  void ExpectServing() {
    ApiClient client(server_->port(), token_);
    auto r = client.Get("/datasets/web/schema");
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->status, 200) << r->Describe();
  }

  // What the server answers to raw bytes, read until it closes the connection.
  std::string Raw(const std::string& bytes, double timeout_seconds = 10) {
    auto c = RawConnection::Connect(server_->port());
    EXPECT_TRUE(c.ok());
    if (!c.ok()) return "";
    (*c)->Send(bytes);
    return (*c)->ReadUntilClosed(timeout_seconds);
  }

  // A register body (user_id, ts) with `extra` fields on top.
  static std::string RegisterBody(const std::string& name, const std::string& basepath,
                                  const json& extra = json::object()) {
    json j = {{"name", name},
              {"basepath", basepath},
              {"groupIdColumn", "user_id"},
              {"timestampColumn", "ts"}};
    for (const auto& [key, value] : extra.items()) j[key] = value;
    return j.dump();
  }

  std::string data_;
  std::string token_;
  std::unique_ptr<ApiServerProcess> server_;
};

TEST_F(ApiHostileTest, MalformedJsonWrongContentTypesAndDeepNesting) {
  Start();
  ExpectError(Call("POST", "/datasets/web/query", R"({"query": {"conditions": [)"), 400,
              "not valid JSON");
  ExpectError(Call("POST", "/datasets/register", "[1, 2"), 400, "not valid JSON");
  ExpectError(Call("POST", "/datasets/web/query", "\xff\xfe{}"), 400, "not valid JSON");
  ExpectError(Call("POST", "/datasets/web/query", "{}", {"Content-Type: text/plain"}), 415,
              "application/json");
  ExpectError(Call("POST", "/datasets/web/query", "a=1",
                   {"Content-Type: application/x-www-form-urlencoded"}),
              415, "application/json");
  ExpectError(Call("POST", "/datasets/web/query", ""), 400, "empty");
  ExpectError(Call("POST", "/datasets/web/query", "[]"), 400, "invalid query");
  ExpectError(Call("POST", "/datasets/web/query", R"({"query": {"conditions": 7}})"), 400,
              "invalid query");
  // Nesting that would exhaust a recursive parser's stack.
  ExpectError(Call("POST", "/datasets/web/query", std::string(200000, '[')), 400, "nested deeper");
  std::string deep = R"({"query": {"conditions": )";
  for (int i = 0; i < 70; ++i) deep += "[";
  for (int i = 0; i < 70; ++i) deep += "]";
  deep += "}}";
  ExpectError(Call("POST", "/datasets/web/query", deep), 400, "nested deeper than 64");
  // Register bodies: missing, mistyped and unknown fields.
  ExpectError(Call("POST", "/datasets/register", R"({"name": "x"})"), 400, "'basepath' missing");
  ExpectError(
      Call("POST", "/datasets/register",
           json{{"name", "x"}, {"basepath", data_}, {"groupIdColumn", 5}, {"timestampColumn", "ts"}}
               .dump()),
      400, "'groupIdColumn' must be a non-empty string");
  ExpectError(
      Call("POST", "/datasets/register", RegisterBody("x", data_, {{"validateUnique", false}})),
      400, "unknown field 'validateUnique'");
  ExpectError(
      Call("POST", "/datasets/register", RegisterBody("x", data_, {{"validationMode", "ALL"}})),
      400, "validation mode");
  ExpectServing();
}

TEST_F(ApiHostileTest, HugeBodiesAreRefusedBeforeTheyAreRead) {
  Start({{"FROCKET_APISERVER_MAX_BODY_BYTES", "65536"}});
  const std::string big = "{\"query\": \"" + std::string(1 << 20, 'x') + "\"}";
  ExpectError(Call("POST", "/datasets/web/query", big), 413, "FROCKET_APISERVER_MAX_BODY_BYTES");
  // Announced but never sent: refused on the headers alone.
  const std::string answer =
      Raw("POST /datasets/web/query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          "Content-Length: 99999999999\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 413 ", 0), 0u) << answer;
  EXPECT_NE(answer.find("99999999999 bytes"), std::string::npos) << answer;
  // With Expect: 100-continue the client never sends it.
  const std::string expect =
      Raw("POST /datasets/web/query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          "Expect: 100-continue\r\nContent-Length: 1000000\r\n\r\n");
  EXPECT_EQ(expect.rfind("HTTP/1.1 413 ", 0), 0u) << expect;
  // A body just under the limit is read and judged as JSON.
  const std::string fits = "{\"query\": \"" + std::string(60000, 'x') + "\"}";
  ExpectError(Call("POST", "/datasets/web/query", fits), 400, "invalid query");
  ExpectServing();
}

TEST_F(ApiHostileTest, UnknownDatasetsAndNamesWithPathTricks) {
  Start();
  ExpectError(Call("GET", "/datasets/nosuch/schema"), 404, "'nosuch' not found");
  ExpectError(Call("GET", "/datasets/nosuch/parts"), 404, "not found");
  ExpectError(Call("POST", "/datasets/nosuch/query", "{}"), 404, "not found");
  // Failing before any task: not a 200 stream.
  ExpectError(Call("GET", "/datasets/nosuch/empty-query?stream=true"), 404, "not found");
  // Encoded separators are part of a name, never a path.
  ExpectError(Call("GET", "/datasets/..%2F..%2Fetc%2Fpasswd/schema"), 404,
              "'../../etc/passwd' not found");
  ExpectError(Call("GET", "/datasets/web/../web/schema"), 404, "no such endpoint");
  ExpectError(Call("GET", "/datasets/a%00b/schema"), 400, "NUL");
  ExpectError(Call("GET", "/datasets/%zz/schema"), 400, "percent-encoding");
  ExpectError(Call("GET", "/datasets/a%0Ab/schema"), 400, "control character");
  ExpectError(Call("GET", "/datasets//schema"), 400, "name is empty");
  ExpectError(Call("GET", "/nothing/here"), 404, "no such endpoint");
  ExpectError(Call("DELETE", "/datasets/web/query"), 405, "use POST");
  ExpectError(Call("GET", "/datasets/" + std::string(300, 'n') + "/schema"), 400, "longer than");
  // A name holding a slash is a name like any other.
  auto reg = Call("POST", "/datasets/register", RegisterBody("team/web", data_));
  EXPECT_EQ(reg.status, 200) << reg.Describe();
  EXPECT_EQ(Call("GET", "/datasets/team%2Fweb/empty-query").Json()["query"]["matchingGroupRows"],
            3000);
  ExpectError(Call("POST", "/datasets/register", RegisterBody("bad\nname", data_)), 400,
              "control character");
  ExpectServing();
}

TEST_F(ApiHostileTest, BasePathsOutsideTheAllowedRootsAreRefused) {
  const std::string allowed = Dir("allowed");
  const std::string outside = Dir("outside");
  FrocketRun g1 = Embedded({"generate", allowed + "/ok", "--rows", "500", "--parts", "1"});
  FrocketRun g2 = Embedded({"generate", outside + "/secret", "--rows", "500", "--parts", "1"});
  ASSERT_EQ(g1.result.exit_code, 0);
  ASSERT_EQ(g2.result.exit_code, 0);
  fs::create_directory_symlink(outside + "/secret", allowed + "/link");
  Start({{"FROCKET_ALLOWED_BASEPATHS", allowed + ", s3://bucket/datasets/"}});
  for (const std::string& path : std::vector<std::string>{
           outside + "/secret", allowed + "/../outside/secret", allowed + "/link", "/etc",
           std::string("file://") + outside + "/secret", "s3://bucket/other/",
           "s3://bucket/datasets/../other/", "s3://bucket/datasets2/", allowed + "x"}) {
    ExpectError(Call("POST", "/datasets/register", RegisterBody("x", path)), 403,
                "FROCKET_ALLOWED_BASEPATHS");
  }
  EXPECT_EQ(Call("POST", "/datasets/register", RegisterBody("x", allowed + "/ok")).status, 200);
  EXPECT_EQ(Call("POST", "/datasets/register", RegisterBody("x", allowed + "/./ok/")).status, 200);
  EXPECT_EQ(Call("GET", "/datasets/x/empty-query").Json()["query"]["matchingGroupRows"], 500);
}

TEST_F(ApiHostileTest, SymbolicLinksAmongThePartsCannotLeaveTheAllowedRoots) {
  const std::string allowed = Dir("allowed");
  const std::string outside = Dir("outside");
  FrocketRun g1 = Embedded({"generate", allowed + "/ok", "--rows", "500", "--parts", "1"});
  FrocketRun g2 = Embedded({"generate", outside + "/secret", "--rows", "700", "--parts", "1"});
  ASSERT_EQ(g1.result.exit_code, 0);
  ASSERT_EQ(g2.result.exit_code, 0);
  // A base path inside the root whose part is a link to a file outside it.
  fs::create_directories(allowed + "/linked");
  fs::create_symlink(outside + "/secret/part-00000.parquet", allowed + "/linked/part.parquet");
  Start({{"FROCKET_ALLOWED_BASEPATHS", allowed}});
  ExpectError(Call("POST", "/datasets/register", RegisterBody("x", allowed + "/linked")), 500,
              "outside the roots");
  EXPECT_EQ(Call("GET", "/datasets/x/schema").status, 404);

  // A part replaced, after registration, by a link to an outside copy of itself (same size
  // and modification time, so only where it leads tells): queries refuse it.
  ASSERT_EQ(Call("POST", "/datasets/register", RegisterBody("ok", allowed + "/ok")).status, 200);
  const std::string part = allowed + "/ok/part-00000.parquet";
  const std::string copy = outside + "/copy.parquet";
  fs::copy_file(part, copy);
  fs::last_write_time(copy, fs::last_write_time(part));
  fs::remove(part);
  fs::create_symlink(copy, part);
  ApiResponse r = Call("POST", "/datasets/ok/query", "{}");
  ExpectError(r, 500, "FROCKET_ALLOWED_BASEPATHS");
  EXPECT_TRUE(Mentions(r.body, copy)) << r.Describe();
}

TEST_F(ApiHostileTest, ServeRefusesToStartWithoutAllowedBasePaths) {
  // Without roots, registration errors would reveal which files exist anywhere and their
  // tail bytes ("/etc/hostname: 3 bytes is too small"): serving needs an explicit choice.
  auto server = ApiServerProcess::Start(EmbeddedEnv({{"FROCKET_ALLOWED_BASEPATHS", ""}}),
                                        Dir("logs") + "/refused.log");
  ASSERT_FALSE(server.ok()) << "serve started without FROCKET_ALLOWED_BASEPATHS";
  EXPECT_TRUE(Mentions(server.status().message(), "FROCKET_ALLOWED_BASEPATHS is not set"))
      << server.status().message();
  // "*" is that choice: the server starts and warns.
  Start({{"FROCKET_ALLOWED_BASEPATHS", "*"}});
  ExpectServing();
  EXPECT_TRUE(Mentions(server_->process().Log(), "FROCKET_ALLOWED_BASEPATHS=*"))
      << server_->process().Log();
}

TEST_F(ApiHostileTest, AStuckTaskFreesItsJobSlotAtTheRunTimeout) {
  // One job slot, and a task that never ends (test-only fault injection): the job fails at
  // the run timeout naming the part, and the slot is free for the next request.
  Start({{"FROCKET_APISERVER_MAX_JOBS", "1"},
         {"FROCKET_INVOKER_RUN_TIMEOUT", "2"},
         {"FROCKET_WORKER_FAULT_INJECTION", "part-00001@1:sleep=120000"}});
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE("query " + std::to_string(i + 1));
    ApiResponse r = Call("POST", "/datasets/web/query", "{}");
    ExpectError(r, 500, "abandoned");
    EXPECT_TRUE(Mentions(r.body, "part-00001")) << r.Describe();
  }
  ExpectServing();
}

TEST_F(ApiHostileTest, BearerTokensGuardReadsAndAdminActionsSeparately) {
  Start({{"FROCKET_APISERVER_AUTH_TOKEN", "user-secret"},
         {"FROCKET_APISERVER_ADMIN_TOKEN", "admin-secret"}});
  token_ = "user-secret";
  const std::string reg = RegisterBody("t", data_);
  ApiResponse none = Call("GET", "/datasets");
  ExpectError(none, 401, "Authorization: Bearer");
  EXPECT_EQ(none.headers["www-authenticate"], "Bearer realm=\"frocket\"");
  ExpectError(Call("GET", "/datasets", "", {}, "wrong"), 401, "not valid");
  ExpectError(Call("GET", "/metrics"), 401, "Bearer");
  ExpectError(Call("GET", "/datasets", "", {"Authorization: Basic dXNlcjpwYXNz"}), 401,
              "not valid");
  EXPECT_EQ(Call("GET", "/datasets", "", {}, "user-secret").status, 200);
  EXPECT_EQ(Call("GET", "/datasets/web/empty-query", "", {}, "user-secret").status, 200);
  EXPECT_EQ(Call("GET", "/metrics", "", {}, "user-secret").status, 200);
  ExpectError(Call("POST", "/datasets/register", reg, {}, "user-secret"), 403, "admin token");
  ExpectError(Call("GET", "/datasets/web/parts", "", {}, "user-secret"), 403, "admin token");
  ExpectError(Call("POST", "/datasets/web/unregister?force=true", "", {}, "user-secret"), 403,
              "admin token");
  EXPECT_EQ(Call("POST", "/datasets/register", reg, {}, "admin-secret").status, 200);
  EXPECT_EQ(Call("GET", "/datasets/t/schema", "", {}, "admin-secret").status, 200);
  EXPECT_EQ(Call("POST", "/datasets/t/unregister?force=true", "", {}, "admin-secret").status, 200);
  // The token never shows in the logs.
  EXPECT_EQ(server_->process().Log().find("secret"), std::string::npos);
  ExpectServing();
}

// The web UI's page and files come from the binary, without a token (they hold no data); the
// API beside them still wants one. A browser's GET / is the page, anything else's the API's
// description. Chart.js is Debian's file, byte for byte.
TEST_F(ApiHostileTest, TheWebUiIsServedWithoutATokenAndTheApiStillWantsOne) {
  Start({{"FROCKET_APISERVER_AUTH_TOKEN", "user-secret"}});
  token_ = "user-secret";  // ExpectServing's
  ApiResponse page = Call("GET", "/", "", {"Accept: text/html,application/xhtml+xml,*/*;q=0.8"});
  EXPECT_EQ(page.status, 200) << page.Describe();
  EXPECT_EQ(page.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<title>frocket</title>"), std::string::npos);
  ExpectError(Call("GET", "/"), 401, "Bearer");
  EXPECT_EQ(Call("GET", "/", "", {}, "user-secret").Json()["name"], "frocket");
  ApiResponse script = Call("GET", "/ui/app.js");
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.headers["content-type"], "text/javascript; charset=utf-8");
  EXPECT_EQ(script.headers["x-content-type-options"], "nosniff");
  ApiResponse chart = Call("GET", "/ui/chart.min.js");
  std::ifstream debian("/usr/share/javascript/chart.js/chart.min.js", std::ios::binary);
  const std::string expected((std::istreambuf_iterator<char>(debian)),
                             std::istreambuf_iterator<char>());
  EXPECT_FALSE(expected.empty());
  EXPECT_TRUE(chart.status == 200 && chart.body == expected) << chart.status;
  ExpectError(Call("GET", "/ui/no-such-file.js"), 404, "no such file of the web UI");
  ExpectError(Call("GET", "/ui/..%2Fapi_server.cc"), 404, "no such file");
  ExpectError(Call("POST", "/ui/app.js"), 405, "use GET");
  ExpectError(Call("GET", "/datasets"), 401, "Bearer");
  ExpectServing();
}

TEST_F(ApiHostileTest, AdminActionsOffAndErrorDetailsOff) {
  Start({{"FROCKET_APISERVER_ADMIN_ACTIONS", "false"},
         {"FROCKET_APISERVER_ERROR_DETAILS", "false"},
         {"FROCKET_APISERVER_PRETTYPRINT", "false"}});
  const std::string reg = RegisterBody("t", data_);
  ExpectError(Call("POST", "/datasets/register", reg), 403, "FROCKET_APISERVER_ADMIN_ACTIONS");
  ExpectError(Call("POST", "/datasets/web/unregister"), 403, "FROCKET_APISERVER_ADMIN_ACTIONS");
  ExpectError(Call("GET", "/datasets/web/parts"), 403, "disabled");
  ApiResponse list = Call("GET", "/datasets");
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(list.body.find('\n'), list.body.size() - 1) << "not pretty-printed: " << list.body;
  ExpectServing();

  // A job that fails says only "Error"; the log keeps the detail.
  fs::remove(data_ + "/part-00001.parquet");
  ApiResponse failed = Call("GET", "/datasets/web/empty-query");
  EXPECT_EQ(failed.status, 500) << failed.Describe();
  EXPECT_EQ(failed.Json()["errorMessage"], "Error");
  EXPECT_TRUE(failed.Json()["requestId"].is_string());
  EXPECT_TRUE(WaitUntil(
      [&] { return server_->process().Log().find("part-00001.parquet") != std::string::npos; }, 5));
  // Request errors are the client's own and keep their message.
  ExpectError(Call("GET", "/datasets/nosuch/schema"), 404, "not found");
}

TEST_F(ApiHostileTest, SlowClientsAreCutOffWhileOthersAreServed) {
  Start({{"FROCKET_APISERVER_HEADER_TIMEOUT", "2"}, {"FROCKET_APISERVER_BODY_TIMEOUT", "2"}});
  // Twenty clients sending half a request and nothing more, one trickling a byte every 0.2 s
  // (each byte within any per-read timeout), one sending half a body.
  std::vector<std::unique_ptr<RawConnection>> stalled;
  for (int i = 0; i < 20; ++i) {
    auto c = RawConnection::Connect(server_->port());
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE((*c)->Send("GET /datasets HTTP/1.1\r\nHost: x\r\n"));
    stalled.push_back(std::move(*c));
  }
  auto trickler = RawConnection::Connect(server_->port());
  ASSERT_TRUE(trickler.ok());
  auto half_body = RawConnection::Connect(server_->port());
  ASSERT_TRUE(half_body.ok());
  ASSERT_TRUE(
      (*half_body)
          ->Send(
              "POST /datasets/web/query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              "Content-Length: 100\r\n\r\n{\"que"));
  const double start = MonotonicSeconds();
  std::thread trickle([&] {
    const std::string request =
        "GET /datasets HTTP/1.1\r\nHost: x\r\nX-Padding: " + std::string(100, 'p') + "\r\n\r\n";
    for (char c : request) {
      if (!(*trickler)->Send(std::string(1, c))) return;
      SleepForSeconds(0.2);
    }
  });
  // Meanwhile, others are served promptly.
  for (int i = 0; i < 5; ++i) {
    const double t = MonotonicSeconds();
    ExpectServing();
    EXPECT_LT(MonotonicSeconds() - t, 1.0);
  }
  // Each slow client gets 408 once its time is up, and is disconnected.
  const std::string answer = (*trickler)->ReadUntilClosed(6);
  EXPECT_EQ(answer.rfind("HTTP/1.1 408 ", 0), 0u) << answer;
  EXPECT_NE(answer.find("FROCKET_APISERVER_HEADER_TIMEOUT"), std::string::npos) << answer;
  const double took = MonotonicSeconds() - start;
  EXPECT_GE(took, 1.8);
  EXPECT_LT(took, 4.0);
  const std::string body_answer = (*half_body)->ReadUntilClosed(4);
  EXPECT_EQ(body_answer.rfind("HTTP/1.1 408 ", 0), 0u) << body_answer;
  EXPECT_NE(body_answer.find("FROCKET_APISERVER_BODY_TIMEOUT"), std::string::npos);
  for (auto& c : stalled) {
    const std::string a = c->ReadUntilClosed(4);
    EXPECT_EQ(a.rfind("HTTP/1.1 408 ", 0), 0u) << a;
  }
  trickle.join();
  ExpectServing();
}

TEST_F(ApiHostileTest, ProtocolGarbageGetsAClearStatus) {
  Start();
  struct Case {
    std::string bytes;
    std::string status;
    std::string mention;
  };
  const std::vector<Case> cases = {
      {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + "\r\n\r\n", "400",
       "malformed request line"},
      {"GET /datasets HTTP/2.0\r\nHost: x\r\n\r\n", "505", "not supported"},
      {"GET /datasets HTTP/1.1\r\n\r\n", "400", "Host"},
      {"GET /datasets HTTP/1.1\r\nHost x\r\n\r\n", "400", "malformed header"},
      {"GET /datasets HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", "400", "folded"},
      {"GET http://evil/datasets HTTP/1.1\r\nHost: x\r\n\r\n", "400", "starting with '/'"},
      {"POST /datasets/web/query HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
       "2\r\n{}\r\n0\r\n\r\n",
       "501", "Content-Length"},
      {"POST /datasets/web/query HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
       "Content-Length: 3\r\n\r\n{}",
       "400", "conflicting Content-Length"},
      {"POST /datasets/web/query HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", "400",
       "not a number"},
      {"GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n", "414", "longer than"},
      {"GET /datasets HTTP/1.1\r\nHost: x\r\nX: " + std::string(20000, 'a') + "\r\n\r\n", "431",
       "longer than"},
      {"GET /datasets HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n\r\n", "417", "Expect"},
  };
  for (const Case& c : cases) {
    const std::string answer = Raw(c.bytes);
    EXPECT_EQ(answer.rfind("HTTP/1.1 " + c.status + " ", 0), 0u)
        << c.bytes.substr(0, 80) << "\n->\n"
        << answer;
    EXPECT_NE(answer.find(c.mention), std::string::npos) << answer;
  }
  // Two requests in one packet (pipelined) get two answers, in order.
  const std::string both =
      Raw("GET /datasets/web/schema HTTP/1.1\r\nHost: x\r\n\r\n"
          "GET /datasets/nosuch/schema HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const size_t first = both.find("HTTP/1.1 200 ");
  const size_t second = both.find("HTTP/1.1 404 ");
  EXPECT_EQ(first, 0u) << both;
  EXPECT_NE(second, std::string::npos) << both;
  ExpectServing();
}

}  // namespace
}  // namespace frocket::testing
