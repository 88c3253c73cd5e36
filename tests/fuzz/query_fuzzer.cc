// libFuzzer target: query text from untrusted bytes (an HTTP body, a --string argument) —
// parsed against a fixed schema, and when valid, run over a small part with string, integer,
// float and boolean columns, its response written as JSON, and its expanded form read back.
// Errors are the expected outcome for most inputs; an exception, a crash, a sanitizer report
// or an expanded query that does not read back is a bug.
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/json_text.h"
#include "engine/part_executor.h"
#include "query/query_parser.h"
#include "table/part.h"

namespace {

using frocket::ColumnType;
using frocket::table::Column;

Column IntColumn(const char* name, std::vector<int64_t> v) {
  Column c;
  c.name = name;
  c.type = ColumnType::kInt;
  c.length = static_cast<int64_t>(v.size());
  c.values.Resize(v.size() * 8);
  for (size_t i = 0; i < v.size(); ++i) c.values.as<int64_t>()[i] = v[i];
  return c;
}

Column FloatColumn(const char* name, std::vector<double> v) {
  Column c = IntColumn(name, std::vector<int64_t>(v.size()));
  c.type = ColumnType::kFloat;
  for (size_t i = 0; i < v.size(); ++i) c.values.as<double>()[i] = v[i];
  return c;
}

Column BoolColumn(const char* name, std::vector<uint8_t> v) {
  Column c;
  c.name = name;
  c.type = ColumnType::kBool;
  c.length = static_cast<int64_t>(v.size());
  c.values.Resize(v.size());
  for (size_t i = 0; i < v.size(); ++i) c.values.data()[i] = v[i];
  return c;
}

Column StringColumn(const char* name, std::vector<std::string_view> v) {
  Column c;
  c.name = name;
  c.type = ColumnType::kString;
  c.length = static_cast<int64_t>(v.size());
  auto& e = c.encoded;
  e.physical_type = frocket::parquet::PhysicalType::kByteArray;
  e.length = c.length;
  e.offsets.Resize((v.size() + 1) * 4);
  e.offsets.as<uint32_t>()[0] = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    e.data.Append(v[i].data(), v[i].size());
    e.offsets.as<uint32_t>()[i + 1] = static_cast<uint32_t>(e.data.size());
  }
  return c;
}

// Users 1..3, timestamps out of order and tied, a non-UTF-8 string among the values.
std::shared_ptr<frocket::table::Part> MakePart() {
  std::vector<Column> columns;
  columns.push_back(IntColumn("user", {1, 2, 1, 3, 2, 1, 3, 3}));
  columns.push_back(IntColumn("ts", {5, 1, 2, 2, 9, 2, 7, 1}));
  columns.push_back(
      StringColumn("event", {"view", "cart", "buy", "view", "caf\xe9", "cart", "buy", "view"}));
  columns.push_back(FloatColumn("price", {1.5, -0.0, 1e300, 2.5, 0.1, 3.0, -7.25, 4.0}));
  columns.push_back(BoolColumn("flag", {1, 0, 1, 1, 0, 0, 1, 0}));
  auto part = frocket::table::Part::Make(std::move(columns), "user", "ts");
  if (!part.ok()) __builtin_trap();
  return *part;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto part = MakePart();
  frocket::query::DatasetSchema schema;
  schema.group_id_column = "user";
  schema.timestamp_column = "ts";
  schema.timestamp_unit = frocket::TimeUnit::kSeconds;  // duration strings convert
  schema.columns = {{"user", ColumnType::kInt},
                    {"ts", ColumnType::kInt},
                    {"event", ColumnType::kString},
                    {"price", ColumnType::kFloat},
                    {"flag", ColumnType::kBool}};
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto q = frocket::query::ParseQueryText(text, schema);
  if (!q.ok()) {
    (void)frocket::JsonText(nlohmann::json{{"errorMessage", q.status().message()}});
    return 0;
  }
  // The expanded query parses again as a task's query does (its bounds may be what dates
  // before 1970 converted to: negative).
  const std::string expanded = frocket::JsonText(frocket::query::ToExpandedJson(*q));
  frocket::query::ParseOptions task;
  task.expanded = true;
  if (!frocket::query::ParseQueryText(expanded, schema, task).ok()) __builtin_trap();
  frocket::engine::ExecOptions options;
  options.exact_limit = 4;  // small, so that the approximate path runs too
  auto r = frocket::engine::ExecuteQuery(*part, *q, options);
  if (!r.ok()) return 0;
  auto merged = *r;
  if (!frocket::engine::Merge(&merged, *r).ok()) __builtin_trap();
  (void)frocket::JsonText(frocket::engine::ResponseJson(merged, *q), 2);
  return 0;
}
