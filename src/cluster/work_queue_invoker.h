// The work queue (FROCKET_INVOKER=work_queue): an AsyncInvoker whose tasks go onto a Redis
// list that `frocket worker` processes pop (QueueWorker). A job fails within seconds when no
// worker has said it is alive for kWorkerLiveSeconds, instead of at the run timeout.
#pragma once

#include <memory>

#include "cluster/async_invoker.h"

namespace frocket::cluster {

Result<std::unique_ptr<Invoker>> CreateWorkQueueInvoker();

// The `frocket worker` processes that said they are alive within kWorkerLiveSeconds, in the
// Redis FROCKET_DATASTORE_REDIS_* / FROCKET_REDIS_* names.
Result<int64_t> CountLiveWorkers();

}  // namespace frocket::cluster
