#include "storage/s3_client.h"

#include <curl/curl.h>

#include <chrono>
#include <ctime>
#include <mutex>
#include <random>
#include <thread>

#include "common/config.h"
#include "common/deadline.h"
#include "common/random.h"
#include "storage/aws_settings.h"
#include "storage/curl_library.h"
#include "storage/s3_xml.h"
#include "storage/sigv4.h"

namespace frocket {

std::atomic<uint64_t> S3Client::bytes_fetched_{0};

namespace {

// A listing page or an error document larger than this is not S3 talking.
constexpr size_t kMaxTextBody = size_t{64} << 20;

std::string FirstSet(const std::vector<std::string>& names, const std::string& fallback = "") {
  for (const auto& n : names) {
    const char* v = std::getenv(n.c_str());
    if (v != nullptr && *v != '\0') return v;
  }
  return fallback;
}

struct CurlHandle {
  CURL* curl = nullptr;
  CurlHandle() : curl(Curl().easy_init()) {}
  ~CurlHandle() {
    if (curl != nullptr) Curl().easy_cleanup(curl);
  }
};

// One handle per thread: it keeps its connections open between requests.
Result<CURL*> ThreadHandle() {
  FROCKET_RETURN_IF_ERROR(LoadCurl().status());
  thread_local CurlHandle handle;
  if (handle.curl == nullptr) return Status::IOError("cannot initialise a libcurl handle");
  return handle.curl;
}

struct Transfer {
  Buffer* into = nullptr;
  uint64_t expected = 0;
  std::string text;
  std::map<std::string, std::string> headers;
  long status = 0;  // of the response being received
  bool overflow = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  // Only a successful answer's body is the object's bytes; an error document goes to text.
  if (t->into != nullptr && t->status >= 200 && t->status < 300) {
    if (t->into->size() + n > t->expected) {
      t->overflow = true;
      return 0;  // aborts the transfer
    }
    t->into->Append(data, n);
  } else {
    if (t->text.size() + n > kMaxTextBody) {
      t->overflow = true;
      return 0;
    }
    t->text.append(data, n);
  }
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  std::string line(data, n);
  const size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    const size_t b = value.find_first_not_of(" \t");
    const size_t e = value.find_last_not_of(" \t\r\n");
    t->headers[name] = b == std::string::npos ? "" : value.substr(b, e - b + 1);
  } else if (line.rfind("HTTP/", 0) == 0) {
    t->headers.clear();  // a new response (after a 100 Continue or a redirect)
    const size_t space = line.find(' ');
    t->status = space == std::string::npos ? 0 : std::strtol(line.c_str() + space + 1, nullptr, 10);
  }
  return n;
}

bool RetryableCurlError(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_COULDNT_RESOLVE_HOST:
      return true;
    default:
      return false;
  }
}

bool RetryableStatus(long status, const std::string& body) {
  return status >= 500 || status == 429 || body.find("<Code>SlowDown</Code>") != std::string::npos;
}

}  // namespace

Result<S3Uri> S3Uri::Parse(const std::string& uri) {
  if (uri.rfind("s3://", 0) != 0) return Status::Invalid(uri + ": not an s3:// URI");
  const std::string rest = uri.substr(5);
  const size_t slash = rest.find('/');
  S3Uri out;
  out.bucket = rest.substr(0, slash);
  out.key = slash == std::string::npos ? "" : rest.substr(slash + 1);
  if (out.bucket.empty()) return Status::Invalid(uri + ": no bucket name");
  return out;
}

Result<S3Settings> S3Settings::FromConfig() {
  FROCKET_ASSIGN_OR_RETURN(AwsSettings aws, AwsSettings::FromConfig("S3"));
  S3Settings s;
  s.endpoint = aws.endpoint;
  s.region = aws.region;
  s.access_key_id = aws.credentials.access_key_id;
  s.secret_access_key = aws.credentials.secret_access_key;
  s.session_token = aws.credentials.session_token;
  s.no_signature = aws.no_signature;
  const std::string style = FirstSet({"FROCKET_S3_ADDRESSING_STYLE"});
  if (style.empty()) {
    s.path_style = !s.endpoint.empty();
  } else if (style == "path" || style == "virtual") {
    s.path_style = style == "path";
  } else {
    return Status::Invalid("FROCKET_S3_ADDRESSING_STYLE=" + style + ": expected path or virtual");
  }
  return s;
}

