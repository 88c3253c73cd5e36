// JobRunner: runs the API's jobs (register, query) on threads of their own, at most
// FROCKET_APISERVER_MAX_JOBS at once (429 with Retry-After past it), and answers their
// requests: with the job's response once it ends (504 past the request timeout), or, with
// ?stream=true, progress lines as they come and the response as the last line. A client that
// goes away, or a request that times out, leaves its job to finish: a registration is never
// cut in half.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "cluster/invoker.h"
#include "server/api_settings.h"
#include "server/http_request.h"
#include "server/http_server.h"
#include "server/metrics.h"

namespace frocket::server {

class JobRunner : public std::enable_shared_from_this<JobRunner> {
 public:
  using Clock = std::chrono::steady_clock;
  // A job: reports progress, returns Funnel Rocket's response JSON.
  using Job = std::function<nlohmann::ordered_json(const cluster::ProgressCallback&)>;
  // A successful response as another body than JSON: its content type and bytes.
  struct Body {
    std::string content_type;
    std::string bytes;
  };
  using Render = std::function<Result<Body>(const nlohmann::ordered_json& response)>;

  JobRunner(ApiSettings settings, std::shared_ptr<Metrics> metrics)
      : settings_(std::move(settings)), metrics_(std::move(metrics)) {}

  // Runs `job` for `request`, which arrived at `started`, and answers it on `out` — with
  // `render`'s body when the job succeeds and it is given (then never streamed).
  void Run(const HttpRequest& request, HttpResponder& out, Clock::time_point started, Job job,
           Render render = nullptr);

  // Waits until no job runs, or the deadline; the number of jobs still running.
  int64_t WaitForJobs(Clock::time_point deadline);

 private:
  struct JobState;
  // Takes a slot for a job; false (counted as refused) when all are taken.
  bool Admit();
  void Start(std::shared_ptr<JobState> state, Job job);
  // Answers with the response once the job ends; 504 at the deadline.
  void AnswerWhenDone(JobState& state, HttpResponder& out, Clock::time_point deadline,
                      const Render& render);
  // Streams progress lines, then the response.
  void Stream(JobState& state, HttpResponder& out, Clock::time_point deadline);
  // A response as clients may see it: a failure's message hidden without error details.
  nlohmann::ordered_json Published(nlohmann::ordered_json response) const;
  std::string Text(const nlohmann::ordered_json& j, bool pretty) const;

  const ApiSettings settings_;
  std::shared_ptr<Metrics> metrics_;
  std::mutex mutex_;
  std::condition_variable jobs_ended_;
  int64_t running_ = 0;
};

}  // namespace frocket::server
