#include "storage/sigv4.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "storage/shared_library.h"

namespace frocket::sigv4 {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
// S3 refuses presigned URLs valid for longer than a week; so does every SigV4 service.
constexpr std::chrono::seconds kMaxExpiry{7 * 24 * 3600};

using Param = std::pair<std::string, std::string>;

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xF]);
  }
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// OpenSSL's libcrypto, opened on first use (see SharedLibrary).
struct Crypto {
  decltype(&EVP_Q_digest) q_digest;
  decltype(&EVP_Q_mac) q_mac;
  decltype(&ERR_get_error) get_error;
  decltype(&ERR_error_string_n) error_string_n;
  decltype(&ERR_clear_error) clear_error;
};

Result<const Crypto*> LoadCrypto() {
  static Crypto crypto;
  static SharedLibrary so(kLibcrypto);
  FROCKET_RETURN_IF_ERROR(so.Open([](SharedLibrary& lib) {
                              FROCKET_RETURN_IF_ERROR(lib.Get("EVP_Q_digest", &crypto.q_digest));
                              FROCKET_RETURN_IF_ERROR(lib.Get("EVP_Q_mac", &crypto.q_mac));
                              FROCKET_RETURN_IF_ERROR(lib.Get("ERR_get_error", &crypto.get_error));
                              FROCKET_RETURN_IF_ERROR(
                                  lib.Get("ERR_error_string_n", &crypto.error_string_n));
                              return lib.Get("ERR_clear_error", &crypto.clear_error);
                            }).WithContext("SigV4"));
  return &crypto;
}

Status OpenSslError(const Crypto& crypto, std::string_view what) {
  char text[256] = "no OpenSSL error queued";
  const unsigned long code = crypto.get_error();
  if (code != 0) crypto.error_string_n(code, text, sizeof(text));
  crypto.clear_error();
  return Status::IOError("SigV4: OpenSSL " + std::string(what) + " failed: " + text);
}

// Decodes %XX escapes; `query` is the whole query string, for the error message.
Result<std::string> PercentDecode(std::string_view s, std::string_view query) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    const int hi = i + 2 < s.size() ? HexValue(s[i + 1]) : -1;
    const int lo = i + 2 < s.size() ? HexValue(s[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return Status::Invalid("SigV4: query string '" + std::string(query) + "': '" +
                             std::string(s) + "' has a '%' not followed by two hex digits");
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

// Encodes, sorts and joins unencoded parameters (repeats allowed).
std::string JoinCanonical(const std::vector<Param>& params) {
  std::vector<Param> encoded;
  encoded.reserve(params.size());
  for (const auto& [name, value] : params) {
    encoded.emplace_back(UriEncode(name, false), UriEncode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

// The parameters of a query string as sent, decoded. Empty pieces ("a=1&&b=2") are skipped.
Result<std::vector<Param>> ParseQuery(std::string_view query) {
  std::vector<Param> params;
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view piece = query.substr(start, end - start);
    if (!piece.empty()) {
      const size_t eq = piece.find('=');
      const std::string_view name = piece.substr(0, eq);
      const std::string_view value = eq == std::string_view::npos ? "" : piece.substr(eq + 1);
      FROCKET_ASSIGN_OR_RETURN(std::string decoded_name, PercentDecode(name, query));
      FROCKET_ASSIGN_OR_RETURN(std::string decoded_value, PercentDecode(value, query));
      params.emplace_back(std::move(decoded_name), std::move(decoded_value));
    }
    start = end + 1;
  }
  return params;
}

// A value with leading and trailing whitespace removed and inner runs made one space.
std::string TrimAll(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (char c : value) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

bool HasHeader(const std::vector<Header>& headers, std::string_view lower_name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const Header& h) { return Lower(h.name) == lower_name; });
}

// The path and the query string of a request target.
std::pair<std::string_view, std::string_view> SplitTarget(std::string_view target) {
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

// What both ways of signing require of their inputs; `added` are the headers the signer adds
// (lowercase), which the request must not already have.
Status CheckInputs(const Request& request, const Credentials& credentials, const Scope& scope,
                   const std::vector<std::string_view>& added) {
  if (request.method.empty()) return Status::Invalid("SigV4: the request has no method");
  if (request.target.empty() || request.target[0] != '/') {
    return Status::Invalid("SigV4: request target '" + request.target +
                           "' does not start with '/'");
  }
  if (request.payload_hash.empty()) {
    return Status::Invalid("SigV4: no payload hash (the hex SHA-256 of the body, or " +
                           std::string(kUnsignedPayload) + ")");
  }
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return Status::Invalid("SigV4: credentials need both an access key id and a secret key");
  }
  if (scope.region.empty() || scope.service.empty()) {
    return Status::Invalid("SigV4: the scope needs a region and a service (region '" +
                           scope.region + "', service '" + scope.service + "')");
  }
  const auto year =
      std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(scope.time)}.year();
  if (year < std::chrono::year{0} || year > std::chrono::year{9999}) {
    return Status::Invalid("SigV4: request time in year " + std::to_string(static_cast<int>(year)) +
                           ", outside 0 to 9999");
  }
  if (!HasHeader(request.headers, "host")) {
    return Status::Invalid("SigV4: " + request.method + " " + request.target +
                           " has no Host header; it must be signed");
  }
  for (std::string_view name : added) {
    if (HasHeader(request.headers, name)) {
      return Status::Invalid("SigV4: " + request.method + " " + request.target +
                             " already has header " + std::string(name) +
                             ", which the signer adds");
    }
  }
  return Status::OK();
}

// "20150830/us-east-1/service/aws4_request".
std::string CredentialScope(const Scope& scope) {
  return AmzDate(scope.time).substr(0, 8) + "/" + scope.region + "/" + scope.service +
         "/aws4_request";
}

// The string to sign and signature of a canonical request: fills everything in `out` but the
// headers to add and the target.
Status SignCanonical(std::string canonical_request, const Credentials& credentials,
                     const Scope& scope, Signature* out) {
  const std::string amz_date = AmzDate(scope.time);
  const std::string date = amz_date.substr(0, 8);
  FROCKET_ASSIGN_OR_RETURN(std::string request_hash, Sha256Hex(canonical_request));
  out->string_to_sign = std::string(kAlgorithm) + "\n" + amz_date + "\n" + CredentialScope(scope) +
                        "\n" + request_hash;
  out->canonical_request = std::move(canonical_request);

  // The signing key: the secret narrowed to the day, region, service and "aws4_request".
  std::string key = "AWS4" + credentials.secret_access_key;
  for (std::string_view part :
       {std::string_view(date), std::string_view(scope.region), std::string_view(scope.service),
        std::string_view("aws4_request")}) {
    FROCKET_ASSIGN_OR_RETURN(key, HmacSha256(key, part));
  }
  FROCKET_ASSIGN_OR_RETURN(std::string mac, HmacSha256(key, out->string_to_sign));
  out->signature = Hex(mac);
  return Status::OK();
}

std::string CanonicalRequest(std::string_view method, std::string_view uri, std::string_view query,
                             const CanonicalHeaders& headers, std::string_view payload_hash) {
  std::string out;
  for (std::string_view part : {method, uri, query, std::string_view(headers.block),
                                std::string_view(headers.signed_names)}) {
    out += part;
    out.push_back('\n');
  }
  out += payload_hash;
  return out;
}

// The X-Amz-Credential value: "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request".
std::string Credential(const Credentials& credentials, const Scope& scope) {
  return credentials.access_key_id + "/" + CredentialScope(scope);
}

}  // namespace

std::string UriEncode(std::string_view bytes, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size());
  for (unsigned char c : bytes) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 0xF]);
    }
  }
  return out;
}

