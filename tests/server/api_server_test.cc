// The API server over real HTTP: `frocket serve` started on a free loopback port, driven by
// libcurl. Every endpoint of Funnel Rocket's docs/api.md, streaming parsed line by line as it
// arrives, metrics, and the same answers as the CLI in the embedded and cluster modes.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <thread>

#include "support/api_client.h"
#include "support/cluster_fixture.h"

namespace frocket::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class ApiServerTest : public ClusterTest {
 protected:
  // Starts `frocket serve` in `env`; fails the test if it does not come up.
  ApiServerProcess* Serve(const Environment& env) {
    auto server = ApiServerProcess::Start(
        env, Dir("logs") + "/serve-" + std::to_string(servers_.size()) + ".log");
    EXPECT_TRUE(server.ok()) << server.status().message();
    if (!server.ok()) return nullptr;
    servers_.push_back(std::move(*server));
    return servers_.back().get();
  }

  void TearDown() override {
    if (HasFailure()) {
      for (auto& s : servers_) std::cerr << "--- server log:\n" << s->process().Log() << "\n";
    }
    servers_.clear();
    ClusterTest::TearDown();
  }

  static json RegisterBody(const std::string& name, const std::string& dir) {
    return {{"name", name},
            {"basepath", dir},
            {"groupIdColumn", "user_id"},
            {"timestampColumn", "ts"},
            {"validationMode", "FIRST_LAST"}};
  }

  // The query text a test query is sent as ("" is the empty query).
  static std::string Body(const std::string& query) { return query.empty() ? "{}" : query; }

  // {"query", "funnel"} of a successful API response.
  static json Answer(const ApiResponse& r) {
    json j = r.Json();
    EXPECT_EQ(r.status, 200) << r.Describe();
    EXPECT_TRUE(j.is_object() && j.value("success", false)) << r.Describe();
    if (!j.is_object()) return nullptr;
    return {{"query", j.value("query", json())}, {"funnel", j.value("funnel", json())}};
  }

  // Checks a streamed job: progress lines in Funnel Rocket's format, each counting `tasks`
  // tasks, then the response; returns the response.
  static json CheckStream(const ApiResponse& r, int64_t tasks) {
    EXPECT_EQ(r.status, 200) << r.Describe();
    EXPECT_EQ(r.headers.count("transfer-encoding") ? r.headers.at("transfer-encoding") : "",
              "chunked");
    EXPECT_FALSE(r.lines.empty()) << r.Describe();
    if (r.lines.empty()) return nullptr;
    static const std::set<std::string> kStages = {"STARTING", "RUNNING", "FINISHING", "DONE"};
    static const std::set<std::string> kStatuses = {"QUEUED",  "LOADING_DATA",  "RUNNING_QUERY",
                                                    "RUNNING", "ENDED_SUCCESS", "ENDED_FAILED"};
    for (size_t i = 0; i + 1 < r.lines.size(); ++i) {
      json update = json::parse(r.lines[i], nullptr, false);
      EXPECT_TRUE(update.is_object() && update.size() == 3) << r.lines[i];
      if (!update.is_object()) continue;
      EXPECT_TRUE(update["message"].is_string()) << r.lines[i];
      EXPECT_TRUE(kStages.count(update.value("stage", ""))) << r.lines[i];
      int64_t total = 0;
      for (const auto& [status, n] : update["tasks"].items()) {
        EXPECT_TRUE(kStatuses.count(status)) << r.lines[i];
        total += n.get<int64_t>();
      }
      EXPECT_EQ(total, tasks) << r.lines[i];
    }
    json last = json::parse(r.lines.back(), nullptr, false);
    EXPECT_TRUE(last.is_object() && last.contains("success")) << r.lines.back();
    return last;
  }

  std::vector<std::unique_ptr<ApiServerProcess>> servers_;
};

