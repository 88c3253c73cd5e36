// The API server's metrics: Funnel Rocket's metric names and labels (its
// frocket/common/metrics.py), histograms with its bucket settings, and frocket's own,
// prefixed frocket_: requests by route and status, jobs running and refused, bytes read.
#pragma once

#include <chrono>
#include <cstdint>

#include "server/http_request.h"
#include "server/http_server.h"
#include "server/metrics.h"
#include "service/service.h"

namespace frocket::server {

struct MetricNames {
  static constexpr const char* kInvokerTotal = "invoker_total_seconds";
  static constexpr const char* kEnqueue = "async_enqueue_seconds";
  static constexpr const char* kPoll = "async_poll_seconds";
  static constexpr const char* kInvokeToRun = "invoke_to_run_seconds";
  static constexpr const char* kTaskRun = "task_total_run_seconds";
  static constexpr const char* kTaskLoad = "task_total_load_seconds";
  static constexpr const char* kRows = "scanned_rows";
  static constexpr const char* kGroups = "scanned_groups";
  static constexpr const char* kCost = "cost_dollars";
  static constexpr const char* kBytesRead = "frocket_task_bytes_read_total";
  static constexpr const char* kNetworkBytes = "frocket_task_network_bytes_total";
  static constexpr const char* kPartLoads = "frocket_part_loads_total";
  static constexpr const char* kRequests = "frocket_http_requests_total";
  static constexpr const char* kRequestSeconds = "frocket_http_request_duration_seconds";
  static constexpr const char* kJobsRunning = "frocket_jobs_running";
  static constexpr const char* kJobsRefused = "frocket_jobs_refused_total";
};

// Defines every metric, with the buckets FROCKET_METRICS_BUCKETS_* give.
Status DefineMetrics(Metrics* m);

// A finished job's invoker and task timings.
void RecordJob(Metrics* m, const service::JobReport& r);

// Records a request when it ends, whatever path it took: its metrics, and one access-log line
// (method, path, status, milliseconds, the request's number in this server's life).
class RequestRecord {
 public:
  RequestRecord(Metrics* metrics, const char* route, const HttpRequest& request,
                const HttpResponder& out, uint64_t number)
      : metrics_(metrics), route_(route), request_(request), out_(out), number_(number) {}
  ~RequestRecord();
  RequestRecord(const RequestRecord&) = delete;
  RequestRecord& operator=(const RequestRecord&) = delete;

  std::chrono::steady_clock::time_point started() const { return started_; }

 private:
  Metrics* metrics_;
  const char* route_;
  const HttpRequest& request_;
  const HttpResponder& out_;
  uint64_t number_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace frocket::server
