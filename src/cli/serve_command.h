// `frocket serve`: the HTTP API server (server/api_server.h) until SIGTERM or SIGINT.
#pragma once

#include <optional>
#include <string>

namespace frocket::cli {

// port: --port, else APISERVER_PORT (default 5000); 0 picks a free port. host: --host, else
// FROCKET_APISERVER_HOST. Prints "listening on http://HOST:PORT" on stderr once ready.
int RunServe(std::optional<int> port, std::optional<std::string> host);

}  // namespace frocket::cli
