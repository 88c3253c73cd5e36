// The API's routes (Funnel Rocket's docs/api.md, plus /, /health, /metrics and the web UI): which a
// request's path names, with its method, its label for metrics and whether it is an admin
// action.
#pragma once

#include <optional>
#include <string>

#include "server/http_request.h"

namespace frocket::server {

enum class Route {
  kRoot,
  kWebPage,   // GET / from a browser (Accept: text/html): the web UI
  kWebAsset,  // GET /ui/FILE: the web UI's scripts and styles
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
  // Answered without a token: the web UI's page and files, which hold no data (the UI sends
  // the token with its API requests).
  bool open = false;
};

// The route a path names, and the dataset name in it; nullopt for no endpoint.
std::optional<RouteInfo> MatchRoute(const HttpRequest& request, std::string* dataset);

}  // namespace frocket::server
