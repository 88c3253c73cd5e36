// Data-driven engine tests: each file in tests/queries/ is a small dataset (rows inline, or
// files of the shared Parquet corpus), a query, and the response expected — computed by hand
// or by an independent engine, as each case's "description" says — or the validation errors
// expected. Inline cases run three times: in memory with strings in dictionary form, in plain
// form, and through Parquet — each part's rows shuffled and written with frocket's writer in
// row groups of 3 rows, so that timestamps come unsorted and integers dictionary-encoded with
// a dictionary per row group, as pyarrow and Spark write them.
//
// Case format:
//   "columns": [[name, "INT"|"FLOAT"|"BOOL"|"STRING"], ...]   (inline rows)
//   "parts":   [[row, ...], ...]    one array of rows per part; a row is an array of values
//   "files":   ["writers/duckdb/x.parquet", ...]   instead of columns/parts: one part per file
//   "groupIdColumn", "timestampColumn"   default "user" and "ts"
//   "timestampUnit": "seconds"|"milliseconds"|...   the timestamps' unit, when the case needs it
//   "query":   the query
//   "expected": {"query": ..., "funnel": ...}   or   "expectedErrors": [{"path", "message"}]
//              (a number may be {"approximately": v, "within": relative error})
//   "exactLimit": FROCKET_AGGREGATIONS_EXACT_LIMIT for this case (optional)
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>

#include "common/json_text.h"
#include "common/time_unit.h"
#include "engine/part_executor.h"
#include "query/query_parser.h"
#include "storage/local_file_source.h"
#include "support/inline_part.h"
#include "support/subprocess.h"
#include "table/part_loader.h"

namespace frocket::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

