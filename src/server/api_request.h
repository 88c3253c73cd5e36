// What the API server reads from a request beyond HTTP itself: who is asking (bearer
// tokens), the dataset name in the path, JSON bodies, registration arguments, boolean
// parameters. Problems are Status values; HttpStatusOf is the one mapping of their kinds to
// HTTP statuses.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "dataset/registration.h"
#include "server/api_routes.h"
#include "server/api_settings.h"
#include "server/http_request.h"

namespace frocket::server {

// Invalid → 400, Unauthenticated → 401, PermissionDenied → 403, NotFound → 404, the rest
// (the server's own failures) → 500.
int HttpStatusOf(const Status& status);

// The admin token (or, without one, the auth token) for admin routes; either token for the
// others; admin routes refused when FROCKET_APISERVER_ADMIN_ACTIONS is off.
Status Authorize(const HttpRequest& request, const RouteInfo& route, const ApiSettings& settings);

// A dataset name from a URL or a body: not empty, bounded, no control characters.
Status CheckDatasetName(const std::string& name);

// Whether the request's content type, when given, is JSON (application/json or +json).
bool HasJsonContentType(const HttpRequest& request);
// The request body as JSON: not empty, bounded nesting, well-formed.
Result<nlohmann::json> ParseJsonBody(const HttpRequest& request);

// POST /datasets/register's body: Funnel Rocket's members, each checked.
Result<dataset::RegisterArgs> RegisterArgsFromJson(const nlohmann::json& body);

// ?name=true (any case).
bool BoolParam(const HttpRequest& request, const char* name);

}  // namespace frocket::server
