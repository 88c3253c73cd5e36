// libFuzzer target: the API server's request parser on untrusted bytes — the request head
// (request line, header fields, percent-encoded target) as a client could send it. Whatever
// the bytes, it parses or names a status, and what it parses is consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/http_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view head(reinterpret_cast<const char*>(data), size);
  frocket::server::HttpRequest request;
  auto error = frocket::server::ParseRequestHead(head, &request);
  if (error) {
    if (error->status < 400 || error->status > 505 || error->message.empty()) std::abort();
    return 0;
  }
  // A parsed request has a token method, a target starting with '/', and no NUL in what was
  // decoded from it.
  if (request.method.empty() || request.target.empty() || request.target[0] != '/') std::abort();
  for (const auto& segment : request.segments) {
    if (segment.find('\0') != std::string::npos) std::abort();
  }
  for (const auto& [key, value] : request.params) {
    if (key.find('\0') != std::string::npos || value.find('\0') != std::string::npos) std::abort();
  }
  (void)request.Header("content-type");
  (void)frocket::server::PercentDecode(head, true);
  return 0;
}
