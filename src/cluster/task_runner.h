// TaskRunner: what runs one task once an invoker or a worker loop has it. The cluster layer
// moves tasks and their results; what a task does with a part is the service layer's
// (service/part_runner.h), handed down as this interface.
#pragma once

#include "cluster/part_cache.h"
#include "cluster/task.h"

namespace frocket::cluster {

class TaskRunner {
 public:
  virtual ~TaskRunner() = default;

  // job_start: when the invoker started the job (NowSeconds()). on_status hears each status
  // transition of the attempt.
  virtual QueryTaskResult RunQuery(const QueryTaskRequest& request, double job_start,
                                   const StatusCallback& on_status) = 0;
  virtual RegistrationTaskResult RunRegistration(const RegistrationTaskRequest& request,
                                                 double job_start,
                                                 const StatusCallback& on_status) = 0;

  // The decoded parts it keeps between tasks: worker loops choose parts by what it holds,
  // and forget re-registered datasets in it.
  virtual PartCache& cache() = 0;
};

}  // namespace frocket::cluster
