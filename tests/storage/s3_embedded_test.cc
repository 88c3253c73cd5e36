// The embedded mode over S3, through the real CLI: a dataset uploaded to s3rver answers
// exactly as the same files on local disk; a new process is served by the disk cache without
// a single range GET; a dataset of 2,500 parts (three pages of ListObjectsV2) registers and
// queries.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/s3_dataset_fixture.h"

namespace frocket::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Of ActivityQueries(): --empty, a count target with aggregations, a sum target with
// per-value sums and means, a relation with not, a funnel with step and end aggregations, a
// timeframe with a condition and a funnel, and a query nothing matches.
std::vector<std::string> SomeActivityQueries() {
  std::vector<std::string> queries;
  for (size_t i : {0, 1, 2, 4, 6, 7, 11}) queries.push_back(ActivityQueries().at(i));
  return queries;
}

// `info NAME --full`, without what differs between two registrations of the same files from
// two places: the name, the base path and the registration time.
json InfoWithoutNameAndPlace(const FrocketRun& r) {
  EXPECT_EQ(r.result.exit_code, 0) << r.Describe();
  if (!r.out || !r.out->is_object() || !r.out->contains("dataset")) return nullptr;
  json info = *r.out;
  EXPECT_TRUE(info["dataset"].contains("basepath")) << r.Describe();
  info["dataset"].erase("basepath");
  info["dataset"].erase("id");
  // Versions are the store's own (modification times, ETags); each is checked elsewhere.
  EXPECT_EQ(info["parts"]["versions"].size(), info["parts"]["filenames"].size()) << r.Describe();
  info["parts"].erase("versions");
  return info;
}

class S3Embedded : public S3DatasetTest {};

TEST_F(S3Embedded, AnswersAsTheSameFilesOnLocalDisk) {
  ASSERT_NO_FATAL_FAILURE(PrepareDataset(200000, 6, 5, "ds", "s3ds", "local"));
  ASSERT_FALSE(HasFailure());

  const json s3_info =
      InfoWithoutNameAndPlace(EmbeddedS3({"info", "s3ds", "--full", "--nopretty"}));
  EXPECT_FALSE(s3_info.is_null());
  EXPECT_EQ(s3_info,
            InfoWithoutNameAndPlace(EmbeddedS3({"info", "local", "--full", "--nopretty"})));
  EXPECT_EQ(s3_info.value(json::json_pointer("/dataset/totalParts"), 0), 6);

  ForEachExpectedAnswer(SomeActivityQueries(), "local",
                        [&](const std::string& query, const json& expected) {
                          const FrocketRun r = EmbeddedS3(RunArgs("s3ds", query));
                          EXPECT_EQ(Answer(r), expected);
                          EXPECT_EQ(InvokerStat(r, "totalTasks"), 6) << r.Describe();
                        });
}

TEST_F(S3Embedded, NewProcessIsServedByTheDiskCacheWithoutFetching) {
  ASSERT_NO_FATAL_FAILURE(PrepareDataset(200000, 6, 5, "ds", "s3ds", "local"));
  ASSERT_FALSE(HasFailure());
  const std::string query = ActivityQueries().at(6);  // a funnel over 5 columns
  const json expected = Answer(EmbeddedS3(RunArgs("local", query)));
  ASSERT_FALSE(expected.is_null());

  // The first run over S3 fetches what the disk cache lacks (it may hold registration reads).
  const FrocketRun first = EmbeddedS3(RunArgs("s3ds", query));
  EXPECT_EQ(Answer(first), expected);
  EXPECT_GT(s3_->RangedGets(), 0);

  // A second process (its memory cache empty) reads every byte from the disk cache.
  const int gets = s3_->RangedGets();
  const FrocketRun second = EmbeddedS3(RunArgs("s3ds", query));
  EXPECT_EQ(Answer(second), expected);
  EXPECT_EQ(CacheStat(second, "diskCache"), 6) << second.Describe();
  EXPECT_EQ(CacheStat(second, "source"), 0) << second.Describe();
  EXPECT_EQ(CacheStat(second, "memoryCache"), 0) << second.Describe();
  EXPECT_EQ(s3_->RangedGets(), gets) << "range GETs by a run served by the disk cache";

  // Without the disk cache, the same run fetches again.
  const FrocketRun uncached =
      EmbeddedS3(RunArgs("s3ds", query), {{"FROCKET_WORKER_DISK_CACHE_SIZE_MB", "0"}});
  EXPECT_EQ(Answer(uncached), expected);
  EXPECT_EQ(CacheStat(uncached, "source"), 6) << uncached.Describe();
  EXPECT_EQ(CacheStat(uncached, "diskCache"), 0) << uncached.Describe();
  EXPECT_GE(s3_->RangedGets(), gets + 6);
}

