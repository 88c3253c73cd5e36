#include "server/job_runner.h"

#include <optional>
#include <thread>

#include "common/json_text.h"
#include "common/log.h"
#include "server/api_metrics.h"
#include "server/api_request.h"
#include "service/response.h"

namespace frocket::server {

using Json = nlohmann::ordered_json;

// A job's progress and result, shared by the thread running it and the request's thread.
struct JobRunner::JobState {
  std::mutex mutex;
  std::condition_variable changed;
  std::optional<cluster::Progress> progress;  // the newest update not yet streamed
  std::optional<Json> result;
};

std::string JobRunner::Text(const Json& j, bool pretty) const {
  return JsonText(j, pretty ? 2 : -1) + "\n";
}

bool JobRunner::Admit() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (running_ >= settings_.max_jobs) {
    metrics_->Add(MetricNames::kJobsRefused, {}, 1);
    return false;
  }
  metrics_->Set(MetricNames::kJobsRunning, {}, static_cast<double>(++running_));
  return true;
}

void JobRunner::Start(std::shared_ptr<JobState> state, Job job) {
  std::thread([self = shared_from_this(), state, job = std::move(job)] {
    Json result;
    // The net for what a library may still throw (std::bad_alloc): the job fails, the server
    // lives on.
    try {
      result = job([state](const cluster::Progress& p) {
        std::lock_guard<std::mutex> lock(state->mutex);
        state->progress = p;
        state->changed.notify_all();
      });
    } catch (const std::exception& e) {
      result = service::FailureResponse(std::string("internal error: ") + e.what());
    }
    // The slot is given back before the answer can reach the client: a client sending its
    // next request on receiving this one's answer must find it free (and the gauge at 0).
    {
      std::lock_guard<std::mutex> lock(self->mutex_);
      self->metrics_->Set(MetricNames::kJobsRunning, {}, static_cast<double>(--self->running_));
    }
    {
      std::lock_guard<std::mutex> lock(state->mutex);
      state->result = std::move(result);
      state->changed.notify_all();
    }
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->jobs_ended_.notify_all();
  }).detach();
}

void JobRunner::Run(const HttpRequest& request, HttpResponder& out, Clock::time_point started,
                    Job job, Render render) {
  if (!Admit()) {
    out.Send(429, "application/json",
             Text(service::FailureResponse("the server is running its limit of " +
                                           std::to_string(settings_.max_jobs) +
                                           " jobs (FROCKET_APISERVER_MAX_JOBS); retry shortly"),
                  settings_.pretty),
             {{"Retry-After", "1"}});
    return;
  }
  auto state = std::make_shared<JobState>();
  Start(state, std::move(job));
  const auto deadline = started + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(settings_.request_timeout));
  if (BoolParam(request, "stream") && !render) {
    Stream(*state, out, deadline);
  } else {
    AnswerWhenDone(*state, out, deadline, render);
  }
}

Json JobRunner::Published(Json response) const {
  if (!settings_.error_details && !response.value("success", true)) {
    log::Warning("apiserver", "request " + response.value("requestId", std::string("?")) +
                                  " failed: " + response.value("errorMessage", std::string()));
    response["errorMessage"] = "Error";
  }
  return response;
}

void JobRunner::AnswerWhenDone(JobState& state, HttpResponder& out, Clock::time_point deadline,
                               const Render& render) {
  std::unique_lock<std::mutex> lock(state.mutex);
  if (!state.changed.wait_until(lock, deadline, [&] { return state.result.has_value(); })) {
    lock.unlock();
    const std::string message =
        "the request timed out after " + JsonText(Json(settings_.request_timeout)) +
        " s (FROCKET_APISERVER_REQUEST_TIMEOUT); its job goes on in the background";
    out.Send(504, "application/json", Text(service::FailureResponse(message), settings_.pretty));
    return;
  }
  Json result = Published(std::move(*state.result));
  lock.unlock();
  if (render && result.value("success", false)) {
    auto body = render(result);
    if (body.ok()) return out.Send(200, body->content_type, body->bytes);
    result = service::FailureResponse(body.status().message());
  }
  out.Send(result.value("success", false) ? 200 : 500, "application/json",
           Text(result, settings_.pretty));
}

void JobRunner::Stream(JobState& state, HttpResponder& out, Clock::time_point deadline) {
  // Status 200 now; progress lines, then the response as the last line.
  if (!out.BeginChunked(200, "application/json")) return;
  while (true) {
    std::unique_lock<std::mutex> lock(state.mutex);
    const bool woke = state.changed.wait_until(
        lock, deadline, [&] { return state.result.has_value() || state.progress.has_value(); });
    if (!woke) {
      lock.unlock();
      out.WriteChunk(Text(service::FailureResponse("Request timed out"), false));
      out.EndChunked();
      return;
    }
    if (state.progress) {
      cluster::Progress p = std::move(*state.progress);
      state.progress.reset();
      lock.unlock();
      // As Funnel Rocket: only updates that count tasks.
      if (p.tasks.empty()) continue;
      Json chunk;
      chunk["message"] = p.message;
      chunk["stage"] = p.stage;
      chunk["tasks"] = Json::object();
      for (const auto& [status, n] : p.tasks) chunk["tasks"][status] = n;
      if (!out.WriteChunk(Text(chunk, false))) return;  // the client left
      continue;
    }
    Json result = Published(std::move(*state.result));
    lock.unlock();
    out.WriteChunk(Text(result, false));
    out.EndChunked();
    return;
  }
}

int64_t JobRunner::WaitForJobs(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mutex_);
  jobs_ended_.wait_until(lock, deadline, [&] { return running_ == 0; });
  return running_;
}

}  // namespace frocket::server