// Sums the values of a metric's series whose labels include every one of `labels`
// ("name{...} value" lines of the Prometheus text format).
double MetricSum(const std::string& text, const std::string& name,
                 const std::vector<std::string>& labels) {
  double sum = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name + "{", 0) != 0 && line.rfind(name + " ", 0) != 0) continue;
    bool all = true;
    for (const auto& l : labels) all = all && line.find(l) != std::string::npos;
    if (all) sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

TEST_F(ApiServerTest, EveryEndpointInTheEmbeddedModeAnswersAsTheCli) {
  const std::string dir = Generate("activity", 30000, 3, 7);
  ApiServerProcess* server = Serve(EmbeddedEnv());
  ASSERT_NE(server, nullptr);
  ApiClient api(server->port());

  // Register, as Funnel Rocket's body.
  auto reg = api.Post("/datasets/register", RegisterBody("web", dir).dump());
  ASSERT_TRUE(reg.ok()) << reg.status().message();
  json registered = reg->Json();
  ASSERT_EQ(reg->status, 200) << reg->Describe();
  EXPECT_TRUE(registered["success"].get<bool>());
  EXPECT_TRUE(registered["requestId"].is_string());
  EXPECT_EQ(registered["dataset"]["id"]["name"], "web");
  EXPECT_EQ(registered["dataset"]["totalParts"], 3);
  EXPECT_EQ(registered["stats"]["dataset"]["parts"], 3);

  // List.
  auto list = api.Get("/datasets");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->status, 200) << list->Describe();
  ASSERT_TRUE(list->Json().is_array()) << list->Describe();
  ASSERT_EQ(list->Json().size(), 1u);
  EXPECT_EQ(list->Json()[0]["basepath"], dir);

  // Parts: the directory's files and sizes, as the file system has them.
  std::vector<std::string> files;
  int64_t total_size = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    files.push_back(e.path().filename().string());
    total_size += static_cast<int64_t>(e.file_size());
  }
  std::sort(files.begin(), files.end());
  auto parts = api.Get("/datasets/web/parts");
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->status, 200) << parts->Describe();
  EXPECT_EQ(parts->Json()["filenames"].get<std::vector<std::string>>(), files);
  EXPECT_EQ(parts->Json()["totalParts"], 3);
  EXPECT_EQ(parts->Json()["totalSize"], total_size);
  EXPECT_EQ(parts->Json()["namingMethod"], "LIST");

  // Schema, short and full: the CLI's `info` shows the same.
  FrocketRun info = Embedded({"info", "web", "--nopretty"});
  FrocketRun info_full = Embedded({"info", "web", "--full", "--nopretty"});
  ASSERT_TRUE(info.out && info_full.out) << info.Describe();
  auto schema = api.Get("/datasets/web/schema");
  auto full = api.Get("/datasets/web/schema?full=true");
  ASSERT_TRUE(schema.ok() && full.ok());
  EXPECT_EQ(schema->status, 200);
  EXPECT_EQ(schema->Json(), (*info.out)["schema"]);
  EXPECT_EQ(schema->Json()["columns"]["user_id"], "INT");
  EXPECT_EQ(full->Json(), (*info_full.out)["schema"]);
  EXPECT_EQ(full->Json()["columns"]["ts"]["coltype"], "INT");

  // The empty query counts every generated row; every query answers as the CLI does.
  auto empty = api.Get("/datasets/web/empty-query");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(Answer(*empty)["query"]["matchingGroupRows"], 30000);
  for (const std::string& q : ActivityQueries()) {
    auto r = api.Post("/datasets/web/query", Body(q));
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(Answer(*r), EmbeddedAnswer("web", q)) << q;
  }

  // Streaming: progress over the 3 tasks, then the same answer.
  const std::string funnel = ActivityQueries().back();
  auto streamed = api.Post("/datasets/web/query?stream=true", funnel);
  ASSERT_TRUE(streamed.ok());
  json last = CheckStream(*streamed, 3);
  EXPECT_EQ((json{{"query", last["query"]}, {"funnel", last["funnel"]}}),
            EmbeddedAnswer("web", funnel));
  // Group ids as files: what `frocket run --groups-out` writes, CSV by default or Parquet; as
  // many ids as the query's matching groups.
  const std::string buyers =
      R"({"query": {"conditions": [{"filter": ["event_type", "==", "purchase"]}]}})";
  const int64_t buyer_count =
      EmbeddedAnswer("web", buyers)["query"]["matchingGroups"].get<int64_t>();
  ASSERT_GT(buyer_count, 0);
  auto csv = api.Post("/datasets/web/groups", buyers);
  ASSERT_TRUE(csv.ok()) << csv.status().message();
  ASSERT_EQ(csv->status, 200) << csv->Describe();
  EXPECT_EQ(csv->headers["content-type"].rfind("text/csv", 0), 0u) << csv->Describe();
  const std::string scratch = fs::path(dir).parent_path().string();  // not the dataset's dir
  const std::string cli_csv = scratch + "/buyers.csv";
  FrocketRun cli =
      Embedded({"run", "web", "--string", buyers, "--groups-out", cli_csv, "--nopretty"});
  ASSERT_TRUE(cli.out) << cli.Describe();
  std::ifstream file(cli_csv);
  const std::string cli_bytes((std::istreambuf_iterator<char>(file)),
                              std::istreambuf_iterator<char>());
  EXPECT_EQ(csv->body, cli_bytes);
  EXPECT_EQ(csv->body.rfind("user_id\n", 0), 0u);
  EXPECT_EQ(std::count(csv->body.begin(), csv->body.end(), '\n'), buyer_count + 1);
  auto parquet = api.Post("/datasets/web/groups?format=parquet", buyers);
  ASSERT_TRUE(parquet.ok());
  ASSERT_EQ(parquet->status, 200) << parquet->Describe();
  const std::string ids_file = scratch + "/buyers.parquet";
  {
    std::ofstream out(ids_file, std::ios::binary);
    out << parquet->body;
  }
  FrocketRun cat = Embedded({"parquet", "cat", ids_file});
  EXPECT_EQ(std::count(cat.result.out.begin(), cat.result.out.end(), '\n'), buyer_count)
      << cat.Describe();
  auto bad_format = api.Post("/datasets/web/groups?format=xml", buyers);
  ASSERT_TRUE(bad_format.ok());
  EXPECT_EQ(bad_format->status, 400) << bad_format->Describe();
  auto bad_query = api.Post("/datasets/web/groups", R"({"groups": {"of": "step", "step": 0}})");
  ASSERT_TRUE(bad_query.ok());
  EXPECT_EQ(bad_query->status, 400) << bad_query->Describe();
  EXPECT_NE(bad_query->body.find("groups.of"), std::string::npos) << bad_query->Describe();

  auto streamed_empty = api.Get("/datasets/web/empty-query?stream=true");
  ASSERT_TRUE(streamed_empty.ok());
  EXPECT_EQ(CheckStream(*streamed_empty, 3)["query"]["matchingGroupRows"], 30000);
  // A registration streams too (first_last inspects 2 parts).
  auto streamed_reg = api.Post("/datasets/register?stream=true", RegisterBody("web2", dir).dump());
  ASSERT_TRUE(streamed_reg.ok());
  EXPECT_TRUE(CheckStream(*streamed_reg, 2).value("success", false)) << streamed_reg->Describe();

  // Unregister: refused right after a query (FROCKET_UNREGISTER_LAST_USED_INTERVAL), then
  // forced; then the dataset is gone.
  auto refused = api.Post("/datasets/web/unregister", "");
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 500) << refused->Describe();
  EXPECT_FALSE(refused->Json()["success"].get<bool>());
  EXPECT_TRUE(refused->Json()["datasetFound"].get<bool>());
  auto forced = api.Post("/datasets/web/unregister?force=true", "");
  ASSERT_TRUE(forced.ok());
  EXPECT_EQ(forced->status, 200) << forced->Describe();
  EXPECT_TRUE(forced->Json()["datasetFound"].get<bool>());
  auto gone = api.Get("/datasets/web/schema");
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->status, 404) << gone->Describe();
  auto again = api.Post("/datasets/web/unregister", "");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 200);
  EXPECT_FALSE(again->Json()["datasetFound"].get<bool>());
  FrocketRun cli_list = Embedded({"list", "--nopretty"});
  ASSERT_TRUE(cli_list.out) << cli_list.Describe();
  ASSERT_EQ(cli_list.out->size(), 1u);
  EXPECT_EQ((*cli_list.out)[0]["id"]["name"], "web2");

  // Health, the root, and one access-log line per request.
  auto health = api.Get("/health");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200) << health->Describe();
  EXPECT_EQ(health->Json()["datastore"], "reachable") << health->Describe();
  EXPECT_EQ(health->Json()["datasets"], 1) << health->Describe();
  EXPECT_EQ(health->Json()["invoker"], "local") << health->Describe();
  auto root = api.Get("/");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->status, 200) << root->Describe();
  EXPECT_NE(root->Json().value("queryLanguage", "").find("docs/query-language.md"),
            std::string::npos)
      << root->Describe();
  const std::string log = server->process().Log();
  EXPECT_NE(log.find("GET /health 200 "), std::string::npos) << log;
  EXPECT_NE(log.find("GET /datasets/web/schema 404 "), std::string::npos) << log;
  EXPECT_NE(log.find("POST /datasets/register 200 "), std::string::npos) << log;
}

