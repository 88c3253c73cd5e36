#include "server/api_server.h"

#include <atomic>
#include <chrono>
#include <optional>
#include <regex>

#include "cluster/work_queue_invoker.h"
#include "common/config.h"
#include "common/json_text.h"
#include "common/log.h"
#include "server/api_metrics.h"
#include "server/api_request.h"
#include "server/api_routes.h"
#include "server/job_runner.h"
#include "server/web_assets.h"
#include "service/group_ids_file.h"
#include "service/response.h"

namespace frocket::server {

using Json = nlohmann::ordered_json;

namespace {

std::string UnsupportedTypeMessage(const HttpRequest& request) {
  const std::string* type = request.Header("content-type");
  return "the request body must be JSON (Content-Type: application/json), not '" +
         (type ? *type : std::string()) + "'";
}

// A dataset that is not there is the request's error; anything else the server's.
Status NotFoundOrInternal(const Status& status) {
  if (status.code() == StatusCode::kNotFound) return status;
  return Status::IOError(status.message());
}

// A query's job, or the error the query endpoints answer: an invalid query as "invalid query:
// <JSON path>: <what is wrong>".
Result<service::QueryJob> PrepareJob(service::Service& service, const std::string& dataset,
                                     const nlohmann::json& query) {
  auto job = service.PrepareQuery(dataset, query);
  if (job.ok()) return job;
  if (job.status().code() == StatusCode::kInvalid) {
    return Status::Invalid("invalid query: " + job.status().message());
  }
  return NotFoundOrInternal(job.status());
}

// The JSON path an invalid query's message starts with ("query.conditions[2].target"), if it
// starts with one.
std::optional<std::string> ErrorPath(const std::string& message) {
  static const std::string kPrefix = "invalid query: ";
  if (message.rfind(kPrefix, 0) != 0) return std::nullopt;
  const size_t colon = message.find(": ", kPrefix.size());
  if (colon == std::string::npos) return std::nullopt;
  const std::string path = message.substr(kPrefix.size(), colon - kPrefix.size());
  static const std::regex kPath(R"([A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*|\[[0-9]+\])*)");
  if (!std::regex_match(path, kPath)) return std::nullopt;
  return path;
}

}  // namespace

struct ApiServer::Shared {
  ApiSettings settings;
  std::unique_ptr<service::Service> service;
  std::shared_ptr<Metrics> metrics;
  std::shared_ptr<JobRunner> jobs;
  std::atomic<uint64_t> requests{0};  // numbers requests in the access log
};

// One request and its answer, as the route handlers see them.
class ApiServer::Exchange {
 public:
  Exchange(const HttpRequest& request, HttpResponder& out, const ApiSettings& settings,
           std::string dataset, JobRunner::Clock::time_point started)
      : request(request),
        dataset(std::move(dataset)),
        started(started),
        out_(out),
        settings_(settings) {}

  void Send(int status, const Json& body, const HttpHeaders& headers = {}) {
    out_.Send(status, "application/json", JsonText(body, settings_.pretty ? 2 : -1) + "\n",
              headers);
  }
  void Fail(int status, const std::string& message, const HttpHeaders& headers = {}) {
    Send(status, service::FailureResponse(message), headers);
  }
  // A request's error, answered with the status of its kind; a failure of the server itself
  // (its datastore, its configuration) says what only with FROCKET_APISERVER_ERROR_DETAILS, as
  // Funnel Rocket's; the log keeps it.
  void Fail(const Status& status) {
    const int http_status = HttpStatusOf(status);
    if (http_status >= 500) {
      log::Warning("apiserver",
                   request.method + " " + request.target.substr(0, 200) + ": " + status.message());
      return Fail(http_status, settings_.error_details ? status.message() : "Error");
    }
    HttpHeaders headers;
    if (status.code() == StatusCode::kUnauthenticated ||
        status.code() == StatusCode::kPermissionDenied) {
      headers = {{"WWW-Authenticate", "Bearer realm=\"frocket\""}};
    }
    Fail(http_status, status.message(), headers);
  }
  HttpResponder& out() { return out_; }

