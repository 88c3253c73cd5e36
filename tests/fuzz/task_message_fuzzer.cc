// libFuzzer target: the bytes a worker or a Lambda instance is handed as a task message (an
// invocation's payload comes from whoever may invoke the function), the results an invoker
// reads back, and the HTTP header lines of the Lambda APIs. Whatever the bytes, decoding
// succeeds or names the problem, and what decodes encodes to JSON that decodes to the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "cluster/task_codec.h"
#include "common/text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (auto value = frocket::text::HeaderValue(bytes, "lambda-runtime-aws-request-id")) {
    // The name, a colon, then the value trimmed: nothing else.
    if (value->size() + 30 > bytes.size() || bytes.find(*value) == std::string_view::npos) {
      std::abort();
    }
  }
  const auto message = nlohmann::json::parse(bytes, nullptr, false);
  if (message.is_discarded()) return 0;
  using namespace frocket::cluster;
  if (auto kind = TaskKind(message); !kind.ok() && kind.status().message().empty()) std::abort();
  if (auto query = QueryTaskRequestFromJson(message); query.ok()) {
    const nlohmann::json encoded = ToJson(*query);
    auto again = QueryTaskRequestFromJson(encoded);
    if (!again.ok() || ToJson(*again) != encoded) std::abort();
    (void)SelfSelectMember(*query);
  } else if (query.status().message().empty()) {
    std::abort();
  }
  if (auto registration = RegistrationTaskRequestFromJson(message); registration.ok()) {
    const nlohmann::json encoded = ToJson(*registration);
    auto again = RegistrationTaskRequestFromJson(encoded);
    if (!again.ok() || ToJson(*again) != encoded) std::abort();
  }
  if (auto result = QueryTaskResultFromJson(message); result.ok()) (void)ToJson(*result);
  std::string blob;
  if (auto result = RegistrationTaskResultFromJson(message, &blob); result.ok()) {
    (void)ToJson(*result, blob);
  }
  if (auto metrics = TaskMetricsFromJson(message); metrics.ok()) {
    const nlohmann::json encoded = ToJson(*metrics);
    auto again = TaskMetricsFromJson(encoded);
    if (!again.ok() || ToJson(*again) != encoded) std::abort();
  }
  return 0;
}