// POST /datasets/{name}/validate checks a query as the query endpoint does, without running
// it: what the query endpoint accepts it calls valid; what the query endpoint refuses it refuses
// with the same status and message, and the JSON path of what is wrong beside it.
TEST_F(ApiServerTest, ValidateAnswersAsTheQueryEndpointWithoutRunningTheQuery) {
  const std::string dir = Generate("activity", 3000, 2, 7);
  ApiServerProcess* server = Serve(EmbeddedEnv());
  ASSERT_NE(server, nullptr);
  ApiClient api(server->port());
  auto reg = api.Post("/datasets/register", RegisterBody("web", dir).dump());
  ASSERT_TRUE(reg.ok() && reg->status == 200);
  for (const std::string& q : ActivityQueries()) {
    auto r = api.Post("/datasets/web/validate", Body(q));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200) << r->Describe();
    EXPECT_EQ(r->Json(), json({{"success", true}, {"valid", true}})) << q;
  }
  const std::pair<std::string, std::string> invalid[] = {
      {R"({"query": {"conditions": [{"filter": ["event_type", "==", 5]}]}})",
       "query.conditions[0].filter[2]"},
      {R"({"query": {"conditons": []}})", "query.conditons"},
      {R"({"funnel": {"sequence": [{"filter": ["no_such_column", "==", 5]}]}})",
       "funnel.sequence[0].filter[0]"},
      {R"({"timeframe": {"from": "yesterday"}})", "timeframe.from"},
  };
  for (const auto& [query, path] : invalid) {
    auto v = api.Post("/datasets/web/validate", query);
    auto q = api.Post("/datasets/web/query", query);
    ASSERT_TRUE(v.ok() && q.ok());
    EXPECT_EQ(v->status, 400) << v->Describe();
    EXPECT_EQ(v->status, q->status);
    EXPECT_EQ(v->Json()["errorMessage"], q->Json()["errorMessage"]) << v->Describe();
    EXPECT_EQ(v->Json()["valid"], false);
    EXPECT_EQ(v->Json()["errorPath"], path) << v->Describe();
  }
  auto malformed = api.Post("/datasets/web/validate", "{\"query\": ");
  ASSERT_TRUE(malformed.ok());
  EXPECT_EQ(malformed->status, 400) << malformed->Describe();
  auto unknown = api.Post("/datasets/nosuch/validate", "{}");
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->status, 404) << unknown->Describe();
  // Nothing ran: no task was counted.
  auto metrics = api.Get("/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_EQ(metrics->body.find("job_type=\"query\""), std::string::npos) << metrics->body;
  // ... as one that ran is.
  auto ran = api.Post("/datasets/web/query", Body(ActivityQueries().front()));
  ASSERT_TRUE(ran.ok() && ran->status == 200);
  metrics = api.Get("/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics->body.find("job_type=\"query\""), std::string::npos) << metrics->body;
}

