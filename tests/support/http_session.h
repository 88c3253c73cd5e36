// HttpSession: HTTP requests from tests over one libcurl handle (its connection reused),
// optionally signed with AWS SigV4 by libcurl itself (CURLOPT_AWS_SIGV4) — an implementation
// independent of frocket's, for storing objects in S3 servers that check signatures.
#pragma once

#include <curl/curl.h>

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace frocket::testing {

struct AwsSigning {
  std::string access_key_id;
  std::string secret_access_key;
  std::string region = "us-east-1";
};

class HttpSession {
 public:
  explicit HttpSession(std::optional<AwsSigning> signing = std::nullopt);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  // One request (HEAD, GET, PUT, POST, DELETE…); the answer's status (its body in
  // *response_body if given), or an error if no answer came within 30 s.
  Result<long> Request(const std::string& method, const std::string& url, std::string_view body,
                       std::string* response_body);

 private:
  std::optional<AwsSigning> signing_;
  CURL* curl_ = nullptr;
};

// Whether an HTTP request got `expected` as its status; an error naming `what` otherwise.
Status ExpectStatus(const std::string& what, Result<long> status, long expected);

}  // namespace frocket::testing
