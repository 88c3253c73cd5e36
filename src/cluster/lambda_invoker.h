// The Lambda invoker (FROCKET_INVOKER=aws_lambda): an AsyncInvoker whose tasks each start one
// asynchronous invocation of FROCKET_INVOKER_LAMBDA_NAME (LambdaClient); the function is the
// frocket binary as a custom runtime (LambdaRuntime), which reports through Redis like a
// queue worker. Set the function's own retries to 0: retrying is this invoker's.
//
// What a job cost: every invocation launched pays the request price, and every attempt that
// ended pays its billed duration (TaskMetrics::billed_ms, the INIT phase of a cold instance
// included) × the function's memory in GB × the price per GB-second —
// FROCKET_LAMBDA_PRICE_REQUEST and FROCKET_LAMBDA_PRICE_GB_SECOND. Attempts lost with their
// instance report no duration, so their compute is not counted.
#pragma once

#include <memory>

#include "cluster/async_invoker.h"
#include "cluster/lambda_client.h"

namespace frocket::cluster {

struct LambdaPrices {
  double per_gb_second = 0.0000166667;  // FROCKET_LAMBDA_PRICE_GB_SECOND
  double per_request = 0.0000002;       // FROCKET_LAMBDA_PRICE_REQUEST
  static Result<LambdaPrices> FromConfig();

  double Cost(int64_t invocations, double billed_gb_seconds) const {
    return static_cast<double>(invocations) * per_request + billed_gb_seconds * per_gb_second;
  }
};

Result<std::unique_ptr<Invoker>> CreateLambdaInvoker();

}  // namespace frocket::cluster
