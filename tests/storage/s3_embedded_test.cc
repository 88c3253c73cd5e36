// The embedded mode over S3, through the real CLI: a dataset uploaded to s3rver answers
// exactly as the same files on local disk; a new process is served by the disk cache without
// a single range GET; a dataset of 2,500 parts (three pages of ListObjectsV2) registers and
// queries; `frocket repartition` reads CSV, JSON Lines and Parquet inputs from S3 (a prefix, a
// glob, an object) as it reads them from disk.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

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

// One row of the repartition test's raw events: user_id, ts, event, price (NULL when absent).
using EventRow = std::tuple<int64_t, int64_t, std::string, std::optional<double>>;

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// With, for the repartition test, runs of `frocket repartition` and readers of what it wrote.
class S3Embedded : public S3DatasetTest {
 protected:
  // `frocket repartition INPUT --out OUT --parts 3 --group-id-column user_id
  // --timestamp-column ts` against this test's S3 server; the report it printed (null, and
  // the test failed, unless it exited 0 with a JSON report).
  nlohmann::json Repartition(const std::string& input, const std::string& out) {
    const FrocketRun r =
        EmbeddedS3({"repartition", input, "--out", out, "--parts", "3", "--group-id-column",
                    "user_id", "--timestamp-column", "ts", "--nopretty"});
    EXPECT_EQ(r.result.exit_code, 0) << r.Describe();
    if (r.result.exit_code != 0 || !r.out || !r.out->is_object()) return nullptr;
    return *r.out;
  }

  // `frocket repartition --check OUT` says the partitioning holds.
  void ExpectPartitioned(const std::string& out) {
    const FrocketRun r = EmbeddedS3({"repartition", "--check", out, "--nopretty"});
    EXPECT_EQ(r.result.exit_code, 0) << r.Describe();
    EXPECT_TRUE(r.out && r.out->is_object() && r.out->value("ok", false)) << r.Describe();
  }

  // The rows of the three parts at `out`, part by part, as `frocket parquet cat` prints them.
  std::vector<std::vector<EventRow>> ReadParts(const std::string& out) {
    std::vector<std::vector<EventRow>> parts;
    for (const char* name : {"part-00000.parquet", "part-00001.parquet", "part-00002.parquet"}) {
      const std::string path = out + "/" + name;
      const FrocketRun r = EmbeddedS3({"parquet", "cat", path});
      EXPECT_EQ(r.result.exit_code, 0) << r.Describe();
      std::vector<EventRow> rows;
      for (const std::string& line : Lines(r.result.out)) {
        const json row = json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (!row.is_object() || !row["user_id"].is_number_integer() ||
            !row["ts"].is_number_integer() || !row["event"].is_string()) {
          ADD_FAILURE() << path << ": unexpected row " << line;
          continue;
        }
        std::optional<double> price;
        if (!row["price"].is_null()) price = row["price"].get<double>();
        rows.emplace_back(row["user_id"].get<int64_t>(), row["ts"].get<int64_t>(),
                          row["event"].get<std::string>(), price);
      }
      parts.push_back(std::move(rows));
    }
    return parts;
  }

  // The dataset at `out` holds exactly `expected` (in any order): each user in one part, each
  // part's rows in time order, and `frocket repartition --check` agrees.
  void ExpectDatasetHolds(const std::string& out, std::vector<EventRow> expected) {
    ExpectPartitioned(out);
    const auto parts = ReadParts(out);
    std::vector<EventRow> all;
    std::map<int64_t, std::set<size_t>> parts_of_user;
    for (size_t p = 0; p < parts.size(); ++p) {
      EXPECT_TRUE(std::is_sorted(
          parts[p].begin(), parts[p].end(),
          [](const EventRow& a, const EventRow& b) { return std::get<1>(a) < std::get<1>(b); }))
          << out << " part " << p << " is not in time order";
      for (const EventRow& row : parts[p]) {
        all.push_back(row);
        parts_of_user[std::get<0>(row)].insert(p);
      }
    }
    for (const auto& [user, in_parts] : parts_of_user) {
      EXPECT_EQ(in_parts.size(), 1u) << "user " << user << " is in several parts of " << out;
    }
    std::sort(all.begin(), all.end());
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(all, expected) << out;
  }
};

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

