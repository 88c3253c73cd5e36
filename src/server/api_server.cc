#include "server/api_server.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "cluster/work_queue_invoker.h"
#include "cluster/worker.h"
#include "common/config.h"
#include "common/json_text.h"
#include "common/log.h"
#include "common/text.h"

namespace frocket::server {

namespace {

using Json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

// Nesting deeper than this is refused before parsing: no query needs it, and the parser
// recurses.
constexpr int kMaxJsonDepth = 64;
constexpr size_t kMaxNameBytes = 256;

std::string Dump(const Json& j, bool pretty) {
  return JsonText(j, pretty ? 2 : -1);
}

Json ErrorJson(const std::string& message) {
  Json j;
  j["success"] = false;
  j["errorMessage"] = message;
  return j;
}

// An answer to a request that failed before any job: its status and message.
struct RequestError {
  int status;
  std::string message;
  HttpHeaders headers = {};
};

bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return diff == 0;
}

// The depth of [ and { nesting, outside strings; stops counting past `limit`.
int JsonDepth(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) return deepest;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

// The request body as JSON into *out: the content type (when given) must be JSON, the nesting
// bounded. The error to answer otherwise (415 for another content type, else 400).
std::optional<RequestError> ParseBody(const HttpRequest& request, nlohmann::json* out) {
  if (const std::string* type = request.Header("content-type")) {
    std::string media = type->substr(0, type->find(';'));
    while (!media.empty() && media.back() == ' ') media.pop_back();
    for (char& c : media) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool json = media == "application/json" ||
                      (media.size() > 5 && media.compare(media.size() - 5, 5, "+json") == 0);
    if (!json) {
      return RequestError{
          415,
          "the request body must be JSON (Content-Type: application/json), not '" + *type + "'"};
    }
  }
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return RequestError{400, "the request body is empty; expected a JSON object"};
  }
  if (JsonDepth(request.body, kMaxJsonDepth) > kMaxJsonDepth) {
    return RequestError{400, "the request body is JSON nested deeper than " +
                                 std::to_string(kMaxJsonDepth) + " levels"};
  }
  try {
    *out = nlohmann::json::parse(request.body);
    return std::nullopt;
  } catch (const nlohmann::json::exception& e) {
    std::string what = e.what();
    if (auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    return RequestError{400, "the request body is not valid JSON: " + what};
  }
}

// A dataset name from a URL or a body: not empty, bounded, no control characters.
std::optional<std::string> NameProblem(const std::string& name) {
  if (name.empty()) return "the dataset name is empty";
  if (name.size() > kMaxNameBytes) {
    return "the dataset name is longer than " + std::to_string(kMaxNameBytes) + " bytes";
  }
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return "the dataset name holds a control character";
    }
  }
  return std::nullopt;
}

Result<dataset::RegisterArgs> RegisterArgsFromJson(const nlohmann::json& body) {
  if (!body.is_object()) return Status::Invalid("the request body must be a JSON object");
  dataset::RegisterArgs args;
  static const char* kRequired[] = {"name", "basepath", "groupIdColumn", "timestampColumn"};
  std::string* targets[] = {&args.name, &args.basepath, &args.group_id_column,
                            &args.timestamp_column};
  for (size_t i = 0; i < 4; ++i) {
    auto it = body.find(kRequired[i]);
    if (it == body.end())
      return Status::Invalid(std::string("'") + kRequired[i] + "' missing in body");
    if (!it->is_string() || it->get<std::string>().empty()) {
      return Status::Invalid(std::string("'") + kRequired[i] + "' must be a non-empty string");
    }
    *targets[i] = it->get<std::string>();
  }
  for (const auto& [key, value] : body.items()) {
    if (key == "pattern") {
      if (!value.is_string() || value.get<std::string>().empty()) {
        return Status::Invalid("'pattern' must be a non-empty string such as \"*.parquet\"");
      }
      args.pattern = value.get<std::string>();
    } else if (key == "validationMode") {
      if (!value.is_string()) {
        return Status::Invalid("'validationMode' must be SINGLE, FIRST_LAST or SAMPLE");
      }
      FROCKET_ASSIGN_OR_RETURN(args.validation,
                               dataset::ParseValidationMode(value.get<std::string>()));
    } else if (key == "validateUniques") {
      if (!value.is_boolean()) return Status::Invalid("'validateUniques' must be true or false");
      args.validate_uniques = value.get<bool>();
    } else if (key != "name" && key != "basepath" && key != "groupIdColumn" &&
               key != "timestampColumn") {
      return Status::Invalid("unknown field '" + key +
                             "' in body (expected name, basepath, groupIdColumn, "
                             "timestampColumn, pattern, validationMode, validateUniques)");
    }
  }
  if (auto problem = NameProblem(args.name)) return Status::Invalid(*problem);
  return args;
}

