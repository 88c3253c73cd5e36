#include "cluster/lambda_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <random>

#include "common/config.h"
#include "common/random.h"
#include "common/text.h"
#include "storage/curl_library.h"
#include "storage/sigv4.h"

namespace frocket::cluster {

namespace {

using Clock = std::chrono::steady_clock;

// The error documents Lambda sends are small; more than this is not Lambda talking.
constexpr size_t kMaxErrorBody = 64 * 1024;

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  const size_t n = size * count;
  if (body->size() < kMaxErrorBody) body->append(data, std::min(n, kMaxErrorBody - body->size()));
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  if (auto type = text::HeaderValue({data, size * count}, "x-amzn-errortype")) {
    // "TooManyRequestsException:http://internal.amazon.com/..." names the type first.
    *static_cast<std::string*>(user) = type->substr(0, type->find(':'));
  }
  return size * count;
}

// Lambda's error document: {"Type": "User", "message": "..."} (or "Message").
std::string ErrorMessage(const std::string& body) {
  for (const char* key : {"\"message\"", "\"Message\""}) {
    const size_t at = body.find(key);
    if (at == std::string::npos) continue;
    const size_t open = body.find('"', body.find(':', at) + 1);
    if (open == std::string::npos) break;
    std::string out;
    for (size_t i = open + 1; i < body.size() && body[i] != '"'; ++i) {
      if (body[i] == '\\' && i + 1 < body.size()) ++i;
      out += body[i];
    }
    return out;
  }
  return body.substr(0, 200);
}

bool Retryable(long status) {
  return status == 429 || status >= 500;
}

bool RetryableCurlError(CURLcode code) {
  return code == CURLE_COULDNT_CONNECT || code == CURLE_OPERATION_TIMEDOUT ||
         code == CURLE_SEND_ERROR || code == CURLE_RECV_ERROR || code == CURLE_GOT_NOTHING ||
         code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_PARTIAL_FILE;
}

}  // namespace

Result<LambdaSettings> LambdaSettings::FromConfig() {
  LambdaSettings s;
  FROCKET_ASSIGN_OR_RETURN(s.aws, AwsSettings::FromConfig("LAMBDA"));
  s.function_name = Config::Get("FROCKET_INVOKER_LAMBDA_NAME");
  if (s.function_name.empty()) return Status::Invalid("FROCKET_INVOKER_LAMBDA_NAME is empty");
  FROCKET_ASSIGN_OR_RETURN(int64_t in_flight,
                           Config::Int("FROCKET_INVOKER_LAMBDA_THREADS", 1, 10000));
  s.in_flight = static_cast<int>(in_flight);
  FROCKET_ASSIGN_OR_RETURN(s.legacy_async, Config::Bool("FROCKET_INVOKER_LAMBDA_LEGACY_ASYNC"));
  FROCKET_ASSIGN_OR_RETURN(s.connect_timeout, Config::Double("FROCKET_LAMBDA_AWS_CONNECT_TIMEOUT"));
  FROCKET_ASSIGN_OR_RETURN(s.read_timeout, Config::Double("FROCKET_LAMBDA_AWS_READ_TIMEOUT"));
  FROCKET_ASSIGN_OR_RETURN(int64_t attempts,
                           Config::Int("FROCKET_LAMBDA_AWS_RETRIES_MAX_ATTEMPTS", 1, 100));
  s.max_attempts = static_cast<int>(attempts);
  if (s.connect_timeout <= 0 || s.read_timeout <= 0) {
    return Status::Invalid(
        "FROCKET_LAMBDA_AWS_CONNECT_TIMEOUT and FROCKET_LAMBDA_AWS_READ_TIMEOUT must be positive");
  }
  return s;
}

LambdaClient::LambdaClient(LambdaSettings settings) : settings_(std::move(settings)) {
  endpoint_ = settings_.aws.endpoint.empty()
                  ? "https://lambda." + settings_.aws.region + ".amazonaws.com"
                  : settings_.aws.endpoint;
  host_ = endpoint_.substr(endpoint_.find("://") + 3);
  const std::string name = sigv4::UriEncode(settings_.function_name, /*keep_slash=*/false);
  path_ = settings_.legacy_async ? "/2014-11-13/functions/" + name + "/invoke-async/"
                                 : "/2015-03-31/functions/" + name + "/invocations";
}

// A multi handle and its easy handles, kept between calls (LambdaClient::idle_) so that their
// connections to Lambda stay open for the next job.
struct LambdaClient::Connections {
  struct Slot {
    CURL* curl = nullptr;
    curl_slist* headers = nullptr;
    bool busy = false;
    size_t index = 0;  // of the payload being sent
    int attempt = 0;
    std::string body;
    std::string error_type;
  };
  CURLM* multi = nullptr;
  std::vector<std::unique_ptr<Slot>> slots;

