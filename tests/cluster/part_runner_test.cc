// A task reads a part for its query's timeframe: only the row groups that can hold rows inside
// it (by their statistics), and a later query is answered from that cached part only if the
// timeframe it was read for covers the later one's; otherwise the part is read again. A query
// that needs no time reads no timestamps; one that does then reads the part again.
#include "service/part_runner.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "query/query_parser.h"
#include "support/inline_part.h"

namespace frocket::service {
namespace {

using cluster::LoadSource;
using nlohmann::json;

// The task of query `q` over the part at `path` (INT columns; group id "user", timestamps
// "ts"), reading the columns it uses as the service asks for them.
cluster::QueryTaskRequest TaskOf(const std::string& path, const query::Query& q) {
  cluster::QueryTaskRequest request;
  request.dataset.id = {"events", "2026-12-04T00:00:00.000000+00:00"};
  request.dataset.group_id_column = "user";
  request.dataset.timestamp_column = "ts";
  request.part_path = path;
  request.used_columns = {"user"};
  if (q.UsesTime()) request.used_columns.push_back("ts");
  for (const auto& name : q.UsedColumns()) request.used_columns.push_back(name);
  for (const auto& name : request.used_columns) request.column_types[name] = ColumnType::kInt;
  request.query = query::ToExpandedJson(q);
  return request;
}

class PartRunnerTimeframe : public ::testing::Test {
 protected:
  void SetUp() override {
    // 100 rows at times 0..99, in order, in row groups of 10.
    json rows = json::array();
    for (int i = 0; i < 100; ++i) rows.push_back({i % 7, i});
    ASSERT_TRUE(frocket::testing::WriteRowsAsParquet(
                    {{"user", ColumnType::kInt}, {"ts", ColumnType::kInt}}, rows, path_, 10)
                    .ok());
  }
  void TearDown() override { std::filesystem::remove(path_); }

  // Runs the query with this timeframe (json() for none): the rows it scanned and where the
  // part came from.
  std::pair<int64_t, LoadSource> Run(const json& timeframe) {
    json q = json::object();
    if (!timeframe.is_null()) q["timeframe"] = timeframe;
    return RunQuery(q);
  }

  // Runs the query, reading the columns it uses as the service asks for them.
  std::pair<int64_t, LoadSource> RunQuery(const json& q) {
    const query::DatasetSchema schema("user", "ts",
                                      {{"user", ColumnType::kInt}, {"ts", ColumnType::kInt}});
    auto parsed = query::ParseQuery(q, schema);
    EXPECT_TRUE(parsed.ok()) << parsed.status().message();
    const cluster::QueryTaskResult r =
        runner_.RunQuery(TaskOf(path_, *parsed), 0, [](cluster::TaskStatus) {});
    EXPECT_TRUE(r.status.ok()) << r.status.message();
    return {r.metrics.scanned_rows, r.metrics.load_from};
  }