bool BoolParam(const HttpRequest& request, const char* name) {
  auto v = request.Param(name);
  if (!v) return false;
  std::string lower = *v;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "true";
}

enum class Route {
  kRoot,
  kHealth,
  kList,
  kRegister,
  kSchema,
  kParts,
  kEmptyQuery,
  kQuery,
  kUnregister,
  kMetrics
};

struct RouteInfo {
  Route route;
  const char* method;
  const char* label;  // for metrics
  bool admin;
};

// The route a path names, and the dataset name in it; nullopt for no endpoint.
std::optional<RouteInfo> Match(const HttpRequest& request, std::string* dataset) {
  const auto& s = request.segments;
  if (s.empty() || (s.size() == 1 && s[0].empty()))
    return RouteInfo{Route::kRoot, "GET", "/", false};
  if (s.size() == 1 && s[0] == "health") return RouteInfo{Route::kHealth, "GET", "/health", false};
  if (s.size() == 1 && s[0] == "metrics")
    return RouteInfo{Route::kMetrics, "GET", "/metrics", false};
  if (s.empty() || s[0] != "datasets") return std::nullopt;
  if (s.size() == 1) return RouteInfo{Route::kList, "GET", "/datasets", false};
  if (s.size() == 2 && s[1] == "register") {
    return RouteInfo{Route::kRegister, "POST", "/datasets/register", true};
  }
  if (s.size() != 3) return std::nullopt;
  *dataset = s[1];
  static const RouteInfo kRoutes[] = {
      {Route::kSchema, "GET", "/datasets/{name}/schema", false},
      {Route::kParts, "GET", "/datasets/{name}/parts", true},
      {Route::kEmptyQuery, "GET", "/datasets/{name}/empty-query", false},
      {Route::kQuery, "POST", "/datasets/{name}/query", false},
      {Route::kUnregister, "POST", "/datasets/{name}/unregister", true},
  };
  static const char* kNames[] = {"schema", "parts", "empty-query", "query", "unregister"};
  for (size_t i = 0; i < 5; ++i) {
    if (s[2] == kNames[i]) return kRoutes[i];
  }
  return std::nullopt;
}

// Funnel Rocket's metric names and labels (its frocket/common/metrics.py), histograms with its
// bucket settings; frocket's own metrics are prefixed frocket_.
struct MetricNames {
  static constexpr const char* kInvokerTotal = "invoker_total_seconds";
  static constexpr const char* kEnqueue = "async_enqueue_seconds";
  static constexpr const char* kPoll = "async_poll_seconds";
  static constexpr const char* kInvokeToRun = "invoke_to_run_seconds";
  static constexpr const char* kTaskRun = "task_total_run_seconds";
  static constexpr const char* kTaskLoad = "task_total_load_seconds";
  static constexpr const char* kRows = "scanned_rows";
  static constexpr const char* kGroups = "scanned_groups";
  static constexpr const char* kBytesRead = "frocket_task_bytes_read_total";
  static constexpr const char* kNetworkBytes = "frocket_task_network_bytes_total";
  static constexpr const char* kPartLoads = "frocket_part_loads_total";
  static constexpr const char* kRequests = "frocket_http_requests_total";
  static constexpr const char* kRequestSeconds = "frocket_http_request_duration_seconds";
  static constexpr const char* kJobsRunning = "frocket_jobs_running";
  static constexpr const char* kJobsRefused = "frocket_jobs_refused_total";
};

