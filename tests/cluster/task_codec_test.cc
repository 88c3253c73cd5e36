// The task codec (task_codec.h): every request and result survives the trip through JSON
// text — as through Redis — unchanged, including the group ids sent apart from a
// registration's result; malformed messages are errors naming what is wrong.
#include "cluster/task_codec.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "cli/activity_generator.h"
#include "engine/part_executor.h"
#include "query/query_parser.h"
#include "storage/local_file_source.h"
#include "support/inline_part.h"
#include "support/temp_dir.h"

namespace frocket::cluster {
namespace {

using nlohmann::json;

// Through text and back, as on the wire.
json OverTheWire(const json& j) {
  return json::parse(j.dump());
}

TaskMetrics SomeMetrics() {
  TaskMetrics m;
  m.invoke_latency = 0.125;
  m.load_seconds = 0.5;
  m.total_seconds = 0.75;
  m.finished_at = 1.25;
  m.scanned_rows = 123456;
  m.scanned_groups = 789;
  m.load_from = LoadSource::kMemoryCache;
  m.warm = false;
  m.init_seconds = 0.0375;
  m.billed_ms = 813;
  m.memory_mb = 1769;
  return m;
}

void ExpectSameMetrics(const TaskMetrics& a, const TaskMetrics& b) {
  EXPECT_EQ(a.invoke_latency, b.invoke_latency);
  EXPECT_EQ(a.load_seconds, b.load_seconds);
  EXPECT_EQ(a.total_seconds, b.total_seconds);
  EXPECT_EQ(a.finished_at, b.finished_at);
  EXPECT_EQ(a.scanned_rows, b.scanned_rows);
  EXPECT_EQ(a.scanned_groups, b.scanned_groups);
  EXPECT_EQ(a.load_from, b.load_from);
  EXPECT_EQ(a.warm, b.warm);
  EXPECT_EQ(a.init_seconds, b.init_seconds);
  EXPECT_EQ(a.billed_ms, b.billed_ms);
  EXPECT_EQ(a.memory_mb, b.memory_mb);
}

// A part's result of a query with conditions, aggregations and a funnel.
engine::PartResult SomePartResult() {
  const std::vector<frocket::testing::InlineColumn> columns = {{"user", ColumnType::kString},
                                                               {"ts", ColumnType::kInt},
                                                               {"event", ColumnType::kString},
                                                               {"price", ColumnType::kFloat}};
  const json rows = json::parse(R"([
      ["u1", 1, "view", null], ["u1", 2, "buy", 10.5], ["u2", 1, "view", null],
      ["u2", 3, "view", null], ["u3", 2, "buy", 0.25], ["u3", 5, "buy", 3.0]])");
  auto part = frocket::testing::PartFromRows(columns, rows, "user", "ts", true);
  EXPECT_TRUE(part.ok()) << part.status().message();
  query::DatasetSchema schema;
  schema.group_id_column = "user";
  schema.timestamp_column = "ts";
  for (const auto& c : columns) schema.columns[c.name] = c.type;
  auto q = query::ParseQuery(json::parse(R"({
      "query": {"conditions": [{"filter": ["event", "==", "buy"], "target": ["count", "<", 5]}],
                "aggregations": [{"column": "event"},
                                 {"column": "event", "type": "sumPerValue", "otherColumn": "price"}]},
      "funnel": {"sequence": [{"filter": ["event", "==", "view"]}, {"filter": ["event", "==", "buy"]}],
                 "endAggregations": {"columns": [{"column": "price", "type": "count"}]}}})"),
                             schema);
  EXPECT_TRUE(q.ok()) << q.status().message();
  auto r = engine::ExecuteQuery(**part, *q, {});
  EXPECT_TRUE(r.ok()) << r.status().message();
  return *r;
}

