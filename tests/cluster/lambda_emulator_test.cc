// Serverless mode under a Lambda emulator (AWS itself cannot be reached from tests): the CLI
// invokes the function through the Invoke API (FROCKET_INVOKER=aws_lambda), the real frocket
// binary runs as its custom runtime under npm @vercel/fun, and reports through a real Redis;
// datasets are on a real s3rver. Answers are compared with the embedded mode's over the same
// files, costs with the ones computed here from the instances' REPORT lines.
#include "support/lambda_emulator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>

#include "cluster/lambda_invoker.h"
#include "support/api_client.h"
#include "support/s3_dataset_fixture.h"
#include "support/s3_server.h"

namespace frocket::testing {
namespace {

using nlohmann::json;

constexpr const char* kFunction = "frocket-test";

class LambdaEmulatorTest : public S3DatasetTest {
 protected:
  void TearDown() override {
    if (HasFailure() && emulator_ != nullptr) {
      const std::string log = emulator_->process().Log();
      std::fprintf(stderr, "--- end of the emulator's log (%s):\n%s\n",
                   emulator_->process().log_path().c_str(),
                   log.substr(log.size() > 6000 ? log.size() - 6000 : 0).c_str());
    }
    emulator_.reset();
    S3DatasetTest::TearDown();
  }

  // The emulator, its instances in the cluster environment with S3 and `extra`.
  void StartEmulator(const Environment& extra = {}) {
    auto emulator = LambdaEmulator::Start(
        Dir("lambda"), kFunction,
        ClusterEnv(S3Env(WithOverrides({{"FROCKET_HOME", Dir("lambda-home")}}, extra))));
    ASSERT_TRUE(emulator.ok()) << emulator.status().message();
    emulator_ = std::move(*emulator);
  }

  // The CLI as a Lambda invoker, with `extra` on top.
  Environment InvokerEnv(const Environment& extra = {}) const {
    return ClusterEnv(
        S3Env(WithOverrides({{"FROCKET_INVOKER", "aws_lambda"},
                             {"FROCKET_INVOKER_LAMBDA_NAME", kFunction},
                             {"FROCKET_LAMBDA_AWS_ENDPOINT_URL", emulator_->endpoint()},
                             {"FROCKET_LAMBDA_AWS_ACCESS_KEY_ID", "AKIDLAMBDA"},
                             {"FROCKET_LAMBDA_AWS_SECRET_ACCESS_KEY", "secret"},
                             {"FROCKET_LAMBDA_AWS_REGION", "us-east-1"}},
                            extra)));
  }
  FrocketRun Serverless(const std::vector<std::string>& args, const Environment& extra = {},
                        int timeout_seconds = 90) const {
    return RunFrocket(args, InvokerEnv(extra), timeout_seconds);
  }

  // A dataset of `parts` parts on S3, registered through Lambda as "act" (and locally in the
  // embedded mode as "act-local").
  // The registration's run.
  FrocketRun PrepareAndRegister(int64_t rows, int parts, int seed) {
    PrepareDataset(rows, parts, seed, "act", "act-embedded", "act-local");
    FrocketRun registered = Serverless({"register", "act", "s3://bkt/act/", "user_id", "ts",
                                        "--validation", "first_last", "--nopretty"});
    ExpectRegistered(registered);
    return registered;
  }

  static std::string RequestId(const FrocketRun& r) {
    return r.out ? r.out->value("requestId", "") : "";
  }
  static int64_t WorkerStat(const FrocketRun& r, const std::string& name) {
    return r.out ? r.out->value(json::json_pointer("/stats/worker/" + name), int64_t{-1}) : -1;
  }