  const std::string path_ = (std::filesystem::temp_directory_path() /
                             ("frocket-part-runner-" + std::to_string(::getpid()) + ".parquet"))
                                .string();
  PartRunner runner_{std::make_shared<cluster::PartCache>(1 << 30)};
};

TEST_F(PartRunnerTimeframe, ReadsAgainOnlyWhatTheCachedPartDoesNotCover) {
  using P = std::pair<int64_t, LoadSource>;
  EXPECT_EQ(Run({{"from", 35}, {"to", 62}}), P(27, LoadSource::kSource));
  EXPECT_EQ(Run({{"from", 35}, {"to", 62}}), P(27, LoadSource::kMemoryCache));
  EXPECT_EQ(Run({{"from", 40}, {"to", 50}}), P(10, LoadSource::kMemoryCache));  // inside
  EXPECT_EQ(Run({{"from", 30}, {"to", 50}}), P(20, LoadSource::kSource));       // reaches out
  // A funnel over every row: the whole part, which then covers every timeframe.
  const json funnel = {{"funnel", {{"sequence", {{{"filter", {"user", ">=", 0}}}}}}}};
  EXPECT_EQ(RunQuery(funnel), P(100, LoadSource::kSource));
  EXPECT_EQ(Run({{"from", 5}, {"to", 8}}), P(3, LoadSource::kMemoryCache));
  EXPECT_EQ(RunQuery(funnel), P(100, LoadSource::kMemoryCache));
}

// A bound above every timestamp (a date past int64 nanoseconds reaches a task as a double):
// "to" bounds nothing, "from" leaves no row inside.
TEST_F(PartRunnerTimeframe, BoundsAboveEveryTimestamp) {
  const query::DatasetSchema schema("user", "ts",
                                    {{"user", ColumnType::kInt}, {"ts", ColumnType::kInt}});
  auto parsed = query::ParseQuery(json{{"timeframe", {{"from", 35}, {"to", 62}}}}, schema);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  cluster::QueryTaskRequest request = TaskOf(path_, *parsed);
  request.query["timeframe"]["to"] = 1e19;
  const cluster::QueryTaskResult to = runner_.RunQuery(request, 0, [](cluster::TaskStatus) {});
  ASSERT_TRUE(to.status.ok()) << to.status.message();
  EXPECT_EQ(to.metrics.scanned_rows, 65);  // 35..99
  request.query["timeframe"] = {{"from", 1e19}};
  const cluster::QueryTaskResult from = runner_.RunQuery(request, 0, [](cluster::TaskStatus) {});
  ASSERT_TRUE(from.status.ok()) << from.status.message();
  EXPECT_EQ(from.metrics.scanned_rows, 0);
}

TEST_F(PartRunnerTimeframe, APartReadWithoutTimestampsIsReadAgainForAQueryThatNeedsThem) {
  using P = std::pair<int64_t, LoadSource>;
  EXPECT_EQ(RunQuery(json::object()), P(100, LoadSource::kSource));
  EXPECT_EQ(RunQuery(json::object()), P(100, LoadSource::kMemoryCache));
  const json funnel = {{"funnel", {{"sequence", {{{"filter", {"user", ">=", 0}}}}}}}};
  EXPECT_EQ(RunQuery(funnel), P(100, LoadSource::kSource));
  EXPECT_EQ(RunQuery(funnel), P(100, LoadSource::kMemoryCache));
  EXPECT_EQ(RunQuery(json::object()), P(100, LoadSource::kMemoryCache));
}

// A query that asks only for the part's groups and rows counted: where no part would be kept,
// counted from the file without loading the part; where one is, loaded and kept. The same
// answer both ways, and the same error for a file that cannot be a part.
TEST_F(PartRunnerTimeframe, AQueryThatOnlyCountsGetsTheSameAnswerWhetherPartsAreKeptOrNot) {
  auto cache = std::make_shared<cluster::PartCache>(0);
  PartRunner keeps_nothing{cache};
  const query::DatasetSchema schema("user", "ts",
                                    {{"user", ColumnType::kInt}, {"ts", ColumnType::kInt}});
  auto run = [&](PartRunner& runner, const json& q) {
    auto parsed = query::ParseQuery(q, schema);
    EXPECT_TRUE(parsed.ok()) << parsed.status().message();
    return runner.RunQuery(TaskOf(path_, *parsed), 0, [](cluster::TaskStatus) {});
  };
  for (PartRunner* runner : {&keeps_nothing, &runner_}) {
    const auto r = run(*runner, json::object());
    ASSERT_TRUE(r.status.ok()) << r.status.message();
    EXPECT_EQ(r.result.query.matching_groups, 7);  // users i % 7
    EXPECT_EQ(r.result.query.matching_group_rows, 100);
    EXPECT_EQ(r.metrics.scanned_rows, 100);
    EXPECT_EQ(r.metrics.scanned_groups, 7);
    EXPECT_EQ(r.metrics.load_from, LoadSource::kSource);
    EXPECT_GT(r.metrics.bytes_read, 0);
  }
  EXPECT_EQ(cache->used_bytes(), 0u);
  EXPECT_GT(runner_.cache().used_bytes(), 0u);
  // A condition: the part is loaded (users 0..2 have rows with user <= 2).
  const auto some =
      run(keeps_nothing, {{"query", {{"conditions", {{{"filter", {"user", "<=", 2}}}}}}}});
  ASSERT_TRUE(some.status.ok()) << some.status.message();
  EXPECT_EQ(some.result.query.matching_groups, 3);
  EXPECT_EQ(some.result.query.matching_group_rows, 15 + 15 + 14);

  ASSERT_TRUE(
      frocket::testing::WriteRowsAsParquet({{"user", ColumnType::kInt}, {"ts", ColumnType::kInt}},
                                           R"([[1, 5], [null, 6], [2, 7]])"_json, path_, 2)
          .ok());
  PartRunner keeps_parts{std::make_shared<cluster::PartCache>(1 << 30)};
  const auto counted = run(keeps_nothing, json::object());
  const auto loaded = run(keeps_parts, json::object());
  ASSERT_FALSE(counted.status.ok());
  EXPECT_EQ(counted.status.message(), loaded.status.message());
  EXPECT_NE(counted.status.message().find("group id column 'user' has 1 null values"),
            std::string::npos)
      << counted.status.message();
}

// Rows out of time order (every row group spans the whole range, so none is skipped): only
// the rows inside the timeframe are kept; a later query with another column over the same
// timeframe is answered from that part, the column read and gathered alike.
TEST(PartRunnerShuffled, AColumnAddedToAPartKeptForATimeframeHoldsTheSameRows) {
  const std::string path =
      (std::filesystem::temp_directory_path() /
       ("frocket-part-runner-shuffled-" + std::to_string(::getpid()) + ".parquet"))
          .string();
  // Row i: user i % 7, ts (37 * i) % 100 (each of 0..99 once), tag i % 11.
  json rows = json::array();
  for (int i = 0; i < 100; ++i) rows.push_back({i % 7, (37 * i) % 100, i % 11});
  const std::vector<frocket::testing::InlineColumn> columns = {
      {"user", ColumnType::kInt}, {"ts", ColumnType::kInt}, {"tag", ColumnType::kInt}};
  ASSERT_TRUE(frocket::testing::WriteRowsAsParquet(columns, rows, path, 10).ok());
  const query::DatasetSchema schema(
      "user", "ts",
      {{"user", ColumnType::kInt}, {"ts", ColumnType::kInt}, {"tag", ColumnType::kInt}});
  PartRunner runner{std::make_shared<cluster::PartCache>(1 << 30)};
  auto run = [&](const json& q) {
    auto parsed = query::ParseQuery(q, schema);
    EXPECT_TRUE(parsed.ok()) << parsed.status().message();
    return runner.RunQuery(TaskOf(path, *parsed), 0, [](cluster::TaskStatus) {});
  };
  const json timeframe = {{"from", 35}, {"to", 62}};
  const auto first = run({{"timeframe", timeframe}});
  ASSERT_TRUE(first.status.ok()) << first.status.message();
  EXPECT_EQ(first.metrics.scanned_rows, 27);
  EXPECT_EQ(first.metrics.load_from, LoadSource::kSource);
  // The users with a row of tag 3 inside [35, 62), and all their rows inside it, counted
  // here: a strict subset of the users, so a column gathered out of step with the others
  // would name others.
  std::set<int> tagged_users;
  for (int i = 0; i < 100; ++i) {
    const int ts = (37 * i) % 100;
    if (ts >= 35 && ts < 62 && i % 11 == 3) tagged_users.insert(i % 7);
  }
  int64_t tagged_rows = 0;
  for (int i = 0; i < 100; ++i) {
    const int ts = (37 * i) % 100;
    tagged_rows += ts >= 35 && ts < 62 && tagged_users.count(i % 7) > 0;
  }
  ASSERT_GT(tagged_users.size(), 0u);
  ASSERT_LT(tagged_users.size(), 7u);
  const auto second = run(
      {{"timeframe", timeframe}, {"query", {{"conditions", {{{"filter", {"tag", "==", 3}}}}}}}});
  std::filesystem::remove(path);
  ASSERT_TRUE(second.status.ok()) << second.status.message();
  EXPECT_EQ(second.metrics.scanned_rows, 27);
  EXPECT_EQ(second.metrics.load_from, LoadSource::kSource);  // the column was read
  EXPECT_EQ(second.result.query.matching_groups, static_cast<int64_t>(tagged_users.size()));
  EXPECT_EQ(second.result.query.matching_group_rows, tagged_rows);
  const auto third = run(
      {{"timeframe", timeframe}, {"query", {{"conditions", {{{"filter", {"tag", "==", 3}}}}}}}});
  EXPECT_EQ(third.metrics.load_from, LoadSource::kMemoryCache);
  EXPECT_EQ(third.result.query.matching_groups, static_cast<int64_t>(tagged_users.size()));
  EXPECT_EQ(third.result.query.matching_group_rows, tagged_rows);
}

}  // namespace
}  // namespace frocket::service
