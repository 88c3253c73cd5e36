#include "server/api_routes.h"

namespace frocket::server {

std::optional<RouteInfo> MatchRoute(const HttpRequest& request, std::string* dataset) {
  const auto& s = request.segments;
  if (s.empty() || (s.size() == 1 && s[0].empty())) {
    const std::string* accept = request.Header("accept");
    if (accept != nullptr && accept->find("text/html") != std::string::npos) {
      return RouteInfo{Route::kWebPage, "GET", "/", false, true};
    }
    return RouteInfo{Route::kRoot, "GET", "/", false};
  }
  if (s.size() == 2 && s[0] == "ui")
    return RouteInfo{Route::kWebAsset, "GET", "/ui/{file}", false, true};
  if (s.size() == 1 && s[0] == "health") return RouteInfo{Route::kHealth, "GET", "/health", false};
  if (s.size() == 1 && s[0] == "metrics")
    return RouteInfo{Route::kMetrics, "GET", "/metrics", false};
  if (s[0] != "datasets") return std::nullopt;
  if (s.size() == 1) return RouteInfo{Route::kList, "GET", "/datasets", false};
  if (s.size() == 2 && s[1] == "register") {
    return RouteInfo{Route::kRegister, "POST", "/datasets/register", true};
  }
  if (s.size() != 3) return std::nullopt;
  *dataset = s[1];
  static const std::pair<const char*, RouteInfo> kDatasetRoutes[] = {
      {"schema", {Route::kSchema, "GET", "/datasets/{name}/schema", false}},
      {"parts", {Route::kParts, "GET", "/datasets/{name}/parts", true}},
      {"empty-query", {Route::kEmptyQuery, "GET", "/datasets/{name}/empty-query", false}},
      {"query", {Route::kQuery, "POST", "/datasets/{name}/query", false}},
      {"groups", {Route::kGroups, "POST", "/datasets/{name}/groups", false}},
      {"validate", {Route::kValidate, "POST", "/datasets/{name}/validate", false}},
      {"unregister", {Route::kUnregister, "POST", "/datasets/{name}/unregister", true}},
  };
  for (const auto& [name, info] : kDatasetRoutes) {
    if (s[2] == name) return info;
  }
  return std::nullopt;
}

}  // namespace frocket::server
