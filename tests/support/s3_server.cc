#include "support/s3_server.h"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <thread>

namespace frocket::testing {

namespace {

namespace fs = std::filesystem;

// How long a node server may take to listen (an ASan build's tests beside it load the CPU).
constexpr double kStartSeconds = 20;
// A request log that has not grown for this long has every line of the requests answered.
constexpr double kSettleSeconds = 0.2;
constexpr int kSettleChecks = 25;
// s3rver's default (and only) credentials.
constexpr const char* kAccessKey = "S3RVER";
constexpr const char* kSecretKey = "S3RVER";

std::vector<std::string> LinesStartingWith(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(prefix, 0) == 0) out.push_back(line);
  }
  return out;
}

}  // namespace

Result<long> HttpRequest(const std::string& method, const std::string& url, std::string_view body,
                         std::string* response_body) {
  HttpSession session;
  return session.Request(method, url, body, response_body);
}

Result<std::unique_ptr<S3Server>> S3Server::Start(const std::string& dir,
                                                  const std::vector<std::string>& buckets) {
  const std::string data = dir + "/data";
  fs::create_directories(data);
  std::vector<std::string> argv = {FROCKET_NODE_EXECUTABLE,
                                   std::string(FROCKET_NODE_MODULES_DIR) + "/s3rver/bin/s3rver.js",
                                   "-d",
                                   data,
                                   "-a",
                                   "127.0.0.1",
                                   "-p",
                                   "0"};
  for (const std::string& bucket : buckets) {
    argv.push_back("--configure-bucket");
    argv.push_back(bucket);
  }
  if (!fs::exists(argv[1])) {
    return Status::NotFound(argv[1] + " is missing: run npm install (scripts/test does)");
  }
  // s3rver makes continuation tokens with DES, which OpenSSL 3 keeps in its legacy provider.
  FROCKET_ASSIGN_OR_RETURN(
      auto process, BackgroundProcess::Start(argv, {{"NODE_OPTIONS", "--openssl-legacy-provider"}},
                                             dir + "/s3rver.log"));
  FROCKET_ASSIGN_OR_RETURN(int port, AwaitListeningPort(*process, "listening on ", kStartSeconds));
  auto server = std::unique_ptr<S3Server>(new S3Server(port, std::move(process)));
  HttpSession session;
  const bool up = WaitUntil(
      [&] {
        auto status = session.Request("GET", server->endpoint() + "/", {}, nullptr);
        return status.ok() && *status == 200;
      },
      kStartSeconds);
  if (!up) return Status::IOError("s3rver does not answer; its log:\n" + server->process_->Log());
  return server;
}

Environment S3ClientEnv(const std::string& endpoint, const std::string& access_key_id,
                        const std::string& secret_access_key) {
  // The names frocket reads first (all of them for the session token and anonymous access),
  // so that nothing from the environment the tests run in applies.
  return {{"FROCKET_S3_AWS_ENDPOINT_URL", endpoint},
          {"FROCKET_AWS_ENDPOINT_URL", endpoint},
          {"FROCKET_S3_AWS_ACCESS_KEY_ID", access_key_id},
          {"FROCKET_S3_AWS_SECRET_ACCESS_KEY", secret_access_key},
          {"FROCKET_S3_AWS_SESSION_TOKEN", ""},
          {"FROCKET_AWS_SESSION_TOKEN", ""},
          {"AWS_SESSION_TOKEN", ""},
          {"FROCKET_S3_AWS_NO_SIGNATURE", ""},
          {"FROCKET_AWS_NO_SIGNATURE", ""},
          {"FROCKET_S3_AWS_REGION", "us-east-1"},
          {"FROCKET_S3_ADDRESSING_STYLE", "path"}};
}

Environment S3Server::ClientEnv() const {
  return S3ClientEnv(endpoint(), kAccessKey, kSecretKey);
}

Status S3Server::Put(const std::string& bucket_and_key, std::string_view bytes) const {
  return ExpectStatus("PUT " + bucket_and_key, HttpRequest("PUT", Url(bucket_and_key), bytes), 200);
}

Status S3Server::Delete(const std::string& bucket_and_key) const {
  return ExpectStatus("DELETE " + bucket_and_key, HttpRequest("DELETE", Url(bucket_and_key)), 204);
}

Status S3Server::UploadDirectory(const std::string& dir, const std::string& bucket_and_prefix,
                                 int parallel) const {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file()) names.push_back(entry.path().filename().string());
  }
  std::atomic<size_t> next{0};
  std::mutex mutex;
  Status first_error;
  auto upload = [&] {
    HttpSession session;
    for (size_t i = next++; i < names.size(); i = next++) {
      const std::string key = bucket_and_prefix + names[i];
      const std::string bytes = ReadWholeFile(dir + "/" + names[i]);
      Status s = ExpectStatus("PUT " + key, session.Request("PUT", Url(key), bytes, nullptr), 200);
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(mutex);
        if (first_error.ok()) first_error = s;
        next = names.size();
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < parallel; ++t) threads.emplace_back(upload);
  for (auto& t : threads) t.join();
  return first_error;
}

int S3Server::RangedGets() const {
  size_t size = process_->Log().size();
  for (int i = 0; i < kSettleChecks; ++i) {
    SleepForSeconds(kSettleSeconds);
    const size_t now = process_->Log().size();
    if (now == size) break;
    size = now;
  }
  std::istringstream lines(process_->Log());
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) n += line.find(" 206 ") != std::string::npos ? 1 : 0;
  return n;
}

Result<std::unique_ptr<S3FaultProxy>> S3FaultProxy::Start(const std::string& dir,
                                                          const std::string& upstream,
                                                          const std::string& match, int count,
                                                          int status, const std::string& code) {
  fs::create_directories(dir);
  FROCKET_ASSIGN_OR_RETURN(
      auto process, BackgroundProcess::Start(
                        {FROCKET_NODE_EXECUTABLE,
                         std::string(FROCKET_TESTS_SOURCE_DIR) + "/storage/flaky_proxy.mjs",
                         "--upstream", upstream, "--match", match, "--count", std::to_string(count),
                         "--status", std::to_string(status), "--code", code},
                        {}, dir + "/flaky-proxy.log"));
  FROCKET_ASSIGN_OR_RETURN(int port, AwaitListeningPort(*process, "listening on ", kStartSeconds));
  return std::unique_ptr<S3FaultProxy>(new S3FaultProxy(port, std::move(process)));
}

std::vector<std::string> S3FaultProxy::Injected() const {
  return LinesStartingWith(process_->Log(), "injected ");
}

std::vector<std::string> S3FaultProxy::Forwarded() const {
  return LinesStartingWith(process_->Log(), "forwarded ");
}

}  // namespace frocket::testing
