#include "cluster/lambda_runtime.h"

#include <curl/curl.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "cluster/task_handler.h"
#include "common/json_text.h"
#include "common/log.h"
#include "common/text.h"
#include "storage/curl_library.h"

namespace frocket::cluster {

namespace {

using Clock = std::chrono::steady_clock;

// Tries to reach the Runtime API before an instance gives up (it is local: this is long).
constexpr int kMaxNextFailures = 10;

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  if (auto id = text::HeaderValue({data, size * count}, "lambda-runtime-aws-request-id")) {
    *static_cast<std::string*>(user) = std::move(*id);
  }
  return size * count;
}

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// The Runtime API's HTTP side, on one reused curl handle. REQUIRES: LoadCurl() succeeded.
class RuntimeApi {
 public:
  explicit RuntimeApi(std::string host)
      : base_("http://" + std::move(host) + "/2018-06-01/runtime/"), curl_(Curl().easy_init()) {}
  ~RuntimeApi() { Curl().easy_cleanup(curl_); }

  struct Invocation {
    std::string request_id;
    std::string payload;
  };

  // Blocks until the next invocation (no timeout: between invocations Lambda freezes the
  // process).
  Result<Invocation> Next() {
    FROCKET_RETURN_IF_ERROR(Usable());
    Invocation next;
    Curl().easy_reset(curl_);
    const std::string url = base_ + "invocation/next";
    Curl().easy_setopt(curl_, CURLOPT_URL, url.c_str());
    Curl().easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    Curl().easy_setopt(curl_, CURLOPT_WRITEFUNCTION, OnBody);
    Curl().easy_setopt(curl_, CURLOPT_WRITEDATA, &next.payload);
    Curl().easy_setopt(curl_, CURLOPT_HEADERFUNCTION, OnHeader);
    Curl().easy_setopt(curl_, CURLOPT_HEADERDATA, &next.request_id);
    FROCKET_RETURN_IF_ERROR(Perform("GET invocation/next"));
    if (next.request_id.empty()) {
      return Status::IOError("the Runtime API's invocation has no Lambda-Runtime-Aws-Request-Id");
    }
    return next;
  }

  Status Post(const std::string& path, const std::string& body, const char* error_type) {
    FROCKET_RETURN_IF_ERROR(Usable());
    Curl().easy_reset(curl_);
    const std::string url = base_ + path;
    std::string ignored;
    curl_slist* headers = Curl().slist_append(nullptr, "Content-Type: application/json");
    if (error_type != nullptr) {
      headers = Curl().slist_append(
          headers, (std::string("Lambda-Runtime-Function-Error-Type: ") + error_type).c_str());
    }
    Curl().easy_setopt(curl_, CURLOPT_URL, url.c_str());
    Curl().easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    Curl().easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
    Curl().easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    Curl().easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
    Curl().easy_setopt(curl_, CURLOPT_TIMEOUT, 30L);
    Curl().easy_setopt(curl_, CURLOPT_WRITEFUNCTION, OnBody);
    Curl().easy_setopt(curl_, CURLOPT_WRITEDATA, &ignored);
    Status status = Perform("POST " + path);
    Curl().slist_free_all(headers);
    return status;
  }

  static std::string ErrorBody(const std::string& type, const std::string& message) {
    return JsonText(nlohmann::json{{"errorType", type}, {"errorMessage", message}});
  }

 private:
  // The handle, checked before anything is set on it (libcurl's reset takes no null handle).
  Status Usable() const {
    if (curl_ == nullptr) return Status::IOError("cannot initialise libcurl");
    return Status::OK();
  }

  Status Perform(const std::string& what) {
    const CURLcode code = Curl().easy_perform(curl_);
    long status = 0;
    Curl().easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
    if (code != CURLE_OK) {
      return Status::IOError("Runtime API " + base_ + ": " + what + ": " +
                             Curl().easy_strerror(code));
    }
    if (status < 200 || status >= 300) {
      return Status::IOError("Runtime API " + base_ + ": " + what + ": HTTP " +
                             std::to_string(status));
    }
    return Status::OK();
  }