Status DefineMetrics(Metrics* m) {
  auto buckets = [](const char* unit) -> Result<std::vector<double>> {
    const std::string variable = std::string("FROCKET_METRICS_BUCKETS_") + unit;
    return ParseBuckets(variable, Config::Get(variable));
  };
  FROCKET_ASSIGN_OR_RETURN(auto seconds, buckets("SECONDS"));
  FROCKET_ASSIGN_OR_RETURN(auto rows, buckets("ROWS"));
  FROCKET_ASSIGN_OR_RETURN(auto groups, buckets("GROUPS"));
  FROCKET_RETURN_IF_ERROR(buckets("BYTES").status());
  FROCKET_RETURN_IF_ERROR(buckets("DEFAULT").status());
  using K = Metrics::Kind;
  using N = MetricNames;
  m->Define(N::kInvokerTotal, K::kHistogram, "INVOKER_TOTAL_SECONDS", seconds);
  m->Define(N::kEnqueue, K::kHistogram, "ASYNC_ENQUEUE_SECONDS", seconds);
  m->Define(N::kPoll, K::kHistogram, "ASYNC_POLL_SECONDS", seconds);
  m->Define(N::kInvokeToRun, K::kHistogram, "INVOKE_TO_RUN_SECONDS", seconds);
  m->Define(N::kTaskRun, K::kHistogram, "TASK_TOTAL_RUN_SECONDS", seconds);
  m->Define(N::kTaskLoad, K::kHistogram, "TASK_TOTAL_LOAD_SECONDS", seconds);
  m->Define(N::kRows, K::kHistogram, "SCANNED_ROWS", rows);
  m->Define(N::kGroups, K::kHistogram, "SCANNED_GROUPS", groups);
  m->Define(N::kBytesRead, K::kCounter,
            "Bytes tasks read from part files, the disk cache or the network, by where the part "
            "came from");
  m->Define(N::kNetworkBytes, K::kCounter, "Bytes tasks fetched over the network (S3)");
  m->Define(N::kPartLoads, K::kCounter,
            "Parts tasks used, by where they came from: the source, the disk cache or the "
            "memory cache");
  m->Define(N::kRequests, K::kCounter, "HTTP requests answered, by route and status");
  m->Define(N::kRequestSeconds, K::kHistogram, "Time to answer HTTP requests, by route", seconds);
  m->Define(N::kJobsRunning, K::kGauge, "Jobs (queries, registrations) running");
  m->Define(N::kJobsRefused, K::kCounter,
            "Jobs refused with 429 because FROCKET_APISERVER_MAX_JOBS were running");
  m->Set(N::kJobsRunning, {}, 0);
  m->Add(N::kJobsRefused, {}, 0);
  return Status::OK();
}

