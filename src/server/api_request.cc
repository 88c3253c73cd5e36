#include "server/api_request.h"

#include <algorithm>
#include <cctype>

#include "common/json_parse.h"

namespace frocket::server {

namespace {

// Nesting deeper than this is refused before parsing: no query needs it, and the parser
// recurses.
constexpr int kMaxJsonDepth = 64;
constexpr size_t kMaxNameBytes = 256;

bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return diff == 0;
}

// The depth of [ and { nesting, outside strings; stops counting past `limit`.
int JsonDepth(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) return deepest;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

int HttpStatusOf(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalid:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    default:
      return 500;
  }
}

Status Authorize(const HttpRequest& request, const RouteInfo& route, const ApiSettings& settings) {
  if (route.open) return Status::OK();
  if (!settings.auth_token.empty() || !settings.admin_token.empty()) {
    const std::string* header = request.Header("authorization");
    std::string token;
    if (header != nullptr && header->size() > 7 &&
        (header->compare(0, 7, "Bearer ") == 0 || header->compare(0, 7, "bearer ") == 0)) {
      token = header->substr(7);
    }
    const bool is_admin =
        !settings.admin_token.empty()
            ? ConstantTimeEquals(token, settings.admin_token)
            : !settings.auth_token.empty() && ConstantTimeEquals(token, settings.auth_token);
    const bool is_user = is_admin || (!settings.auth_token.empty() &&
                                      ConstantTimeEquals(token, settings.auth_token));
    const bool needs_token = route.admin || !settings.auth_token.empty();
    if (needs_token && !is_user) {
      return Status::Unauthenticated(header == nullptr
                                         ? "this server requires 'Authorization: Bearer <token>'"
                                         : "the bearer token is not valid");
    }
    if (route.admin && !is_admin) {
      return Status::PermissionDenied(std::string(route.label) + " needs the admin token");
    }
  }
  if (route.admin && !settings.admin_actions) {
    return Status::PermissionDenied(
        std::string(route.label) +
        " is disabled on this server (FROCKET_APISERVER_ADMIN_ACTIONS=false)");
  }
  return Status::OK();
}

Status CheckDatasetName(const std::string& name) {
  if (name.empty()) return Status::Invalid("the dataset name is empty");
  if (name.size() > kMaxNameBytes) {
    return Status::Invalid("the dataset name is longer than " + std::to_string(kMaxNameBytes) +
                           " bytes");
  }
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Status::Invalid("the dataset name holds a control character");
    }
  }
  return Status::OK();
}

bool HasJsonContentType(const HttpRequest& request) {
  const std::string* type = request.Header("content-type");
  if (type == nullptr) return true;
  std::string media = type->substr(0, type->find(';'));
  while (!media.empty() && media.back() == ' ') media.pop_back();
  for (char& c : media) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return media == "application/json" ||
         (media.size() > 5 && media.compare(media.size() - 5, 5, "+json") == 0);
}

Result<nlohmann::json> ParseJsonBody(const HttpRequest& request) {
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::Invalid("the request body is empty; expected a JSON object");
  }
  if (JsonDepth(request.body, kMaxJsonDepth) > kMaxJsonDepth) {
    return Status::Invalid("the request body is JSON nested deeper than " +
                           std::to_string(kMaxJsonDepth) + " levels");
  }
  auto parsed = ParseJson(request.body);
  if (!parsed.ok()) {
    return Status::Invalid("the request body is not valid JSON: " + parsed.status().message());
  }
  return parsed;
}

Result<dataset::RegisterArgs> RegisterArgsFromJson(const nlohmann::json& body) {
  if (!body.is_object()) return Status::Invalid("the request body must be a JSON object");
  dataset::RegisterArgs args;
  static const char* kRequired[] = {"name", "basepath", "groupIdColumn", "timestampColumn"};
  std::string* targets[] = {&args.name, &args.basepath, &args.group_id_column,
                            &args.timestamp_column};
  for (size_t i = 0; i < 4; ++i) {
    auto it = body.find(kRequired[i]);
    if (it == body.end())
      return Status::Invalid(std::string("'") + kRequired[i] + "' missing in body");
    if (!it->is_string() || it->get<std::string>().empty()) {
      return Status::Invalid(std::string("'") + kRequired[i] + "' must be a non-empty string");
    }
    *targets[i] = it->get<std::string>();
  }
  for (const auto& [key, value] : body.items()) {
    if (key == "pattern") {
      if (!value.is_string() || value.get<std::string>().empty()) {
        return Status::Invalid("'pattern' must be a non-empty string such as \"*.parquet\"");
      }
      args.pattern = value.get<std::string>();
    } else if (key == "validationMode") {
      if (!value.is_string()) {
        return Status::Invalid("'validationMode' must be SINGLE, FIRST_LAST or SAMPLE");
      }
      FROCKET_ASSIGN_OR_RETURN(args.validation,
                               dataset::ParseValidationMode(value.get<std::string>()));
    } else if (key == "validateUniques") {
      if (!value.is_boolean()) return Status::Invalid("'validateUniques' must be true or false");
      args.validate_uniques = value.get<bool>();
    } else if (key != "name" && key != "basepath" && key != "groupIdColumn" &&
               key != "timestampColumn") {
      return Status::Invalid("unknown field '" + key +
                             "' in body (expected name, basepath, groupIdColumn, "
                             "timestampColumn, pattern, validationMode, validateUniques)");
    }
  }
  FROCKET_RETURN_IF_ERROR(CheckDatasetName(args.name));
  return args;
}

bool BoolParam(const HttpRequest& request, const char* name) {
  auto v = request.Param(name);
  if (!v) return false;
  std::string lower = *v;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "true";
}

}  // namespace frocket::server