std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string out = "/";
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out.push_back('/');
    out += segments[i];
  }
  if (!segments.empty() && path.back() == '/') out.push_back('/');
  return out;
}

std::string CanonicalUri(std::string_view path, const Options& options) {
  std::string out = options.normalize_path ? NormalizePath(path) : std::string(path);
  if (out.empty()) out = "/";
  return options.encode_path ? UriEncode(out, true) : out;
}

std::string CanonicalQuery(const std::map<std::string, std::string>& params) {
  return JoinCanonical(std::vector<Param>(params.begin(), params.end()));
}

Result<std::string> CanonicalQueryString(std::string_view query) {
  FROCKET_ASSIGN_OR_RETURN(std::vector<Param> params, ParseQuery(query));
  return JoinCanonical(params);
}

Result<CanonicalHeaders> CanonicalizeHeaders(const std::vector<Header>& headers) {
  std::vector<Header> lowered;
  lowered.reserve(headers.size());
  for (const Header& h : headers) {
    if (h.name.empty() ||
        std::any_of(h.name.begin(), h.name.end(), [](char c) { return IsSpace(c) || c == ':'; })) {
      return Status::Invalid("SigV4: '" + h.name + "' is not a header name");
    }
    lowered.push_back({Lower(h.name), TrimAll(h.value)});
  }
  // Stable, so that repeated headers keep the order they are sent in.
  std::stable_sort(lowered.begin(), lowered.end(),
                   [](const Header& a, const Header& b) { return a.name < b.name; });
  CanonicalHeaders out;
  for (size_t i = 0; i < lowered.size(); ++i) {
    const bool repeat = i > 0 && lowered[i].name == lowered[i - 1].name;
    if (repeat) {
      out.block.back() = ',';  // replaces the previous value's '\n'
    } else {
      if (!out.signed_names.empty()) out.signed_names.push_back(';');
      out.signed_names += lowered[i].name;
      out.block += lowered[i].name;
      out.block.push_back(':');
    }
    out.block += lowered[i].value;
    out.block.push_back('\n');
  }
  return out;
}

