#include "support/http_session.h"

#include <openssl/evp.h>

#include <mutex>

namespace frocket::testing {

namespace {

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

}  // namespace

HttpSession::HttpSession(std::optional<AwsSigning> signing) : signing_(std::move(signing)) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_ = curl_easy_init();
}

HttpSession::~HttpSession() {
  if (curl_ != nullptr) curl_easy_cleanup(curl_);
}

Result<long> HttpSession::Request(const std::string& method, const std::string& url,
                                  std::string_view body, std::string* response_body) {
  if (curl_ == nullptr) return Status::IOError("cannot initialise libcurl");
  curl_easy_reset(curl_);
  std::string received;
  curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "HEAD") curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
  // No "Expect: 100-continue": servers answer it, but it costs a round trip per upload. Not
  // when signing: libcurl 7.88 signs the emptied header it then leaves out.
  curl_slist* headers = signing_ ? nullptr : curl_slist_append(nullptr, "Expect:");
  const std::string user =
      signing_ ? signing_->access_key_id + ":" + signing_->secret_access_key : std::string();
  const std::string provider = signing_ ? "aws:amz:" + signing_->region + ":s3" : std::string();
  if (signing_) {
    // libcurl signs the request but leaves S3's payload hash header to the caller.
    headers = curl_slist_append(headers, ("x-amz-content-sha256: " + Sha256Hex(body)).c_str());
    // A body given as POSTFIELDS would otherwise get a form Content-Type, added after signing.
    headers = curl_slist_append(headers, "Content-Type: application/octet-stream");
    curl_easy_setopt(curl_, CURLOPT_AWS_SIGV4, provider.c_str());
    curl_easy_setopt(curl_, CURLOPT_USERPWD, user.c_str());
  }
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
  if (method == "PUT" || method == "POST") {
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &received);
  const CURLcode code = curl_easy_perform(curl_);
  curl_slist_free_all(headers);
  if (code != CURLE_OK) {
    return Status::IOError(method + " " + url + ": " + curl_easy_strerror(code));
  }
  long status = 0;
  curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
  if (response_body != nullptr) *response_body = std::move(received);
  return status;
}

Status ExpectStatus(const std::string& what, Result<long> status, long expected) {
  if (!status.ok()) return status.status();
  if (*status != expected) {
    return Status::IOError(what + ": HTTP " + std::to_string(*status) + ", expected " +
                           std::to_string(expected));
  }
  return Status::OK();
}

}  // namespace frocket::testing
