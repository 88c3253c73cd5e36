// LambdaClient: AWS Lambda's Invoke API, asynchronous invocations only — what the Lambda
// invoker needs to start one function instance per task. Requests are signed with SigV4
// (service "lambda") and sent over a libcurl multi handle, many in flight at once; the
// handles and their connections are kept between calls.
//
// - POST /2015-03-31/functions/NAME/invocations with X-Amz-Invocation-Type: Event, answered
//   202; or, with FROCKET_INVOKER_LAMBDA_LEGACY_ASYNC, the deprecated InvokeAsync API
//   (POST /2014-11-13/functions/NAME/invoke-async/, also 202).
// - Throttling (429 TooManyRequestsException), 5xx answers and failed connections are retried
//   with exponential backoff and jitter, up to FROCKET_LAMBDA_AWS_RETRIES_MAX_ATTEMPTS
//   attempts per invocation; any other answer fails the whole call with an error naming the
//   function, the HTTP status and what Lambda said.
//
// Thread-safe: concurrent calls each take a multi handle of their own (from those kept, or a
// new one); FROCKET_INVOKER_LAMBDA_THREADS bounds the requests in flight of each call.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/aws_settings.h"

namespace frocket::cluster {

struct LambdaSettings {
  AwsSettings aws;              // FROCKET_LAMBDA_AWS_* (then FROCKET_AWS_*, AWS_*)
  std::string function_name;    // FROCKET_INVOKER_LAMBDA_NAME
  int in_flight = 100;          // FROCKET_INVOKER_LAMBDA_THREADS: requests at once
  bool legacy_async = false;    // FROCKET_INVOKER_LAMBDA_LEGACY_ASYNC
  double connect_timeout = 3;   // FROCKET_LAMBDA_AWS_CONNECT_TIMEOUT, seconds
  double read_timeout = 3;      // FROCKET_LAMBDA_AWS_READ_TIMEOUT, seconds
  int max_attempts = 5;         // FROCKET_LAMBDA_AWS_RETRIES_MAX_ATTEMPTS, the first included
  double first_backoff = 0.05;  // seconds before the first retry; doubles each time
  double max_backoff = 2;       // seconds, at most, between two attempts

  static Result<LambdaSettings> FromConfig();
};

class LambdaClient {
 public:
  explicit LambdaClient(LambdaSettings settings);
  ~LambdaClient();

  // Invokes the function asynchronously once per payload. OK when Lambda accepted every one;
  // *accepted (if given) counts those it accepted, also when the call fails.
  Status InvokeAsync(const std::vector<std::string>& payloads, int64_t* accepted = nullptr);

  const LambdaSettings& settings() const { return settings_; }
  // "https://lambda.us-east-1.amazonaws.com", or the endpoint set.
  const std::string& endpoint() const { return endpoint_; }
  // Attempts retried after a throttle (429), by all calls of this client.
  int64_t throttled() const { return throttled_.load(); }

 private:
  class Batch;
  struct Connections;

  LambdaSettings settings_;
  std::string endpoint_;
  std::string host_;  // host[:port]
  std::string path_;  // as sent
  std::atomic<int64_t> throttled_{0};
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connections>> idle_;  // under mutex_
};

}  // namespace frocket::cluster
