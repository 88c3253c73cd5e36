// The API's routes (Funnel Rocket's docs/api.md, plus /, /health and /metrics): which a
// request's path names, with its method, its label for metrics and whether it is an admin
// action.
#pragma once

#include <optional>
#include <string>

#include "server/http_request.h"

namespace frocket::server {

enum class Route {
  kRoot,
  kHealth,
  kList,
  kRegister,
  kSchema,
  kParts,
  kEmptyQuery,
  kQuery,
  kGroups,
  kValidate,
  kUnregister,
  kMetrics
};

struct RouteInfo {
  Route route;
  const char* method;
  const char* label;  // for metrics and messages: "/datasets/{name}/query"
  bool admin;
};

// The route a path names, and the dataset name in it; nullopt for no endpoint.
std::optional<RouteInfo> MatchRoute(const HttpRequest& request, std::string* dataset);

}  // namespace frocket::server
