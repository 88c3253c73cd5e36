#include "server/http_request.h"

#include <cctype>

namespace frocket::server {

namespace {

constexpr size_t kMaxTargetBytes = 8192;
constexpr size_t kMaxHeaderFields = 100;

// RFC 9110 tchar: the characters of a method or a header name.
bool IsTokenChar(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The next line of `rest` (ended by LF, an optional CR before it removed).
std::string_view NextLine(std::string_view* rest) {
  size_t end = rest->find('\n');
  std::string_view line = rest->substr(0, end);
  rest->remove_prefix(end == std::string_view::npos ? rest->size() : end + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

HttpError Bad(std::string message) {
  return HttpError{400, std::move(message)};
}

// Printable for an error message: control bytes shown as \xNN, at most 80 bytes.
std::string Shown(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < 80; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) {
      static const char* kHex = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > 80) out += "...";
  return out;
}

std::optional<HttpError> ParseTarget(std::string_view target, HttpRequest* out) {
  if (target.size() > kMaxTargetBytes) {
    return HttpError{414,
                     "request target longer than " + std::to_string(kMaxTargetBytes) + " bytes"};
  }
  if (target.empty() || target[0] != '/') {
    return Bad("request target '" + Shown(target) + "' must be a path starting with '/'");
  }
  for (char c : target) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '#') {
      return Bad("request target '" + Shown(target) +
                 "' holds a character that must be "
                 "percent-encoded");
    }
  }
  const size_t question = target.find('?');
  std::string_view path = target.substr(0, question);
  std::string_view query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  path.remove_prefix(1);
  while (true) {
    const size_t slash = path.find('/');
    auto segment = PercentDecode(path.substr(0, slash), /*plus_is_space=*/false);
    if (!segment) {
      return Bad("malformed percent-encoding (or an encoded NUL) in the path '" + Shown(target) +
                 "'");
    }
    out->segments.push_back(std::move(*segment));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    auto key = PercentDecode(pair.substr(0, eq), true);
    auto value = PercentDecode(
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!key || !value) {
      return Bad("malformed percent-encoding (or an encoded NUL) in the query string of '" +
                 Shown(target) + "'");
    }
    out->params.emplace_back(std::move(*key), std::move(*value));
  }
  return std::nullopt;
}

}  // namespace

const std::string* HttpRequest::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return &v;
  }
  return nullptr;
}

std::optional<std::string> HttpRequest::Param(std::string_view name) const {
  std::optional<std::string> found;
  for (const auto& [n, v] : params) {
    if (n == name) found = v;
  }
  return found;
}

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && plus_is_space) {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      auto hex = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        h = static_cast<char>(std::tolower(static_cast<unsigned char>(h)));
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        return -1;
      };
      const int hi = hex(text[i + 1]);
      const int lo = hex(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      const char decoded = static_cast<char>(hi * 16 + lo);
      if (decoded == '\0') return std::nullopt;
      out += decoded;
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

// "GET /path HTTP/1.1": the method, the target (parsed into segments and parameters) and the
// version.
std::optional<HttpError> ParseRequestLine(std::string_view line, HttpRequest* out) {
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return Bad("malformed request line '" + Shown(line) + "' (expected METHOD /path HTTP/1.1)");
  }
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!IsToken(method)) return Bad("malformed method '" + Shown(method) + "'");
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      !std::isdigit(static_cast<unsigned char>(version[5])) ||
      !std::isdigit(static_cast<unsigned char>(version[7]))) {
    return Bad("malformed HTTP version '" + Shown(version) + "'");
  }
  if (version[5] != '1') {
    return HttpError{505, "HTTP version " + std::string(version.substr(5)) +
                              " is not supported (HTTP/1.0 and HTTP/1.1 are)"};
  }
  out->method = std::string(method);
  out->target = std::string(target);
  out->minor_version = version[7] - '0';
  return ParseTarget(target, out);
}

// What the header fields say of the body and the connection.
struct FieldsSeen {
  bool has_length = false;
  bool has_transfer_encoding = false;
  bool close = false;
  bool keep_alive = false;
};

std::optional<HttpError> ParseContentLength(std::string_view value, FieldsSeen* seen,
                                            HttpRequest* out) {
  size_t length = 0;
  if (value.empty() || value.size() > 15) {
    return Bad("Content-Length '" + Shown(value) + "' is not a number of bytes");
  }
  for (char c : value) {
    if (!std::isdigit(static_cast<unsigned char>(c))) {
      return Bad("Content-Length '" + Shown(value) + "' is not a number of bytes");
    }
    length = length * 10 + static_cast<size_t>(c - '0');
  }
  if (seen->has_length && length != out->content_length) {
    return Bad("conflicting Content-Length headers");
  }
  seen->has_length = true;
  out->content_length = length;
  return std::nullopt;
}

// One "Name: value" line.
std::optional<HttpError> ParseField(std::string_view field, FieldsSeen* seen, HttpRequest* out) {
  if (field[0] == ' ' || field[0] == '\t') {
    return Bad("folded header lines are not allowed: '" + Shown(field) + "'");
  }
  const size_t colon = field.find(':');
  if (colon == std::string_view::npos || !IsToken(field.substr(0, colon))) {
    return Bad("malformed header field '" + Shown(field) + "'");
  }
  const std::string name = Lower(field.substr(0, colon));
  const std::string_view value = Trim(field.substr(colon + 1));
  for (char c : value) {
    unsigned char u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) {
      return Bad("header '" + name + "' holds a control character");
    }
  }
  if (out->headers.size() >= kMaxHeaderFields) {
    return HttpError{431, "more than " + std::to_string(kMaxHeaderFields) + " header fields"};
  }
  if (name == "content-length") {
    if (auto error = ParseContentLength(value, seen, out)) return error;
  } else if (name == "transfer-encoding") {
    seen->has_transfer_encoding = true;
  } else if (name == "connection") {
    const std::string lower = Lower(value);
    seen->close = seen->close || lower.find("close") != std::string::npos;
    seen->keep_alive = seen->keep_alive || lower.find("keep-alive") != std::string::npos;
  } else if (name == "expect") {
    if (Lower(value) != "100-continue") {
      return HttpError{417, "unsupported Expect '" + Shown(value) + "'"};
    }
    out->expects_continue = true;
  }
  out->headers.emplace_back(name, std::string(value));
  return std::nullopt;
}

}  // namespace

std::optional<HttpError> ParseRequestHead(std::string_view head, HttpRequest* out) {
  std::string_view rest = head;
  if (auto error = ParseRequestLine(NextLine(&rest), out)) return error;
  FieldsSeen seen;
  while (!rest.empty()) {
    const std::string_view field = NextLine(&rest);
    if (field.empty()) break;
    if (auto error = ParseField(field, &seen, out)) return error;
  }
  if (seen.has_transfer_encoding) {
    if (seen.has_length) return Bad("both Transfer-Encoding and Content-Length given");
    return HttpError{501,
                     "request bodies in a transfer coding (chunked) are not supported: "
                     "send the body with a Content-Length"};
  }
  if (out->minor_version >= 1 && out->Header("host") == nullptr) {
    return Bad("HTTP/1.1 request without a Host header");
  }
  out->keep_alive = out->minor_version >= 1 ? !seen.close : seen.keep_alive && !seen.close;
  return std::nullopt;
}

const char* ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

}  // namespace frocket::server
