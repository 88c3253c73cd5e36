// A task reads a part for its query's timeframe: only the row groups that can hold rows inside
// it (by their statistics), and a later query is answered from that cached part only if the
// timeframe it was read for covers the later one's; otherwise the part is read again. A query
// that needs no time reads no timestamps; one that does then reads the part again.
#include "service/part_runner.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "query/query_parser.h"
#include "support/inline_part.h"

namespace frocket::service {
namespace {

using cluster::LoadSource;
using nlohmann::json;

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
    cluster::QueryTaskRequest request;
    request.dataset.id = {"events", "2026-12-04T00:00:00.000000+00:00"};
    request.dataset.group_id_column = "user";
    request.dataset.timestamp_column = "ts";
    request.part_path = path_;
    request.used_columns = {"user"};
    request.column_types = {{"user", ColumnType::kInt}};
    if (parsed->UsesTime()) {
      request.used_columns.push_back("ts");
      request.column_types["ts"] = ColumnType::kInt;
    }
    request.query = query::ToExpandedJson(*parsed);
    const cluster::QueryTaskResult r = runner_.RunQuery(request, 0, [](cluster::TaskStatus) {});
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

TEST_F(PartRunnerTimeframe, APartReadWithoutTimestampsIsReadAgainForAQueryThatNeedsThem) {
  using P = std::pair<int64_t, LoadSource>;
  EXPECT_EQ(RunQuery(json::object()), P(100, LoadSource::kSource));
  EXPECT_EQ(RunQuery(json::object()), P(100, LoadSource::kMemoryCache));
  const json funnel = {{"funnel", {{"sequence", {{{"filter", {"user", ">=", 0}}}}}}}};
  EXPECT_EQ(RunQuery(funnel), P(100, LoadSource::kSource));
  EXPECT_EQ(RunQuery(funnel), P(100, LoadSource::kMemoryCache));
  EXPECT_EQ(RunQuery(json::object()), P(100, LoadSource::kMemoryCache));
}

}  // namespace
}  // namespace frocket::service
