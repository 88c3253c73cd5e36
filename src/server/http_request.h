// HTTP/1.1 requests as the API server reads them from untrusted clients: the request line and
// headers parsed strictly (RFC 9112), the target split into percent-decoded path segments and
// query parameters. Every malformed input is an HttpError naming what is wrong, with the
// status code to answer; nothing here trusts a length it has not checked.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace frocket::server {

struct HttpError {
  int status = 400;
  std::string message;
};

struct HttpRequest {
  std::string method;
  std::string target;                 // as sent: "/datasets/a%20b/query?stream=true"
  std::vector<std::string> segments;  // the path's segments, decoded: {"datasets", "a b", "query"}
  std::vector<std::pair<std::string, std::string>> params;   // decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  int minor_version = 1;                                     // HTTP/1.x
  std::string body;
  std::string peer;               // "127.0.0.1:53211", for logs
  size_t content_length = 0;      // 0 if absent
  bool keep_alive = true;         // from the version and the Connection header
  bool expects_continue = false;  // "Expect: 100-continue"

  // The first header of that (lower-case) name, or nullptr.
  const std::string* Header(std::string_view name) const;
  // The last value of a query parameter, or nullopt.
  std::optional<std::string> Param(std::string_view name) const;
};

// Parses a request head: the request line and header fields, without the final empty line.
// On failure returns the error to answer (400, 414 URI too long, 501 unsupported transfer
// coding, 505 version).
std::optional<HttpError> ParseRequestHead(std::string_view head, HttpRequest* out);

// Percent-decodes a path segment or query component ("+" is a space only in queries).
// nullopt for a malformed escape or a decoded NUL.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

// The reason phrase of a status code ("Not Found").
const char* ReasonPhrase(int status);

}  // namespace frocket::server