  std::unique_ptr<LambdaEmulator> emulator_;
};

TEST_F(LambdaEmulatorTest, RegistersAndAnswersAsTheEmbeddedMode) {
  ASSERT_NO_FATAL_FAILURE(StartEmulator());
  ASSERT_NO_FATAL_FAILURE(PrepareAndRegister(120000, 6, 11));
  int64_t queries = 0;
  ForEachExpectedAnswer(
      ActivityQueries(), "act-local", [&](const std::string& query, const json& expected) {
        const FrocketRun r = Serverless(RunArgs("act", query));
        EXPECT_EQ(Answer(r), expected);
        EXPECT_EQ(InvokerStat(r, "totalTasks"), 6) << r.Describe();
        EXPECT_EQ(InvokerStat(r, "retriedTasks"), 0) << r.Describe();
        // Every task ran on a Lambda instance, which logged it.
        EXPECT_EQ(emulator_->AwaitReports(RequestId(r), 6).size(), 6u) << r.Describe();
        ++queries;
      });
  // The registration's tasks (first_last: 2) and 6 per query, all completed (an instance
  // logs its report before it answers: the emulator may count the last ones a little later).
  auto stats = emulator_->AwaitStat("completed", 2 + 6 * queries);
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ((*stats)["accepted"], 2 + 6 * queries) << stats->dump();
  EXPECT_EQ((*stats)["completed"], 2 + 6 * queries) << stats->dump();
}

TEST_F(LambdaEmulatorTest, AnInstanceKilledMidTaskIsRetriedAndTheAnswerIsExact) {
  // The instance that takes part 2 first kills itself (SIGKILL) after reporting LOADING_DATA;
  // the emulator sees the process exit; the invoker retries the lost attempt.
  ASSERT_NO_FATAL_FAILURE(StartEmulator({{"FROCKET_WORKER_FAULT_INJECTION", "part-00002@1:kill"}}));
  ASSERT_NO_FATAL_FAILURE(PrepareAndRegister(60000, 4, 12));
  const std::string query = ActivityQueries()[2];
  const json expected = Answer(EmbeddedS3(RunArgs("act-local", query)));
  const FrocketRun r =
      Serverless(RunArgs("act", query), {{"FROCKET_INVOKER_RETRY_LOST_INTERVAL", "2"}});
  EXPECT_EQ(Answer(r), expected);
  EXPECT_EQ(InvokerStat(r, "lostTasks"), 1) << r.Describe();
  EXPECT_EQ(InvokerStat(r, "retriedTasks"), 1) << r.Describe();
  EXPECT_NE(emulator_->process().Log().find("Process exited before completing request"),
            std::string::npos);
  auto stats = emulator_->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ((*stats)["failed"], 1) << stats->dump();
}

TEST_F(LambdaEmulatorTest, ThrottledInvocationsAreRetried) {
  ASSERT_NO_FATAL_FAILURE(StartEmulator());
  ASSERT_NO_FATAL_FAILURE(PrepareAndRegister(60000, 4, 13));
  const std::string query = ActivityQueries()[4];
  const json expected = Answer(EmbeddedS3(RunArgs("act-local", query)));
  ASSERT_TRUE(emulator_->Throttle(3).ok());
  const FrocketRun r = Serverless(RunArgs("act", query));
  EXPECT_EQ(Answer(r), expected);
  auto stats = emulator_->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ((*stats)["throttled"], 3) << stats->dump();
  EXPECT_EQ((*stats)["legacy"], 0) << stats->dump();
  // Through the deprecated InvokeAsync API as well.
  const FrocketRun legacy =
      Serverless(RunArgs("act", query), {{"FROCKET_INVOKER_LAMBDA_LEGACY_ASYNC", "true"}});
  EXPECT_EQ(Answer(legacy), expected);
  stats = emulator_->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ((*stats)["legacy"], 4) << stats->dump();
}

TEST_F(LambdaEmulatorTest, ThrottlingBeyondTheRetriesFailsTheQueryClearly) {
  ASSERT_NO_FATAL_FAILURE(StartEmulator());
  ASSERT_NO_FATAL_FAILURE(PrepareAndRegister(20000, 2, 14));
  ASSERT_TRUE(emulator_->Throttle(1000).ok());
  const FrocketRun r =
      Serverless(RunArgs("act", ""), {{"FROCKET_LAMBDA_AWS_RETRIES_MAX_ATTEMPTS", "2"}});
  ExpectFailed(r, {kFunction, "429", "TooManyRequestsException", "after 2 attempts"});
}

TEST_F(LambdaEmulatorTest, AWrongFunctionNameFailsTheQueryClearly) {
  ASSERT_NO_FATAL_FAILURE(StartEmulator());
  ASSERT_NO_FATAL_FAILURE(PrepareAndRegister(20000, 2, 15));
  const FrocketRun r = Serverless(RunArgs("act", ""), {{"FROCKET_INVOKER_LAMBDA_NAME", "nope"}});
  ExpectFailed(r, {"Lambda function nope", "HTTP 404", "ResourceNotFoundException"});
}

TEST_F(LambdaEmulatorTest, AnInvocationThatIsNotATaskIsAnError) {
  ASSERT_NO_FATAL_FAILURE(StartEmulator());
  std::string body;
  auto status = HttpRequest(
      "POST", emulator_->endpoint() + "/2015-03-31/functions/" + kFunction + "/invocations",
      R"({"hello": "world"})", &body);
  ASSERT_TRUE(status.ok()) << status.status().message();
  EXPECT_EQ(*status, 200) << body;
  // The instance posted to the Runtime API's /error: the caller gets its error document.
  EXPECT_NE(body.find("InvalidTask"), std::string::npos) << body;
  EXPECT_NE(body.find("malformed task message"), std::string::npos) << body;
  auto stats = emulator_->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ((*stats)["failed"], 1) << stats->dump();
}

TEST_F(LambdaEmulatorTest, InstancesThatCannotStartFailTheJobClearly) {
  // The function's environment lacks Redis: each instance reports an init error and exits.
  ASSERT_NO_FATAL_FAILURE(StartEmulator({{"FROCKET_DATASTORE", "sqlite"}}));
  PrepareDataset(20000, 2, 19, "act", "act-embedded", "act-local");
  const FrocketRun r = Serverless({"register", "act", "s3://bkt/act/", "user_id", "ts",
                                   "--validation", "first_last", "--nopretty"},
                                  {{"FROCKET_INVOKER_RUN_TIMEOUT", "4"}});
  ExpectFailed(r, {"timed out", "no instance reported a task", kFunction});
  EXPECT_TRUE(WaitUntil(
      [&] {
        return emulator_->process().Log().find(
                   "a Lambda instance reports its tasks through Redis") != std::string::npos;
      },
      10))
      << emulator_->process().Log();
}

TEST_F(LambdaEmulatorTest, WarmInstancesUseTheirPartsAndTheCostIsTheBilledDurations) {
  ASSERT_NO_FATAL_FAILURE(StartEmulator());
  FrocketRun registered;
  ASSERT_NO_FATAL_FAILURE(registered = PrepareAndRegister(60000, 4, 16));
  // The registration's 2 tasks (first_last) started the first instances: cold, with the
  // INIT phase they reported.
  EXPECT_EQ(WorkerStat(registered, "coldTasks"), 2) << registered.Describe();
  const double init_max =
      registered.out.value_or(json()).value("/stats/worker/initTime/max"_json_pointer, -1.0);
  EXPECT_GT(init_max, 0) << registered.Describe();
  EXPECT_LT(init_max, 5) << registered.Describe();
  const std::string query = ActivityQueries()[3];
  const json expected = Answer(EmbeddedS3(RunArgs("act-local", query)));
  const FrocketRun first = Serverless(RunArgs("act", query));
  EXPECT_EQ(Answer(first), expected);
  const FrocketRun second = Serverless(RunArgs("act", query));
  EXPECT_EQ(Answer(second), expected);
  // The registration started instances; the queries found them running.
  EXPECT_EQ(WorkerStat(second, "warmTasks"), 4) << second.Describe();
  EXPECT_EQ(WorkerStat(second, "coldTasks"), 0) << second.Describe();
  EXPECT_GE(second.out.value_or(json()).value("/stats/worker/cache/memoryCache"_json_pointer, 0), 1)
      << second.Describe();

  // The cost: each invocation's request price, plus its billed duration × the memory size
  // (the emulator's 1024 MB) × the price per GB-second (the defaults: us-east-1, x86).
  for (const FrocketRun* r : {&first, &second}) {
    const std::vector<std::string> reports = emulator_->AwaitReports(RequestId(*r), 4);
    ASSERT_EQ(reports.size(), 4u) << r->Describe();
    double expected_cost = 4 * 0.0000002;
    for (const std::string& line : reports) {
      const double billed_ms = ReportValue(line, "Billed Duration: ");
      const double duration_ms = ReportValue(line, " Duration: ");
      EXPECT_GE(billed_ms, 1) << line;
      EXPECT_EQ(ReportValue(line, "Memory Size: "), 1024) << line;
      // Billed up to the task's report, rounded up: not more than the whole invocation + 1 ms.
      const double init_ms = std::max(0.0, ReportValue(line, "Init Duration: "));
      EXPECT_LE(billed_ms, std::ceil(duration_ms + init_ms) + 1) << line;
      expected_cost += billed_ms / 1000 * 1024.0 / 1024 * 0.0000166667;
    }
    ASSERT_TRUE(r->out && r->out->contains("/stats/cost"_json_pointer)) << r->Describe();
    EXPECT_NEAR((*r->out)["stats"]["cost"].get<double>(), expected_cost, expected_cost * 1e-9)
        << r->Describe();
  }
}

#ifndef FROCKET_SANITIZED
// The symbol versions a shared object or executable requires (its *UND* dynamic symbols, by
// objdump -T), e.g. "GLIBC_2.34", "GCC_3.0".
std::set<std::string> RequiredVersions(const std::string& file) {
  const ProcessResult r = RunProcess({"/usr/bin/objdump", "-T", file});
  EXPECT_EQ(r.exit_code, 0) << file << ": " << r.err;
  std::set<std::string> versions;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    const size_t open = line.find('(');
    const size_t close = line.find(')', open);
    if (line.find("*UND*") == std::string::npos || open == std::string::npos ||
        close == std::string::npos) {
      continue;
    }
    versions.insert(line.substr(open + 1, close - open - 1));
  }
  return versions;
}

// "GLIBC_2.34" -> {2, 34}; "GCC_3.4.4" -> {3, 4, 4}.
std::vector<int> VersionNumbers(const std::string& version) {
  std::vector<int> numbers;
  std::istringstream parts(version.substr(version.find('_') + 1));
  std::string part;
  while (std::getline(parts, part, '.')) numbers.push_back(std::atoi(part.c_str()));
  return numbers;
}

TEST_F(LambdaEmulatorTest, ThePackageRunsOnGlibc234AndAnswersUnderTheEmulator) {
  const std::string zip = Dir("package") + "/frocket-lambda.zip";
  const FrocketRun packaged = RunFrocket({"package-lambda", zip, "--nopretty"}, {}, 120);
  ASSERT_EQ(packaged.result.exit_code, 0) << packaged.Describe();
  ASSERT_TRUE(packaged.out && packaged.out->is_object()) << packaged.Describe();
  const int64_t bytes = packaged.out->value("bytes", int64_t{0});
  EXPECT_EQ(bytes, static_cast<int64_t>(std::filesystem::file_size(zip)));
  std::printf("package: %s, %lld bytes, %zu files\n", zip.c_str(), static_cast<long long>(bytes),
              (*packaged.out)["files"].size());
  RecordProperty("package_bytes", std::to_string(bytes));

  // Unzipped by an independent reader; Amazon Linux 2023 has glibc 2.34 and gcc 11's
  // libgcc_s: no file may require more.
  const std::string dir = Dir("package/unzipped");
  const ProcessResult unzipped = RunProcess({"/usr/bin/unzip", "-q", zip, "-d", dir});
  ASSERT_EQ(unzipped.exit_code, 0) << unzipped.err;
  ASSERT_TRUE(std::filesystem::exists(dir + "/bootstrap"));
  EXPECT_NE(std::filesystem::status(dir + "/bootstrap").permissions() &
                std::filesystem::perms::owner_exec,
            std::filesystem::perms::none);
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    ++files;
    for (const std::string& version : RequiredVersions(entry.path().string())) {
      SCOPED_TRACE(entry.path().string() + " requires " + version);
      if (version.rfind("GLIBC_2.", 0) == 0) {
        EXPECT_LE(VersionNumbers(version), (std::vector<int>{2, 34}));
      } else if (version.rfind("GCC_", 0) == 0) {
        EXPECT_LE(VersionNumbers(version), (std::vector<int>{11}));
      } else {
        // Versions of libraries inside the package (OPENSSL_3.0.0, CURL_OPENSSL_4...) are
        // fine; libstdc++'s would mean it is needed but not packaged.
        EXPECT_EQ(version.rfind("GLIBCXX_", 0), std::string::npos);
        EXPECT_EQ(version.rfind("CXXABI_", 0), std::string::npos);
      }
    }
  }
  EXPECT_EQ(files, (*packaged.out)["files"].size());
  // The bootstrap finds every library it packs without LD_LIBRARY_PATH (its run path).
  const ProcessResult ldd =
      RunProcess({"/usr/bin/env", "-u", "LD_LIBRARY_PATH", "/usr/bin/ldd", dir + "/bootstrap"});
  ASSERT_EQ(ldd.exit_code, 0) << ldd.err;
  for (const json& provided : (*packaged.out)["providedByTheRuntime"]) {
    EXPECT_EQ(provided.get<std::string>().rfind("libstdc++", 0), std::string::npos);
  }
  std::set<std::string> in_package, provided;
  for (const json& f : (*packaged.out)["files"]) {
    const std::string name = f["name"];
    if (name.rfind("lib/", 0) == 0) in_package.insert(name.substr(4));
  }
  for (const json& p : (*packaged.out)["providedByTheRuntime"]) provided.insert(p);
  std::istringstream lines(ldd.out);
  std::string line;
  size_t from_package = 0, needed = 0;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string soname, arrow;
    words >> soname >> arrow;
    if (arrow != "=>" || provided.count(soname) != 0) continue;
    ++needed;
    if (line.find(dir + "/bootstrap/../lib/") != std::string::npos ||
        line.find(dir + "/lib/") != std::string::npos) {
      ++from_package;
    }
  }
  EXPECT_EQ(from_package, needed) << ldd.out;
  // And the libraries it opens when first needed (HTTP, signing), with all they load.
  for (const std::string opened : {"libcurl.so.4", "libcrypto.so.3"}) {
    ASSERT_EQ(in_package.count(opened), 1u) << opened;
    const ProcessResult deps = RunProcess({"/usr/bin/ldd", dir + "/lib/" + opened});
    ASSERT_EQ(deps.exit_code, 0) << deps.err;
    std::istringstream dep_lines(deps.out);
    while (std::getline(dep_lines, line)) {
      std::istringstream words(line);
      std::string soname, arrow;
      words >> soname >> arrow;
      if (arrow != "=>" || provided.count(soname) != 0) continue;
      EXPECT_EQ(in_package.count(soname), 1u) << opened << " needs " << soname;
    }
  }

  // And it serves: the unzipped package is the function (without LD_LIBRARY_PATH).
  auto emulator = LambdaEmulator::Start(
      Dir("lambda-package"), kFunction,
      ClusterEnv(S3Env({{"FROCKET_HOME", Dir("lambda-home")}, {"LD_LIBRARY_PATH", ""}})), dir);
  ASSERT_TRUE(emulator.ok()) << emulator.status().message();
  emulator_ = std::move(*emulator);
  ASSERT_NO_FATAL_FAILURE(PrepareAndRegister(20000, 2, 18));
  const std::string query = ActivityQueries()[1];
  const FrocketRun r = Serverless(RunArgs("act", query));
  EXPECT_EQ(Answer(r), Answer(EmbeddedS3(RunArgs("act-local", query))));
  EXPECT_EQ(emulator_->AwaitReports(RequestId(r), 2).size(), 2u);
}
#else
TEST_F(LambdaEmulatorTest, ASanitizerBuildRefusesToBePackaged) {
  const FrocketRun r = RunFrocket({"package-lambda", Dir("package") + "/x.zip"}, {}, 60);
  EXPECT_EQ(r.result.exit_code, 1) << r.Describe();
  EXPECT_NE(r.result.err.find("sanitizer build"), std::string::npos) << r.Describe();
  EXPECT_FALSE(std::filesystem::exists(Dir("package") + "/x.zip"));
}
#endif