void RecordJob(Metrics* m, const cluster::JobReport& r) {
  using N = MetricNames;
  const std::string success = r.success ? "True" : "False";
  const Labels invoker = {
      {"component", "invoker"}, {"success", success}, {"dataset", r.dataset}, {"job_type", r.type}};
  m->Observe(N::kInvokerTotal, invoker, r.total_seconds);
  m->Observe(N::kEnqueue, invoker, r.invoker.enqueue_seconds);
  m->Observe(N::kPoll, invoker, r.invoker.poll_seconds);
  for (const cluster::TaskMetrics& t : r.tasks) {
    const char* from = t.load_from == cluster::LoadSource::kSource      ? "source"
                       : t.load_from == cluster::LoadSource::kDiskCache ? "disk_cache"
                                                                        : "memory_cache";
    const Labels worker = {{"component", "worker"},
                           {"success", "True"},
                           {"dataset", r.dataset},
                           {"job_type", r.type},
                           {"worker_startup", t.warm ? "warm" : "cold"},
                           {"load_from", from}};
    m->Observe(N::kInvokeToRun, worker, t.invoke_latency);
    m->Observe(N::kTaskRun, worker, t.total_seconds);
    m->Observe(N::kTaskLoad, worker, t.load_seconds);
    m->Observe(N::kRows, worker, static_cast<double>(t.scanned_rows));
    m->Observe(N::kGroups, worker, static_cast<double>(t.scanned_groups));
    const Labels by_source = {{"job_type", r.type}, {"load_from", from}};
    m->Add(N::kPartLoads, by_source, 1);
    m->Add(N::kBytesRead, by_source, static_cast<double>(t.bytes_read));
    m->Add(N::kNetworkBytes, {{"job_type", r.type}}, static_cast<double>(t.network_bytes));
  }
}

// A job's progress and result, shared by the thread running it and the request's thread.
struct JobState {
  std::mutex mutex;
  std::condition_variable changed;
  std::optional<cluster::Progress> progress;  // the newest update not yet streamed
  std::optional<Json> result;
};

}  // namespace

struct ApiServer::Shared {
  ApiSettings settings;
  std::unique_ptr<cluster::InvokerApi> api;
  Metrics metrics;
  std::mutex jobs_mutex;
  std::condition_variable jobs_ended;
  int64_t running_jobs = 0;
  std::atomic<uint64_t> requests{0};  // numbers requests in the access log
};

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

Result<std::unique_ptr<ApiServer>> ApiServer::Create(HttpServerOptions http, ApiSettings settings) {
  auto shared = std::make_shared<Shared>();
  shared->settings = std::move(settings);
  FROCKET_RETURN_IF_ERROR(DefineMetrics(&shared->metrics));
  FROCKET_ASSIGN_OR_RETURN(shared->api, cluster::InvokerApi::Create());
  Metrics* metrics = &shared->metrics;
  shared->api->set_job_listener([metrics](const cluster::JobReport& r) { RecordJob(metrics, r); });
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(http), std::move(shared)));
}

ApiServer::ApiServer(HttpServerOptions http, std::shared_ptr<Shared> shared)
    : shared_(std::move(shared)) {
  const bool pretty = shared_->settings.pretty;
  http_ = std::make_unique<HttpServer>(
      std::move(http), [this](const HttpRequest& r, HttpResponder& out) { Handle(r, out); },
      [pretty](int status, const std::string& message, HttpResponder& out) {
        out.Send(status, "application/json", Dump(ErrorJson(message), pretty) + "\n");
      });
}

ApiServer::~ApiServer() = default;

void ApiServer::Run() {
  http_->Run();
  std::unique_lock<std::mutex> lock(shared_->jobs_mutex);
  const auto deadline =
      Clock::now() + std::chrono::duration<double>(shared_->settings.request_timeout);
  if (!shared_->jobs_ended.wait_until(lock, deadline, [&] { return shared_->running_jobs == 0; })) {
    log::Warning("apiserver", std::to_string(shared_->running_jobs) +
                                  " jobs still running at shutdown are abandoned");
  }
}

