#include "support/s3_dataset_fixture.h"

#include <cstdio>

namespace frocket::testing {

void S3DatasetTest::SetUp() {
  ASSERT_NO_FATAL_FAILURE(ClusterTest::SetUp());
  ASSERT_NO_FATAL_FAILURE(StartServer());
}

void S3DatasetTest::StartServer() {
  auto server = S3Server::Start(Dir("s3"), {"bkt"});
  ASSERT_TRUE(server.ok()) << server.status().message();
  s3_ = std::move(*server);
  server_env_ = s3_->ClientEnv();
}

Status S3DatasetTest::Upload(const std::string& dir, const std::string& bucket_and_prefix) const {
  return s3_->UploadDirectory(dir, bucket_and_prefix);
}

void S3DatasetTest::TearDown() {
  if (HasFailure() && s3_ != nullptr) {
    const std::string log = s3_->process().Log();
    std::fprintf(stderr, "--- end of the s3rver log (%s):\n%s\n", s3_->process().log_path().c_str(),
                 log.substr(log.size() > 4000 ? log.size() - 4000 : 0).c_str());
  }
  s3_.reset();
  ClusterTest::TearDown();
}

Environment S3DatasetTest::S3Env(const Environment& extra) const {
  return WithOverrides(server_env_, extra);
}

Environment S3DatasetTest::EmbeddedEnv(const Environment& extra) const {
  return ClusterTest::EmbeddedEnv(S3Env(extra));
}

FrocketRun S3DatasetTest::EmbeddedS3(const std::vector<std::string>& args, const Environment& extra,
                                     int timeout_seconds) const {
  return RunFrocket(args, EmbeddedEnv(extra), timeout_seconds);
}

void S3DatasetTest::ForEachExpectedAnswer(
    const std::vector<std::string>& queries, const std::string& local_name,
    const std::function<void(const std::string& query, const nlohmann::json& expected)>& check) {
  int64_t matching_somewhere = 0;
  for (const std::string& query : queries) {
    SCOPED_TRACE(query.empty() ? "--empty" : query);
    const nlohmann::json expected = Answer(EmbeddedS3(RunArgs(local_name, query)));
    if (expected.is_null()) continue;  // Answer() has failed the test
    check(query, expected);
    matching_somewhere += expected.value(nlohmann::json::json_pointer("/query/matchingGroups"), 0);
  }
  EXPECT_GT(matching_somewhere, 0) << "the queries should not all be empty";
}

std::string S3DatasetTest::PrepareDataset(int64_t rows, int parts, int seed,
                                          const std::string& prefix, const std::string& s3_name,
                                          const std::string& local_name,
                                          const Environment& register_env) {
  const std::string dir = Generate(prefix, rows, parts, seed);
  Status uploaded = Upload(dir, "bkt/" + prefix + "/");
  EXPECT_TRUE(uploaded.ok()) << uploaded.message();
  ExpectRegistered(
      EmbeddedS3({"register", s3_name, "s3://bkt/" + prefix + "/", "user_id", "ts", "--nopretty"},
                 register_env));
  ExpectRegistered(EmbeddedS3({"register", local_name, dir, "user_id", "ts", "--nopretty"}));
  return dir;
}

void ExpectRegistered(const FrocketRun& run) {
  EXPECT_EQ(run.result.exit_code, 0) << run.Describe();
  EXPECT_TRUE(run.out && run.out->is_object() && run.out->value("success", false))
      << run.Describe();
}

}  // namespace frocket::testing
