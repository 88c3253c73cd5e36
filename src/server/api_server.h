// ApiServer: Funnel Rocket's HTTP API (its docs/api.md) over an InvokerApi — the same
// endpoints, request bodies, response JSON and streaming format — plus what Funnel Rocket
// lacked: bearer-token authentication, registration confined to allowed base paths, a bound
// on jobs running at once (429 and Retry-After past it), a per-request timeout, and request
// errors answered with their own 4xx status and a JSON body naming what is wrong.
//
// Jobs (register, query, empty-query) run on threads of their own; the request's thread
// waits for the result or streams progress. A client that goes away, or a request that times
// out, leaves its job to finish: a registration is never cut in half.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "cluster/invoker_api.h"
#include "server/http_server.h"
#include "server/metrics.h"
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

class ApiServer {
 public:
  static Result<std::unique_ptr<ApiServer>> Create(HttpServerOptions http, ApiSettings settings);
  ~ApiServer();

  Status Listen() { return http_->Listen(); }
  int port() const { return http_->port(); }
  // Serves until Stop(); then waits (up to the request timeout) for running jobs.
  void Run();
  void Stop() { http_->Stop(); }

 private:
  struct Shared;
  ApiServer(HttpServerOptions http, std::shared_ptr<Shared> shared);
  void Handle(const HttpRequest& request, HttpResponder& responder);

  std::shared_ptr<Shared> shared_;
  std::unique_ptr<HttpServer> http_;
};

}  // namespace frocket::server
