#include "server/api_settings.h"

#include "common/config.h"

namespace frocket::server {

Result<ApiSettings> ApiSettings::FromConfig() {
  ApiSettings s;
  FROCKET_ASSIGN_OR_RETURN(s.admin_actions, Config::Bool("FROCKET_APISERVER_ADMIN_ACTIONS"));
  FROCKET_ASSIGN_OR_RETURN(s.error_details, Config::Bool("FROCKET_APISERVER_ERROR_DETAILS"));
  FROCKET_ASSIGN_OR_RETURN(s.pretty, Config::Bool("FROCKET_APISERVER_PRETTYPRINT"));
  FROCKET_ASSIGN_OR_RETURN(s.export_metrics, Config::Bool("FROCKET_METRICS_EXPORT_PROMETHEUS"));
  s.auth_token = Config::Get("FROCKET_APISERVER_AUTH_TOKEN");
  s.admin_token = Config::Get("FROCKET_APISERVER_ADMIN_TOKEN");
  s.allowed_roots = AllowedRoots::FromConfig();
  FROCKET_ASSIGN_OR_RETURN(s.request_timeout, Config::Double("FROCKET_APISERVER_REQUEST_TIMEOUT"));
  if (!(s.request_timeout > 0)) {
    return Status::Invalid(
        "FROCKET_APISERVER_REQUEST_TIMEOUT must be a positive number of seconds");
  }
  FROCKET_ASSIGN_OR_RETURN(s.max_jobs, Config::Int("FROCKET_APISERVER_MAX_JOBS", 1, 100000));
  return s;
}

Result<HttpServerOptions> HttpOptionsFromConfig() {
  HttpServerOptions o;
  FROCKET_ASSIGN_OR_RETURN(int64_t body,
                           Config::Int("FROCKET_APISERVER_MAX_BODY_BYTES", 1, int64_t{1} << 34));
  FROCKET_ASSIGN_OR_RETURN(int64_t connections,
                           Config::Int("FROCKET_APISERVER_MAX_CONNECTIONS", 1, 100000));
  FROCKET_ASSIGN_OR_RETURN(o.header_timeout, Config::Double("FROCKET_APISERVER_HEADER_TIMEOUT"));
  FROCKET_ASSIGN_OR_RETURN(o.body_timeout, Config::Double("FROCKET_APISERVER_BODY_TIMEOUT"));
  FROCKET_ASSIGN_OR_RETURN(o.keep_alive_timeout,
                           Config::Double("FROCKET_APISERVER_KEEPALIVE_TIMEOUT"));
  if (!(o.header_timeout > 0) || !(o.body_timeout > 0) || !(o.keep_alive_timeout > 0)) {
    return Status::Invalid(
        "FROCKET_APISERVER_HEADER_TIMEOUT, _BODY_TIMEOUT and _KEEPALIVE_TIMEOUT must be "
        "positive numbers of seconds");
  }
  o.max_body_bytes = static_cast<size_t>(body);
  o.max_connections = static_cast<size_t>(connections);
  return o;
}

}  // namespace frocket::server