TEST(TaskCodec, QueryTaskRequestRoundTrip) {
  QueryTaskRequest r;
  r.request_id = "1795525122-dd598724";
  r.task_index = 17;
  r.attempt = 3;
  r.dataset.id = {"activity", "2026-11-24T10:00:00.123456+00:00"};
  r.dataset.basepath = "s3://bucket/prefix";
  r.dataset.group_id_column = "user_id";
  r.dataset.timestamp_column = "ts";
  r.dataset.total_parts = 120;
  r.part_path = "s3://bucket/prefix/part-00017.parquet";
  r.used_columns = {"event_type", "ts", "user_id"};
  r.query = json::parse(R"({"query": {"conditions": [{"filter": {"column": "event_type",
      "op": "==", "value": "naïve \"quoted\" ✓"}}]}, "funnel": null})");
  r.exact_limit = 4242;

  const json wire = OverTheWire(ToJson(r));
  ASSERT_TRUE(TaskKind(wire).ok());
  EXPECT_EQ(*TaskKind(wire), "query");
  auto back = QueryTaskRequestFromJson(wire);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->request_id, r.request_id);
  EXPECT_EQ(back->task_index, r.task_index);
  EXPECT_EQ(back->attempt, r.attempt);
  EXPECT_EQ(back->dataset.id.name, r.dataset.id.name);
  EXPECT_EQ(back->dataset.id.registered_at, r.dataset.id.registered_at);
  EXPECT_EQ(back->dataset.basepath, r.dataset.basepath);
  EXPECT_EQ(back->dataset.group_id_column, r.dataset.group_id_column);
  EXPECT_EQ(back->dataset.timestamp_column, r.dataset.timestamp_column);
  EXPECT_EQ(back->dataset.total_parts, r.dataset.total_parts);
  EXPECT_EQ(back->part_path, r.part_path);
  EXPECT_EQ(back->used_columns, r.used_columns);
  EXPECT_EQ(back->query, r.query);
  EXPECT_EQ(back->exact_limit, r.exact_limit);
}

TEST(TaskCodec, QueryTaskResultRoundTrip) {
  QueryTaskResult ok;
  ok.status = Status::OK();
  ok.result = SomePartResult();
  ok.metrics = SomeMetrics();
  ASSERT_TRUE(ok.result.funnel.has_value());
  auto back = QueryTaskResultFromJson(OverTheWire(ToJson(ok)));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_TRUE(back->status.ok());
  EXPECT_EQ(back->status.message(), "");
  ExpectSameMetrics(back->metrics, ok.metrics);
  EXPECT_EQ(engine::ToWireJson(back->result), engine::ToWireJson(ok.result));
  EXPECT_EQ(engine::ResponseJson(back->result), engine::ResponseJson(ok.result));

  QueryTaskResult failed;
  failed.status = Status::Invalid("part-00003.parquet: column chunk 2 of 'price': truncated page");
  failed.metrics.load_from = LoadSource::kDiskCache;
  const json failed_wire = OverTheWire(ToJson(failed));
  EXPECT_FALSE(failed_wire.contains("result"));
  auto failed_back = QueryTaskResultFromJson(failed_wire);
  ASSERT_TRUE(failed_back.ok()) << failed_back.status().message();
  EXPECT_FALSE(failed_back->status.ok());
  EXPECT_EQ(failed_back->status.message(), failed.status.message());
  EXPECT_EQ(failed_back->status.code(), failed.status.code());
  EXPECT_EQ(failed_back->metrics.load_from, LoadSource::kDiskCache);
}

TEST(TaskCodec, MalformedQueryMessagesAreErrorsNamingTheField) {
  json request = ToJson(QueryTaskRequest{});
  request.erase("usedColumns");
  auto r = QueryTaskRequestFromJson(request);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("usedColumns"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("malformed query task"), std::string::npos);

  json typed = ToJson(QueryTaskRequest{});
  typed["attempt"] = "first";
  EXPECT_FALSE(QueryTaskRequestFromJson(typed).ok());

  QueryTaskResult result;
  result.status = Status::OK();
  result.result = SomePartResult();
  json bad_source = ToJson(result);
  bad_source["metrics"]["loadFrom"] = 7;
  auto s = QueryTaskResultFromJson(bad_source);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("loadFrom 7"), std::string::npos) << s.status().message();
  json no_result = ToJson(result);
  no_result.erase("result");
  EXPECT_FALSE(QueryTaskResultFromJson(no_result).ok());

  for (const json& m : {json(), json::array(), json{{"kind", 1}}, json{{"requestId", "x"}}}) {
    EXPECT_FALSE(TaskKind(m).ok()) << m;
  }
}

