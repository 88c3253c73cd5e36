// Datasets on S3 under faults: an object deleted or truncated after registration, the S3
// server killed in the middle of a query, and S3 errors (503 SlowDown) answered by a test
// proxy in front of s3rver. Each run ends promptly, in the right answer or in an error that
// names the object — never a hang, never a partial answer.
#include <gtest/gtest.h>
#include <signal.h>

#include <future>

#include "support/s3_dataset_fixture.h"

namespace frocket::testing {
namespace {

using nlohmann::json;

// A query whose per-value maps any lost or doubled part would change.
const std::string& FaultQuery() {
  return ActivityQueries().at(1);
}

// Every run reads S3, not what an earlier run left in the disk cache.
const Environment kNoDiskCache = {{"FROCKET_WORKER_DISK_CACHE_SIZE_MB", "0"}};

class S3Faults : public S3DatasetTest {
 protected:
  // The dataset uploaded under s3://bkt/ds/ and registered as "s3ds" (and "local"); expected_
  // is the answer to FaultQuery().
  void Prepare() {
    dir_ = PrepareDataset(60000, 6, 11, "ds", "s3ds", "local", kNoDiskCache);
    ASSERT_FALSE(HasFailure());
    expected_ = Answer(EmbeddedS3(RunArgs("local", FaultQuery())));
    ASSERT_FALSE(expected_.is_null());
  }

  // The query over S3 in the embedded mode, timed.
  FrocketRun TimedQuery(const Environment& extra, double* seconds) const {
    const double start = MonotonicSeconds();
    FrocketRun r = EmbeddedS3(RunArgs("s3ds", FaultQuery()), extra);
    *seconds = MonotonicSeconds() - start;
    return r;
  }

  // The embedded mode's S3 configuration pointing at `proxy`, disk cache off.
  static Environment Through(const S3FaultProxy& proxy) {
    Environment env = kNoDiskCache;
    env.push_back({"FROCKET_S3_AWS_ENDPOINT_URL", proxy.endpoint()});
    env.push_back({"FROCKET_AWS_ENDPOINT_URL", proxy.endpoint()});
    return env;
  }

