// Funnel Rocket's response JSON (its to_api_response_dict), built here only: the API server
// and the CLI print what these return.
//
//   {"success": true, "requestId", "query", "funnel", "warnings", "stats"}
//   {"success": false, "errorMessage", "requestId", "stats"}
//
// Members with nothing to say are left out, as Funnel Rocket does: a request id where there
// is none (`frocket query FILE...`), stats where no task ran, warnings where there are none.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "service/service.h"

namespace frocket::service {

nlohmann::ordered_json Response(const QueryOutcome& outcome);
nlohmann::ordered_json Response(const RegisterOutcome& outcome);
nlohmann::ordered_json Response(const UnregisterOutcome& outcome);

// A failure before any job: {"success": false, "errorMessage"}, with the request id if any.
nlohmann::ordered_json FailureResponse(const std::string& message,
                                       const std::string& request_id = "");

}  // namespace frocket::service
