// `frocket worker`: a cluster worker process, serving tasks from the Redis work queue until
// SIGTERM or SIGINT.
#pragma once

namespace frocket::cli {

int RunWorker();

}  // namespace frocket::cli