S3Client::S3Client(S3Settings settings) : settings_(std::move(settings)) {
  std::string endpoint = settings_.endpoint.empty()
                             ? "https://s3." + settings_.region + ".amazonaws.com"
                             : settings_.endpoint;
  const size_t scheme_end = endpoint.find("://");
  scheme_ = endpoint.substr(0, scheme_end);
  host_ = endpoint.substr(scheme_end + 3);
}

uint64_t S3Client::BytesFetched() {
  return bytes_fetched_.load();
}

Result<std::vector<sigv4::Header>> S3Client::SignedHeaders(const Request& request,
                                                           const std::string& host,
                                                           const std::string& target) const {
  std::vector<sigv4::Header> headers;
  headers.push_back({"host", host});
  for (const auto& [name, value] : request.headers) headers.push_back({name, value});
  if (settings_.no_signature) return headers;
  sigv4::Request to_sign;
  to_sign.method = request.method;
  to_sign.target = target;
  to_sign.headers = headers;
  to_sign.payload_hash = std::string(sigv4::kEmptyPayloadHash);
  const sigv4::Credentials credentials{settings_.access_key_id, settings_.secret_access_key,
                                       settings_.session_token};
  const sigv4::Scope scope{settings_.region, "s3", std::chrono::system_clock::now()};
  FROCKET_ASSIGN_OR_RETURN(
      auto signature, sigv4::SignHeaders(to_sign, credentials, scope, sigv4::Options::ForS3()));
  headers.insert(headers.end(), signature.headers_to_add.begin(), signature.headers_to_add.end());
  return headers;
}

namespace {

// One HTTP exchange on this thread's handle: curl's result, the response's status, and what
// the transfer received. `left`: seconds the job's deadline leaves, if it has one.
struct Exchange {
  CURLcode code = CURLE_OK;
  long status = 0;
  Transfer transfer;
};

Result<Exchange> Perform(const char* method, const std::string& url,
                         const std::vector<sigv4::Header>& headers, const S3Settings& settings,
                         Buffer* into, uint64_t expected_length, std::optional<double> left) {
  FROCKET_ASSIGN_OR_RETURN(CURL * curl, ThreadHandle());
  Curl().easy_reset(curl);
  Exchange x;
  x.transfer.into = into;
  x.transfer.expected = expected_length;
  if (into != nullptr) into->Resize(0);
  curl_slist* list = nullptr;
  for (const sigv4::Header& h : headers) {
    if (h.name == "host") continue;  // curl sets it from the URL
    list = Curl().slist_append(list, (h.name + ": " + h.value).c_str());
  }
  Curl().easy_setopt(curl, CURLOPT_URL, url.c_str());
  Curl().easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  Curl().easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  Curl().easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(settings.connect_timeout * 1000));
  Curl().easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  Curl().easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(settings.low_speed_timeout));
  if (left) {
    Curl().easy_setopt(curl, CURLOPT_TIMEOUT_MS, std::max(1L, static_cast<long>(*left * 1000)));
  }
  Curl().easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  Curl().easy_setopt(curl, CURLOPT_WRITEDATA, &x.transfer);
  Curl().easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  Curl().easy_setopt(curl, CURLOPT_HEADERDATA, &x.transfer);
  if (std::string(method) == "HEAD") Curl().easy_setopt(curl, CURLOPT_NOBODY, 1L);
  x.code = Curl().easy_perform(curl);
  Curl().slist_free_all(list);
  Curl().easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &x.status);
  return x;
}

}  // namespace

