#include "cluster/lambda_invoker.h"

#include "cluster/redis_datastore.h"
#include "common/config.h"

namespace frocket::cluster {

namespace {

class LambdaLauncher final : public TaskLauncher {
 public:
  LambdaLauncher(LambdaSettings settings, LambdaPrices prices, std::string redis)
      : client_(std::move(settings)), prices_(prices), redis_(std::move(redis)) {}

  std::string Describe() const override {
    return "Lambda function " + client_.settings().function_name + " at " + client_.endpoint();
  }

  Status Launch(RedisClient&, const std::vector<std::string>& messages, int64_t* sent) override {
    return client_.InvokeAsync(messages, sent);
  }

  // Lambda starts instances on demand: there is no one to wait for.
  Status CheckRunners(RedisClient&, RunnerWatch*) override { return Status::OK(); }

  std::string WhyNoneTaken(RedisClient&, const JobKeys&) override {
    return "Lambda accepted the invocations of " + client_.settings().function_name +
           " but no instance reported a task: check the function's logs (an error at start, a "
           "timeout), that it reaches " +
           redis_ +
           " and that its FROCKET_REDIS_* and FROCKET_DATASTORE_REDIS_PREFIX match the "
           "invoker's";
  }

  std::optional<double> Cost(int64_t launched, double billed_gb_seconds) const override {
    return prices_.Cost(launched, billed_gb_seconds);
  }

 private:
  LambdaClient client_;
  LambdaPrices prices_;
  std::string redis_;
};

}  // namespace

Result<LambdaPrices> LambdaPrices::FromConfig() {
  LambdaPrices p;
  FROCKET_ASSIGN_OR_RETURN(p.per_gb_second, Config::Double("FROCKET_LAMBDA_PRICE_GB_SECOND"));
  FROCKET_ASSIGN_OR_RETURN(p.per_request, Config::Double("FROCKET_LAMBDA_PRICE_REQUEST"));
  if (p.per_gb_second < 0 || p.per_request < 0) {
    return Status::Invalid(
        "FROCKET_LAMBDA_PRICE_GB_SECOND and FROCKET_LAMBDA_PRICE_REQUEST must not be negative");
  }
  return p;
}

Result<std::unique_ptr<Invoker>> CreateLambdaInvoker() {
  FROCKET_ASSIGN_OR_RETURN(auto settings, LambdaSettings::FromConfig());
  FROCKET_ASSIGN_OR_RETURN(auto prices, LambdaPrices::FromConfig());
  FROCKET_ASSIGN_OR_RETURN(auto endpoint, RedisEndpoint::FromConfig("DATASTORE"));
  FROCKET_ASSIGN_OR_RETURN(auto invoker, AsyncInvoker::Create(std::make_unique<LambdaLauncher>(
                                             std::move(settings), prices, endpoint.Describe())));
  return std::unique_ptr<Invoker>(std::move(invoker));
}

}  // namespace frocket::cluster