// Members of the wrong type are errors naming the member, never exceptions.
TEST(TaskCodec, WrongTypesAreErrorsNamingTheMember) {
  QueryTaskResult result;
  result.status = Status::OK();
  result.result = SomePartResult();
  json warm = ToJson(result);
  warm["metrics"]["warm"] = "yes";
  auto r = QueryTaskResultFromJson(warm);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'warm'"), std::string::npos) << r.status().message();

  json negative = ToJson(QueryTaskRequest{});
  negative["taskIndex"] = -1;
  auto n = QueryTaskRequestFromJson(negative);
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("'taskIndex'"), std::string::npos) << n.status().message();

  json types = ToJson(QueryTaskRequest{});
  types["columnTypes"] = {{"price", 5}};
  auto t = QueryTaskRequestFromJson(types);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("'price'"), std::string::npos) << t.status().message();

  json columns = ToJson(QueryTaskRequest{});
  columns["usedColumns"] = {"a", 1};
  EXPECT_FALSE(QueryTaskRequestFromJson(columns).ok());
  EXPECT_FALSE(QueryTaskRequestFromJson(json::array()).ok());
  EXPECT_FALSE(RegistrationTaskRequestFromJson(json{{"requestId", 7}}).ok());

  dataset::PartInspection mixed;
  auto g = GroupIdsFromJson(R"(["a", 1])", "uid", &mixed);
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.message().find("not all strings"), std::string::npos) << g.message();
}

TEST(TaskCodec, RegistrationTaskRequestRoundTrip) {
  RegistrationTaskRequest r;
  r.request_id = "1795525122-0badcafe";
  r.task_index = 1;
  r.attempt = 2;
  r.part_path = "/data/activity/part-00005.parquet";
  r.group_id_column = "user_id";
  r.timestamp_column = "ts";
  r.return_group_ids = false;
  r.settings.categorical_ratio = 0.25;
  r.settings.top_count = 7;
  r.settings.top_min_share = 0.005;
  const json wire = OverTheWire(ToJson(r));
  ASSERT_TRUE(TaskKind(wire).ok());
  EXPECT_EQ(*TaskKind(wire), "registration");
  auto back = RegistrationTaskRequestFromJson(wire);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->request_id, r.request_id);
  EXPECT_EQ(back->task_index, r.task_index);
  EXPECT_EQ(back->attempt, r.attempt);
  EXPECT_EQ(back->part_path, r.part_path);
  EXPECT_EQ(back->group_id_column, r.group_id_column);
  EXPECT_EQ(back->timestamp_column, r.timestamp_column);
  EXPECT_EQ(back->return_group_ids, r.return_group_ids);
  EXPECT_EQ(back->settings.categorical_ratio, r.settings.categorical_ratio);
  EXPECT_EQ(back->settings.top_count, r.settings.top_count);
  EXPECT_EQ(back->settings.top_min_share, r.settings.top_min_share);
}

// A real part's inspection (schema with statistics and top values, integer group ids).
class RegistrationResultCodec : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(temp_.ok());
    dir_ = temp_.path();
    cli::GeneratorOptions options;
    options.rows = 5000;
    options.parts = 1;
    options.seed = 4;
    auto parts = cli::GenerateActivityDataset(dir_, options);
    ASSERT_TRUE(parts.ok()) << parts.status().message();
    auto source = LocalFileSource::Open((*parts)[0].path);
    ASSERT_TRUE(source.ok()) << source.status().message();
    auto inspection = dataset::InspectPart(std::shared_ptr<ByteSource>(std::move(*source)),
                                           "user_id", "ts", true, {});
    ASSERT_TRUE(inspection.ok()) << inspection.status().message();
    inspection_ = std::move(*inspection);
  }
  frocket::testing::TempDir temp_{"frocket-codec"};
  std::string dir_;
  dataset::PartInspection inspection_;
};