TEST_F(ApiServerTest, MetricsCountRequestsTasksRowsAndCacheTiers) {
  const std::string dir = Generate("activity", 12000, 3, 11);
  ApiServerProcess* server = Serve(EmbeddedEnv());
  ASSERT_NE(server, nullptr);
  ApiClient api(server->port());
  ASSERT_EQ(api.Post("/datasets/register", RegisterBody("m", dir).dump())->status, 200);
  for (int i = 0; i < 2; ++i) ASSERT_EQ(api.Get("/datasets/m/empty-query")->status, 200);
  int64_t total_size = 0;
  for (const auto& e : fs::directory_iterator(dir)) total_size += e.file_size();

  auto metrics = api.Get("/metrics");
  ASSERT_TRUE(metrics.ok());
  ASSERT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = metrics->body;
  const std::vector<std::string> query = {"job_type=\"query\"", "dataset=\"m\""};
  // Two jobs of 3 tasks; each job scans every row once.
  EXPECT_EQ(MetricSum(text, "scanned_rows_count", query), 6);
  EXPECT_EQ(MetricSum(text, "scanned_rows_sum", query), 2 * 12000);
  EXPECT_EQ(
      MetricSum(text, "invoker_total_seconds_count", {"job_type=\"query\"", "success=\"True\""}),
      2);
  EXPECT_EQ(MetricSum(text, "invoker_total_seconds_count", {"job_type=\"register\""}), 1);
  // The first job loads the parts from their files, the second from the memory cache.
  EXPECT_EQ(MetricSum(text, "frocket_part_loads_total", {"job_type=\"query\"", "\"source\""}), 3);
  EXPECT_EQ(MetricSum(text, "frocket_part_loads_total", {"job_type=\"query\"", "\"memory_cache\""}),
            3);
  const double bytes =
      MetricSum(text, "frocket_task_bytes_read_total", {"job_type=\"query\"", "\"source\""});
  // Each part is read once: its column chunks, plus the footer read with up to 64 KiB of
  // the file's tail (the whole of these small files) in one go.
  EXPECT_GT(bytes, 0);
  EXPECT_LE(bytes, static_cast<double>(total_size) + 3 * 65536);
  EXPECT_EQ(MetricSum(text, "frocket_task_bytes_read_total", {"\"memory_cache\""}), 0);
  // Funnel Rocket's seconds buckets, cumulative, ending at +Inf = count.
  EXPECT_NE(text.find("task_total_run_seconds_bucket{component=\"worker\",dataset=\"m\",job_type="
                      "\"query\",load_from=\"source\",success=\"True\","
                      "worker_startup=\"warm\",le=\"0.05\"} "),
            std::string::npos)
      << text.substr(0, 3000);
  EXPECT_EQ(MetricSum(text, "frocket_http_requests_total",
                      {"route=\"/datasets/{name}/empty-query\"", "status=\"200\""}),
            2);
  EXPECT_EQ(MetricSum(text, "frocket_jobs_running", {}), 0);
}