  const HttpRequest& request;
  const std::string dataset;  // the name in /datasets/{name}/...
  const JobRunner::Clock::time_point started;

 private:
  HttpResponder& out_;
  const ApiSettings& settings_;
};

Result<std::unique_ptr<ApiServer>> ApiServer::Create(HttpServerOptions http, ApiSettings settings) {
  auto shared = std::make_shared<Shared>();
  shared->settings = std::move(settings);
  shared->metrics = std::make_shared<Metrics>();
  FROCKET_RETURN_IF_ERROR(DefineMetrics(shared->metrics.get()));
  FROCKET_ASSIGN_OR_RETURN(shared->service, service::Service::Create());
  shared->service->set_job_listener(
      [metrics = shared->metrics](const service::JobReport& r) { RecordJob(metrics.get(), r); });
  shared->jobs = std::make_shared<JobRunner>(shared->settings, shared->metrics);
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(http), std::move(shared)));
}

ApiServer::ApiServer(HttpServerOptions http, std::shared_ptr<Shared> shared)
    : shared_(std::move(shared)) {
  const bool pretty = shared_->settings.pretty;
  http_ = std::make_unique<HttpServer>(
      std::move(http), [this](const HttpRequest& r, HttpResponder& out) { Handle(r, out); },
      [pretty](int status, const std::string& message, HttpResponder& out) {
        out.Send(status, "application/json",
                 JsonText(service::FailureResponse(message), pretty ? 2 : -1) + "\n");
      });
}

ApiServer::~ApiServer() = default;

void ApiServer::Run() {
  http_->Run();
  const auto deadline = JobRunner::Clock::now() +
                        std::chrono::duration_cast<JobRunner::Clock::duration>(
                            std::chrono::duration<double>(shared_->settings.request_timeout));
  if (int64_t left = shared_->jobs->WaitForJobs(deadline); left > 0) {
    log::Warning("apiserver",
                 std::to_string(left) + " jobs still running at shutdown are abandoned");
  }
}

void ApiServer::Handle(const HttpRequest& request, HttpResponder& out) {
  std::string dataset;
  const std::optional<RouteInfo> route = MatchRoute(request, &dataset);
  RequestRecord record(shared_->metrics.get(), route ? route->label : "other", request, out,
                       ++shared_->requests);
  if (!route) {
    Exchange x(request, out, shared_->settings, "", record.started());
    return x.Fail(404, "no such endpoint: " + request.method + " " + request.target.substr(0, 200) +
                           " (see Funnel Rocket's docs/api.md)");
  }
  Exchange x(request, out, shared_->settings, dataset, record.started());
  const bool method_ok = request.method == route->method ||
                         (request.method == "HEAD" && std::string(route->method) == "GET");
  if (!method_ok) {
    return x.Fail(405,
                  request.method + " is not allowed on " + route->label + "; use " + route->method,
                  {{"Allow", route->method}});
  }
  if (Status allowed = Authorize(request, *route, shared_->settings); !allowed.ok()) {
    return x.Fail(allowed);
  }
  if (request.segments.size() == 3) {  // /datasets/NAME/...
    if (Status name = CheckDatasetName(dataset); !name.ok()) return x.Fail(name);
  }
  switch (route->route) {
    case Route::kRoot:
      return x.Send(200, Json{{"name", "frocket"},
                              {"api",
                               "Funnel Rocket's HTTP API: /datasets, /datasets/register, "
                               "/datasets/{name}/schema|parts|query|empty-query|"
                               "groups|validate|unregister, /health, /metrics"},
                              {"queryLanguage", "docs/query-language.md in frocket's repository"}});
    case Route::kWebPage:
      return WebFile(x, "index.html");
    case Route::kWebAsset:
      return WebFile(x, request.segments[1]);
    case Route::kHealth:
      return Health(x);
    case Route::kMetrics:
      if (!shared_->settings.export_metrics) {
        return x.Fail(404, "metrics are not exported (FROCKET_METRICS_EXPORT_PROMETHEUS=false)");
      }
      return out.Send(200, "text/plain; version=0.0.4; charset=utf-8", shared_->metrics->Render());
    case Route::kList:
      return List(x);
    case Route::kSchema:
    case Route::kParts:
      return Describe(x, route->route == Route::kParts);
    case Route::kUnregister:
      return Unregister(x);
    case Route::kRegister:
      return Register(x);
    case Route::kQuery:
    case Route::kEmptyQuery:
      return Query(x, route->route == Route::kEmptyQuery);
    case Route::kGroups:
      return GroupIds(x);
    case Route::kValidate:
      return Validate(x);
  }
}

