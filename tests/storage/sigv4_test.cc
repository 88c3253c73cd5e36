// SigV4 against AWS's test suite (every case folder of ../shared/testdata/sigv4/v4, header and
// query signing), against the S3 documentation's worked examples, and piece by piece.
#include "storage/sigv4.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/subprocess.h"

namespace frocket::sigv4 {
namespace {

namespace fs = std::filesystem;
using std::chrono::system_clock;

fs::path SuiteDir() {
  return fs::path(testing::TestDataDir()) / "sigv4" / "v4";
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// "2015-08-30T12:36:00Z", or Y-M-D h:m:s given as numbers.
system_clock::time_point UtcTime(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  using namespace std::chrono;
  return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s};
}
system_clock::time_point ParseUtc(const std::string& text) {
  int y = 0, h = 0, mi = 0, s = 0;
  unsigned mo = 0, d = 0;
  EXPECT_EQ(std::sscanf(text.c_str(), "%d-%u-%uT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &s), 6) << text;
  return UtcTime(y, mo, d, h, mi, s);
}

// A request.txt: "METHOD target HTTP/1.1", "Name:value" lines (a line that starts with
// whitespace continues the value above it), a blank line, the body. The target may hold
// spaces ("GET /example space/ HTTP/1.1").
struct SuiteRequest {
  std::string method;
  std::string target;
  std::vector<Header> headers;
  std::string header_lines;  // as written, each ending in '\n'
  std::string body;
};

SuiteRequest ParseRequest(const std::string& text) {
  SuiteRequest out;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  const size_t first_space = line.find(' ');
  const size_t last_space = line.rfind(' ');
  out.method = line.substr(0, first_space);
  out.target = line.substr(first_space + 1, last_space - first_space - 1);
  while (std::getline(in, line) && !line.empty()) {
    out.header_lines += line + "\n";
    if (line[0] == ' ' || line[0] == '\t') {
      out.headers.back().value += "\n" + line;
      continue;
    }
    const size_t colon = line.find(':');
    out.headers.push_back({line.substr(0, colon), line.substr(colon + 1)});
  }
  std::ostringstream rest;
  rest << in.rdbuf();
  out.body = rest.str();
  return out;
}

struct SuiteCase {
  SuiteRequest raw;
  Request request;
  Credentials credentials;
  Scope scope;
  Options options;
  std::chrono::seconds expires{0};
};

SuiteCase LoadCase(const fs::path& dir) {
  SuiteCase c;
  c.raw = ParseRequest(ReadFile(dir / "request.txt"));
  const auto context = nlohmann::json::parse(ReadFile(dir / "context.json"));
  const auto& credentials = context.at("credentials");
  c.credentials.access_key_id = credentials.at("access_key_id");
  c.credentials.secret_access_key = credentials.at("secret_access_key");
  c.credentials.session_token = credentials.value("token", "");
  c.scope = {context.at("region"), context.at("service"), ParseUtc(context.at("timestamp"))};
  c.options.normalize_path = context.at("normalize");
  c.options.add_content_sha256 = context.at("sign_body");
  c.options.sign_session_token = !context.value("omit_session_token", false);
  c.expires = std::chrono::seconds(context.at("expiration_in_seconds").get<int64_t>());
  // The suite hashes the body either way; sign_body only adds x-amz-content-sha256 (README).
  Result<std::string> payload_hash = Sha256Hex(c.raw.body);
  EXPECT_TRUE(payload_hash.ok()) << payload_hash.status().ToString();
  c.request = {c.raw.method, c.raw.target, c.raw.headers, payload_hash.ok() ? *payload_hash : ""};
  return c;
}

// Every case folder; the README documents none as not applicable, so all of them run.
std::vector<std::string> SuiteCaseNames() {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(SuiteDir(), error)) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(SigV4Suite, FindsEveryCaseFolder) {
  // The README counts 38 case folders; fewer means the data was not found.
  EXPECT_EQ(SuiteCaseNames().size(), 38u) << "looked in " << SuiteDir();
}

class SigV4SuiteCase : public ::testing::TestWithParam<std::string> {};

TEST_P(SigV4SuiteCase, HeaderSigning) {
  const fs::path dir = SuiteDir() / GetParam();
  const SuiteCase c = LoadCase(dir);
  Result<Signature> signed_request = SignHeaders(c.request, c.credentials, c.scope, c.options);
  ASSERT_TRUE(signed_request.ok()) << signed_request.status().ToString();
  EXPECT_EQ(signed_request->canonical_request, ReadFile(dir / "header-canonical-request.txt"));
  EXPECT_EQ(signed_request->string_to_sign, ReadFile(dir / "header-string-to-sign.txt"));
  EXPECT_EQ(signed_request->signature, ReadFile(dir / "header-signature.txt"));

  // The request as sent: the headers it had, then the ones the signer adds, in its order.
  std::string sent = c.raw.method + " " + signed_request->target + " HTTP/1.1\n";
  sent += c.raw.header_lines;
  for (const Header& h : signed_request->headers_to_add) sent += h.name + ":" + h.value + "\n";
  sent += "\n" + c.raw.body;
  EXPECT_EQ(sent, ReadFile(dir / "header-signed-request.txt"));
}

TEST_P(SigV4SuiteCase, QuerySigning) {
  const fs::path dir = SuiteDir() / GetParam();
  const SuiteCase c = LoadCase(dir);
  Result<Signature> signed_request =
      Presign(c.request, c.credentials, c.scope, c.expires, c.options);
  ASSERT_TRUE(signed_request.ok()) << signed_request.status().ToString();
  EXPECT_EQ(signed_request->canonical_request, ReadFile(dir / "query-canonical-request.txt"));
  EXPECT_EQ(signed_request->string_to_sign, ReadFile(dir / "query-string-to-sign.txt"));
  EXPECT_EQ(signed_request->signature, ReadFile(dir / "query-signature.txt"));
  EXPECT_TRUE(signed_request->headers_to_add.empty());

  const std::string sent = c.raw.method + " " + signed_request->target + " HTTP/1.1\n" +
                           c.raw.header_lines + "\n" + c.raw.body;
  EXPECT_EQ(sent, ReadFile(dir / "query-signed-request.txt"));
}

INSTANTIATE_TEST_SUITE_P(Aws, SigV4SuiteCase, ::testing::ValuesIn(SuiteCaseNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// ---- S3's documented examples (access key AKIAIOSFODNN7EXAMPLE, 2013-05-24, examplebucket).

const Credentials kS3DocCredentials = {"AKIAIOSFODNN7EXAMPLE",
                                       "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
const Scope kS3DocScope = {"us-east-1", "s3", UtcTime(2013, 5, 24, 0, 0, 0)};

// S3 API reference, "Signature Calculations for the Authorization Header: Transferring
// Payload in a Single Chunk", Example: GET Object (the first 10 bytes of test.txt). Every
// expected text below is the documented one.
TEST(SigV4S3Documentation, GetObjectWithRangeHeader) {
  const Request request = {"GET",
                           "/test.txt",
                           {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"}},
                           std::string(kEmptyPayloadHash)};
  Result<Signature> s = SignHeaders(request, kS3DocCredentials, kS3DocScope, Options::ForS3());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(
      s->canonical_request,
      "GET\n"
      "/test.txt\n"
      "\n"
      "host:examplebucket.s3.amazonaws.com\n"
      "range:bytes=0-9\n"
      "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
      "x-amz-date:20130524T000000Z\n"
      "\n"
      "host;range;x-amz-content-sha256;x-amz-date\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(s->string_to_sign,
            "AWS4-HMAC-SHA256\n"
            "20130524T000000Z\n"
            "20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(s->signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  ASSERT_EQ(s->headers_to_add.size(), 3u);
  EXPECT_EQ(s->headers_to_add[0].name, "X-Amz-Date");
  EXPECT_EQ(s->headers_to_add[0].value, "20130524T000000Z");
  EXPECT_EQ(s->headers_to_add[1].name, "x-amz-content-sha256");
  EXPECT_EQ(s->headers_to_add[1].value, kEmptyPayloadHash);
  // The documentation writes the parts with "," alone; AWS takes ", " as well.
  EXPECT_EQ(s->headers_to_add[2].name, "Authorization");
  EXPECT_EQ(s->headers_to_add[2].value,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

// S3 API reference, "Authenticating Requests: Using Query Parameters", its example presigned
// GET of test.txt valid for a day (the expected values as that page gives them).
TEST(SigV4S3Documentation, PresignedGetObject) {
  const Request request = {"GET",
                           "/test.txt",
                           {{"Host", "examplebucket.s3.amazonaws.com"}},
                           std::string(kUnsignedPayload)};
  Result<Signature> s = Presign(request, kS3DocCredentials, kS3DocScope,
                                std::chrono::seconds(86400), Options::ForS3());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->string_to_sign,
            "AWS4-HMAC-SHA256\n"
            "20130524T000000Z\n"
            "20130524/us-east-1/s3/aws4_request\n"
            "3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04");
  EXPECT_EQ(s->signature, "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
  EXPECT_EQ(s->target,
            "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20130524T000000Z&X-Amz-SignedHeaders=host&X-Amz-Expires=86400"
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

// ---- The pieces.

TEST(SigV4UriEncode, KeepsOnlyUnreservedBytes) {
  EXPECT_EQ(UriEncode("AZaz09-_.~", false), "AZaz09-_.~");
  EXPECT_EQ(UriEncode("a b", false), "a%20b");
  EXPECT_EQ(UriEncode("\xE1\x88\xB4", false), "%E1%88%B4");  // U+1234, uppercase hex
  EXPECT_EQ(UriEncode("caf\xC3\xA9", true), "caf%C3%A9");
  EXPECT_EQ(UriEncode("a/b", false), "a%2Fb");
  EXPECT_EQ(UriEncode("a/b", true), "a/b");
  EXPECT_EQ(UriEncode("+=&%?#*!'()", false), "%2B%3D%26%25%3F%23%2A%21%27%28%29");
  EXPECT_EQ(UriEncode(std::string("\0\xFF", 2), false), "%00%FF");
  EXPECT_EQ(UriEncode("", true), "");
}

TEST(SigV4Path, S3SignsTheKeyEncodedOnceAndNeverNormalized) {
  const std::string key = "dir/a b+c=d.parquet";
  const std::string sent_path = "/bucket/" + UriEncode(key, true);
  EXPECT_EQ(sent_path, "/bucket/dir/a%20b%2Bc%3Dd.parquet");
  // S3 signs the path as sent: no second encoding of '%'.
  EXPECT_EQ(CanonicalUri(sent_path, Options::ForS3()), "/bucket/dir/a%20b%2Bc%3Dd.parquet");
  // Keys may hold "//", "." and ".." verbatim; S3 signs them so.
  EXPECT_EQ(CanonicalUri("/bucket/x//./y/../z", Options::ForS3()), "/bucket/x//./y/../z");
  // Other services encode the sent path again, and normalize it first.
  EXPECT_EQ(CanonicalUri(sent_path, Options{}), "/bucket/dir/a%2520b%252Bc%253Dd.parquet");
  EXPECT_EQ(CanonicalUri("/bucket/x//./y/../z", Options{}), "/bucket/x/z");
}

TEST(SigV4Path, NormalizeRemovesDotSegmentsAndRepeatedSlashes) {
  EXPECT_EQ(NormalizePath("/"), "/");
  EXPECT_EQ(NormalizePath(""), "/");
  EXPECT_EQ(NormalizePath("//"), "/");
  EXPECT_EQ(NormalizePath("/./"), "/");
  EXPECT_EQ(NormalizePath("/example/.."), "/");
  EXPECT_EQ(NormalizePath("/../../a"), "/a");
  EXPECT_EQ(NormalizePath("//example//"), "/example/");
  EXPECT_EQ(NormalizePath("/a/./b/../c"), "/a/c");
  EXPECT_EQ(NormalizePath("/a/b/.."), "/a");
  EXPECT_EQ(NormalizePath("/a/.../b"), "/a/.../b");  // "..." is a name
}

TEST(SigV4Query, ContinuationTokensAreEncodedWhole) {
  // A ListObjectsV2 continuation token is opaque base64: '/', '+' and '=' must all be encoded.
  const std::map<std::string, std::string> params = {
      {"list-type", "2"},  {"prefix", "dir/a b+c"},
      {"delimiter", "/"},  {"continuation-token", "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4+vbOwM="},
      {"fetch-owner", ""},
  };
  const std::string expected =
      "continuation-token=1ueGcxLPRx1Tr%2FXYExHnhbYLgveDs2J%2Fwm36Hy4%2BvbOwM%3D"
      "&delimiter=%2F&fetch-owner=&list-type=2&prefix=dir%2Fa%20b%2Bc";
  EXPECT_EQ(CanonicalQuery(params), expected);
  // Sent as its canonical form, the query canonicalizes to itself.
  Result<std::string> again = CanonicalQueryString(expected);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, expected);
}

TEST(SigV4Query, SortsByEncodedNameThenValue) {
  // Sorted after encoding: "%E1%88%B4" comes before "Param", though its raw bytes do not.
  EXPECT_EQ(CanonicalQuery({{"Param", "1"}, {"\xE1\x88\xB4", "2"}}), "%E1%88%B4=2&Param=1");
  Result<std::string> q = CanonicalQueryString("b=2&a=z&a=y&acl&&c=%7e%2f+");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(*q, "a=y&a=z&acl=&b=2&c=~%2F%2B");
  EXPECT_EQ(*CanonicalQueryString(""), "");
}

TEST(SigV4Query, RejectsBrokenEscapes) {
  for (const char* bad : {"a=%G1", "a=%4", "a=1%", "%=1"}) {
    Result<std::string> q = CanonicalQueryString(bad);
    ASSERT_FALSE(q.ok()) << bad;
    EXPECT_EQ(q.status().code(), StatusCode::kInvalid);
    EXPECT_NE(q.status().message().find(bad), std::string::npos) << q.status().message();
  }
}

TEST(SigV4Headers, LowercasesSortsTrimsAndJoinsRepeats) {
  Result<CanonicalHeaders> h = CanonicalizeHeaders({{"X-B", "  two   words\t "},
                                                    {"Host", "example.com"},
                                                    {"x-a", "first"},
                                                    {"X-Multi", "line1\n   line2"},
                                                    {"X-A", "second"},
                                                    {"x-empty", "   "}});
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->block,
            "host:example.com\nx-a:first,second\nx-b:two words\nx-empty:\nx-multi:line1 line2\n");
  EXPECT_EQ(h->signed_names, "host;x-a;x-b;x-empty;x-multi");

  for (const char* bad : {"", "Bad Name", "x:y"}) {
    EXPECT_FALSE(CanonicalizeHeaders({{bad, "v"}}).ok()) << bad;
  }
}

TEST(SigV4Crypto, HashesMatchPublishedVectors) {
  EXPECT_EQ(*Sha256Hex(""), kEmptyPayloadHash);
  EXPECT_EQ(*Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231, test case 2.
  Result<std::string> mac = HmacSha256("Jefe", "what do ya want for nothing?");
  ASSERT_TRUE(mac.ok()) << mac.status().ToString();
  std::string hex;
  for (unsigned char b : *mac) {
    char digits[3];
    std::snprintf(digits, sizeof(digits), "%02x", b);
    hex += digits;
  }
  EXPECT_EQ(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(SigV4Date, FormatsUtc) {
  EXPECT_EQ(AmzDate(UtcTime(2015, 8, 30, 12, 36, 0)), "20150830T123600Z");
  EXPECT_EQ(AmzDate(UtcTime(2013, 5, 24, 0, 0, 0) + std::chrono::milliseconds(999)),
            "20130524T000000Z");
}

// ---- What the signer refuses.

Request Vanilla() {
  return {"GET", "/", {{"Host", "example.com"}}, std::string(kEmptyPayloadHash)};
}
const Credentials kCredentials = {"AKIDEXAMPLE", "secret", ""};
const Scope kScope = {"us-east-1", "service", UtcTime(2015, 8, 30, 12, 36, 0)};

void ExpectInvalid(const Result<Signature>& s, const std::string& mentions) {
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalid);
  EXPECT_NE(s.status().message().find(mentions), std::string::npos) << s.status().message();
}

TEST(SigV4Errors, RefusesIncompleteRequests) {
  Request no_host = Vanilla();
  no_host.headers.clear();
  ExpectInvalid(SignHeaders(no_host, kCredentials, kScope), "Host");

  Request relative = Vanilla();
  relative.target = "example";
  ExpectInvalid(SignHeaders(relative, kCredentials, kScope), "'/'");

  Request no_hash = Vanilla();
  no_hash.payload_hash.clear();
  ExpectInvalid(SignHeaders(no_hash, kCredentials, kScope), "payload hash");

  ExpectInvalid(SignHeaders(Vanilla(), {"AKIDEXAMPLE", "", ""}, kScope), "secret");
  ExpectInvalid(SignHeaders(Vanilla(), kCredentials, {"", "s3", kScope.time}), "region");

  Request broken_query = Vanilla();
  broken_query.target = "/?a=%zz";
  ExpectInvalid(SignHeaders(broken_query, kCredentials, kScope), "%zz");
}

TEST(SigV4Errors, RefusesHeadersTheSignerAdds) {
  Request dated = Vanilla();
  dated.headers.push_back({"X-Amz-Date", "20150830T123600Z"});
  ExpectInvalid(SignHeaders(dated, kCredentials, kScope), "x-amz-date");

  Request hashed = Vanilla();
  hashed.headers.push_back({"X-Amz-Content-Sha256", std::string(kEmptyPayloadHash)});
  ExpectInvalid(SignHeaders(hashed, kCredentials, kScope, Options::ForS3()),
                "x-amz-content-sha256");
  EXPECT_TRUE(SignHeaders(hashed, kCredentials, kScope).ok());  // not added: the caller's own

  Request tokened = Vanilla();
  tokened.headers.push_back({"x-amz-security-token", "t"});
  ExpectInvalid(SignHeaders(tokened, {"AKIDEXAMPLE", "secret", "t"}, kScope),
                "x-amz-security-token");
}

TEST(SigV4Errors, RefusesBadPresigning) {
  ExpectInvalid(Presign(Vanilla(), kCredentials, kScope, std::chrono::seconds(0)), "expire");
  ExpectInvalid(Presign(Vanilla(), kCredentials, kScope, std::chrono::seconds(604801)), "expire");
  EXPECT_TRUE(Presign(Vanilla(), kCredentials, kScope, std::chrono::seconds(604800)).ok());

  Request signed_already = Vanilla();
  signed_already.target = "/?X-Amz-Signature=abc";
  ExpectInvalid(Presign(signed_already, kCredentials, kScope, std::chrono::seconds(60)),
                "X-Amz-Signature");
}

}  // namespace
}  // namespace frocket::sigv4