TEST_F(RegistrationResultCodec, RoundTripWithGroupIdsApart) {
  RegistrationTaskResult r;
  r.status = Status::OK();
  r.inspection = inspection_;
  r.metrics = SomeMetrics();
  const json wire = OverTheWire(ToJson(r, "frocket:blob:groupids-1"));
  EXPECT_FALSE(wire.dump().find("group_ids") != std::string::npos);
  std::string blob;
  auto back = RegistrationTaskResultFromJson(wire, &blob);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_TRUE(back->status.ok());
  EXPECT_EQ(blob, "frocket:blob:groupids-1");
  ExpectSameMetrics(back->metrics, r.metrics);
  EXPECT_EQ(back->inspection.rows, 5000);
  EXPECT_EQ(back->inspection.groups, r.inspection.groups);
  // The schema keeps its column order and every statistic.
  EXPECT_EQ(dataset::ToJson(back->inspection.schema, true).dump(),
            dataset::ToJson(r.inspection.schema, true).dump());

  const std::string ids = GroupIdsToJson(r.inspection);
  ASSERT_TRUE(GroupIdsFromJson(ids, "user_id", &back->inspection).ok());
  ASSERT_TRUE(std::holds_alternative<std::vector<int64_t>>(back->inspection.group_ids));
  EXPECT_EQ(std::get<std::vector<int64_t>>(back->inspection.group_ids),
            std::get<std::vector<int64_t>>(r.inspection.group_ids));
  EXPECT_EQ(std::get<std::vector<int64_t>>(back->inspection.group_ids).size(),
            static_cast<size_t>(r.inspection.groups));

  RegistrationTaskResult failed;
  failed.status = Status::NotFound("part-00000.parquet: no column 'user_id'");
  auto failed_back = RegistrationTaskResultFromJson(OverTheWire(ToJson(failed, "")), &blob);
  ASSERT_TRUE(failed_back.ok()) << failed_back.status().message();
  EXPECT_FALSE(failed_back->status.ok());
  EXPECT_EQ(failed_back->status.message(), failed.status.message());
  EXPECT_EQ(failed_back->status.code(), failed.status.code());
  EXPECT_EQ(blob, "");
}

dataset::DatasetSchemaInfo GroupIdSchema(ColumnType type) {
  dataset::DatasetSchemaInfo schema;
  dataset::ColumnInfo uid;
  uid.name = "uid";
  uid.type = type;
  schema.columns.push_back(uid);
  schema.group_id_column = "uid";
  return schema;
}

// An empty list of ids takes its type from the group id column: strings stay strings.
TEST(GroupIdsCodec, EmptyAndStringIdsKeepTheColumnType) {
  dataset::PartInspection strings;
  strings.schema = GroupIdSchema(ColumnType::kString);
  strings.group_ids = std::vector<std::string>{};
  EXPECT_EQ(GroupIdsToJson(strings), "[]");
  dataset::PartInspection back;
  back.schema = strings.schema;
  back.group_ids = std::vector<int64_t>{99};
  ASSERT_TRUE(GroupIdsFromJson("[]", "uid", &back).ok());
  ASSERT_TRUE(std::holds_alternative<std::vector<std::string>>(back.group_ids));
  EXPECT_TRUE(std::get<std::vector<std::string>>(back.group_ids).empty());

  dataset::PartInspection ints;
  ints.schema = GroupIdSchema(ColumnType::kInt);
  back.schema = ints.schema;
  back.group_ids = std::vector<std::string>{"x"};
  ASSERT_TRUE(GroupIdsFromJson("[]", "uid", &back).ok());
  ASSERT_TRUE(std::holds_alternative<std::vector<int64_t>>(back.group_ids));
  EXPECT_TRUE(std::get<std::vector<int64_t>>(back.group_ids).empty());

  // Ids that look like numbers, and odd characters, survive as strings.
  strings.group_ids = std::vector<std::string>{"1", "02", "", "naïve \"id\"\n", "user-7"};
  back.schema = strings.schema;
  ASSERT_TRUE(GroupIdsFromJson(GroupIdsToJson(strings), "uid", &back).ok());
  EXPECT_EQ(std::get<std::vector<std::string>>(back.group_ids),
            std::get<std::vector<std::string>>(strings.group_ids));

  ints.group_ids = std::vector<int64_t>{INT64_MIN, -1, 0, INT64_MAX};
  back.schema = ints.schema;
  ASSERT_TRUE(GroupIdsFromJson(GroupIdsToJson(ints), "uid", &back).ok());
  EXPECT_EQ(std::get<std::vector<int64_t>>(back.group_ids),
            std::get<std::vector<int64_t>>(ints.group_ids));

  for (const char* bad : {"{}", "\"ids\"", "[1, \"a\"]", "[\"a\", 1]", "[1,", ""}) {
    EXPECT_FALSE(GroupIdsFromJson(bad, "uid", &back).ok()) << bad;
  }
}

}  // namespace
}  // namespace frocket::cluster
