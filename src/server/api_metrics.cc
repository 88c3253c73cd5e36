#include "server/api_metrics.h"

#include <cstdio>

#include "common/config.h"
#include "common/log.h"
#include "common/text.h"

namespace frocket::server {

Status DefineMetrics(Metrics* m) {
  auto buckets = [](const char* unit) -> Result<std::vector<double>> {
    const std::string variable = std::string("FROCKET_METRICS_BUCKETS_") + unit;
    return ParseBuckets(variable, Config::Get(variable));
  };
  FROCKET_ASSIGN_OR_RETURN(auto seconds, buckets("SECONDS"));
  FROCKET_ASSIGN_OR_RETURN(auto rows, buckets("ROWS"));
  FROCKET_ASSIGN_OR_RETURN(auto groups, buckets("GROUPS"));
  FROCKET_RETURN_IF_ERROR(buckets("BYTES").status());
  FROCKET_RETURN_IF_ERROR(buckets("DEFAULT").status());
  FROCKET_ASSIGN_OR_RETURN(auto dollars, buckets("DOLLARS"));
  using K = Metrics::Kind;
  using N = MetricNames;
  m->Define(N::kInvokerTotal, K::kHistogram, "INVOKER_TOTAL_SECONDS", seconds);
  m->Define(N::kEnqueue, K::kHistogram, "ASYNC_ENQUEUE_SECONDS", seconds);
  m->Define(N::kPoll, K::kHistogram, "ASYNC_POLL_SECONDS", seconds);
  m->Define(N::kInvokeToRun, K::kHistogram, "INVOKE_TO_RUN_SECONDS", seconds);
  m->Define(N::kTaskRun, K::kHistogram, "TASK_TOTAL_RUN_SECONDS", seconds);
  m->Define(N::kTaskLoad, K::kHistogram, "TASK_TOTAL_LOAD_SECONDS", seconds);
  m->Define(N::kRows, K::kHistogram, "SCANNED_ROWS", rows);
  m->Define(N::kGroups, K::kHistogram, "SCANNED_GROUPS", groups);
  m->Define(N::kCost, K::kHistogram, "COST_DOLLARS", dollars);
  m->Define(N::kBytesRead, K::kCounter,
            "Bytes tasks read from part files, the disk cache or the network, by where the part "
            "came from");
  m->Define(N::kNetworkBytes, K::kCounter, "Bytes tasks fetched over the network (S3)");
  m->Define(N::kPartLoads, K::kCounter,
            "Parts tasks used, by where they came from: the source, the disk cache or the "
            "memory cache");
  m->Define(N::kRequests, K::kCounter, "HTTP requests answered, by route and status");
  m->Define(N::kRequestSeconds, K::kHistogram, "Time to answer HTTP requests, by route", seconds);
  m->Define(N::kJobsRunning, K::kGauge, "Jobs (queries, registrations) running");
  m->Define(N::kJobsRefused, K::kCounter,
            "Jobs refused with 429 because FROCKET_APISERVER_MAX_JOBS were running");
  m->Set(N::kJobsRunning, {}, 0);
  m->Add(N::kJobsRefused, {}, 0);
  return Status::OK();
}

void RecordJob(Metrics* m, const service::JobReport& r) {
  using N = MetricNames;
  const std::string success = r.success ? "True" : "False";
  const Labels invoker = {
      {"component", "invoker"}, {"success", success}, {"dataset", r.dataset}, {"job_type", r.type}};
  m->Observe(N::kInvokerTotal, invoker, r.total_seconds);
  m->Observe(N::kEnqueue, invoker, r.invoker.enqueue_seconds);
  m->Observe(N::kPoll, invoker, r.invoker.poll_seconds);
  for (const cluster::TaskMetrics& t : r.tasks) {
    const char* from = t.load_from == cluster::LoadSource::kSource            ? "source"
                       : t.load_from == cluster::LoadSource::kDiskCache       ? "disk_cache"
                       : t.load_from == cluster::LoadSource::kTranscodedCache ? "transcoded_cache"
                                                                              : "memory_cache";
    const Labels worker = {{"component", "worker"},
                           {"success", "True"},
                           {"dataset", r.dataset},
                           {"job_type", r.type},
                           {"worker_startup", t.warm ? "warm" : "cold"},
                           {"load_from", from}};
    m->Observe(N::kInvokeToRun, worker, t.invoke_latency);
    m->Observe(N::kTaskRun, worker, t.total_seconds);
    m->Observe(N::kTaskLoad, worker, t.load_seconds);
    m->Observe(N::kRows, worker, static_cast<double>(t.scanned_rows));
    m->Observe(N::kGroups, worker, static_cast<double>(t.scanned_groups));
    if (t.memory_mb > 0) m->Observe(N::kCost, worker, t.cost_dollars);  // Lambda instances
    const Labels by_source = {{"job_type", r.type}, {"load_from", from}};
    m->Add(N::kPartLoads, by_source, 1);
    m->Add(N::kBytesRead, by_source, static_cast<double>(t.bytes_read));
    m->Add(N::kNetworkBytes, {{"job_type", r.type}}, static_cast<double>(t.network_bytes));
  }
}

RequestRecord::~RequestRecord() {
  const std::string method =
      request_.method == "GET" || request_.method == "POST" || request_.method == "HEAD"
          ? request_.method
          : "other";
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  metrics_->Add(MetricNames::kRequests,
                {{"route", route_}, {"method", method}, {"status", std::to_string(out_.status())}});
  metrics_->Observe(MetricNames::kRequestSeconds, {{"route", route_}}, seconds);
  char ms[32];
  std::snprintf(ms, sizeof(ms), "%.1f", seconds * 1000);
  log::Info("access", text::Escaped(request_.method.substr(0, 16)) + " " +
                          text::Escaped(request_.target.substr(0, 200)) + " " +
                          std::to_string(out_.status()) + " " + ms + " ms request #" +
                          std::to_string(number_));
}

}  // namespace frocket::server