  std::string base_;
  CURL* curl_;
};

// The instance's facts that go into each task's metrics.
struct Instance {
  Clock::time_point process_start;
  double init_seconds = 0;
  int64_t memory_mb = 0;
  int64_t invocations = 0;
};

int64_t BilledMs(double seconds) {
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(seconds * 1000 - 1e-9)));
}

}  // namespace

int RunLambdaRuntime(Result<std::shared_ptr<TaskRunner>> runner, Clock::time_point process_start) {
  const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (api == nullptr || *api == '\0') {
    std::fprintf(stderr,
                 "frocket: error: lambda-runtime runs inside AWS Lambda (or an emulator), which "
                 "sets AWS_LAMBDA_RUNTIME_API; it is not set\n");
    return 2;
  }
  if (auto curl = LoadCurl(); !curl.ok()) {
    std::fprintf(stderr, "frocket: error: %s\n", curl.status().message().c_str());
    return 1;
  }
  RuntimeApi runtime(api);
  Instance instance;
  instance.process_start = process_start;
  if (const char* mb = std::getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")) {
    instance.memory_mb = std::strtoll(mb, nullptr, 10);
  }
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  auto handler = runner.ok() ? TaskHandler::Create(*runner, std::string("lambda:") + host + ":" +
                                                                std::to_string(getpid()))
                             : Result<std::unique_ptr<TaskHandler>>(runner.status());
  if (!handler.ok()) {
    log::Error("lambda", "cannot start: " + handler.status().message());
    (void)runtime.Post("init/error",
                       RuntimeApi::ErrorBody("Runtime.InitError", handler.status().message()),
                       "Runtime.InitError");
    return 1;
  }
  int next_failures = 0;
  for (;;) {
    if (instance.invocations == 0) instance.init_seconds = Seconds(Clock::now() - process_start);
    auto next = runtime.Next();
    if (!next.ok()) {
      log::Warning("lambda", next.status().message());
      if (++next_failures >= kMaxNextFailures) return 1;
      usleep(100 * 1000);
      continue;
    }
    next_failures = 0;
    const Clock::time_point received = Clock::now();
    const bool cold = instance.invocations++ == 0;
    int64_t billed_ms = 0;
    bool billed = false;
    auto stamp = [&](TaskMetrics* m) {
      m->warm = !cold;
      m->init_seconds = cold ? instance.init_seconds : 0;
      m->memory_mb = instance.memory_mb;
      m->billed_ms = billed_ms =
          BilledMs(Seconds(Clock::now() - received) + (cold ? instance.init_seconds : 0));
      billed = true;
    };
    const TaskHandler::Handled handled = (*handler)->Handle(next->payload, stamp);
    // Logged before answering: Lambda may freeze the instance as soon as it has the answer.
    const double duration = Seconds(Clock::now() - received);
    std::string report = "REPORT RequestId: " + next->request_id +
                         " Duration: " + text::Fixed(duration * 1000, 2) + " ms";
    if (billed) report += " Billed Duration: " + std::to_string(billed_ms) + " ms";
    report += " Memory Size: " + std::to_string(instance.memory_mb) + " MB";
    if (cold) report += " Init Duration: " + text::Fixed(instance.init_seconds * 1000, 2) + " ms";
    report += std::string(" ") + (cold ? "Cold" : "Warm") + " Outcome: " + handled.outcome;
    std::fprintf(stderr, "%s\n", report.c_str());
    const Status posted =
        handled.malformed
            ? runtime.Post("invocation/" + next->request_id + "/error",
                           RuntimeApi::ErrorBody("InvalidTask", handled.outcome), "InvalidTask")
            : runtime.Post("invocation/" + next->request_id + "/response",
                           JsonText(nlohmann::json{{"outcome", handled.outcome}}), nullptr);
    if (!posted.ok()) log::Warning("lambda", posted.message());
  }
}

}  // namespace frocket::cluster