// The sum of the values of every series of a Prometheus metric (its label sets), from the
// text format.
double SumOfSeries(const std::string& text, const std::string& name) {
  double sum = 0;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name + "{", 0) == 0 || line.rfind(name + " ", 0) == 0) {
      sum += std::strtod(line.c_str() + line.rfind(' ') + 1, nullptr);
    }
  }
  return sum;
}

TEST_F(LambdaEmulatorTest, TheApiServerReportsTheCostInTheResponseAndItsMetrics) {
  ASSERT_NO_FATAL_FAILURE(StartEmulator());
  ASSERT_NO_FATAL_FAILURE(PrepareAndRegister(40000, 4, 17));
  auto server = ApiServerProcess::Start(InvokerEnv(), Dir("api") + "/serve.log");
  ASSERT_TRUE(server.ok()) << server.status().message();
  ApiClient api((*server)->port());
  auto answer = api.Post("/datasets/act/query", ActivityQueries()[1]);
  ASSERT_TRUE(answer.ok()) << answer.status().message();
  ASSERT_EQ(answer->status, 200) << answer->Describe();
  const json body = answer->Json();
  ASSERT_TRUE(body.contains("/stats/cost"_json_pointer)) << answer->Describe();
  const double cost = body["stats"]["cost"].get<double>();
  EXPECT_GT(cost, 4 * 0.0000002) << answer->Describe();
  auto metrics = api.Get("/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status().message();
  // One observation per task; with no retry, the tasks' costs add up to the query's.
  EXPECT_EQ(SumOfSeries(metrics->body, "cost_dollars_count"), 4) << metrics->body;
  EXPECT_NEAR(SumOfSeries(metrics->body, "cost_dollars_sum"), cost, cost * 1e-6) << metrics->body;
}

TEST(LambdaPrices, CostIsRequestsPlusGbSeconds) {
  // 3 invocations at $0.20 per million, and 1.5 GB-s at $0.0000166667: by hand.
  cluster::LambdaPrices prices;
  EXPECT_NEAR(prices.Cost(3, 1.5), 0.0000006 + 0.00002500005, 1e-15);
  EXPECT_EQ(prices.Cost(0, 0), 0);
}

}  // namespace
}  // namespace frocket::testing