  ~Connections() {
    for (auto& slot : slots) {
      if (slot->busy) Curl().multi_remove_handle(multi, slot->curl);
      Curl().slist_free_all(slot->headers);
      Curl().easy_cleanup(slot->curl);
    }
    if (multi != nullptr) Curl().multi_cleanup(multi);
  }
};

// One InvokeAsync call: its invocations, each attempted until accepted, out of attempts or
// refused; at most settings.in_flight at once.
class LambdaClient::Batch {
 public:
  Batch(LambdaClient& client, const std::vector<std::string>& payloads, Connections& connections)
      : client_(client),
        settings_(client.settings_),
        payloads_(payloads),
        multi_(connections.multi),
        slots_(connections.slots),
        rng_(RandomSeed()) {
    for (size_t i = 0; i < payloads.size(); ++i) waiting_.push_back({i, 1, Clock::now()});
  }

  // Sends them all; *accepted counts those Lambda accepted, also when another failed. Requests
  // still in flight after a failure are dropped from the multi handle.
  Status Run(int64_t* accepted) {
    Status status = Loop();
    for (auto& slot : slots_) {
      if (!slot->busy) continue;
      Curl().multi_remove_handle(multi_, slot->curl);
      slot->busy = false;
    }
    if (accepted != nullptr) *accepted = accepted_;
    return status;
  }

 private:
  using Slot = Connections::Slot;
  struct Pending {
    size_t index;
    int attempt;
    Clock::time_point not_before;
  };