// The raw events: 20 CSV records (one with no user id) and 5 JSON Lines records (one with a
// null user id, one without a price key) of users 1-7, under s3://bkt/raw/ beside files a
// prefix listing must pass over; Parquet parts of `frocket generate` under s3://bkt/gen/.
TEST_F(S3Embedded, RepartitionReadsCsvJsonlAndParquetFromS3) {
  // The good CSV rows, in file order; the bad record is line 17 (header = line 1).
  const std::vector<EventRow> csv_rows = {
      {1, 100, "view", std::nullopt}, {1, 105, "click", 2.5},
      {2, 101, "view", std::nullopt}, {2, 110, "buy", 10},
      {3, 102, "view", std::nullopt}, {3, 103, "click", 1.25},
      {3, 120, "buy", 7.5},           {4, 104, "view", std::nullopt},
      {4, 130, "view", std::nullopt}, {5, 106, "click", 3},
      {5, 107, "buy", std::nullopt},  {6, 108, "view", std::nullopt},
      {6, 109, "view", 0.5},          {1, 111, "buy", 4.75},
      {2, 112, "view", std::nullopt}, {4, 114, "click", 2},
      {5, 115, "view", std::nullopt}, {6, 116, "buy", 9.5},
      {3, 117, "view", std::nullopt}};
  const std::string csv =
      "user_id,ts,event,price\n"
      "1,100,view,\n"
      "1,105,click,2.5\n"
      "2,101,view,\n"
      "2,110,buy,10\n"
      "3,102,view,\n"
      "3,103,click,1.25\n"
      "3,120,buy,7.5\n"
      "4,104,view,\n"
      "4,130,view,\n"
      "5,106,click,3\n"
      "5,107,buy,\n"
      "6,108,view,\n"
      "6,109,view,0.5\n"
      "1,111,buy,4.75\n"
      "2,112,view,\n"
      ",113,view,1\n"
      "4,114,click,2\n"
      "5,115,view,\n"
      "6,116,buy,9.5\n"
      "3,117,view,\n";
  // The good JSON Lines rows; the bad record is line 5.
  const std::vector<EventRow> jsonl_rows = {{1, 200, "view", std::nullopt},
                                            {7, 201, "buy", 12.5},
                                            {2, 202, "click", 1.5},
                                            {7, 203, "view", std::nullopt}};
  const std::string jsonl =
      "{\"user_id\":1,\"ts\":200,\"event\":\"view\",\"price\":null}\n"
      "{\"user_id\":7,\"ts\":201,\"event\":\"buy\",\"price\":12.5}\n"
      "{\"user_id\":2,\"ts\":202,\"event\":\"click\",\"price\":1.5}\n"
      "{\"user_id\":7,\"ts\":203,\"event\":\"view\"}\n"
      "{\"user_id\":null,\"ts\":204,\"event\":\"view\",\"price\":2}\n";
  for (const auto& [key, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"bkt/raw/events.csv", csv},
           {"bkt/raw/more.jsonl", jsonl},
           // Not inputs of the prefix: a marker, a file of no known format, a deeper level.
           {"bkt/raw/_SUCCESS", ""},
           {"bkt/raw/notes.txt", "not data\n"},
           {"bkt/raw/sub/deeper.csv", "user_id,ts,event,price\n99,1,view,\n"}}) {
    const Status put = s3_->Put(key, bytes);
    ASSERT_TRUE(put.ok()) << key << ": " << put.message();
  }
  const std::string out = Dir("out");
  const std::string csv_uri = "s3://bkt/raw/events.csv";
  const std::string jsonl_uri = "s3://bkt/raw/more.jsonl";
  auto quarantine_line = [](const std::string& text) {
    return json::parse(text, nullptr, /*allow_exceptions=*/false);
  };

  {
    SCOPED_TRACE("the prefix s3://bkt/raw/");
    const json report = Repartition("s3://bkt/raw/", out + "/prefix");
    ASSERT_FALSE(report.is_null());
    EXPECT_EQ(report.value("records", -1), 25) << report;
    EXPECT_EQ(report.value("rows", -1), 23) << report;
    EXPECT_EQ(report.value("quarantined", -1), 2) << report;
    EXPECT_EQ(report["quarantinedByReason"], json({{"group id is NULL", 2}})) << report;
    ASSERT_EQ(report["inputs"].size(), 2u) << report;
    EXPECT_EQ(report["inputs"][0].value("path", ""), csv_uri);
    EXPECT_EQ(report["inputs"][0].value("records", -1), 20);
    EXPECT_EQ(report["inputs"][0].value("bytes", -1), static_cast<int64_t>(csv.size()));
    EXPECT_EQ(report["inputs"][1].value("path", ""), jsonl_uri);
    EXPECT_EQ(report["inputs"][1].value("format", ""), "jsonl");
    EXPECT_EQ(report["inputs"][1].value("records", -1), 5);

    // Each input's quarantine names its s3:// source, the line and the record as it was.
    const auto csv_bad = Lines(ReadWhole(out + "/prefix/_quarantine/run-1-input-0.jsonl"));
    ASSERT_EQ(csv_bad.size(), 1u);
    const json c = quarantine_line(csv_bad[0]);
    EXPECT_EQ(c.value("source", ""), csv_uri) << csv_bad[0];
    EXPECT_EQ(c.value("line", -1), 17) << csv_bad[0];
    EXPECT_EQ(c.value("reason", ""), "group id is NULL") << csv_bad[0];
    EXPECT_EQ(c.value("record", ""), ",113,view,1") << csv_bad[0];
    const auto jsonl_bad = Lines(ReadWhole(out + "/prefix/_quarantine/run-1-input-1.jsonl"));
    ASSERT_EQ(jsonl_bad.size(), 1u);
    const json j = quarantine_line(jsonl_bad[0]);
    EXPECT_EQ(j.value("source", ""), jsonl_uri) << jsonl_bad[0];
    EXPECT_EQ(j.value("line", -1), 5) << jsonl_bad[0];
    EXPECT_EQ(j.value("reason", ""), "group id is NULL") << jsonl_bad[0];

    std::vector<EventRow> expected = csv_rows;
    expected.insert(expected.end(), jsonl_rows.begin(), jsonl_rows.end());
    ExpectDatasetHolds(out + "/prefix", expected);

    // The query engine over the parts: users 1-7, 23 rows.
    std::vector<std::string> args = {"query"};
    for (const char* p : {"part-00000.parquet", "part-00001.parquet", "part-00002.parquet"}) {
      args.push_back(out + "/prefix/" + p);
    }
    args.insert(args.end(), {"--group-id-column", "user_id", "--timestamp-column", "ts",
                             "--check-unique", "--empty", "--nopretty"});
    const FrocketRun q = EmbeddedS3(args);
    ASSERT_EQ(q.result.exit_code, 0) << q.Describe();
    ASSERT_TRUE(q.out && q.out->is_object()) << q.Describe();
    EXPECT_EQ(q.out->value(json::json_pointer("/query/matchingGroups"), -1), 7) << q.Describe();
    EXPECT_EQ(q.out->value(json::json_pointer("/query/matchingGroupRows"), -1), 23) << q.Describe();
  }
  {
    SCOPED_TRACE("the glob s3://bkt/raw/*.csv");
    const json report = Repartition("s3://bkt/raw/*.csv", out + "/glob");
    ASSERT_FALSE(report.is_null());
    EXPECT_EQ(report.value("records", -1), 20) << report;
    EXPECT_EQ(report.value("rows", -1), 19) << report;
    EXPECT_EQ(report.value("quarantined", -1), 1) << report;
    EXPECT_EQ(report["quarantinedByReason"], json({{"group id is NULL", 1}})) << report;
    ASSERT_EQ(report["inputs"].size(), 1u) << report;
    EXPECT_EQ(report["inputs"][0].value("path", ""), csv_uri);
    const auto bad = Lines(ReadWhole(out + "/glob/_quarantine/run-1-input-0.jsonl"));
    ASSERT_EQ(bad.size(), 1u);
    EXPECT_EQ(quarantine_line(bad[0]).value("source", ""), csv_uri) << bad[0];
    ExpectDatasetHolds(out + "/glob", csv_rows);
  }
  {
    SCOPED_TRACE("the object s3://bkt/raw/more.jsonl");
    const json report = Repartition(jsonl_uri, out + "/object");
    ASSERT_FALSE(report.is_null());
    EXPECT_EQ(report.value("records", -1), 5) << report;
    EXPECT_EQ(report.value("rows", -1), 4) << report;
    EXPECT_EQ(report.value("quarantined", -1), 1) << report;
    EXPECT_EQ(report["quarantinedByReason"], json({{"group id is NULL", 1}})) << report;
    const auto bad = Lines(ReadWhole(out + "/object/_quarantine/run-1-input-0.jsonl"));
    ASSERT_EQ(bad.size(), 1u);
    EXPECT_EQ(quarantine_line(bad[0]).value("source", ""), jsonl_uri) << bad[0];
    ExpectDatasetHolds(out + "/object", jsonl_rows);
  }
  {
    SCOPED_TRACE("Parquet from S3 and from local disk");
    const std::string gen = Generate("gen", 3000, 2, 7);
    const Status uploaded = Upload(gen, "bkt/gen/");
    ASSERT_TRUE(uploaded.ok()) << uploaded.message();
    const std::vector<std::pair<std::string, std::string>> runs = {
        {"s3://bkt/gen/", gen},  // every part: 3,000 rows
        {"s3://bkt/gen/part-00001.parquet", gen + "/part-00001.parquet"}};
    for (size_t i = 0; i < runs.size(); ++i) {
      const auto& [s3_input, local_input] = runs[i];
      SCOPED_TRACE(s3_input);
      const std::string s3_out = out + "/pq-s3-" + std::to_string(i);
      const std::string local_out = out + "/pq-local-" + std::to_string(i);
      const json from_s3 = Repartition(s3_input, s3_out);
      const json from_disk = Repartition(local_input, local_out);
      ASSERT_FALSE(from_s3.is_null() || from_disk.is_null());
      if (i == 0) {
        EXPECT_EQ(from_s3.value("records", -1), 3000) << from_s3;
      }
      EXPECT_GT(from_s3.value("records", -1), 0) << from_s3;
      EXPECT_EQ(from_s3.value("rows", -1), from_s3.value("records", -2)) << from_s3;
      EXPECT_EQ(from_s3.value("quarantined", -1), 0) << from_s3;
      EXPECT_EQ(from_disk.value("records", -1), from_s3.value("records", -2)) << from_disk;
      ExpectPartitioned(s3_out);
      for (const char* p : {"part-00000.parquet", "part-00001.parquet", "part-00002.parquet"}) {
        const std::string s3_part = ReadWhole(s3_out + "/" + p);
        EXPECT_FALSE(s3_part.empty()) << s3_out << "/" << p;
        EXPECT_TRUE(s3_part == ReadWhole(local_out + "/" + p))
            << p << " differs between the S3 and the local input";
      }
    }
  }
  {
    SCOPED_TRACE("a missing object");
    const std::string missing = "s3://bkt/raw/nope.csv";
    const FrocketRun r =
        EmbeddedS3({"repartition", missing, "--out", out + "/missing", "--parts", "3",
                    "--group-id-column", "user_id", "--timestamp-column", "ts", "--nopretty"});
    EXPECT_NE(r.result.exit_code, 0) << r.Describe();
    EXPECT_TRUE(Mentions(r.result.err, missing)) << r.Describe();
    EXPECT_FALSE(fs::exists(out + "/missing")) << r.Describe();
    for (const auto& e : fs::directory_iterator(out)) {
      EXPECT_FALSE(e.path().filename().string().starts_with(".missing"))
          << e.path() << " left behind by a failed run";
    }
  }
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
