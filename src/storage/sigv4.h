// AWS Signature Version 4 (SigV4): the canonical request, string to sign and HMAC-SHA256
// signature that authenticate a request to S3 (or any AWS service), carried either in
// headers (Authorization) or in the query string (a presigned URL).
//
// The algorithm is AWS's ("Create a signed AWS API request", IAM user guide; "Authenticating
// Requests (AWS Signature Version 4)", S3 API reference). It is pinned by AWS's SigV4 test
// suite (../shared/testdata/sigv4) and by the S3 documentation's GET Object example.
// Pure functions: thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace frocket::sigv4 {

// The payload hash of an empty body, and the marker S3 accepts for a body it is not to check.
inline constexpr std::string_view kEmptyPayloadHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary (STS) credentials only; empty otherwise
};

// What a signature is valid for: the credential scope's region and service, and the time of
// the request (the scope's date is its UTC day).
struct Scope {
  std::string region;   // "us-east-1"
  std::string service;  // "s3"
  std::chrono::system_clock::time_point time;
};

struct Header {
  std::string name;
  std::string value;
};

// A request as it will be sent, before signing.
struct Request {
  std::string method;  // "GET"
  // The path, then optionally '?' and the query string as sent: "/b/a%20b?list-type=2&x".
  std::string target;
  // Every header to sign, in the order sent: names in any case, repeats allowed, values may
  // span lines. Host is required. Headers set after signing (User-Agent) must not be listed.
  std::vector<Header> headers;
  // Hex SHA-256 of the body (kEmptyPayloadHash for none), or kUnsignedPayload.
  std::string payload_hash;
};

struct Options {
  // Remove "." and ".." path segments and merge repeated '/' before signing. Every service
  // but S3, whose object keys may hold "..", "." and "//" verbatim.
  bool normalize_path = true;
  // Percent-encode the path for the canonical request. The path of a request to any service
  // but S3 is encoded once when sent and again here; S3 signs the path exactly as sent.
  bool encode_path = true;
  // Header signing: add and sign x-amz-content-sha256 (the payload hash); S3 requires it.
  bool add_content_sha256 = false;
  // Sign the session token. When false it is still added (as a header, or as a query
  // parameter when presigning), but after signing: some services want it so.
  bool sign_session_token = true;

  // S3: the path signed as sent — already encoded once (UriEncode(key, true)), never
  // normalized — and x-amz-content-sha256 on every request.
  static Options ForS3() {
    Options options;
    options.normalize_path = false;
    options.encode_path = false;
    options.add_content_sha256 = true;
    return options;
  }
};

// A signed request. The intermediate texts are kept because a mismatch is debugged with
// them: S3's SignatureDoesNotMatch error returns its own canonical request and string to sign.
struct Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // 64 lowercase hex digits
  // The headers to add to the request, in this order, those that apply:
  // X-Amz-Security-Token, X-Amz-Date, x-amz-content-sha256, Authorization. (Presigning adds
  // none: the token goes in the query.)
  std::vector<Header> headers_to_add;
  // The target to send: the request's own, with the X-Amz-* parameters when presigning.
  std::string target;
};

// Signs with the Authorization header.
Result<Signature> SignHeaders(const Request& request, const Credentials& credentials,
                              const Scope& scope, const Options& options = {});

// Signs with query parameters: a presigned URL, valid for `expires` (1 second to 7 days)
// from scope.time. Options::add_content_sha256 does not apply.
Result<Signature> Presign(const Request& request, const Credentials& credentials,
                          const Scope& scope, std::chrono::seconds expires,
                          const Options& options = {});

// ---- The pieces of the canonical request.

// Percent-encodes every byte but the unreserved A-Z a-z 0-9 - _ . ~ as %XX (uppercase hex);
// with keep_slash, '/' is kept too (paths).
std::string UriEncode(std::string_view bytes, bool keep_slash);

// `path` without "." and ".." segments or repeated '/': "//a/./b/../c/" is "/a/c/". A
// trailing '/' stays; ".." above the root is dropped.
std::string NormalizePath(std::string_view path);

// The canonical URI of a request path under options.normalize_path and options.encode_path.
std::string CanonicalUri(std::string_view path, const Options& options);

// The canonical query string of parameters given unencoded: names and values encoded,
// sorted by encoded name, then value; "name=" for an empty value.
std::string CanonicalQuery(const std::map<std::string, std::string>& params);

// The canonical query string of a query as sent ("b=2&%E1%88%B4=1&c"): each name and value is
// decoded, then encoded as above, so that the sender's choice of escapes does not matter.
// '+' is a literal plus, not a space. Invalid when a '%' is not followed by two hex digits.
Result<std::string> CanonicalQueryString(std::string_view query);

// The canonical headers block ("name:value\n" per name) and the signed header list
// ("host;x-amz-date"): names lower-cased and sorted, values trimmed with every run of
// whitespace (line breaks included) made one space, repeated headers joined with ',' in order.
struct CanonicalHeaders {
  std::string block;
  std::string signed_names;
};
Result<CanonicalHeaders> CanonicalizeHeaders(const std::vector<Header>& headers);

// Lowercase hex SHA-256, and raw (32-byte) HMAC-SHA256. They fail only when OpenSSL cannot
// provide the algorithms (a broken OpenSSL configuration).
Result<std::string> Sha256Hex(std::string_view bytes);
Result<std::string> HmacSha256(std::string_view key, std::string_view message);

// The request time as SigV4 writes it: "20150830T123600Z". REQUIRES: a year 0 to 9999.
std::string AmzDate(std::chrono::system_clock::time_point time);

}  // namespace frocket::sigv4