void ApiServer::Handle(const HttpRequest& request, HttpResponder& out) {
  const auto started = Clock::now();
  Shared& shared = *shared_;
  const ApiSettings& settings = shared.settings;
  std::string dataset;
  const std::optional<RouteInfo> route = Match(request, &dataset);
  auto send_json = [&](int status, const Json& body, const HttpHeaders& headers = {}) {
    out.Send(status, "application/json", Dump(body, settings.pretty) + "\n", headers);
  };
  auto fail = [&](const RequestError& e) { send_json(e.status, ErrorJson(e.message), e.headers); };
  // A failure of the server itself (its datastore, its configuration), not of the request:
  // its detail only with FROCKET_APISERVER_ERROR_DETAILS, as Funnel Rocket's; the log keeps it.
  auto internal_error = [&](const Status& status) {
    log::Warning("apiserver",
                 request.method + " " + request.target.substr(0, 200) + ": " + status.message());
    return fail({500, settings.error_details ? status.message() : "Error"});
  };

  // Records the request when it ends, whatever path it took: metrics, and one access-log
  // line (method, path, status, milliseconds, the request's number in this server's life).
  struct Recorder {
    Metrics* metrics;
    const char* route;
    const HttpRequest* request;
    const HttpResponder* out;
    Clock::time_point started;
    uint64_t number;
    ~Recorder() {
      const std::string method =
          request->method == "GET" || request->method == "POST" || request->method == "HEAD"
              ? request->method
              : "other";
      const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
      metrics->Add(
          MetricNames::kRequests,
          {{"route", route}, {"method", method}, {"status", std::to_string(out->status())}});
      metrics->Observe(MetricNames::kRequestSeconds, {{"route", route}}, seconds);
      char ms[32];
      std::snprintf(ms, sizeof(ms), "%.1f", seconds * 1000);
      log::Info("access", text::Escaped(request->method.substr(0, 16)) + " " +
                              text::Escaped(request->target.substr(0, 200)) + " " +
                              std::to_string(out->status()) + " " + ms + " ms request #" +
                              std::to_string(number));
    }
  } recorder{&shared.metrics,  route ? route->label : "other", &request, &out, started,
             ++shared.requests};

  if (!route) {
    return fail({404, "no such endpoint: " + request.method + " " + request.target.substr(0, 200) +
                          " (see Funnel Rocket's docs/api.md)"});
  }
  const bool method_ok = request.method == route->method ||
                         (request.method == "HEAD" && std::string(route->method) == "GET");
  if (!method_ok) {
    return fail({405,
                 request.method + " is not allowed on " + route->label + "; use " + route->method,
                 {{"Allow", route->method}}});
  }

  // Authentication: the admin token (or, without one, the auth token) for admin routes; either
  // token for the others.
  if (!settings.auth_token.empty() || !settings.admin_token.empty()) {
    const std::string* header = request.Header("authorization");
    std::string token;
    if (header != nullptr && header->size() > 7 &&
        (header->compare(0, 7, "Bearer ") == 0 || header->compare(0, 7, "bearer ") == 0)) {
      token = header->substr(7);
    }
    const bool is_admin =
        !settings.admin_token.empty()
            ? ConstantTimeEquals(token, settings.admin_token)
            : !settings.auth_token.empty() && ConstantTimeEquals(token, settings.auth_token);
    const bool is_user = is_admin || (!settings.auth_token.empty() &&
                                      ConstantTimeEquals(token, settings.auth_token));
    const bool needs_token = route->admin || !settings.auth_token.empty();
    const HttpHeaders challenge = {{"WWW-Authenticate", "Bearer realm=\"frocket\""}};
    if (needs_token && !is_user) {
      return fail({401,
                   header == nullptr ? "this server requires 'Authorization: Bearer <token>'"
                                     : "the bearer token is not valid",
                   challenge});
    }
    if (route->admin && !is_admin) {
      return fail({403, std::string(route->label) + " needs the admin token", challenge});
    }
  }
  if (route->admin && !settings.admin_actions) {
    return fail({403, std::string(route->label) +
                          " is disabled on this server (FROCKET_APISERVER_ADMIN_ACTIONS=false)"});
  }
  if (request.segments.size() == 3) {  // /datasets/NAME/...
    if (auto problem = NameProblem(dataset)) return fail({400, *problem});
  }

  // Hides what a failed job says when error details are off; the log keeps it.
  auto publish = [&](Json response) {
    if (!settings.error_details && !response.value("success", true)) {
      log::Warning("apiserver", "request " + response.value("requestId", std::string("?")) +
                                    " failed: " + response.value("errorMessage", std::string()));
      response["errorMessage"] = "Error";
    }
    return response;
  };
  // Runs a job on a thread of its own and answers with its result, or streams its progress.
  auto run_job = [&](std::function<Json(const cluster::ProgressCallback&)> job) {
    {
      std::lock_guard<std::mutex> lock(shared.jobs_mutex);
      if (shared.running_jobs >= settings.max_jobs) {
        shared.metrics.Add(MetricNames::kJobsRefused, {}, 1);
        return fail({429,
                     "the server is running its limit of " + std::to_string(settings.max_jobs) +
                         " jobs (FROCKET_APISERVER_MAX_JOBS); retry shortly",
                     {{"Retry-After", "1"}}});
      }
      shared.metrics.Set(MetricNames::kJobsRunning, {}, static_cast<double>(++shared.running_jobs));
    }
    auto state = std::make_shared<JobState>();
    std::thread([keep = shared_, state, job = std::move(job)] {
      Json result;
      try {
        result = job([state](const cluster::Progress& p) {
          std::lock_guard<std::mutex> lock(state->mutex);
          state->progress = p;
          state->changed.notify_all();
        });
      } catch (const std::exception& e) {
        result = ErrorJson(std::string("internal error: ") + e.what());
      }
      // The slot is given back before the answer can reach the client: a client sending its
      // next request on receiving this one's answer must find it free (and the gauge at 0).
      {
        std::lock_guard<std::mutex> lock(keep->jobs_mutex);
        keep->metrics.Set(MetricNames::kJobsRunning, {}, static_cast<double>(--keep->running_jobs));
      }
      {
        std::lock_guard<std::mutex> lock(state->mutex);
        state->result = std::move(result);
        state->changed.notify_all();
      }
      std::lock_guard<std::mutex> lock(keep->jobs_mutex);
      keep->jobs_ended.notify_all();
    }).detach();

    const auto deadline = started + std::chrono::duration<double>(settings.request_timeout);
    const std::string timeout_message =
        "the request timed out after " + Dump(Json(settings.request_timeout), false) +
        " s (FROCKET_APISERVER_REQUEST_TIMEOUT); its job goes on in the background";
    if (!BoolParam(request, "stream")) {
      std::unique_lock<std::mutex> lock(state->mutex);
      if (!state->changed.wait_until(lock, deadline, [&] { return state->result.has_value(); })) {
        lock.unlock();
        return fail({504, timeout_message});
      }
      Json result = publish(std::move(*state->result));
      lock.unlock();
      return send_json(result.value("success", false) ? 200 : 500, result);
    }
    // Streaming: status 200 now; progress lines, then the response as the last line.
    if (!out.BeginChunked(200, "application/json")) return;
    while (true) {
      std::unique_lock<std::mutex> lock(state->mutex);
      const bool woke = state->changed.wait_until(
          lock, deadline, [&] { return state->result.has_value() || state->progress.has_value(); });
      if (!woke) {
        lock.unlock();
        Json timed_out = ErrorJson("Request timed out");
        out.WriteChunk(Dump(timed_out, false) + "\n");
        out.EndChunked();
        return;
      }
      if (state->progress) {
        cluster::Progress p = std::move(*state->progress);
        state->progress.reset();
        lock.unlock();
        // As Funnel Rocket: only updates that count tasks.
        if (p.tasks.empty()) continue;
        Json chunk;
        chunk["message"] = p.message;
        chunk["stage"] = p.stage;
        chunk["tasks"] = Json::object();
        for (const auto& [status, n] : p.tasks) chunk["tasks"][status] = n;
        if (!out.WriteChunk(Dump(chunk, false) + "\n")) return;  // the client left
        continue;
      }
      Json result = publish(std::move(*state->result));
      lock.unlock();
      out.WriteChunk(Dump(result, false) + "\n");
      out.EndChunked();
      return;
    }
  };

  cluster::InvokerApi& api = *shared.api;
  switch (route->route) {
    case Route::kRoot:
      return send_json(200,
                       Json{{"name", "frocket"},
                            {"api",
                             "Funnel Rocket's HTTP API: /datasets, /datasets/register, "
                             "/datasets/{name}/schema|parts|query|empty-query|"
                             "unregister, /health, /metrics"},
                            {"queryLanguage", "docs/query-language.md in frocket's repository"}});
    case Route::kHealth: {
      // Reachable means a listing answered; it says nothing of the datasets themselves.
      auto datasets = api.ListDatasets();
      Json j;
      j["success"] = datasets.ok();
      j["datastore"] = datasets.ok() ? "reachable" : "unreachable";
      if (datasets.ok()) j["datasets"] = datasets->size();
      if (!datasets.ok()) {
        log::Warning("apiserver", "health: " + datasets.status().message());
        if (settings.error_details) j["errorMessage"] = datasets.status().message();
      }
      j["invoker"] = Config::Get("FROCKET_INVOKER");
      bool workers_ok = true;
      if (j["invoker"] == "work_queue") {
        auto live = cluster::CountLiveWorkers();
        workers_ok = live.ok() && *live > 0;
        j["liveWorkers"] = live.ok() ? Json(*live) : Json(nullptr);
      }
      if (!workers_ok) {
        j["success"] = false;
        return send_json(503, j);
      }
      return send_json(datasets.ok() ? 200 : 503, j);
    }
    case Route::kMetrics:
      if (!settings.export_metrics) {
        return fail({404, "metrics are not exported (FROCKET_METRICS_EXPORT_PROMETHEUS=false)"});
      }
      return out.Send(200, "text/plain; version=0.0.4; charset=utf-8", shared.metrics.Render());
    case Route::kList: {
      auto datasets = api.ListDatasets();
      if (!datasets.ok()) return internal_error(datasets.status());
      Json j = Json::array();
      for (const auto& d : *datasets) j.push_back(dataset::ToJson(d));
      return send_json(200, j);
    }
    case Route::kSchema:
    case Route::kParts: {
      auto stored = api.GetDataset(dataset);
      if (!stored.ok()) {
        if (stored.status().code() != StatusCode::kNotFound) return internal_error(stored.status());
        return fail({404, stored.status().message()});
      }
      return send_json(200, route->route == Route::kParts
                                ? dataset::ToJson(stored->parts)
                                : dataset::ToJson(stored->schema, BoolParam(request, "full")));
    }
    case Route::kUnregister: {
      Json result = api.Unregister(dataset, BoolParam(request, "force"));
      return send_json(result.value("success", false) ? 200 : 500, result);
    }
    case Route::kRegister: {
      nlohmann::json body;
      if (auto error = ParseBody(request, &body)) return fail(*error);
      auto args = RegisterArgsFromJson(body);
      if (!args.ok()) return fail({400, args.status().message()});
      if (!settings.allowed_roots.Allows(args->basepath)) {
        return fail({403, "basepath '" + args->basepath +
                              "' is not under the roots this server may register from "
                              "(FROCKET_ALLOWED_BASEPATHS)"});
      }
      return run_job([&api, args = *args](const cluster::ProgressCallback& progress) {
        return api.Register(args, progress);
      });
    }
    case Route::kQuery:
    case Route::kEmptyQuery: {
      nlohmann::json query = nlohmann::json::object();
      if (route->route == Route::kQuery) {
        if (auto error = ParseBody(request, &query)) return fail(*error);
      }
      auto prepared = api.PrepareQuery(dataset, query);
      if (!prepared.ok()) {
        switch (prepared.status().code()) {
          case StatusCode::kNotFound:
            return fail({404, prepared.status().message()});
          case StatusCode::kInvalid:
            return fail({400, "invalid query: " + prepared.status().message()});
          default:
            return internal_error(prepared.status());
        }
      }
      return run_job(
          [&api, prepared = std::move(*prepared)](const cluster::ProgressCallback& progress) {
            return api.RunQuery(prepared, progress);
          });
    }
  }
}

}  // namespace frocket::server