Result<S3Client::Response> S3Client::Send(const Request& request, Buffer* into,
                                          uint64_t expected_length) {
  // Where the request goes: path-style puts the bucket in the path, virtual-host style in
  // the host name.
  const std::string host = settings_.path_style ? host_ : request.bucket + "." + host_;
  const std::string path = "/" + (settings_.path_style ? request.bucket + "/" : std::string()) +
                           sigv4::UriEncode(request.key, /*keep_slash=*/true);
  const std::string query = sigv4::CanonicalQuery(request.query);
  const std::string target = path + (query.empty() ? "" : "?" + query);
  const std::string url = scheme_ + "://" + host + target;

  Status last_error;
  double backoff = settings_.first_backoff;
  static thread_local std::mt19937 jitter(RandomSeed());
  // The job's deadline (see Deadline) bounds the whole request, retries included.
  auto out_of_time = [&] {
    return Status::IOError(request.what +
                           ": the job ran out of time (FROCKET_INVOKER_RUN_TIMEOUT)" +
                           (last_error.ok() ? "" : "; the last attempt: " + last_error.message()));
  };
  for (int attempt = 1; attempt <= settings_.max_attempts; ++attempt) {
    if (attempt > 1) {
      std::uniform_real_distribution<double> spread(0.5, 1.5);
      double pause = backoff * spread(jitter);
      if (auto left = Deadline::SecondsLeft()) pause = std::min(pause, std::max(0.0, *left));
      std::this_thread::sleep_for(std::chrono::duration<double>(pause));
      backoff *= 2;
    }
    const std::optional<double> left = Deadline::SecondsLeft();
    if (left && *left <= 0) return out_of_time();
    FROCKET_ASSIGN_OR_RETURN(auto headers, SignedHeaders(request, host, target));
    auto exchange = Perform(request.method, url, headers, settings_, into, expected_length, left);
    if (!exchange.ok()) return exchange.status().WithContext(request.what);
    Exchange& x = *exchange;
    if (x.transfer.overflow) {
      return Status::IOError(request.what + ": the server sent more than the " +
                             std::to_string(into != nullptr ? expected_length : kMaxTextBody) +
                             " bytes asked for");
    }
    if (x.code != CURLE_OK) {
      last_error = Status::IOError(request.what + ": " + Curl().easy_strerror(x.code) + " (" +
                                   host + ", attempt " + std::to_string(attempt) + " of " +
                                   std::to_string(settings_.max_attempts) + ")");
      if (x.code == CURLE_OPERATION_TIMEDOUT && left && *Deadline::SecondsLeft() <= 0) {
        return out_of_time();
      }
      if (RetryableCurlError(x.code)) continue;
      return last_error;
    }
    Response response;
    response.status = x.status;
    response.headers = std::move(x.transfer.headers);
    const bool ok = x.status >= 200 && x.status < 300;
    if (ok && into != nullptr) {
      bytes_fetched_ += into->size();
    } else {
      response.body = std::move(x.transfer.text);
    }
    if (!ok && RetryableStatus(x.status, response.body) && attempt < settings_.max_attempts) {
      last_error = ErrorFor(request, response);
      continue;
    }
    return response;
  }
  return last_error;
}

Status S3Client::ErrorFor(const Request& request, const Response& response) const {
  std::string code = s3xml::Text(response.body, "Code");
  std::string message = s3xml::Text(response.body, "Message");
  std::string text = request.what + ": HTTP " + std::to_string(response.status);
  if (!code.empty()) {
    text += " " + code;
  } else if (response.status == 403) {
    text += " Forbidden";  // a HEAD answer has no body to say why
  }
  if (!message.empty()) text += ": " + message;
  if (response.status == 403) {
    text += settings_.no_signature ? " (unsigned request: FROCKET_AWS_NO_SIGNATURE is set)"
                                   : " (access key id " + settings_.access_key_id + ", region " +
                                         settings_.region + ")";
  }
  if (response.status == 404 && code.empty()) text += " NoSuchKey";
  return response.status == 404 ? Status::NotFound(text) : Status::IOError(text);
}