// A file of the web UI, from the binary itself.
void ApiServer::WebFile(Exchange& x, const std::string& name) {
  const WebAsset* asset = FindWebAsset(name);
  if (asset == nullptr) return x.Fail(404, "no such file of the web UI: " + name.substr(0, 100));
  x.out().Send(200, asset->content_type, asset->bytes,
               {{"Cache-Control", "no-cache"}, {"X-Content-Type-Options", "nosniff"}});
}

// Reachable means a listing answered; it says nothing of the datasets themselves.
void ApiServer::Health(Exchange& x) {
  auto datasets = shared_->service->ListDatasets();
  Json j;
  j["success"] = datasets.ok();
  j["datastore"] = datasets.ok() ? "reachable" : "unreachable";
  if (datasets.ok()) j["datasets"] = datasets->size();
  if (!datasets.ok()) {
    log::Warning("apiserver", "health: " + datasets.status().message());
    if (shared_->settings.error_details) j["errorMessage"] = datasets.status().message();
  }
  j["invoker"] = Config::Get("FROCKET_INVOKER");
  bool workers_ok = true;
  if (j["invoker"] == "work_queue") {
    auto live = cluster::CountLiveWorkers();
    workers_ok = live.ok() && *live > 0;
    j["liveWorkers"] = live.ok() ? Json(*live) : Json(nullptr);
  }
  if (!workers_ok) j["success"] = false;
  x.Send(datasets.ok() && workers_ok ? 200 : 503, j);
}

void ApiServer::List(Exchange& x) {
  auto datasets = shared_->service->ListDatasets();
  if (!datasets.ok()) return x.Fail(NotFoundOrInternal(datasets.status()));
  Json j = Json::array();
  for (const auto& d : *datasets) j.push_back(dataset::ToJson(d));
  x.Send(200, j);
}

void ApiServer::Describe(Exchange& x, bool parts) {
  auto stored = shared_->service->GetDataset(x.dataset);
  if (!stored.ok()) return x.Fail(NotFoundOrInternal(stored.status()));
  x.Send(200, parts ? dataset::ToJson(stored->parts)
                    : dataset::ToJson(stored->schema, BoolParam(x.request, "full")));
}

// The query checked as POST /datasets/{name}/query checks it, and not run (a query builder
// checks as its user types): {"success": true, "valid": true}, or the query endpoint's error
// and status, with "valid": false and the JSON path of what is wrong ("errorPath") where the
// message names one.
void ApiServer::Validate(Exchange& x) {
  if (!HasJsonContentType(x.request)) return x.Fail(415, UnsupportedTypeMessage(x.request));
  auto body = ParseJsonBody(x.request);
  if (!body.ok()) return x.Fail(body.status());
  auto job = PrepareJob(*shared_->service, x.dataset, *body);
  if (job.ok()) return x.Send(200, Json{{"success", true}, {"valid", true}});
  if (job.status().code() != StatusCode::kInvalid) return x.Fail(job.status());
  Json j = service::FailureResponse(job.status().message());
  j["valid"] = false;
  const std::optional<std::string> path = ErrorPath(job.status().message());
  j["errorPath"] = path ? Json(*path) : Json(nullptr);
  x.Send(HttpStatusOf(job.status()), j);
}

