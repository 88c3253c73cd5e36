// Worker: runs tasks — loads a part (from its memory cache when it can, else from the file)
// and runs the query on it, or inspects a part for registration. The same code serves the
// local invoker's threads and, later, `frocket worker` processes.
#pragma once

#include <memory>

#include "cluster/part_cache.h"
#include "cluster/task.h"

namespace frocket::cluster {

// Seconds since the epoch, as a double (the clock task timings are measured on).
double NowSeconds();

// A part's key in a worker's memory cache: the registration's, then the path, so that a
// re-registered dataset never meets its old parts.
std::string PartCacheKey(const dataset::DatasetId& dataset, const std::string& part_path);
// The cache keys of all registrations of a dataset name start with this.
std::string DatasetCachePrefix(const std::string& name);

class Worker {
 public:
  explicit Worker(std::shared_ptr<PartCache> cache) : cache_(std::move(cache)) {}

  // job_start: when the invoker started the job (NowSeconds()).
  QueryTaskResult RunQuery(const QueryTaskRequest& request, double job_start,
                           const StatusCallback& on_status);
  RegistrationTaskResult RunRegistration(const RegistrationTaskRequest& request, double job_start,
                                         const StatusCallback& on_status);

  PartCache& cache() { return *cache_; }

 private:
  // The part with (at least) the request's columns; sets where it came from and the bytes read.
  Result<std::shared_ptr<table::Part>> LoadPart(const QueryTaskRequest& request,
                                                TaskMetrics* metrics);

  std::shared_ptr<PartCache> cache_;
};

}  // namespace frocket::cluster