TEST_F(ApiServerTest, ClusterModeAnswersAsTheCliAndServersShareRedis) {
  StartWorkers(2);
  const std::string dir = Generate("activity", 20000, 4, 3);
  RegisterInBothModes("ds", dir);
  ApiServerProcess* a = Serve(ClusterEnv());
  ApiServerProcess* b = Serve(ClusterEnv());
  ASSERT_TRUE(a != nullptr && b != nullptr);
  ApiClient api_a(a->port()), api_b(b->port());
  int i = 0;
  for (const std::string& q : ActivityQueries()) {
    ApiClient& api = (i++ % 2 == 0) ? api_a : api_b;
    auto r = api.Post("/datasets/ds/query", Body(q));
    ASSERT_TRUE(r.ok()) << r.status().message();
    FrocketRun cli = Cluster(RunArgs("ds", q));
    EXPECT_EQ(Answer(*r), ClusterTest::Answer(cli)) << q;
  }
  auto streamed = api_b.Get("/datasets/ds/empty-query?stream=true");
  ASSERT_TRUE(streamed.ok());
  EXPECT_EQ(CheckStream(*streamed, 4)["query"]["matchingGroupRows"], 20000);

  // Registered through one server, queried through the other.
  auto reg = api_a.Post("/datasets/register?stream=true", RegisterBody("via-a", dir).dump());
  ASSERT_TRUE(reg.ok());
  EXPECT_TRUE(CheckStream(*reg, 2).value("success", false)) << reg->Describe();
  auto list = api_b.Get("/datasets");
  ASSERT_TRUE(list.ok());
  std::set<std::string> names;
  for (const auto& d : list->Json()) names.insert(d["id"]["name"].get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"ds", "via-a"}));
  auto r = api_b.Get("/datasets/via-a/empty-query");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Answer(*r)["query"]["matchingGroupRows"], 20000);

  // Health counts the live workers: the two started above.
  auto health = api_a.Get("/health");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200) << health->Describe();
  EXPECT_EQ(health->Json()["invoker"], "work_queue") << health->Describe();
  EXPECT_EQ(health->Json()["liveWorkers"], 2) << health->Describe();
}

