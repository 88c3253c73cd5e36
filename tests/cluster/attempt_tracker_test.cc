// AttemptTracker: the work-queue invoker's retry policy, without Redis — which result is
// used, when a failed or lost attempt is retried, when a task has failed for good.
#include "cluster/attempt_tracker.h"

#include <gtest/gtest.h>

namespace frocket::cluster {
namespace {

const std::vector<std::string> kParts = {"p0.parquet", "p1.parquet"};

TEST(AttemptTracker, FirstSuccessIsUsedAndLaterOnesIgnored) {
  AttemptTracker t(2, RetryPolicy{3, 100, 100});
  EXPECT_FALSE(t.Observe(0, 1, TaskStatus::kRunningQuery, std::nullopt));
  auto used = t.Observe(0, 1, TaskStatus::kEndedSuccess, nlohmann::json{{"n", 1}});
  ASSERT_TRUE(used.has_value());
  EXPECT_EQ((*used)["n"], 1);
  EXPECT_EQ(t.done(), 1u);
  EXPECT_FALSE(t.Observe(0, 2, TaskStatus::kEndedSuccess, nlohmann::json{{"n", 2}}));
  EXPECT_EQ(t.done(), 1u);
  EXPECT_FALSE(t.all_done());
  EXPECT_EQ(t.Counts().at("ENDED_SUCCESS"), 1);
  EXPECT_EQ(t.Counts().at("QUEUED"), 1);
  EXPECT_EQ(t.UnfinishedSummary(), "1 QUEUED");
}

TEST(AttemptTracker, SuccessWithoutAReadableResultDoesNotCompleteTheTask) {
  AttemptTracker t(1, RetryPolicy{3, 100, 100});
  EXPECT_FALSE(t.Observe(0, 1, TaskStatus::kEndedSuccess, std::nullopt));
  EXPECT_EQ(t.done(), 0u);
}

TEST(AttemptTracker, FailedAttemptIsRetriedUntilAttemptsRunOut) {
  AttemptTracker t(2, RetryPolicy{2, 0, 100});
  t.Observe(1, 1, TaskStatus::kEndedFailed, nlohmann::json{{"error", "disk on fire"}});
  EXPECT_EQ(t.failed_attempts(), 1);
  auto due = t.DueRetries(kParts);
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(due->retry, std::vector<size_t>{1});
  EXPECT_EQ(due->lost, 0);
  t.Retried(1, 2);
  t.Observe(1, 2, TaskStatus::kEndedFailed, nlohmann::json{{"error", "still on fire"}});
  auto out = t.DueRetries(kParts);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("p1.parquet"), std::string::npos);
  EXPECT_NE(out.status().message().find("failed 2 attempts"), std::string::npos);
  EXPECT_NE(out.status().message().find("still on fire"), std::string::npos);
}

TEST(AttemptTracker, SilentAttemptIsLostAndRetried) {
  AttemptTracker t(1, RetryPolicy{3, 100, 0});
  t.Observe(0, 1, TaskStatus::kLoadingData, std::nullopt);
  auto due = t.DueRetries(kParts);
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(due->retry, std::vector<size_t>{0});
  EXPECT_EQ(due->lost, 1);
  t.Retried(0, 2);
  EXPECT_TRUE(t.AllUnfinishedQueued());
  // The first attempt's late success still completes the task.
  EXPECT_TRUE(t.Observe(0, 1, TaskStatus::kEndedSuccess, nlohmann::json::object()));
  EXPECT_TRUE(t.all_done());
}

TEST(AttemptTracker, NothingIsDueBeforeItsInterval) {
  AttemptTracker t(1, RetryPolicy{3, 100, 100});
  auto due = t.DueRetries(kParts);
  ASSERT_TRUE(due.ok());
  EXPECT_TRUE(due->retry.empty());
  EXPECT_GT(t.SecondsToNextDue(), 99);
}

}  // namespace
}  // namespace frocket::cluster