Result<std::string> Sha256Hex(std::string_view bytes) {
  FROCKET_ASSIGN_OR_RETURN(const Crypto* crypto, LoadCrypto());
  unsigned char digest[EVP_MAX_MD_SIZE];
  size_t length = 0;
  if (crypto->q_digest(nullptr, "SHA256", nullptr, bytes.data(), bytes.size(), digest, &length) !=
      1) {
    return OpenSslError(*crypto, "SHA-256");
  }
  return Hex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

Result<std::string> HmacSha256(std::string_view key, std::string_view message) {
  FROCKET_ASSIGN_OR_RETURN(const Crypto* crypto, LoadCrypto());
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t length = 0;
  if (crypto->q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                    reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac,
                    sizeof(mac), &length) == nullptr) {
    return OpenSslError(*crypto, "HMAC-SHA256");
  }
  return std::string(reinterpret_cast<const char*>(mac), length);
}

std::string AmzDate(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto seconds_since_epoch = floor<seconds>(time);
  const auto day = floor<days>(seconds_since_epoch);
  const year_month_day date{day};
  const hh_mm_ss clock{seconds_since_epoch - day};
  char text[32];
  std::snprintf(text, sizeof(text), "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()));
  return text;
}

Result<Signature> SignHeaders(const Request& request, const Credentials& credentials,
                              const Scope& scope, const Options& options) {
  const bool has_token = !credentials.session_token.empty();
  std::vector<std::string_view> added = {"authorization", "x-amz-date"};
  if (has_token) added.push_back("x-amz-security-token");
  if (options.add_content_sha256) added.push_back("x-amz-content-sha256");
  FROCKET_RETURN_IF_ERROR(CheckInputs(request, credentials, scope, added));

  Signature out;
  out.target = request.target;
  std::vector<Header> signed_headers = request.headers;
  auto add = [&](Header header, bool is_signed) {
    if (is_signed) signed_headers.push_back(header);
    out.headers_to_add.push_back(std::move(header));
  };
  if (has_token) {
    add({"X-Amz-Security-Token", credentials.session_token}, options.sign_session_token);
  }
  add({"X-Amz-Date", AmzDate(scope.time)}, true);
  if (options.add_content_sha256) add({"x-amz-content-sha256", request.payload_hash}, true);
  FROCKET_ASSIGN_OR_RETURN(CanonicalHeaders headers, CanonicalizeHeaders(signed_headers));
  const auto [path, query] = SplitTarget(request.target);
  FROCKET_ASSIGN_OR_RETURN(std::string canonical_query, CanonicalQueryString(query));
  FROCKET_RETURN_IF_ERROR(
      SignCanonical(CanonicalRequest(request.method, CanonicalUri(path, options), canonical_query,
                                     headers, request.payload_hash),
                    credentials, scope, &out));

  out.headers_to_add.push_back(
      {"Authorization", std::string(kAlgorithm) + " Credential=" + Credential(credentials, scope) +
                            ", SignedHeaders=" + headers.signed_names +
                            ", Signature=" + out.signature});
  return out;
}

Result<Signature> Presign(const Request& request, const Credentials& credentials,
                          const Scope& scope, std::chrono::seconds expires,
                          const Options& options) {
  FROCKET_RETURN_IF_ERROR(
      CheckInputs(request, credentials, scope, {"authorization", "x-amz-date"}));
  if (expires < std::chrono::seconds{1} || expires > kMaxExpiry) {
    return Status::Invalid("SigV4: a presigned URL must expire in 1 to " +
                           std::to_string(kMaxExpiry.count()) + " seconds, not " +
                           std::to_string(expires.count()));
  }
  const auto [path, query] = SplitTarget(request.target);
  FROCKET_ASSIGN_OR_RETURN(std::vector<Param> params, ParseQuery(query));
  for (const Param& p : params) {
    if (Lower(p.first).starts_with("x-amz-")) {
      return Status::Invalid("SigV4: cannot presign " + request.target +
                             ": it already has query parameter " + p.first);
    }
  }
  FROCKET_ASSIGN_OR_RETURN(CanonicalHeaders headers, CanonicalizeHeaders(request.headers));

  // In the order AWS's own signers append them; the canonical query sorts them anyway.
  std::vector<Param> added = {
      {"X-Amz-Algorithm", std::string(kAlgorithm)},
      {"X-Amz-Credential", Credential(credentials, scope)},
      {"X-Amz-Date", AmzDate(scope.time)},
      {"X-Amz-SignedHeaders", headers.signed_names},
      {"X-Amz-Expires", std::to_string(expires.count())},
  };
  const bool has_token = !credentials.session_token.empty();
  if (has_token) added.emplace_back("X-Amz-Security-Token", credentials.session_token);
  for (const Param& p : added) {
    if (p.first != "X-Amz-Security-Token" || options.sign_session_token) params.push_back(p);
  }

  Signature out;
  FROCKET_RETURN_IF_ERROR(
      SignCanonical(CanonicalRequest(request.method, CanonicalUri(path, options),
                                     JoinCanonical(params), headers, request.payload_hash),
                    credentials, scope, &out));

  added.emplace_back("X-Amz-Signature", out.signature);
  out.target = std::string(path) + "?" + std::string(query);
  for (const auto& [name, value] : added) {
    if (out.target.back() != '?' && out.target.back() != '&') out.target.push_back('&');
    out.target += name + "=" + UriEncode(value, false);
  }
  return out;
}

}  // namespace frocket::sigv4