  std::string dir_;
  json expected_;
};

TEST_F(S3Faults, ObjectDeletedAfterRegistrationFailsNamingIt) {
  ASSERT_NO_FATAL_FAILURE(Prepare());
  ASSERT_TRUE(s3_->Delete("bkt/ds/part-00003.parquet").ok());
  double seconds = 0;
  const FrocketRun r = TimedQuery(kNoDiskCache, &seconds);
  ExpectFailed(r, {"s3://bkt/ds/part-00003.parquet", "404", "NoSuchKey"});
  EXPECT_LT(seconds, 10) << r.Describe();
}

TEST_F(S3Faults, TruncatedObjectFailsNamingIt) {
  ASSERT_NO_FATAL_FAILURE(Prepare());
  const std::string whole = ReadWholeFile(dir_ + "/part-00002.parquet");
  ASSERT_TRUE(s3_->Put("bkt/ds/part-00002.parquet", whole.substr(0, whole.size() / 2)).ok());
  double seconds = 0;
  const FrocketRun r = TimedQuery(kNoDiskCache, &seconds);
  // Caught by the size recorded at registration, before a byte is read.
  ExpectFailed(r, {"s3://bkt/ds/part-00002.parquet", "changed after the dataset was registered"});
  EXPECT_LT(seconds, 10) << r.Describe();
}

// Cluster mode: part 3's worker stalls (FROCKET_WORKER_FAULT_INJECTION) before reading it, and
// s3rver is SIGKILLed meanwhile. Every attempt at the part then finds no server: the query
// fails within seconds, saying which object it could not read and why.
TEST_F(S3Faults, ServerKilledMidQueryFailsPromptly) {
  ASSERT_NO_FATAL_FAILURE(
      StartWorkers(3, S3Env({{"FROCKET_WORKER_FAULT_INJECTION", "part-00003@1:sleep=1500"},
                             {"FROCKET_WORKER_DISK_CACHE_SIZE_MB", "0"}})));
  const std::string dir = Generate("ds", 60000, 6, 11);
  ASSERT_TRUE(s3_->UploadDirectory(dir, "bkt/ds/").ok());
  // first_last: registration reads parts 0 and 5 only, so part 3's fault is the query's.
  ExpectRegistered(Cluster({"register", "s3ds", "s3://bkt/ds/", "user_id", "ts", "--validation",
                            "first_last", "--nopretty"},
                           S3Env()));
  ASSERT_FALSE(HasFailure());

  auto query = std::async(std::launch::async, [this] {
    return Cluster(RunArgs("s3ds", FaultQuery()),
                   S3Env({{"FROCKET_INVOKER_RETRY_FAILED_INTERVAL", "0.2"},
                          {"FROCKET_INVOKER_RUN_TIMEOUT", "60"}}));
  });
  ASSERT_GT(WaitForAttempt("3/1", "LOADING_DATA"), 0) << "part 3 never started";
  const double killed_at = MonotonicSeconds();
  s3_->process().Kill();
  const FrocketRun r = query.get();
  const double seconds = MonotonicSeconds() - killed_at;
  ExpectFailed(r, {"s3://bkt/ds/part-0000", "Couldn't connect to server|Connection refused"});
  EXPECT_LT(seconds, 20) << r.Describe();
  for (const auto& w : workers_) EXPECT_TRUE(w->Running()) << "worker " << w->pid() << " died";
}

// Cluster mode: s3rver stopped (SIGSTOP), not dead: connections open and no answer comes.
// The job fails at FROCKET_INVOKER_RUN_TIMEOUT, saying which tasks were still loading.
TEST_F(S3Faults, StalledServerFailsAtTheRunTimeout) {
  ASSERT_NO_FATAL_FAILURE(StartWorkers(3, S3Env(kNoDiskCache)));
  const std::string dir = Generate("ds", 60000, 6, 11);
  ASSERT_TRUE(s3_->UploadDirectory(dir, "bkt/ds/").ok());
  ExpectRegistered(
      Cluster({"register", "s3ds", "s3://bkt/ds/", "user_id", "ts", "--nopretty"}, S3Env()));
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(s3_->process().Signal(SIGSTOP));
  const double start = MonotonicSeconds();
  const FrocketRun r =
      Cluster(RunArgs("s3ds", FaultQuery()), S3Env({{"FROCKET_INVOKER_RUN_TIMEOUT", "4"}}));
  const double seconds = MonotonicSeconds() - start;
  ExpectFailed(r, {"timed out", "FROCKET_INVOKER_RUN_TIMEOUT", "LOADING_DATA"});
  EXPECT_LT(seconds, 12) << r.Describe();
}

// The same in the embedded mode: the local invoker bounds the job by
// FROCKET_INVOKER_RUN_TIMEOUT too, and S3 requests give up at that deadline instead of waiting
// out their own timeouts and retries (30 s low-speed limit, 5 attempts).
TEST_F(S3Faults, StalledServerFailsPromptlyInTheEmbeddedMode) {
  ASSERT_NO_FATAL_FAILURE(Prepare());
  ASSERT_TRUE(s3_->process().Signal(SIGSTOP));
  double seconds = 0;
  const FrocketRun r = TimedQuery(
      {{"FROCKET_WORKER_DISK_CACHE_SIZE_MB", "0"}, {"FROCKET_INVOKER_RUN_TIMEOUT", "4"}}, &seconds);
  ExpectFailed(r, {"s3://bkt/ds/part-0000|FROCKET_INVOKER_RUN_TIMEOUT"});
  EXPECT_LT(seconds, 20) << r.Describe();
}

TEST_F(S3Faults, SlowDownOnceFromATestProxyIsRetried) {
  ASSERT_NO_FATAL_FAILURE(Prepare());
  auto proxy =
      S3FaultProxy::Start(Dir("proxy"), s3_->endpoint(), "^GET /bkt/ds/part-00002\\.parquet", 1);
  ASSERT_TRUE(proxy.ok()) << proxy.status().message();
  double seconds = 0;
  const FrocketRun r = TimedQuery(Through(**proxy), &seconds);
  EXPECT_EQ(Answer(r), expected_);
  EXPECT_EQ(InvokerStat(r, "failedTasks"), 0) << r.Describe();
  const auto injected = (*proxy)->Injected();
  ASSERT_EQ(injected.size(), 1u) << (*proxy)->process().Log();
  EXPECT_NE(injected[0].find("injected 503 SlowDown: GET /bkt/ds/part-00002.parquet"),
            std::string::npos)
      << injected[0];
  // The same request again, passed on this time.
  int retried = 0;
  for (const auto& line : (*proxy)->Forwarded()) {
    retried += line.find("GET /bkt/ds/part-00002.parquet -> 206") != std::string::npos;
  }
  EXPECT_GE(retried, 1) << (*proxy)->process().Log();
  EXPECT_LT(seconds, 10) << r.Describe();
}

TEST_F(S3Faults, ListingAnswered503OnceByATestProxyIsRetried) {
  const std::string dir = Generate("ds", 60000, 6, 11);
  ASSERT_TRUE(s3_->UploadDirectory(dir, "bkt/ds/").ok());
  auto proxy = S3FaultProxy::Start(Dir("proxy"), s3_->endpoint(), "^GET /bkt/?\\?", 1, 503,
                                   "ServiceUnavailable");
  ASSERT_TRUE(proxy.ok()) << proxy.status().message();
  ExpectRegistered(EmbeddedS3({"register", "s3ds", "s3://bkt/ds/", "user_id", "ts", "--nopretty"},
                              Through(**proxy)));
  EXPECT_EQ((*proxy)->Injected().size(), 1u) << (*proxy)->process().Log();
  const FrocketRun info = EmbeddedS3({"info", "s3ds", "--nopretty"});
  ASSERT_TRUE(info.out && info.out->is_object()) << info.Describe();
  EXPECT_EQ(info.out->value(json::json_pointer("/parts/totalParts"), 0), 6) << info.Describe();
}

// A server that keeps answering 503: the client gives up after its attempts, and the error
// says what was read, what S3 answered and how often it was tried.
TEST_F(S3Faults, SlowDownEveryTimeFromATestProxyFailsNamingTheObject) {
  ASSERT_NO_FATAL_FAILURE(Prepare());
  auto proxy =
      S3FaultProxy::Start(Dir("proxy"), s3_->endpoint(), "^GET /bkt/ds/part-00004\\.parquet", -1);
  ASSERT_TRUE(proxy.ok()) << proxy.status().message();
  double seconds = 0;
  const FrocketRun r = TimedQuery(Through(**proxy), &seconds);
  ExpectFailed(r, {"GET s3://bkt/ds/part-00004.parquet", "503", "SlowDown"});
  // S3Settings::max_attempts GETs, then no more.
  EXPECT_EQ((*proxy)->Injected().size(), 5u) << (*proxy)->process().Log();
  EXPECT_LT(seconds, 10) << r.Describe();
}

}  // namespace
}  // namespace frocket::testing
