// Where and as whom to reach an AWS service, read as Funnel Rocket reads it: for service S
// ("S3", "LAMBDA"), FROCKET_S_AWS_* before FROCKET_AWS_* before the AWS CLI's AWS_* names.
#pragma once

#include <string>

#include "common/status.h"
#include "storage/sigv4.h"

namespace frocket {

struct AwsSettings {
  std::string endpoint;  // scheme://host[:port] without a trailing '/'; empty: AWS's own
  std::string region = "us-east-1";
  sigv4::Credentials credentials;
  bool no_signature = false;  // anonymous requests

  // `service` in capitals. Credentials are required unless no_signature; an endpoint must
  // be http:// or https://.
  static Result<AwsSettings> FromConfig(const std::string& service);
};

}  // namespace frocket