Result<std::vector<S3Object>> S3Client::List(const std::string& bucket, const std::string& prefix) {
  std::vector<S3Object> out;
  std::string token;
  for (int page = 1;; ++page) {
    Request r;
    r.bucket = bucket;
    r.query = {{"list-type", "2"}, {"prefix", prefix}, {"delimiter", "/"}};
    if (!token.empty()) r.query["continuation-token"] = token;
    r.what = "ListObjectsV2 s3://" + bucket + "/" + prefix + " (page " + std::to_string(page) + ")";
    FROCKET_ASSIGN_OR_RETURN(Response response, Send(r, nullptr, 0));
    if (response.status != 200) return ErrorFor(r, response);
    for (std::string_view contents : s3xml::Elements(response.body, "Contents")) {
      S3Object o;
      o.key = s3xml::Text(contents, "Key");
      const std::string size = s3xml::Text(contents, "Size");
      o.etag = s3xml::Text(contents, "ETag");
      char* end = nullptr;
      o.size = std::strtoull(size.c_str(), &end, 10);
      if (o.key.empty() || size.empty() || *end != '\0') {
        return Status::IOError(r.what + ": malformed listing entry");
      }
      out.push_back(std::move(o));
    }
    const bool truncated = s3xml::Text(response.body, "IsTruncated") == "true";
    if (!truncated) break;
    token = s3xml::Text(response.body, "NextContinuationToken");
    if (token.empty()) {
      return Status::IOError(r.what + ": truncated listing without a continuation token");
    }
  }
  return out;
}

Result<S3Object> S3Client::Head(const std::string& bucket, const std::string& key) {
  Request r;
  r.method = "HEAD";
  r.bucket = bucket;
  r.key = key;
  r.what = "HEAD s3://" + bucket + "/" + key;
  FROCKET_ASSIGN_OR_RETURN(Response response, Send(r, nullptr, 0));
  if (response.status != 200) return ErrorFor(r, response);
  S3Object o;
  o.key = key;
  o.etag = response.headers["etag"];
  char* end = nullptr;
  const std::string& length = response.headers["content-length"];
  o.size = std::strtoull(length.c_str(), &end, 10);
  if (length.empty() || *end != '\0') return Status::IOError(r.what + ": no Content-Length");
  return o;
}

Status S3Client::GetRange(const std::string& bucket, const std::string& key, uint64_t offset,
                          uint64_t length, const std::string& etag, Buffer* out) {
  out->Resize(0);
  if (length == 0) return Status::OK();
  Request r;
  r.bucket = bucket;
  r.key = key;
  const std::string range =
      "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1);
  r.headers["range"] = range;
  if (!etag.empty()) r.headers["if-match"] = etag;
  r.what = "GET s3://" + bucket + "/" + key + " (" + range + ")";
  FROCKET_ASSIGN_OR_RETURN(Response response, Send(r, out, length));
  // Some S3-compatible stores ignore If-Match (s3rver does): the ETag of the answer tells.
  const std::string& answered_etag = response.headers["etag"];
  const bool other_version = response.status >= 200 && response.status < 300 && !etag.empty() &&
                             !answered_etag.empty() && answered_etag != etag;
  if (response.status == 412 || other_version) {
    return Status::IOError(r.what + ": the object changed since the dataset was registered " +
                           "(ETag " + etag + " no longer matches); register the dataset again");
  }
  if (response.status == 416) {
    return Status::IOError(r.what + ": the object is shorter than the requested range");
  }
  if (response.status != 206 && response.status != 200) return ErrorFor(r, response);
  if (response.status == 200 && out->size() != length) {
    // A server that ignores Range sends the whole object; that is only right for a range
    // covering all of it.
    return Status::IOError(r.what + ": the server ignored the byte range (HTTP 200 with " +
                           std::to_string(out->size()) + " bytes)");
  }
  if (out->size() != length) {
    return Status::IOError(r.what + ": got " + std::to_string(out->size()) + " bytes, expected " +
                           std::to_string(length) + " (object truncated?)");
  }
  return Status::OK();
}

}  // namespace frocket
