// S3 servers for one test: S3Server is a private s3rver (npm, under node_modules/) on a free
// loopback port with its own data directory; S3FaultProxy (tests/storage/flaky_proxy.mjs)
// stands in front of one and answers chosen requests with an S3 error, which s3rver cannot
// do. Both are BackgroundProcesses: SIGKILLed by PID when the test ends, whatever happens.
//
// s3rver does not check signatures, ignores If-Match and gets suffix ranges wrong
// (../shared/notes/real-components.md, 1a); it accepts unsigned PUTs, which is how tests
// upload objects (HttpRequest, UploadDirectory).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "support/background_process.h"
#include "support/http_session.h"

namespace frocket::testing {

class S3Server {
 public:
  // Starts s3rver with data under dir/data and its log in dir/s3rver.log, with the given
  // buckets created, and waits until it answers HTTP.
  static Result<std::unique_ptr<S3Server>> Start(const std::string& dir,
                                                 const std::vector<std::string>& buckets);

  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // The URL of "bucket/key".
  std::string Url(const std::string& bucket_and_key) const {
    return endpoint() + "/" + bucket_and_key;
  }
  BackgroundProcess& process() { return *process_; }

  // frocket's S3 configuration for this server: its endpoint and s3rver's credentials.
  Environment ClientEnv() const;

  // Stores an object (unsigned PUT).
  Status Put(const std::string& bucket_and_key, std::string_view bytes) const;
  Status Delete(const std::string& bucket_and_key) const;
  // Uploads every regular file of `dir` as bucket_and_prefix + file name, `parallel`
  // uploads at a time.
  Status UploadDirectory(const std::string& dir, const std::string& bucket_and_prefix,
                         int parallel = 16) const;

  // Range GETs answered so far: the 206 lines of its request log (frocket sends no other
  // GETs of objects). A request's line comes a moment after its answer, so this first waits
  // until the log has stopped growing.
  int RangedGets() const;

 private:
  S3Server(int port, std::unique_ptr<BackgroundProcess> process)
      : port_(port), process_(std::move(process)) {}

  int port_;
  std::unique_ptr<BackgroundProcess> process_;
};

class S3FaultProxy {
 public:
  // Starts the proxy in front of `upstream` (an endpoint URL): the first `count` requests
  // whose "METHOD /path?query" matches the ECMAScript regex `match` are answered with
  // `status` and an S3 error document of `code`; count -1: every matching request.
  static Result<std::unique_ptr<S3FaultProxy>> Start(const std::string& dir,
                                                     const std::string& upstream,
                                                     const std::string& match, int count,
                                                     int status = 503,
                                                     const std::string& code = "SlowDown");

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  BackgroundProcess& process() { return *process_; }
  // Lines of its log that say it answered a request itself ("injected ...").
  std::vector<std::string> Injected() const;
  // Lines of its log that say a request was passed on ("forwarded ...").
  std::vector<std::string> Forwarded() const;

 private:
  S3FaultProxy(int port, std::unique_ptr<BackgroundProcess> process)
      : port_(port), process_(std::move(process)) {}

  int port_;
  std::unique_ptr<BackgroundProcess> process_;
};

// frocket's configuration for an S3 server: path-style requests to `endpoint`, region
// us-east-1, these credentials, and every other S3 variable frocket reads emptied so that
// nothing from the environment the tests run in applies.
Environment S3ClientEnv(const std::string& endpoint, const std::string& access_key_id,
                        const std::string& secret_access_key);

// One HTTP request; the answer's status (its body in *response_body if given), or an error
// if no answer came.
Result<long> HttpRequest(const std::string& method, const std::string& url,
                         std::string_view body = {}, std::string* response_body = nullptr);

}  // namespace frocket::testing
