// ApiServer: Funnel Rocket's HTTP API (its docs/api.md) over the Service (service/service.h)
// — the same endpoints, request bodies, response JSON and streaming format — plus what Funnel
// Rocket lacked: bearer-token authentication, registration confined to allowed base paths, a
// bound on jobs running at once, a per-request timeout (server/job_runner.h), and request
// errors answered with their own 4xx status and a JSON body naming what is wrong.
//
// A request goes: route (api_routes.h) → method → who is asking (api_request.h) → its
// route's handler below → the Service, directly or as a job on a JobRunner thread.
#pragma once

#include <memory>

#include "server/api_settings.h"
#include "server/http_server.h"

namespace frocket::server {

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
  class Exchange;
  ApiServer(HttpServerOptions http, std::shared_ptr<Shared> shared);
  void Handle(const HttpRequest& request, HttpResponder& responder);

  void WebFile(Exchange& x, const std::string& name);
  void Health(Exchange& x);
  void List(Exchange& x);
  void Describe(Exchange& x, bool parts);
  void Register(Exchange& x);
  void Query(Exchange& x, bool empty);
  // Every id a query's "groups" asks for, as a CSV (?format=csv, the default) or Parquet file.
  void GroupIds(Exchange& x);
  void Validate(Exchange& x);
  void Unregister(Exchange& x);

  std::shared_ptr<Shared> shared_;
  std::unique_ptr<HttpServer> http_;
};

}  // namespace frocket::server
