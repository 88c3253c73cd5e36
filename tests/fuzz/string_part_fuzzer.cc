// libFuzzer target: a part whose strings are untrusted bytes — mostly not UTF-8 — written with
// frocket's Parquet writer (a group id column of strings and a value column), then read back
// the ways frocket reads parts: inspected as at registration (schema, top values, group ids)
// and queried with per-value aggregations, filters and a funnel, every result written as JSON
// as the CLI and the server write it. The bytes must come back exactly as written, and no
// JSON writing may throw.
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_text.h"
#include "dataset/dataset.h"
#include "dataset/registration.h"
#include "engine/part_executor.h"
#include "parquet/file_writer.h"
#include "query/query_parser.h"
#include "storage/local_file_source.h"
#include "table/part_loader.h"

namespace {

namespace parquet = frocket::parquet;

parquet::ColumnVector Strings(const std::vector<std::string_view>& values) {
  parquet::ColumnVector v;
  v.physical_type = parquet::PhysicalType::kByteArray;
  v.length = static_cast<int64_t>(values.size());
  v.offsets.Resize((values.size() + 1) * 4);
  v.offsets.as<uint32_t>()[0] = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    v.data.Append(values[i].data(), values[i].size());
    v.offsets.as<uint32_t>()[i + 1] = static_cast<uint32_t>(v.data.size());
  }
  return v;
}

parquet::ColumnVector Ints(size_t n) {
  parquet::ColumnVector v;
  v.physical_type = parquet::PhysicalType::kInt64;
  v.value_width = 8;
  v.length = static_cast<int64_t>(n);
  v.values.Resize(n * 8);
  for (size_t i = 0; i < n; ++i) v.values.as<int64_t>()[i] = static_cast<int64_t>((i * 7) % 5);
  return v;
}

std::string PartPath() {
  static const std::string dir = [] {
    auto d = std::filesystem::temp_directory_path() /
             ("frocket-string-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d.string();
  }();
  return dir + "/part.parquet";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Values separated by 0xFF 0xFE (never in UTF-8); the group id is every value's first byte.
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> values, ids;
  for (size_t start = 0; start <= input.size() && values.size() < 512;) {
    size_t end = input.find("\xff\xfe", start);
    if (end == std::string_view::npos) end = input.size();
    values.push_back(input.substr(start, end - start));
    ids.push_back(input.substr(start, std::min<size_t>(1, end - start)));
    start = end + 2;
  }
  parquet::LogicalType text;
  text.kind = parquet::LogicalType::Kind::kString;
  std::vector<parquet::WriterColumn> schema = {
      {"id", parquet::PhysicalType::kByteArray, false, text},
      {"ts", parquet::PhysicalType::kInt64, false, std::nullopt},
      {"s", parquet::PhysicalType::kByteArray, false, text}};
  const std::string path = PartPath();
  {
    auto writer = parquet::ParquetWriter::Create(path, schema);
    if (!writer.ok()) __builtin_trap();
    std::vector<parquet::ColumnVector> columns;
    columns.push_back(Strings(ids));
    columns.push_back(Ints(values.size()));
    columns.push_back(Strings(values));
    if (!(*writer)->WriteRowGroup(columns).ok() || !(*writer)->Close().ok()) __builtin_trap();
  }

  // Registration's view: statistics and top values, written as the datastore writes them.
  auto source = frocket::LocalFileSource::Open(path);
  if (!source.ok()) __builtin_trap();
  frocket::dataset::InspectionSettings settings;
  auto inspection = frocket::dataset::InspectPart(
      std::shared_ptr<frocket::ByteSource>(std::move(*source)), "id", "ts", true, settings);
  if (!inspection.ok()) __builtin_trap();
  (void)frocket::JsonText(frocket::dataset::ToJson(inspection->schema, true));
  (void)frocket::JsonText(frocket::dataset::ToJson(inspection->schema, false));

  // The bytes read back are the bytes written.
  auto again = frocket::LocalFileSource::Open(path);
  if (!again.ok()) __builtin_trap();
  auto file = parquet::ParquetFile::Open(std::shared_ptr<frocket::ByteSource>(std::move(*again)));
  if (!file.ok()) __builtin_trap();
  auto part = frocket::table::LoadPart(**file, {"id", "ts", "s"}, "id", "ts");
  if (!part.ok()) __builtin_trap();
  const auto& s = *(*part)->FindColumn("s");
  if (static_cast<size_t>(s.length) != values.size()) __builtin_trap();
  std::vector<std::string_view> back;
  for (int64_t r = 0; r < s.length; ++r) back.push_back(s.StringAt(r));
  std::vector<std::string_view> written = values;
  std::sort(back.begin(), back.end());  // the part is in time order, not the file's
  std::sort(written.begin(), written.end());
  if (back != written) __builtin_trap();

  // Queries over the strings, their answers written as JSON.
  frocket::query::DatasetSchema qs;
  qs.group_id_column = "id";
  qs.timestamp_column = "ts";
  qs.columns = {{"id", frocket::ColumnType::kString},
                {"ts", frocket::ColumnType::kInt},
                {"s", frocket::ColumnType::kString}};
  nlohmann::json first = std::string(values[0]);  // may hold invalid UTF-8: a raw json value
  nlohmann::json query = {
      {"query",
       {{"conditions", {{{"filter", {{"column", "s"}, {"op", "!="}, {"value", first}}}}}},
        {"aggregations",
         {{{"column", "s"}, {"type", "countPerValue"}},
          {{"column", "id"}, {"type", "groupsPerValue"}}}}}},
      {"funnel",
       {{"sequence",
         {{{"filter", {{"column", "s"}, {"op", "contains"}, {"value", "a"}}}},
          {{"filter", {{"column", "s"}, {"op", ">="}, {"value", first}}}}}},
        {"endAggregations", {{{"column", "s"}, {"type", "countPerValue"}}}}}}};
  auto q = frocket::query::ParseQuery(query, qs);
  if (!q.ok()) {
    (void)frocket::JsonText(nlohmann::json{{"errorMessage", q.status().message()}});
    return 0;
  }
  auto r = frocket::engine::ExecuteQuery(**part, *q, {});
  if (!r.ok()) __builtin_trap();
  (void)frocket::JsonText(frocket::engine::ResponseJson(*r), 2);
  return 0;
}
