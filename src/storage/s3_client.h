// S3Client: the few S3 operations frocket needs — list a prefix (ListObjectsV2, every page),
// HEAD an object, GET a byte range — over libcurl, signed with AWS Signature Version 4.
//
// - Configuration as Funnel Rocket's (FROCKET_S3_* before FROCKET_AWS_* before AWS_*): the
//   endpoint (FROCKET_S3_AWS_ENDPOINT_URL / FROCKET_AWS_ENDPOINT_URL; default AWS), region,
//   credentials with an optional session token, FROCKET_AWS_NO_SIGNATURE for anonymous
//   stores. Path-style addressing for an overridden endpoint, virtual-host style for AWS
//   (FROCKET_S3_ADDRESSING_STYLE=path|virtual overrides).
// - Connections are reused (one curl handle per thread); every request has a connect and a
//   low-speed timeout; 5xx answers, throttling (429, SlowDown) and dropped connections are
//   retried with exponential backoff.
// - Errors say which object, which operation and what S3 answered; a 403 names the access key
//   id, never the secret.
//
// Thread-safe: one client serves all threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/buffer.h"
#include "common/status.h"
#include "storage/sigv4.h"

namespace frocket {

// "s3://bucket/some/key" split.
struct S3Uri {
  std::string bucket;
  std::string key;  // may be empty (the bucket itself) or end with '/'

  static Result<S3Uri> Parse(const std::string& uri);
  std::string ToString() const { return "s3://" + bucket + "/" + key; }
};

struct S3Settings {
  std::string endpoint;  // scheme://host[:port]; empty: https://s3.<region>.amazonaws.com
  std::string region = "us-east-1";
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  bool no_signature = false;
  bool path_style = false;
  int max_attempts = 5;           // per request, the first included
  double connect_timeout = 5;     // seconds
  double low_speed_timeout = 30;  // seconds below 1 KB/s before a transfer is dropped
  double first_backoff = 0.05;    // seconds before the first retry; doubles each time

  static Result<S3Settings> FromConfig();
};

struct S3Object {
  std::string key;
  uint64_t size = 0;
  std::string etag;  // as S3 gives it, quotes included
};

class S3Client {
 public:
  explicit S3Client(S3Settings settings);

  // Every object whose key starts with `prefix` and has no further '/' after it (one
  // "directory" level), across all pages of ListObjectsV2.
  Result<std::vector<S3Object>> List(const std::string& bucket, const std::string& prefix);
  Result<S3Object> Head(const std::string& bucket, const std::string& key);
  // Reads bytes [offset, offset + length) into `out`. With a non-empty etag, S3 must still
  // hold that version of the object (If-Match), else the read fails saying it changed.
  Status GetRange(const std::string& bucket, const std::string& key, uint64_t offset,
                  uint64_t length, const std::string& etag, Buffer* out);

  const S3Settings& settings() const { return settings_; }
  // Bytes received in GET bodies by all clients of this process (for stats and tests).
  static uint64_t BytesFetched();

 private:
  struct Request {
    const char* method = "GET";
    std::string bucket;
    std::string key;
    std::map<std::string, std::string> query;    // unencoded
    std::map<std::string, std::string> headers;  // lowercase names
    std::string what;                            // "GET s3://b/k (bytes 0-99)", for errors
  };
  struct Response {
    long status = 0;
    std::map<std::string, std::string> headers;  // lowercase names
    std::string body;                            // when not streamed into a Buffer
  };
  // The request's headers, signed (unless the settings say not to sign).
  Result<std::vector<sigv4::Header>> SignedHeaders(const Request& request, const std::string& host,
                                                   const std::string& target) const;
  // Sends with retries; `into` (if given) receives the body of a 2xx answer.
  Result<Response> Send(const Request& request, Buffer* into, uint64_t expected_length);
  // The error for a non-2xx answer.
  Status ErrorFor(const Request& request, const Response& response) const;

  S3Settings settings_;
  std::string scheme_;  // "https" or "http"
  std::string host_;    // host[:port] of the endpoint
  static std::atomic<uint64_t> bytes_fetched_;
};

}  // namespace frocket