  Status Loop() {
    int running = 0;
    while (!waiting_.empty() || running > 0) {
      FROCKET_RETURN_IF_ERROR(StartDue());
      if (Curl().multi_perform(multi_, &running) != CURLM_OK) {
        return Status::IOError("libcurl's multi interface failed");
      }
      FROCKET_RETURN_IF_ERROR(Collect());
      if (waiting_.empty() && running == 0) break;
      int wait_ms = 100;
      if (!waiting_.empty() && Busy() < settings_.in_flight) {
        const auto next = std::min_element(waiting_.begin(), waiting_.end(), [](auto& a, auto& b) {
                            return a.not_before < b.not_before;
                          })->not_before;
        wait_ms = static_cast<int>(std::clamp<int64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count(), 0,
            100));
      }
      if (wait_ms > 0 || running > 0) Curl().multi_poll(multi_, nullptr, 0, wait_ms, nullptr);
    }
    return Status::OK();
  }

  int Busy() const {
    return static_cast<int>(
        std::count_if(slots_.begin(), slots_.end(), [](auto& s) { return s->busy; }));
  }

  // Starts every waiting invocation that is due, while slots are free.
  Status StartDue() {
    const auto now = Clock::now();
    for (auto it = waiting_.begin(); it != waiting_.end() && Busy() < settings_.in_flight;) {
      if (it->not_before > now) {
        ++it;
        continue;
      }
      FROCKET_RETURN_IF_ERROR(Start(*it));
      it = waiting_.erase(it);
    }
    return Status::OK();
  }

  Slot* FreeSlot() {
    for (auto& s : slots_) {
      if (!s->busy) return s.get();
    }
    auto slot = std::make_unique<Slot>();
    slot->curl = Curl().easy_init();
    if (slot->curl == nullptr) return nullptr;
    slots_.push_back(std::move(slot));
    return slots_.back().get();
  }

  Status Start(const Pending& task) {
    Slot* slot = FreeSlot();
    if (slot == nullptr) return Status::IOError("cannot initialise libcurl");
    const std::string& payload = payloads_[task.index];
    std::vector<sigv4::Header> headers = {{"host", client_.host_},
                                          {"content-type", "application/json"}};
    if (!settings_.legacy_async) headers.push_back({"x-amz-invocation-type", "Event"});
    if (!settings_.aws.no_signature) {
      sigv4::Request request{"POST", client_.path_, headers, ""};
      FROCKET_ASSIGN_OR_RETURN(request.payload_hash, sigv4::Sha256Hex(payload));
      const sigv4::Scope scope{settings_.aws.region, "lambda", std::chrono::system_clock::now()};
      FROCKET_ASSIGN_OR_RETURN(auto signature,
                               sigv4::SignHeaders(request, settings_.aws.credentials, scope));
      headers.insert(headers.end(), signature.headers_to_add.begin(),
                     signature.headers_to_add.end());
    }
    Curl().slist_free_all(slot->headers);
    slot->headers = nullptr;
    for (const sigv4::Header& h : headers) {
      if (h.name == "host") continue;  // curl sets it from the URL
      slot->headers = Curl().slist_append(slot->headers, (h.name + ": " + h.value).c_str());
    }
    slot->headers = Curl().slist_append(slot->headers, "Expect:");  // no 100-continue round trip
    slot->index = task.index;
    slot->attempt = task.attempt;
    slot->body.clear();
    slot->error_type.clear();
    CURL* curl = slot->curl;
    Curl().easy_reset(curl);
    const std::string url = client_.endpoint_ + client_.path_;
    Curl().easy_setopt(curl, CURLOPT_URL, url.c_str());
    Curl().easy_setopt(curl, CURLOPT_POST, 1L);
    Curl().easy_setopt(curl, CURLOPT_POSTFIELDS, payload.data());
    Curl().easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
    Curl().easy_setopt(curl, CURLOPT_HTTPHEADER, slot->headers);
    Curl().easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    Curl().easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                       static_cast<long>(settings_.connect_timeout * 1000));
    Curl().easy_setopt(
        curl, CURLOPT_TIMEOUT_MS,
        static_cast<long>((settings_.connect_timeout + settings_.read_timeout) * 1000));
    Curl().easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
    Curl().easy_setopt(curl, CURLOPT_WRITEDATA, &slot->body);
    Curl().easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
    Curl().easy_setopt(curl, CURLOPT_HEADERDATA, &slot->error_type);
    Curl().easy_setopt(curl, CURLOPT_PRIVATE, slot);
    if (Curl().multi_add_handle(multi_, curl) != CURLM_OK) {
      return Status::IOError("libcurl's multi interface refused a request");
    }
    slot->busy = true;
    return Status::OK();
  }

  // Looks at every finished request: accepted, to retry, or the batch's failure.
  Status Collect() {
    int left = 0;
    while (CURLMsg* msg = Curl().multi_info_read(multi_, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Slot* slot = nullptr;
      Curl().easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&slot));
      long status = 0;
      Curl().easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
      const CURLcode code = msg->data.result;
      Curl().multi_remove_handle(multi_, msg->easy_handle);
      slot->busy = false;
      if (code == CURLE_OK && status == 202) {
        ++accepted_;
        continue;
      }
      const bool retryable = code == CURLE_OK ? Retryable(status) : RetryableCurlError(code);
      std::string what = code == CURLE_OK
                             ? "HTTP " + std::to_string(status) +
                                   (slot->error_type.empty() ? "" : " " + slot->error_type) +
                                   (slot->body.empty() ? "" : ": " + ErrorMessage(slot->body))
                             : std::string(Curl().easy_strerror(code));
      if (retryable && slot->attempt < settings_.max_attempts) {
        if (status == 429) ++client_.throttled_;
        Pending again{slot->index, slot->attempt + 1, Clock::now()};
        double pause =
            std::min(settings_.max_backoff,
                     settings_.first_backoff * double(1 << std::min(again.attempt - 2, 20)));
        pause *= std::uniform_real_distribution<double>(0.5, 1.5)(rng_);
        again.not_before = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                              std::chrono::duration<double>(pause));
        waiting_.push_back(again);
        continue;
      }
      return Status::IOError("Lambda function " + settings_.function_name + " at " +
                             client_.endpoint_ + ": invocation " + std::to_string(slot->index) +
                             " refused: " + what +
                             (retryable ? " (after " + std::to_string(slot->attempt) +
                                              " attempts, FROCKET_LAMBDA_AWS_RETRIES_MAX_ATTEMPTS)"
                                        : ""));
    }
    return Status::OK();
  }

  LambdaClient& client_;
  const LambdaSettings& settings_;
  const std::vector<std::string>& payloads_;
  CURLM* multi_;
  std::vector<std::unique_ptr<Slot>>& slots_;
  std::mt19937_64 rng_;
  std::deque<Pending> waiting_;
  int64_t accepted_ = 0;
};

LambdaClient::~LambdaClient() = default;

Status LambdaClient::InvokeAsync(const std::vector<std::string>& payloads, int64_t* accepted) {
  if (accepted != nullptr) *accepted = 0;
  if (payloads.empty()) return Status::OK();
  std::unique_ptr<Connections> connections;
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      connections = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (connections == nullptr) {
    FROCKET_RETURN_IF_ERROR(LoadCurl().status());
    connections = std::make_unique<Connections>();
    connections->multi = Curl().multi_init();
    if (connections->multi == nullptr) return Status::IOError("cannot initialise libcurl");
    Curl().multi_setopt(connections->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                        static_cast<long>(settings_.in_flight));
  }
  Status status = Batch(*this, payloads, *connections).Run(accepted);
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(connections));
  return status;
}

}  // namespace frocket::cluster