// Queries at once, each needing other columns of the same cached parts: every part is
// extended with the missing columns by several tasks at a time, and per-value aggregations
// encode those columns concurrently. (Under load this once crashed the server: value codes
// cached for one extension pointed into a column another one had replaced.) Re-registering
// empties the caches, so each round starts from parts without those columns.
TEST_F(ApiServerTest, ConcurrentQueriesExtendingTheSameCachedPartsAgree) {
  const std::string dir = Generate("activity", 40000, 4, 9);
  ApiServerProcess* server = Serve(EmbeddedEnv());
  ASSERT_NE(server, nullptr);
  const std::string funnel =
      R"({"funnel": {"sequence": [{"filter": ["event_type", "==", "pageview"]},
      {"filter": ["event_type", "==", "addtocart"]}],
      "stepAggregations": {"columns": [{"column": "country", "type": "countPerValue"},
                                       {"column": "device", "type": "groupsPerValue"}]}}})";
  json expected;
  for (int round = 0; round < 6; ++round) {
    ApiClient admin(server->port());
    ASSERT_EQ(admin.Post("/datasets/register", RegisterBody("c", dir).dump())->status, 200);
    std::vector<json> answers(4);
    std::vector<std::thread> clients;
    for (int t = 0; t < 4; ++t) {
      clients.emplace_back([&, t] {
        ApiClient api(server->port());
        auto empty = api.Get("/datasets/c/empty-query");
        auto r = api.Post("/datasets/c/query", funnel);
        if (empty.ok() && r.ok() && empty->status == 200 && r->status == 200) {
          answers[t] = r->Json()["funnel"];
        }
      });
    }
    for (auto& c : clients) c.join();
    ASSERT_TRUE(server->process().Running()) << "the server died in round " << round;
    if (expected.is_null()) {
      auto r = ApiClient(server->port()).Post("/datasets/c/query", funnel);
      ASSERT_TRUE(r.ok()) << r.status().message();
      expected = Answer(*r)["funnel"];
    }
    for (int t = 0; t < 4; ++t) EXPECT_EQ(answers[t], expected) << "round " << round;
  }
  EXPECT_EQ(expected, EmbeddedAnswer("c", funnel)["funnel"]);
}

// Jobs that cannot finish: a cluster whose only worker is gone, so tasks wait for the
// invoker's run timeout.
class ApiSlowJobTest : public ApiServerTest {
 protected:
  void SetUp() override {
    ApiServerTest::SetUp();
    StartWorkers(1);
    RegisterInBothModes("ds", Generate("activity", 3000, 3, 5));
    workers_[0]->Kill();
  }
  static constexpr const char* kRunTimeout = "6";
};