void ApiServer::Unregister(Exchange& x) {
  Json result =
      service::Response(shared_->service->Unregister(x.dataset, BoolParam(x.request, "force")));
  x.Send(result.value("success", false) ? 200 : 500, result);
}

void ApiServer::Register(Exchange& x) {
  if (!HasJsonContentType(x.request)) return x.Fail(415, UnsupportedTypeMessage(x.request));
  auto body = ParseJsonBody(x.request);
  if (!body.ok()) return x.Fail(body.status());
  auto args = RegisterArgsFromJson(*body);
  if (!args.ok()) return x.Fail(args.status());
  if (!shared_->settings.allowed_roots.Allows(args->basepath)) {
    return x.Fail(403, "basepath '" + args->basepath +
                           "' is not under the roots this server may register from "
                           "(FROCKET_ALLOWED_BASEPATHS)");
  }
  service::Service* service = shared_->service.get();
  shared_->jobs->Run(x.request, x.out(), x.started,
                     [service, args = *args](const cluster::ProgressCallback& progress) {
                       return service::Response(service->Register(args, progress));
                     });
}

void ApiServer::Query(Exchange& x, bool empty) {
  nlohmann::json query = nlohmann::json::object();
  if (!empty) {
    if (!HasJsonContentType(x.request)) return x.Fail(415, UnsupportedTypeMessage(x.request));
    auto body = ParseJsonBody(x.request);
    if (!body.ok()) return x.Fail(body.status());
    query = std::move(*body);
  }
  auto job = PrepareJob(*shared_->service, x.dataset, query);
  if (!job.ok()) return x.Fail(job.status());
  service::Service* service = shared_->service.get();
  shared_->jobs->Run(x.request, x.out(), x.started,
                     [service, job = std::move(*job)](const cluster::ProgressCallback& progress) {
                       return service::Response(service->RunQuery(job, progress));
                     });
}

void ApiServer::GroupIds(Exchange& x) {
  const std::string format = x.request.Param("format").value_or("csv");
  if (format != "csv" && format != "parquet") {
    return x.Fail(Status::Invalid("format must be csv or parquet, got '" + format + "'"));
  }
  if (!HasJsonContentType(x.request)) return x.Fail(415, UnsupportedTypeMessage(x.request));
  auto body = ParseJsonBody(x.request);
  if (!body.ok()) return x.Fail(body.status());
  nlohmann::ordered_json query = *body;
  service::AskForEveryGroupId(&query);
  auto stored = shared_->service->GetDataset(x.dataset);
  if (!stored.ok()) return x.Fail(NotFoundOrInternal(stored.status()));
  auto job = PrepareJob(*shared_->service, x.dataset, nlohmann::json(query));
  if (!job.ok()) return x.Fail(job.status());
  service::Service* service = shared_->service.get();
  const bool parquet = format == "parquet";
  shared_->jobs->Run(
      x.request, x.out(), x.started,
      [service, job = std::move(*job)](const cluster::ProgressCallback& progress) {
        return service::Response(service->RunQuery(job, progress));
      },
      [parquet, column = stored->schema.group_id_column](
          const nlohmann::ordered_json& response) -> Result<JobRunner::Body> {
        if (!response.contains("groups") || !response["groups"].contains("ids")) {
          return Status::Invalid("internal error: the answer has no group ids");
        }
        FROCKET_ASSIGN_OR_RETURN(std::string bytes,
                                 service::GroupIdsFile(response["groups"]["ids"],
                                                       parquet ? service::GroupIdsFormat::kParquet
                                                               : service::GroupIdsFormat::kCsv,
                                                       column));
        return JobRunner::Body{parquet ? "application/vnd.apache.parquet" : "text/csv",
                               std::move(bytes)};
      });
}

}  // namespace frocket::server