TEST_F(S3Embedded, CorruptDiskCacheEntriesAreDroppedAndFetchedAgain) {
  ASSERT_NO_FATAL_FAILURE(PrepareDataset(60000, 3, 5, "ds", "s3ds", "local"));
  const std::string query = ActivityQueries().at(6);  // a funnel over 5 columns
  const json expected = Answer(EmbeddedS3(RunArgs("local", query)));
  ASSERT_FALSE(expected.is_null());
  EXPECT_EQ(Answer(EmbeddedS3(RunArgs("s3ds", query))), expected);

  // One byte flipped in the middle of every entry's bytes (files without page CRCs, as
  // frocket's and most writers' are, would otherwise decode to other values).
  const std::string cache = Dir("embedded-home") + "/disk-cache";  // EmbeddedEnv's FROCKET_HOME
  int flipped = 0;
  for (const auto& e : fs::directory_iterator(cache)) {
    if (!e.is_regular_file() || e.path().filename().string()[0] == '.') continue;
    std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    const size_t header = bytes.find('\n', bytes.find('\n') + 1) + 1;  // "uri\netag\n"
    ASSERT_LT(header + 8, bytes.size()) << e.path();
    const size_t at = header + (bytes.size() - 8 - header) / 2;
    f.seekp(static_cast<std::streamoff>(at));
    f.put(static_cast<char>(bytes[at] ^ 0x10));
    ++flipped;
  }
  ASSERT_GT(flipped, 0);

  // A new process: every entry fails its checksum, is dropped and fetched again; the answer
  // is exact.
  const int gets = s3_->RangedGets();
  const FrocketRun second = EmbeddedS3(RunArgs("s3ds", query));
  EXPECT_EQ(Answer(second), expected) << second.Describe();
  EXPECT_GT(s3_->RangedGets(), gets) << "corrupt entries must be fetched again";
  EXPECT_TRUE(Mentions(second.result.err, "is corrupt")) << second.Describe();
  // ... and stored again intact: the next process is served by the disk cache alone.
  const int refetched = s3_->RangedGets();
  const FrocketRun third = EmbeddedS3(RunArgs("s3ds", query));
  EXPECT_EQ(Answer(third), expected);
  EXPECT_EQ(CacheStat(third, "diskCache"), 3) << third.Describe();
  EXPECT_EQ(s3_->RangedGets(), refetched);
}

// 2,500 parts: more than two pages of ListObjectsV2 (s3rver, like S3, lists 1,000 keys a
// page); Funnel Rocket stopped at the first 1,000.
TEST_F(S3Embedded, DatasetOf2500PartsRegistersAndQueries) {
  const std::string dir = Generate("many", 25000, 2500, 3);
  Status uploaded = s3_->UploadDirectory(dir, "bkt/many/");
  ASSERT_TRUE(uploaded.ok()) << uploaded.message();
  // The server does paginate this listing: the client must follow continuation tokens.
  std::string page;
  auto listed = HttpRequest("GET", s3_->endpoint() + "/bkt?list-type=2&prefix=many%2F", {}, &page);
  ASSERT_TRUE(listed.ok() && *listed == 200) << page;
  EXPECT_NE(page.find("<IsTruncated>true</IsTruncated>"), std::string::npos) << Abbrev(page);

  ExpectRegistered(
      EmbeddedS3({"register", "many", "s3://bkt/many/", "user_id", "ts", "--nopretty"}));
  ExpectRegistered(EmbeddedS3({"register", "many-local", dir, "user_id", "ts", "--nopretty"}));
  const FrocketRun info = EmbeddedS3({"info", "many", "--nopretty"});
  ASSERT_TRUE(info.out && info.out->is_object()) << info.Describe();
  EXPECT_EQ(info.out->value(json::json_pointer("/parts/totalParts"), 0), 2500) << info.Describe();

  // s3rver answers one request at a time: a few threads keep it busy.
  const Environment lean = {{"FROCKET_LOCAL_THREADS", "4"},
                            {"FROCKET_WORKER_DISK_CACHE_SIZE_MB", "0"}};
  const FrocketRun r = EmbeddedS3(RunArgs("many", ""), lean, 90);
  const json answer = Answer(r);
  ASSERT_FALSE(answer.is_null());
  EXPECT_EQ(answer.value(json::json_pointer("/query/matchingGroupRows"), 0), 25000);
  EXPECT_EQ(InvokerStat(r, "totalTasks"), 2500) << r.Describe();
  EXPECT_EQ(answer, Answer(EmbeddedS3(RunArgs("many-local", ""))));
}

// `frocket config` shows where S3 settings come from, but never a secret's value.
TEST(S3Config, ConfigShowsTheS3SettingsButNeverASecret) {
  const std::string secret = "do-not-print-this-secret";
  const std::string token = "do-not-print-this-token";
  const Environment env = {{"FROCKET_S3_AWS_ENDPOINT_URL", "http://127.0.0.1:1"},
                           {"FROCKET_S3_AWS_ACCESS_KEY_ID", "AKIDVISIBLE"},
                           {"FROCKET_S3_AWS_SECRET_ACCESS_KEY", secret},
                           {"FROCKET_S3_AWS_SESSION_TOKEN", token}};
  const FrocketRun json_run = RunFrocket({"config", "--nopretty"}, env);
  ASSERT_EQ(json_run.result.exit_code, 0) << json_run.Describe();
  ASSERT_TRUE(json_run.out && json_run.out->is_object()) << json_run.Describe();
  EXPECT_EQ(json_run.out->value("FROCKET_S3_AWS_ENDPOINT_URL", ""), "http://127.0.0.1:1");
  EXPECT_EQ(json_run.out->value("FROCKET_S3_AWS_ACCESS_KEY_ID", ""), "AKIDVISIBLE");
  EXPECT_EQ(json_run.out->value("FROCKET_S3_AWS_SECRET_ACCESS_KEY", ""), "(set)");
  EXPECT_EQ(json_run.out->value("FROCKET_S3_AWS_SESSION_TOKEN", ""), "(set)");
  const FrocketRun table = RunFrocket({"config"}, env);
  ASSERT_EQ(table.result.exit_code, 0) << table.Describe();
  EXPECT_TRUE(Mentions(table.result.out, "FROCKET_S3_AWS_SECRET_ACCESS_KEY")) << table.Describe();
  for (const FrocketRun* r : {&json_run, &table}) {
    EXPECT_FALSE(Mentions(r->result.out + r->result.err, secret)) << r->Describe();
    EXPECT_FALSE(Mentions(r->result.out + r->result.err, token)) << r->Describe();
  }
}

}  // namespace
}  // namespace frocket::testing
