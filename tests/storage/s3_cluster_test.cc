// Cluster mode over S3: `frocket worker` processes (real Redis) read a dataset from s3rver and
// answer every query exactly as the embedded mode does over the same files on local disk.
#include <gtest/gtest.h>

#include "support/s3_dataset_fixture.h"

namespace frocket::testing {
namespace {

using nlohmann::json;

class S3Cluster : public S3DatasetTest {};

TEST_F(S3Cluster, WorkersAnswerAsTheEmbeddedModeOverLocalFiles) {
  ASSERT_NO_FATAL_FAILURE(StartWorkers(3, S3Env()));
  const std::string dir = Generate("ds", 200000, 6, 5);
  Status uploaded = s3_->UploadDirectory(dir, "bkt/ds/");
  ASSERT_TRUE(uploaded.ok()) << uploaded.message();
  ExpectRegistered(
      Cluster({"register", "s3ds", "s3://bkt/ds/", "user_id", "ts", "--nopretty"}, S3Env()));
  ExpectRegistered(Embedded({"register", "local", dir, "user_id", "ts", "--nopretty"}));
  ASSERT_FALSE(HasFailure());

  const FrocketRun info = Cluster({"info", "s3ds", "--full", "--nopretty"}, S3Env());
  const FrocketRun local_info = Embedded({"info", "local", "--full", "--nopretty"});
  ASSERT_TRUE(info.out && info.out->is_object()) << info.Describe();
  ASSERT_TRUE(local_info.out && local_info.out->is_object()) << local_info.Describe();
  EXPECT_EQ(info.out->value("schema", json()), local_info.out->value("schema", json()));
  // The parts' versions are each store's own (ETags, modification times).
  json parts = info.out->value("parts", json());
  json local_parts = local_info.out->value("parts", json());
  parts.erase("versions");
  local_parts.erase("versions");
  EXPECT_EQ(parts, local_parts);

  for (const std::string& query : ActivityQueries()) {
    SCOPED_TRACE(query.empty() ? "--empty" : query);
    const json expected = EmbeddedAnswer("local", query);
    ASSERT_FALSE(expected.is_null());
    const FrocketRun r = Cluster(RunArgs("s3ds", query), S3Env());
    EXPECT_EQ(Answer(r), expected);
    EXPECT_EQ(InvokerStat(r, "totalTasks"), 6) << r.Describe();
    EXPECT_EQ(InvokerStat(r, "failedTasks"), 0) << r.Describe();
  }
}

}  // namespace
}  // namespace frocket::testing
