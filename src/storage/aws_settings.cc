#include "storage/aws_settings.h"

#include <cstdlib>
#include <vector>

namespace frocket {

namespace {

std::string FirstSet(const std::vector<std::string>& names, const std::string& fallback = "") {
  for (const auto& n : names) {
    const char* v = std::getenv(n.c_str());
    if (v != nullptr && *v != '\0') return v;
  }
  return fallback;
}

}  // namespace

Result<AwsSettings> AwsSettings::FromConfig(const std::string& service) {
  const std::string own = "FROCKET_" + service + "_AWS_";
  AwsSettings s;
  s.endpoint = FirstSet({own + "ENDPOINT_URL", "FROCKET_AWS_ENDPOINT_URL"});
  while (!s.endpoint.empty() && s.endpoint.back() == '/') s.endpoint.pop_back();
  s.region = FirstSet({own + "REGION", "FROCKET_AWS_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"},
                      "us-east-1");
  s.credentials.access_key_id =
      FirstSet({own + "ACCESS_KEY_ID", "FROCKET_AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"});
  s.credentials.secret_access_key = FirstSet(
      {own + "SECRET_ACCESS_KEY", "FROCKET_AWS_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"});
  s.credentials.session_token =
      FirstSet({own + "SESSION_TOKEN", "FROCKET_AWS_SESSION_TOKEN", "AWS_SESSION_TOKEN"});
  const std::string no_sig = FirstSet({own + "NO_SIGNATURE", "FROCKET_AWS_NO_SIGNATURE"});
  s.no_signature = no_sig == "true" || no_sig == "1";
  if (!s.no_signature &&
      (s.credentials.access_key_id.empty() || s.credentials.secret_access_key.empty())) {
    return Status::Invalid("no " + service + " credentials: set " + own + "ACCESS_KEY_ID and " +
                           own +
                           "SECRET_ACCESS_KEY (or FROCKET_AWS_* or AWS_*), or "
                           "FROCKET_AWS_NO_SIGNATURE=true for an endpoint that takes anonymous "
                           "requests");
  }
  if (!s.endpoint.empty() && s.endpoint.rfind("http://", 0) != 0 &&
      s.endpoint.rfind("https://", 0) != 0) {
    return Status::Invalid(service + " endpoint " + s.endpoint +
                           ": expected http://... or https://...");
  }
  return s;
}

}  // namespace frocket