TEST_F(ApiSlowJobTest, RequestTimeoutAndTheJobLimitAnswer504And429) {
  ApiServerProcess* server = Serve(ClusterEnv({{"FROCKET_INVOKER_RUN_TIMEOUT", kRunTimeout},
                                               {"FROCKET_APISERVER_REQUEST_TIMEOUT", "1.5"},
                                               {"FROCKET_APISERVER_MAX_JOBS", "1"}}));
  ASSERT_NE(server, nullptr);
  ApiClient api(server->port());
  const double start = MonotonicSeconds();
  auto timed_out = api.Get("/datasets/ds/empty-query");
  ASSERT_TRUE(timed_out.ok());
  EXPECT_EQ(timed_out->status, 504) << timed_out->Describe();
  EXPECT_GE(MonotonicSeconds() - start, 1.4);
  EXPECT_NE(timed_out->body.find("FROCKET_APISERVER_REQUEST_TIMEOUT"), std::string::npos);

  // Its job still holds the only slot.
  auto refused = api.Post("/datasets/ds/query", "{}");
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 429) << refused->Describe();
  EXPECT_EQ(refused->headers["retry-after"], "1");
  EXPECT_NE(refused->body.find("FROCKET_APISERVER_MAX_JOBS"), std::string::npos);
  // Requests that run no job are served meanwhile.
  EXPECT_EQ(api.Get("/datasets/ds/schema")->status, 200);

  // Once the job ends (at the run timeout), the slot is free: a streamed request gets 200,
  // then Funnel Rocket's timeout as its last line.
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto m = api.Get("/metrics");
        return m.ok() && MetricSum(m->body, "frocket_jobs_running", {}) == 0;
      },
      15));
  auto streamed = api.Get("/datasets/ds/empty-query?stream=true");
  ASSERT_TRUE(streamed.ok());
  EXPECT_EQ(streamed->status, 200);
  ASSERT_FALSE(streamed->lines.empty());
  json last = json::parse(streamed->lines.back(), nullptr, false);
  EXPECT_EQ(last, (json{{"success", false}, {"errorMessage", "Request timed out"}}));
}

TEST_F(ApiSlowJobTest, ClientsLeavingMidStreamLeakNothing) {
  ApiServerProcess* server = Serve(ClusterEnv({{"FROCKET_INVOKER_RUN_TIMEOUT", kRunTimeout}}));
  ASSERT_NE(server, nullptr);
  ApiClient probe(server->port());
  ASSERT_EQ(probe.Get("/datasets")->status, 200);
  SleepForSeconds(0.2);
  const int files_before = server->OpenFiles();
  const int threads_before = server->Threads();

  for (int i = 0; i < 8; ++i) {
    ApiClient client(server->port());
    int seen = 0;
    auto r = client.Call("GET", "/datasets/ds/empty-query?stream=true", "", {},
                         [&](const std::string&) { return ++seen < 1; });
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(seen, 1);
    EXPECT_EQ(r->status, 200);
  }
  // The server goes on serving while the abandoned jobs run.
  EXPECT_EQ(probe.Get("/datasets")->status, 200);
  // The jobs end at the run timeout, failed, and everything they held is released.
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto m = probe.Get("/metrics");
        return m.ok() && MetricSum(m->body, "frocket_jobs_running", {}) == 0 &&
               MetricSum(m->body, "invoker_total_seconds_count", {"success=\"False\""}) == 8;
      },
      30));
  ASSERT_TRUE(WaitUntil(
      [&] { return server->OpenFiles() <= files_before && server->Threads() <= threads_before; },
      10))
      << "open files " << server->OpenFiles() << " (before: " << files_before << "), threads "
      << server->Threads() << " (before: " << threads_before << ")";
}

}  // namespace
}  // namespace frocket::testing
