// The API server's settings, from FROCKET_APISERVER_* and friends.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "server/http_server.h"
#include "storage/allowed_roots.h"

namespace frocket::server {

struct ApiSettings {
  bool admin_actions = true;     // FROCKET_APISERVER_ADMIN_ACTIONS
  bool error_details = true;     // FROCKET_APISERVER_ERROR_DETAILS
  bool pretty = true;            // FROCKET_APISERVER_PRETTYPRINT
  bool export_metrics = true;    // FROCKET_METRICS_EXPORT_PROMETHEUS
  std::string auth_token;        // FROCKET_APISERVER_AUTH_TOKEN
  std::string admin_token;       // FROCKET_APISERVER_ADMIN_TOKEN
  AllowedRoots allowed_roots;    // FROCKET_ALLOWED_BASEPATHS
  double request_timeout = 120;  // FROCKET_APISERVER_REQUEST_TIMEOUT
  int64_t max_jobs = 16;         // FROCKET_APISERVER_MAX_JOBS
  static Result<ApiSettings> FromConfig();
};

// HTTP server settings from FROCKET_APISERVER_* (port and host are the caller's).
Result<HttpServerOptions> HttpOptionsFromConfig();

}  // namespace frocket::server