std::vector<std::string> CaseFiles() {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(FROCKET_QUERY_CASES_DIR)) {
    if (e.path().extension() == ".json") files.push_back(e.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Compares JSON values: integers exactly, floats to 1e-9 relative, objects by key (and the
// order of keys in aggregation value maps, which is the ranking). An expected
// {"approximately": v, "within": r} takes any number within r relative of v (percentiles of a
// sketch with a stated relative error).
void ExpectSame(const json& expected, const json& actual, const std::string& path) {
  if (expected.is_object() && expected.size() == 2 && expected.contains("approximately") &&
      expected.contains("within")) {
    ASSERT_TRUE(actual.is_number()) << path << ": expected a number, got " << actual;
    const double e = expected["approximately"].get<double>(), a = actual.get<double>();
    EXPECT_LE(std::fabs(e - a), expected["within"].get<double>() * std::fabs(e) * (1 + 1e-12))
        << path << ": expected " << e << " within " << expected["within"] << ", got " << a;
    return;
  }
  if (expected.is_number_integer()) {
    // Counts and integer sums must come out as integers, not as floats of the same value.
    ASSERT_TRUE(actual.is_number_integer())
        << path << ": expected the integer " << expected << ", got " << actual;
    EXPECT_EQ(expected.dump(), actual.dump()) << path;
    return;
  }
  if (expected.is_number_float()) {
    ASSERT_TRUE(actual.is_number()) << path << ": expected " << expected << ", got " << actual;
    double e = expected.get<double>(), a = actual.get<double>();
    EXPECT_LE(std::fabs(e - a), 1e-9 * std::max(1.0, std::fabs(e)))
        << path << ": expected " << expected << ", got " << actual;
    return;
  }
  if (expected.is_object()) {
    ASSERT_TRUE(actual.is_object()) << path << ": expected an object, got " << actual;
    std::vector<std::string> ek, ak;
    for (auto it = expected.begin(); it != expected.end(); ++it) ek.push_back(it.key());
    for (auto it = actual.begin(); it != actual.end(); ++it) ak.push_back(it.key());
    bool ordered = path.size() >= 6 && path.substr(path.size() - 6) == ".value";
    if (!ordered) {
      std::sort(ek.begin(), ek.end());
      std::sort(ak.begin(), ak.end());
    }
    ASSERT_EQ(ek, ak) << path << ": keys differ" << (ordered ? " (in ranking order)" : "")
                      << "\nexpected " << expected.dump() << "\nactual   " << actual.dump();
    for (const auto& k : ek) ExpectSame(expected[k], actual[k], path + "." + k);
    return;
  }
  if (expected.is_array()) {
    ASSERT_TRUE(actual.is_array()) << path << ": expected an array, got " << actual;
    ASSERT_EQ(expected.size(), actual.size())
        << path << "\nexpected " << expected.dump() << "\nactual   " << actual.dump();
    for (size_t i = 0; i < expected.size(); ++i) {
      ExpectSame(expected[i], actual[i], path + "[" + std::to_string(i) + "]");
    }
    return;
  }
  EXPECT_EQ(expected, actual) << path;
}

struct Dataset {
  query::DatasetSchema schema;
  std::vector<std::shared_ptr<table::Part>> parts;
};

void SetTimestampUnit(const json& c, query::DatasetSchema* schema) {
  if (!c.contains("timestampUnit")) return;
  for (TimeUnit unit : {TimeUnit::kDays, TimeUnit::kSeconds, TimeUnit::kMillis, TimeUnit::kMicros,
                        TimeUnit::kNanos}) {
    if (c["timestampUnit"] == TimeUnitName(unit)) schema->timestamp_unit = unit;
  }
  EXPECT_TRUE(schema->timestamp_unit) << "unknown timestampUnit " << c["timestampUnit"];
}

Dataset LoadInline(const json& c, bool dictionary_strings) {
  Dataset d;
  d.schema.group_id_column = c.value("groupIdColumn", "user");
  d.schema.timestamp_column = c.value("timestampColumn", "ts");
  SetTimestampUnit(c, &d.schema);
  std::vector<InlineColumn> columns;
  for (const auto& col : c.at("columns")) {
    auto type = ParseColumnType(col.at(1).get<std::string>());
    EXPECT_TRUE(type) << col;
    columns.push_back({col.at(0).get<std::string>(), *type});
    d.schema.columns[columns.back().name] = *type;
  }
  for (const auto& rows : c.at("parts")) {
    auto part = PartFromRows(columns, nlohmann::json::parse(rows.dump()), d.schema.group_id_column,
                             d.schema.timestamp_column, dictionary_strings);
    EXPECT_TRUE(part.ok()) << part.status().message();
    if (part.ok()) d.parts.push_back(*part);
  }
  return d;
}

// A fixed shuffle (Fisher-Yates over std::mt19937, whose sequence the standard defines).
json Shuffled(const json& rows, uint32_t seed) {
  std::vector<json> v(rows.begin(), rows.end());
  std::mt19937 rng(seed);
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng() % i]);
  json out = json::array();
  for (auto& row : v) out.push_back(std::move(row));
  return out;
}

// The case's parts written as Parquet in 3-row row groups, rows shuffled — or, with a
// timeframe, read for it: in time order (`time_ordered`), only the row groups whose statistics
// allow rows inside it; shuffled, only the rows inside it are sorted and kept.
Dataset LoadThroughParquet(const json& c, const std::string& case_name,
                           const std::optional<table::TimeKeyRange>& timeframe = std::nullopt,
                           bool without_time = false, bool time_ordered = true) {
  Dataset d;
  d.schema.group_id_column = c.value("groupIdColumn", "user");
  d.schema.timestamp_column = c.value("timestampColumn", "ts");
  SetTimestampUnit(c, &d.schema);
  std::vector<InlineColumn> columns;
  std::vector<std::string> names;
  for (const auto& col : c.at("columns")) {
    auto type = ParseColumnType(col.at(1).get<std::string>());
    columns.push_back({col.at(0).get<std::string>(), *type});
    names.push_back(columns.back().name);
    d.schema.columns[columns.back().name] = *type;
  }
  const fs::path dir = fs::temp_directory_path() /
                       ("frocket-query-case-" + std::to_string(::getpid()) + "-" + case_name);
  fs::create_directories(dir);
  uint32_t seed = 1;
  for (const auto& rows : c.at("parts")) {
    const std::string path = (dir / ("part-" + std::to_string(seed) + ".parquet")).string();
    json ordered = Shuffled(rows, seed);
    if (timeframe && time_ordered) {
      const auto ts = static_cast<size_t>(
          std::find(names.begin(), names.end(), d.schema.timestamp_column) - names.begin());
      std::stable_sort(ordered.begin(), ordered.end(),
                       [&](const json& a, const json& b) { return a.at(ts) < b.at(ts); });
    }
    Status written = WriteRowsAsParquet(columns, nlohmann::json::parse(ordered.dump()), path,
                                        /*rows_per_group=*/3);
    ++seed;
    EXPECT_TRUE(written.ok()) << written.message();
    if (!written.ok()) continue;
    auto source = LocalFileSource::Open(path);
    EXPECT_TRUE(source.ok()) << source.status().message();
    auto file = parquet::ParquetFile::Open(std::shared_ptr<ByteSource>(std::move(*source)));
    EXPECT_TRUE(file.ok()) << file.status().message();
    std::vector<std::string> read = names;
    if (without_time) std::erase(read, d.schema.timestamp_column);
    auto part = table::LoadPart(**file, read, d.schema.group_id_column, d.schema.timestamp_column,
                                timeframe.value_or(table::TimeKeyRange{}));
    EXPECT_TRUE(part.ok()) << part.status().message();
    if (part.ok()) d.parts.push_back(*part);
  }
  fs::remove_all(dir);
  return d;
}

Dataset LoadFiles(const json& c, const std::vector<std::string>& used) {
  Dataset d;
  d.schema.group_id_column = c.value("groupIdColumn", "user");
  d.schema.timestamp_column = c.value("timestampColumn", "ts");
  SetTimestampUnit(c, &d.schema);
  for (const auto& f : c.at("files")) {
    std::string path = TestDataDir() + "/parquet/" + f.get<std::string>();
    auto source = LocalFileSource::Open(path);
    EXPECT_TRUE(source.ok()) << source.status().message();
    auto file = parquet::ParquetFile::Open(std::shared_ptr<ByteSource>(std::move(*source)));
    EXPECT_TRUE(file.ok()) << file.status().message();
    for (const auto& col : (*file)->schema().columns()) {
      if (auto t = table::QueryTypeOf(col)) d.schema.columns[col.name] = *t;
    }
    std::vector<std::string> columns = used;
    columns.push_back(d.schema.group_id_column);
    columns.push_back(d.schema.timestamp_column);
    std::sort(columns.begin(), columns.end());
    columns.erase(std::unique(columns.begin(), columns.end()), columns.end());
    auto part =
        table::LoadPart(**file, columns, d.schema.group_id_column, d.schema.timestamp_column);
    EXPECT_TRUE(part.ok()) << part.status().message();
    if (part.ok()) d.parts.push_back(*part);
  }
  return d;
}

void RunCase(const json& c, const Dataset& d, const std::string& label) {
  SCOPED_TRACE(label);
  std::vector<query::QueryError> errors;
  auto q = query::ParseQuery(nlohmann::json::parse(c.at("query").dump()), d.schema, {}, &errors);
  if (c.contains("expectedErrors")) {
    ASSERT_FALSE(q.ok()) << "the query should have been rejected";
    const json& expected = c["expectedErrors"];
    for (const auto& e : expected) {
      bool found = false;
      for (const auto& got : errors) {
        found |= got.path == e.at("path").get<std::string>() &&
                 got.message.find(e.at("message").get<std::string>()) != std::string::npos;
      }
      EXPECT_TRUE(found) << "missing error " << e.dump() << "\ngot: " << q.status().message();
    }
    EXPECT_EQ(errors.size(), expected.size()) << q.status().message();
    return;
  }
  ASSERT_TRUE(q.ok()) << q.status().message();
  engine::ExecOptions options;
  options.exact_limit = c.value("exactLimit", int64_t{100000});
  std::optional<engine::PartResult> merged;
  for (const auto& part : d.parts) {
    auto r = engine::ExecuteQuery(*part, *q, options);
    ASSERT_TRUE(r.ok()) << r.status().message();
    // Every part's result also travels through the wire format, as between processes.
    auto wired = engine::FromWireJson(engine::ToWireJson(*r));
    ASSERT_TRUE(wired.ok()) << wired.status().message();
    if (!merged) {
      merged = std::move(*wired);
    } else {
      ASSERT_TRUE(engine::Merge(&*merged, *wired).ok());
    }
  }
  ASSERT_TRUE(merged) << "a case needs at least one part";
  json actual = engine::ResponseJson(*merged, *q);
  // A case gives Funnel Rocket's result object in full; its API answer leaves out members
  // that are null (to_api_response_dict), and so does frocket's.
  json expected = c.at("expected");
  DropAbsentMembers(&expected);
  ExpectSame(expected, actual, "response");
  // The expanded query must read back to the same query (as a worker reads a task's query).
  query::ParseOptions expanded;
  expanded.expanded = true;
  auto again = query::ParseQuery(nlohmann::json::parse(query::ToExpandedJson(*q).dump()), d.schema,
                                 expanded);
  ASSERT_TRUE(again.ok()) << "expanded query does not parse: " << again.status().message();
  EXPECT_EQ(query::ToExpandedJson(*again).dump(), query::ToExpandedJson(*q).dump());
}

class QueryCaseTest : public ::testing::TestWithParam<std::string> {};

TEST_P(QueryCaseTest, MatchesExpected) {
  std::ifstream in(fs::path(FROCKET_QUERY_CASES_DIR) / GetParam());
  json c = json::parse(in);
  ASSERT_TRUE(c.contains("description")) << "every case says what it checks and where its "
                                            "expected values come from";
  ASSERT_TRUE(c.contains("expected") != c.contains("expectedErrors"));
  if (c.contains("files")) {
    query::DatasetSchema probe;
    Dataset schema_only = LoadFiles(c, {});
    auto q = query::ParseQuery(nlohmann::json::parse(c.at("query").dump()), schema_only.schema);
    std::vector<std::string> used = q.ok() ? q->UsedColumns() : std::vector<std::string>{};
    RunCase(c, LoadFiles(c, used), "parquet files");
    return;
  }
  RunCase(c, LoadInline(c, true), "dictionary-form strings");
  RunCase(c, LoadInline(c, false), "plain-form strings");
  RunCase(c, LoadThroughParquet(c, GetParam()), "shuffled through Parquet, 3-row row groups");
  // With a timeframe: the row groups read for it, as a task reads a part for its query.
  const Dataset inline_parts = LoadInline(c, true);
  auto q = query::ParseQuery(nlohmann::json::parse(c.at("query").dump()), inline_parts.schema);
  if (q.ok() && q->timeframe) {
    const ColumnType type = inline_parts.schema.columns.at(inline_parts.schema.timestamp_column);
    table::TimeKeyRange keys;
    auto key = [&](const query::Literal& bound, std::optional<int64_t>* out) {
      const int64_t* i = std::get_if<int64_t>(&bound);
      *out = i ? table::TimeKeyAtOrAbove(type, *i)
               : table::TimeKeyAtOrAbove(type, std::get<double>(bound));
      if (!*out) keys.empty = true;
    };
    if (q->timeframe->from) key(*q->timeframe->from, &keys.from);
    if (q->timeframe->to) key(*q->timeframe->to, &keys.to);
    RunCase(c, LoadThroughParquet(c, GetParam(), keys),
            "in time order through Parquet, 3-row row groups, read for the timeframe");
    RunCase(c, LoadThroughParquet(c, GetParam(), keys, false, /*time_ordered=*/false),
            "shuffled through Parquet, only the rows inside the timeframe kept");
  }
  // A query that needs no time: the part read without timestamps, its rows in file order.
  const std::vector<std::string> used = q.ok() ? q->UsedColumns() : std::vector<std::string>{};
  const bool filters_on_time =
      std::find(used.begin(), used.end(), inline_parts.schema.timestamp_column) != used.end();
  if (q.ok() && !q->UsesTime() && !filters_on_time) {
    RunCase(c, LoadThroughParquet(c, GetParam(), std::nullopt, true),
            "shuffled through Parquet without the timestamp column");
  }
}

INSTANTIATE_TEST_SUITE_P(Queries, QueryCaseTest, ::testing::ValuesIn(CaseFiles()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param.substr(0, info.param.size() - 5);
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace frocket::testing
