#include "common/config.h"

#include <cerrno>
#include <cstdlib>
#include <stdexcept>

namespace frocket {

const std::vector<ConfigVariable>& Config::Variables() {
  static const std::vector<ConfigVariable> kVariables = {
      {"FROCKET_HOME", "~/.frocket", "Directory of the embedded datastore (SQLite) and caches"},
      {"FROCKET_LOCAL_THREADS", "",
       "Tasks the local invoker runs at once (default: all cores; for parts on S3, which "
       "mostly wait for the network, at least 8)"},
      {"FROCKET_LOG_LEVEL", "info", "debug, info, warning or error"},
      {"FROCKET_LOG_FILE", "", "Write logs to this file instead of standard error"},
      {"FROCKET_DATASTORE", "sqlite", "Metadata store: sqlite (embedded) or redis (cluster)"},
      {"FROCKET_BLOBSTORE", "", "Blob store: redis (cluster); defaults to the datastore's"},
      {"FROCKET_INVOKER", "local", "How tasks run: local, work_queue or aws_lambda"},
      {"FROCKET_REDIS_HOST", "localhost", "Redis host of the datastore and blobstore"},
      {"FROCKET_REDIS_PORT", "6379", "Redis port"},
      {"FROCKET_REDIS_DB", "0", "Redis logical database"},
      {"FROCKET_DATASTORE_REDIS_HOST", "",
       "Redis host of the datastore (default: FROCKET_REDIS_HOST)"},
      {"FROCKET_DATASTORE_REDIS_PORT", "",
       "Redis port of the datastore (default: FROCKET_REDIS_PORT)"},
      {"FROCKET_DATASTORE_REDIS_DB", "",
       "Redis database of the datastore (default: FROCKET_REDIS_DB)"},
      {"FROCKET_BLOBSTORE_REDIS_HOST", "",
       "Redis host of the blobstore (default: FROCKET_REDIS_HOST)"},
      {"FROCKET_BLOBSTORE_REDIS_PORT", "",
       "Redis port of the blobstore (default: FROCKET_REDIS_PORT)"},
      {"FROCKET_BLOBSTORE_REDIS_DB", "",
       "Redis database of the blobstore (default: FROCKET_REDIS_DB)"},
      {"FROCKET_DATASTORE_REDIS_PREFIX", "frocket:", "Prefix of every datastore key"},
      {"FROCKET_BLOBSTORE_DEFAULT_TTL", "600", "Default expiry of blobs, seconds"},
      {"FROCKET_BLOBSTORE_MAX_TTL", "86400", "Maximum expiry of blobs, seconds"},
      {"FROCKET_INVOKER_RUN_TIMEOUT", "60", "Seconds before a job fails, retries included"},
      {"FROCKET_INVOKER_ASYNC_POLL_INTERVAL_MS", "25",
       "Least wait between the invoker's checks of task state (it wakes when workers report)"},
      {"FROCKET_INVOKER_RETRY_MAX_ATTEMPTS", "3", "Attempts per task at most"},
      {"FROCKET_INVOKER_RETRY_FAILED_INTERVAL", "3", "Seconds before retrying a failed task"},
      {"FROCKET_INVOKER_RETRY_LOST_INTERVAL", "20",
       "Seconds without a status update before a task is considered lost and retried"},
      {"FROCKET_INVOKER_LAMBDA_NAME", "frocket", "The Lambda function the aws_lambda invoker runs"},
      {"FROCKET_INVOKER_LAMBDA_THREADS", "100",
       "Lambda invocations of a job in flight at once (one thread sends them all)"},
      {"FROCKET_INVOKER_LAMBDA_LEGACY_ASYNC", "false",
       "true: invoke through the deprecated InvokeAsync API instead of Invoke (Event)"},
      {"FROCKET_LAMBDA_AWS_ENDPOINT_URL", "",
       "Lambda endpoint, http(s)://host[:port] (then FROCKET_AWS_ENDPOINT_URL; default AWS)"},
      {"FROCKET_LAMBDA_AWS_REGION", "",
       "Lambda region (then FROCKET_AWS_REGION, AWS_REGION, AWS_DEFAULT_REGION; default "
       "us-east-1)"},
      {"FROCKET_LAMBDA_AWS_ACCESS_KEY_ID", "",
       "Lambda access key id (then FROCKET_AWS_ACCESS_KEY_ID, AWS_ACCESS_KEY_ID)"},
      {"FROCKET_LAMBDA_AWS_SECRET_ACCESS_KEY", "",
       "Lambda secret key (then FROCKET_AWS_SECRET_ACCESS_KEY, AWS_SECRET_ACCESS_KEY)", true},
      {"FROCKET_LAMBDA_AWS_SESSION_TOKEN", "",
       "Lambda session token (then FROCKET_AWS_SESSION_TOKEN, AWS_SESSION_TOKEN)", true},
      {"FROCKET_LAMBDA_AWS_NO_SIGNATURE", "",
       "true: unsigned Invoke requests (then FROCKET_AWS_NO_SIGNATURE)"},
      {"FROCKET_LAMBDA_AWS_CONNECT_TIMEOUT", "3", "Seconds to connect to the Lambda endpoint"},
      {"FROCKET_LAMBDA_AWS_READ_TIMEOUT", "3", "Seconds for Lambda to answer an invocation"},
      {"FROCKET_LAMBDA_AWS_RETRIES_MAX_ATTEMPTS", "5",
       "Attempts per invocation at most, when throttled (429), 5xx or the connection failed"},
      {"FROCKET_LAMBDA_PRICE_GB_SECOND", "0.0000166667",
       "Lambda's price per GB-second of billed duration (us-east-1, x86, as of 2026-12-01)"},
      {"FROCKET_LAMBDA_PRICE_REQUEST", "0.0000002",
       "Lambda's price per invocation (us-east-1: $0.20 per million, as of 2026-12-01)"},
      {"FROCKET_WORKER_REJECT_AGE", "60", "Workers reject tasks older than this, seconds"},
      {"FROCKET_WORKER_SELF_SELECT_ENABLED", "true", "Workers choose parts they have cached"},
      {"FROCKET_PART_SELECTION_PREFLIGHT_MS", "200", "Window for workers to pick cached parts"},
      {"FROCKET_WORKER_FAULT_INJECTION", "",
       "Tests only: faults workers inject (PART@ATTEMPT:fail, :kill or :sleep=MS; ...)"},
      {"FROCKET_WORKER_DISK_CACHE_SIZE_MB", "256", "On-disk cache of remote files, MB"},
      {"FROCKET_TRANSCODED_CACHE_SIZE_MB", "0",
       "On-disk cache of parts in frocket's own layout (rows in time order, decoded), read "
       "instead of the Parquet files by later processes, MB; 0: none"},
      {"FROCKET_S3_AWS_ENDPOINT_URL", "",
       "S3 endpoint, http(s)://host[:port] (then FROCKET_AWS_ENDPOINT_URL; default AWS)"},
      {"FROCKET_S3_AWS_REGION", "",
       "S3 region (then FROCKET_AWS_REGION, AWS_REGION, AWS_DEFAULT_REGION; default us-east-1)"},
      {"FROCKET_S3_AWS_ACCESS_KEY_ID", "",
       "S3 access key id (then FROCKET_AWS_ACCESS_KEY_ID, AWS_ACCESS_KEY_ID)"},
      {"FROCKET_S3_AWS_SECRET_ACCESS_KEY", "",
       "S3 secret key (then FROCKET_AWS_SECRET_ACCESS_KEY, AWS_SECRET_ACCESS_KEY)", true},
      {"FROCKET_S3_AWS_SESSION_TOKEN", "",
       "S3 session token (then FROCKET_AWS_SESSION_TOKEN, AWS_SESSION_TOKEN)", true},
      {"FROCKET_AWS_NO_SIGNATURE", "",
       "true: unsigned S3 requests, for anonymous stores (FROCKET_S3_AWS_NO_SIGNATURE first)"},
      {"FROCKET_S3_ADDRESSING_STYLE", "",
       "path or virtual (default: path with an endpoint set, virtual for AWS)"},
      {"FROCKET_WORKER_MEMORY_CACHE_MB", "1024",
       "In-memory cache of decoded parts, MB (a process answering one query keeps none)"},
      {"FROCKET_VALIDATION_SAMPLE_RATIO", "0.1", "Share of parts validated in SAMPLE mode"},
      {"FROCKET_VALIDATION_SAMPLE_MAX", "10", "Most parts validated in SAMPLE mode"},
      {"FROCKET_DATASET_CATEGORICAL_RATIO", "0.1",
       "String columns with fewer distinct values than this share of rows are dictionary-friendly"},
      {"FROCKET_DATASET_CATEGORICAL_TOP_COUNT", "20", "Top values stored per such column"},
      {"FROCKET_DATASET_CATEGORICAL_TOP_MINPCT", "0.01", "Least frequency of a stored top value"},
      {"FROCKET_AGGREGATIONS_TOP_DEFAULT_COUNT", "10", "Entries of per-value aggregations shown"},
      {"FROCKET_AGGREGATIONS_EXACT_LIMIT", "100000",
       "Distinct values a part ships per aggregation before it becomes approximate"},
      {"FROCKET_UNREGISTER_LAST_USED_INTERVAL", "30",
       "Seconds after its last query before a dataset may be unregistered without force"},
      {"FROCKET_STATS_TIMING_PERCENTILES", "0.25, 0.5, 0.75, 0.95, 0.99",
       "Percentiles of timing stats"},
      {"FROCKET_APISERVER_ADMIN_ACTIONS", "true", "Whether the API allows register/unregister"},
      {"FROCKET_APISERVER_ERROR_DETAILS", "true", "Whether API errors include details"},
      {"FROCKET_APISERVER_PRETTYPRINT", "true", "Pretty-print API responses"},
      {"FROCKET_METRICS_EXPORT_PROMETHEUS", "true", "Serve /metrics"},
      {"FROCKET_METRICS_BUCKETS_DEFAULT", "0.1, 0.5, 1, 5, 25, 100, 1000",
       "Histogram buckets of metrics without a unit of their own"},
      {"FROCKET_METRICS_BUCKETS_DOLLARS", "0.000001, 0.00001, 0.0001, 0.001, 0.01",
       "Buckets of the cost_dollars histogram (per task, Lambda)"},
      {"FROCKET_METRICS_BUCKETS_SECONDS", "0.05, 0.1, 0.5, 1, 2, 5, 10, 15",
       "Histogram buckets of durations"},
      {"FROCKET_METRICS_BUCKETS_BYTES", "1048576, 16777216, 67108864, 134217728, 268435456",
       "Histogram buckets of byte sizes"},
      {"FROCKET_METRICS_BUCKETS_GROUPS",
       "100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 500_000_000",
       "Histogram buckets of group counts"},
      {"FROCKET_METRICS_BUCKETS_ROWS",
       "100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 500_000_000",
       "Histogram buckets of row counts"},
      {"APISERVER_PORT", "5000", "Port of `frocket serve` (--port wins)"},
      {"FROCKET_APISERVER_HOST", "0.0.0.0", "Address `frocket serve` listens on (--host wins)"},
      {"FROCKET_APISERVER_AUTH_TOKEN", "",
       "When set, every request needs 'Authorization: Bearer <token>' (this or the admin token)",
       true},
      {"FROCKET_APISERVER_ADMIN_TOKEN", "",
       "When set, register, unregister and parts need this bearer token", true},
      {"FROCKET_ALLOWED_BASEPATHS", "",
       "Comma-separated roots (directories, s3://bucket/prefix) the API may register datasets "
       "under; empty: anywhere"},
      {"FROCKET_APISERVER_MAX_BODY_BYTES", "1048576", "Largest request body accepted"},
      {"FROCKET_APISERVER_REQUEST_TIMEOUT", "120",
       "Seconds a request may take before it is answered as timed out (the job goes on)"},
      {"FROCKET_APISERVER_MAX_JOBS", "16",
       "Jobs (queries, registrations) run at once; more are refused with 429 and Retry-After"},
      {"FROCKET_APISERVER_MAX_CONNECTIONS", "1024", "Client connections served at once"},
      {"FROCKET_APISERVER_HEADER_TIMEOUT", "10",
       "Seconds a client has to send a request's line and headers (slow clients are cut off)"},
      {"FROCKET_APISERVER_BODY_TIMEOUT", "30",
       "Seconds a client has to send a request's body once its headers arrived"},
      {"FROCKET_APISERVER_KEEPALIVE_TIMEOUT", "15",
       "Seconds an idle keep-alive connection is kept open"},
  };
  return kVariables;
}

std::string Config::Get(const std::string& name) {
  if (const char* v = std::getenv(name.c_str()); v != nullptr) return v;
  for (const auto& var : Variables()) {
    if (name == var.name) return var.default_value;
  }
  return "";
}

std::string Config::Home() {
  std::string home = Get("FROCKET_HOME");
  if (home.rfind("~", 0) == 0) {
    const char* user_home = std::getenv("HOME");
    home = std::string(user_home != nullptr ? user_home : "") + home.substr(1);
  }
  return home;
}

std::string Config::GetFirst(const std::vector<std::string>& names) {
  for (const auto& n : names) {
    if (const char* v = std::getenv(n.c_str()); v != nullptr) return v;
  }
  return names.empty() ? "" : Get(names.back());
}

Result<int64_t> Config::Int(const std::string& name, int64_t min, int64_t max) {
  std::string v = Get(name);
  errno = 0;
  char* end = nullptr;
  long long parsed = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || errno != 0 || *end != '\0' || parsed < min || parsed > max) {
    return Status::Invalid(name + "=" + v + ": expected an integer from " + std::to_string(min) +
                           " to " + std::to_string(max));
  }
  return static_cast<int64_t>(parsed);
}

Result<double> Config::Double(const std::string& name) {
  std::string v = Get(name);
  char* end = nullptr;
  double parsed = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0') return Status::Invalid(name + "=" + v + ": expected a number");
  return parsed;
}

Result<bool> Config::Bool(const std::string& name) {
  std::string v = Get(name);
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  return Status::Invalid(name + "=" + Get(name) + ": expected true or false");
}

}  // namespace frocket
