// A part's rows in timestamp order: Part::Make sorts rows that come in another order, stably
// (rows of one timestamp keep their order). Checked against std::stable_sort on random keys
// over the whole INT range, negatives and runs of equal keys, and on FLOAT timestamps. And a
// part read for a timeframe: only the row groups whose statistics allow rows inside it.
#include "table/part.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <numeric>
#include <random>
#include <type_traits>
#include <vector>

#include "storage/local_file_source.h"
#include "support/inline_part.h"
#include "support/subprocess.h"
#include "table/part_loader.h"

namespace frocket::testing {
namespace {

using nlohmann::json;
using table::TimeKeyAtOrAbove;
using table::TimeKeyRange;

// Rows (user, ts, seq) with the given timestamps, seq their position in the input; the part's
// seq column must list the positions sorted stably by timestamp.
template <typename T>
void ExpectSortedStably(const std::vector<T>& ts, ColumnType type) {
  json rows = json::array();
  for (size_t i = 0; i < ts.size(); ++i) rows.push_back({static_cast<int64_t>(i % 97), ts[i], i});
  auto part = PartFromRows({{"user", ColumnType::kInt}, {"ts", type}, {"seq", ColumnType::kInt}},
                           rows, "user", "ts", true);
  ASSERT_TRUE(part.ok()) << part.status().message();
  std::vector<int64_t> want(ts.size());
  std::iota(want.begin(), want.end(), 0);
  std::stable_sort(want.begin(), want.end(), [&](int64_t a, int64_t b) {
    return ts[static_cast<size_t>(a)] < ts[static_cast<size_t>(b)];
  });
  const int64_t* seq = (*part)->FindColumn("seq")->ints();
  const std::vector<int64_t> got(seq, seq + ts.size());
  EXPECT_EQ(got, want);
  // The timestamps too, in that order (INT ones come out of the sort's keys, not gathered).
  std::vector<T> sorted_ts, got_ts;
  for (int64_t i : want) sorted_ts.push_back(ts[static_cast<size_t>(i)]);
  const table::Column& time = (*part)->time_column();
  for (int64_t r = 0; r < (*part)->num_rows(); ++r) {
    if constexpr (std::is_integral_v<T>) {
      got_ts.push_back(time.ints()[r]);
    } else {
      got_ts.push_back(time.floats()[r]);
    }
  }
  EXPECT_EQ(got_ts, sorted_ts);
  if constexpr (std::is_integral_v<T>) {
    EXPECT_TRUE(std::equal(sorted_ts.begin(), sorted_ts.end(), (*part)->time_keys()));
  }
}

TEST(PartOrder, RandomIntTimestampsSortStably) {
  std::mt19937_64 rng(7);
  for (const uint64_t range : {uint64_t{5}, uint64_t{1} << 20, uint64_t{8'000'000'000},
                               std::numeric_limits<uint64_t>::max()}) {
    std::vector<int64_t> ts(40'000);
    for (int64_t& t : ts) {
      // Centered on 0 for the widest range (negatives), else near a millisecond epoch.
      const uint64_t r = range == std::numeric_limits<uint64_t>::max() ? rng() : rng() % range;
      t = range == std::numeric_limits<uint64_t>::max()
              ? static_cast<int64_t>(r)
              : 1'785'542'446'257 + static_cast<int64_t>(r);
    }
    for (size_t i = 0; i + 1 < ts.size(); i += 37) ts[i + 1] = ts[i];  // runs of equal keys
    ExpectSortedStably(ts, ColumnType::kInt);
  }
}

TEST(PartOrder, RandomFloatTimestampsSortStably) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> value(-1e6, 1e6);
  std::vector<double> ts(20'000);
  for (double& t : ts) t = std::round(value(rng) * 4) / 4;  // quarters: many equal
  ts[5] = -0.0;
  ts[6] = 0.0;
  ExpectSortedStably(ts, ColumnType::kFloat);
}

// 100 rows at times 0..99 (INT) or 0.5..99.5 (FLOAT), in row groups of 10, read for
// `timeframe`: the rows of the row groups it was read from.
std::vector<int64_t> RowsReadFor(ColumnType type, const table::TimeKeyRange& timeframe,
                                 TimeKeyRange* coverage) {
  json rows = json::array();
  for (int i = 0; i < 100; ++i) {
    rows.push_back({i % 7, type == ColumnType::kInt ? json(i) : json(i + 0.5), i});
  }
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() /
      ("frocket-part-test-" + std::to_string(::getpid()) + ".parquet");
  const std::vector<InlineColumn> columns = {
      {"user", ColumnType::kInt}, {"ts", type}, {"seq", ColumnType::kInt}};
  EXPECT_TRUE(WriteRowsAsParquet(columns, rows, path.string(), 10).ok());
  auto source = LocalFileSource::Open(path.string());
  EXPECT_TRUE(source.ok());
  auto file = parquet::ParquetFile::Open(std::shared_ptr<ByteSource>(std::move(*source)));
  EXPECT_TRUE(file.ok());
  auto part = table::LoadPart(**file, {"user", "ts", "seq"}, "user", "ts", timeframe);
  std::filesystem::remove(path);
  EXPECT_TRUE(part.ok()) << part.status().message();
  if (!part.ok()) return {};
  *coverage = (*part)->coverage();
  const int64_t* seq = (*part)->FindColumn("seq")->ints();
  return std::vector<int64_t>(seq, seq + (*part)->num_rows());
}

std::vector<int64_t> Range(int64_t from, int64_t to) {
  std::vector<int64_t> out(static_cast<size_t>(to - from));
  std::iota(out.begin(), out.end(), from);
  return out;
}

TEST(PartForTimeframe, ReadsOnlyTheRowGroupsThatCanHoldItsRows) {
  TimeKeyRange coverage;
  // [35, 62): row groups 3 to 6, rows 30 to 69; the part covers the timeframe only.
  TimeKeyRange timeframe{35, 62};
  EXPECT_EQ(RowsReadFor(ColumnType::kInt, timeframe, &coverage), Range(30, 70));
  EXPECT_EQ(coverage.from, 35);
  EXPECT_EQ(coverage.to, 62);
  // A bound on a row group's edge: [40, 50) is row group 4 alone; 39 reaches into group 3.
  EXPECT_EQ(RowsReadFor(ColumnType::kInt, TimeKeyRange{40, 50}, &coverage), Range(40, 50));
  EXPECT_EQ(RowsReadFor(ColumnType::kInt, TimeKeyRange{39, 50}, &coverage), Range(30, 50));
  EXPECT_EQ(RowsReadFor(ColumnType::kInt, TimeKeyRange{std::nullopt, 12}, &coverage), Range(0, 20));
  EXPECT_EQ(RowsReadFor(ColumnType::kInt, TimeKeyRange{95, std::nullopt}, &coverage),
            Range(90, 100));
  // Nothing inside: no row group read, and the part covers the timeframe (holding its rows:
  // none).
  EXPECT_EQ(RowsReadFor(ColumnType::kInt, TimeKeyRange{500, 600}, &coverage).size(), 0u);
  EXPECT_EQ(coverage.from, 500);
  EXPECT_EQ(RowsReadFor(ColumnType::kInt, TimeKeyRange{std::nullopt, std::nullopt, true}, &coverage)
                .size(),
            0u);
  EXPECT_TRUE(coverage.empty);
  // No timeframe: every row, covering every row.
  EXPECT_EQ(RowsReadFor(ColumnType::kInt, TimeKeyRange{}, &coverage), Range(0, 100));
  EXPECT_FALSE(coverage.from || coverage.to || coverage.empty);
  // FLOAT timestamps: keys by bit pattern. [20.5, 31) holds 20.5 .. 30.5: groups 2 and 3.
  const TimeKeyRange floats{TimeKeyAtOrAbove(ColumnType::kFloat, 20.5),
                            TimeKeyAtOrAbove(ColumnType::kFloat, 31.0)};
  EXPECT_EQ(RowsReadFor(ColumnType::kFloat, floats, &coverage), Range(20, 40));
}

TEST(PartForTimeframe, CoverageContainsOnlyNarrowerTimeframes) {
  const TimeKeyRange part{10, 20};
  EXPECT_TRUE(part.Contains(TimeKeyRange{10, 20}));
  EXPECT_TRUE(part.Contains(TimeKeyRange{12, 15}));
  EXPECT_FALSE(part.Contains(TimeKeyRange{9, 15}));
  EXPECT_FALSE(part.Contains(TimeKeyRange{12, 21}));
  EXPECT_FALSE(part.Contains(TimeKeyRange{12, std::nullopt}));
  EXPECT_FALSE(part.Contains(TimeKeyRange{}));
  EXPECT_TRUE(part.Contains(TimeKeyRange{std::nullopt, std::nullopt, true}));  // no row inside
  EXPECT_TRUE(TimeKeyRange{}.Contains(TimeKeyRange{12, 15}));
  EXPECT_TRUE(TimeKeyRange{}.Contains(TimeKeyRange{}));
}

// Rows not in time order are sorted only inside the timeframe: the others are left out (and,
// the group ids being plain here, their groups), the part covers the timeframe, and a column
// added later is gathered the same way. Rows already in order are all kept. Expected rows
// listed by hand.
TEST(PartForTimeframe, RowsToSortAreOnlyThoseInside) {
  const std::vector<InlineColumn> columns = {
      {"user", ColumnType::kInt}, {"ts", ColumnType::kInt}, {"seq", ColumnType::kInt}};
  const std::vector<InlineColumn> more = {{"tag", ColumnType::kString}};
  // (user, ts, seq); the tags are "t" + seq, null for seq 2.
  const json rows = R"([[1, 30, 0], [2, 10, 1], [1, 20, 2], [3, 50, 3], [2, 20, 4],
                        [4, 5, 5], [1, 40, 6]])"_json;
  const json tags = R"([["t0"], ["t1"], [null], ["t3"], ["t4"], ["t5"], ["t6"]])"_json;
  auto make = [&](const json& r, const TimeKeyRange& timeframe) {
    auto cols = ColumnsFromRows(columns, r, true);
    EXPECT_TRUE(cols.ok());
    return table::Part::Make(std::move(*cols), "user", "ts", false, timeframe);
  };
  // [20, 45): seq 2, 4 (ts 20, in their order), 0 (30), 6 (40); users 1 and 2 only.
  auto part = make(rows, TimeKeyRange{20, 45});
  ASSERT_TRUE(part.ok()) << part.status().message();
  ASSERT_EQ((*part)->num_rows(), 4);
  const int64_t* seq = (*part)->FindColumn("seq")->ints();
  EXPECT_EQ(std::vector<int64_t>(seq, seq + 4), (std::vector<int64_t>{2, 4, 0, 6}));
  const int64_t* ts = (*part)->time_column().ints();
  EXPECT_EQ(std::vector<int64_t>(ts, ts + 4), (std::vector<int64_t>{20, 20, 30, 40}));
  EXPECT_EQ((*part)->time_keys()[3], 40);
  EXPECT_EQ((*part)->num_groups(), 2);
  EXPECT_EQ((*part)->coverage().from, 20);
  EXPECT_EQ((*part)->coverage().to, 45);
  auto tag_columns = ColumnsFromRows(more, tags, false);  // plain form
  ASSERT_TRUE(tag_columns.ok());
  auto tagged = (*part)->WithColumns(std::move(*tag_columns));
  ASSERT_TRUE(tagged.ok()) << tagged.status().message();
  const table::Column* tag = (*tagged)->FindColumn("tag");
  ASSERT_EQ(tag->length, 4);
  EXPECT_EQ(tag->null_count, 1);
  EXPECT_TRUE(tag->IsNull(0));
  EXPECT_EQ(tag->StringAt(1), "t4");
  EXPECT_EQ(tag->StringAt(2), "t0");
  EXPECT_EQ(tag->StringAt(3), "t6");
  // No row inside: an empty part, to which columns still add.
  auto none = make(rows, TimeKeyRange{100, 200});
  ASSERT_TRUE(none.ok()) << none.status().message();
  EXPECT_EQ((*none)->num_rows(), 0);
  EXPECT_EQ((*none)->num_groups(), 0);
  auto none_tagged = (*none)->WithColumns(*ColumnsFromRows(more, tags, true));
  ASSERT_TRUE(none_tagged.ok()) << none_tagged.status().message();
  EXPECT_EQ((*none_tagged)->FindColumn("tag")->length, 0);
  // Without an upper bound, the greatest timestamp there is is inside.
  const int64_t top = std::numeric_limits<int64_t>::max();
  auto unbounded = make(json::array({{1, top, 0}, {2, 5, 1}, {1, 7, 2}}), TimeKeyRange{6, {}});
  ASSERT_TRUE(unbounded.ok()) << unbounded.status().message();
  ASSERT_EQ((*unbounded)->num_rows(), 2);
  EXPECT_EQ((*unbounded)->FindColumn("seq")->ints()[1], 0);
  EXPECT_EQ((*unbounded)->time_column().ints()[0], 7);
  EXPECT_EQ((*unbounded)->time_column().ints()[1], top);
  // One row inside: nothing to sort, the row still taken with its timestamp.
  auto one = make(json::array({{1, top, 0}, {2, 5, 1}, {1, 7, 2}}), TimeKeyRange{8, {}});
  ASSERT_TRUE(one.ok()) << one.status().message();
  ASSERT_EQ((*one)->num_rows(), 1);
  EXPECT_EQ((*one)->time_column().ints()[0], top);
  EXPECT_EQ((*one)->FindColumn("seq")->ints()[0], 0);
  // Rows in order: all kept, covering every row.
  auto ordered = make(R"([[1, 1, 0], [2, 2, 1], [1, 3, 2]])"_json, TimeKeyRange{2, 3});
  ASSERT_TRUE(ordered.ok()) << ordered.status().message();
  EXPECT_EQ((*ordered)->num_rows(), 3);
  EXPECT_FALSE((*ordered)->coverage().from || (*ordered)->coverage().to);
}

// A part read without its timestamps still checks the column by the footer; where the footer
// does not tell (no null counts), the timestamps are read after all.
std::shared_ptr<table::Part> LoadWithoutTime(const std::string& path, const std::string& group,
                                             const std::string& time) {
  auto source = LocalFileSource::Open(path);
  EXPECT_TRUE(source.ok()) << path;
  if (!source.ok()) return nullptr;
  auto file = parquet::ParquetFile::Open(std::shared_ptr<ByteSource>(std::move(*source)));
  EXPECT_TRUE(file.ok()) << file.status().message();
  if (!file.ok()) return nullptr;
  auto part = table::LoadPart(**file, {group}, group, time, TimeKeyRange{});
  EXPECT_TRUE(part.ok()) << part.status().message();
  return part.ok() ? *part : nullptr;
}

TEST(PartWithoutTime, TimestampsAreReadWhereTheFooterHasNoNullCounts) {
  // parquet-testing's alltypes_plain.parquet (Impala) has no statistics: whether its OPTIONAL
  // bigint_col holds nulls is unknown until read.
  auto unknown = LoadWithoutTime(TestDataDir() + "/parquet/conformance/alltypes_plain.parquet",
                                 "id", "bigint_col");
  ASSERT_NE(unknown, nullptr);
  EXPECT_TRUE(unknown->has_time());
  EXPECT_EQ(unknown->num_rows(), 8);
  // frocket's writer counts nulls in every chunk: 0, so the timestamps stay unread.
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() /
      ("frocket-part-test-untimed-" + std::to_string(::getpid()) + ".parquet");
  ASSERT_TRUE(WriteRowsAsParquet({{"user", ColumnType::kInt}, {"ts", ColumnType::kInt}},
                                 R"([[1, 5], [2, 6], [1, 7]])"_json, path.string(), 2)
                  .ok());
  auto counted = LoadWithoutTime(path.string(), "user", "ts");
  std::filesystem::remove(path);
  ASSERT_NE(counted, nullptr);
  EXPECT_FALSE(counted->has_time());
  EXPECT_EQ(counted->num_rows(), 3);
}

}  // namespace
}  // namespace frocket::testing
