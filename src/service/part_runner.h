// PartRunner: runs tasks where an invoker or a worker loop has them — loads a part (from its
// memory cache when it can, else from the file, reading only the columns missing) and runs
// its share of a query through the query pipeline, or inspects a part for registration. A
// query that only counts groups and rows is answered from the file without loading the part
// where no part would be kept (CountOnFile). The
// local invoker's threads, `frocket worker` processes and Lambda instances all run this.
#pragma once

#include <memory>

#include "cluster/task_runner.h"
#include "table/transcoded_cache.h"

namespace frocket::service {

class PartRunner final : public cluster::TaskRunner {
 public:
  // `transcoded`: parts kept on disk in frocket's layout, read before the files; null: none.
  explicit PartRunner(std::shared_ptr<cluster::PartCache> cache,
                      std::shared_ptr<table::TranscodedCache> transcoded = nullptr)
      : cache_(std::move(cache)), transcoded_(std::move(transcoded)) {}
  // With a memory cache of FROCKET_WORKER_MEMORY_CACHE_MB (none unless `keep_parts`) and the
  // transcoded cache of FROCKET_TRANSCODED_CACHE_SIZE_MB.
  static Result<std::shared_ptr<PartRunner>> FromConfig(bool keep_parts = true);

  cluster::QueryTaskResult RunQuery(const cluster::QueryTaskRequest& request, double job_start,
                                    const cluster::StatusCallback& on_status) override;
  cluster::RegistrationTaskResult RunRegistration(
      const cluster::RegistrationTaskRequest& request, double job_start,
      const cluster::StatusCallback& on_status) override;

  cluster::PartCache& cache() override { return *cache_; }

 private:
  // The part with (at least) the request's columns; sets where it came from and the bytes read.
  // `opened`: the part's file, if already opened.
  Result<std::shared_ptr<table::Part>> LoadPart(const cluster::QueryTaskRequest& request,
                                                cluster::TaskMetrics* metrics,
                                                std::shared_ptr<ByteSource> opened = nullptr);
  // A query that needs only the part's rows and groups counted (engine::CountsOnly), answered
  // from its file without loading the part where nothing would keep it; nullopt: load it (from
  // *opened, where the file was opened to find that out).
  Result<std::optional<engine::PartResult>> CountFromFile(const cluster::QueryTaskRequest& request,
                                                          cluster::TaskMetrics* metrics,
                                                          std::shared_ptr<ByteSource>* opened);

  std::shared_ptr<cluster::PartCache> cache_;
  std::shared_ptr<table::TranscodedCache> transcoded_;
};

}  // namespace frocket::service
