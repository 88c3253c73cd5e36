// Walks ../shared/testdata/parquet: every valid file must decode through `frocket parquet cat`
// to exactly its .expected.json (written by independent readers), and `frocket parquet
// schema` must report the footer facts recorded there; every malformed file must be rejected
// with a clear error.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/subprocess.h"

namespace frocket::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

json LoadJson(const fs::path& path) {
  std::ifstream in(path);
  return json::parse(in);
}

std::vector<std::string> ListParquet(const std::vector<std::string>& dirs) {
  std::vector<std::string> files;
  for (const auto& d : dirs) {
    fs::path dir = fs::path(TestDataDir()) / "parquet" / d;
    if (!fs::exists(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() == ".parquet") {
        files.push_back(fs::relative(e.path(), fs::path(TestDataDir()) / "parquet").string());
      }
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

fs::path ExpectedPath(const std::string& relative) {
  fs::path p = fs::path(TestDataDir()) / "parquet" / relative;
  return p.replace_extension(".expected.json");
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

// --- value comparison (README "Suggested checks for a reader") ---

std::string Base64Decode(const std::string& in) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    auto pos = kAlphabet.find(c);
    if (pos == std::string::npos) continue;
    buffer = (buffer << 6) | static_cast<uint32_t>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

// The stored bytes a string-or-base64 value stands for.
std::optional<std::string> BytesOf(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("base64") && v.size() == 1) {
    return Base64Decode(v["base64"].get<std::string>());
  }
  return std::nullopt;
}

std::optional<double> FloatOf(const json& v) {
  if (v.is_number()) return v.get<double>();
  if (v == "NaN") return std::nan("");
  if (v == "Infinity") return INFINITY;
  if (v == "-Infinity") return -INFINITY;
  return std::nullopt;
}

bool SameValue(const std::string& json_type, const json& expected, const json& actual) {
  if (expected.is_null() || actual.is_null()) return expected.is_null() && actual.is_null();
  if (json_type == "float") {
    auto e = FloatOf(expected);
    auto a = FloatOf(actual);
    if (!e || !a) return false;
    if (std::isnan(*e) || std::isnan(*a)) return std::isnan(*e) && std::isnan(*a);
    return std::memcmp(&*e, &*a, sizeof(double)) == 0;  // bit for bit: -0.0 is not 0.0
  }
  if (json_type == "string" || json_type == "bytes") {
    auto e = BytesOf(expected);
    auto a = BytesOf(actual);
    return e && a && *e == *a;
  }
  if (json_type == "boolean") return actual.is_boolean() && expected == actual;
  if (json_type == "decimal" || json_type == "int96_nanos" || json_type == "uuid") {
    return actual.is_string() && expected == actual;
  }
  // int, date_days, time_*, timestamp_*: exact integers (int64 or uint64).
  return actual.is_number_integer() && expected.dump() == actual.dump();
}

struct Parsed {
  std::vector<json> rows;
};

Parsed ParseJsonLines(const std::string& text) {
  Parsed p;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) p.rows.push_back(json::parse(line));
  return p;
}

// Aggregates over all rows of one column, as the expected-values files define them.
void CheckAggregates(const std::string& column, const std::string& json_type, const json& expected,
                     const std::vector<json>& rows) {
  SCOPED_TRACE("aggregates of column " + column);
  int64_t count = 0, nulls = 0, trues = 0, falses = 0;
  __int128 sum = 0;
  std::optional<int64_t> min, max;
  for (const auto& row : rows) {
    const json& v = row.at(column);
    if (v.is_null()) {
      ++nulls;
      continue;
    }
    ++count;
    if (json_type == "boolean") {
      (v.get<bool>() ? trues : falses) += 1;
    } else if (json_type == "int") {
      int64_t x = v.get<int64_t>();
      sum += x;
      min = min ? std::min(*min, x) : x;
      max = max ? std::max(*max, x) : x;
    }
  }
  EXPECT_EQ(expected.at("count").get<int64_t>(), count);
  EXPECT_EQ(expected.at("null_count").get<int64_t>(), nulls);
  if (json_type == "boolean") {
    EXPECT_EQ(expected.at("true_count").get<int64_t>(), trues);
    EXPECT_EQ(expected.at("false_count").get<int64_t>(), falses);
  } else if (json_type == "int") {
    EXPECT_EQ(expected.at("min").get<int64_t>(), *min);
    EXPECT_EQ(expected.at("max").get<int64_t>(), *max);
    EXPECT_EQ(expected.at("sum").get<std::string>(), std::to_string(static_cast<int64_t>(sum)));
  } else {
    ADD_FAILURE() << "aggregate check for json_type " << json_type << " not written";
  }
}

class ValidFileTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ValidFileTest, SchemaMatchesExpected) {
  const std::string path = (fs::path(TestDataDir()) / "parquet" / GetParam()).string();
  const json expected = LoadJson(ExpectedPath(GetParam()));
  ProcessResult r = RunProcess({FrocketBinary(), "parquet", "schema", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json actual = json::parse(r.out);
  EXPECT_EQ(actual["file_size"], expected["file_size"]);
  EXPECT_EQ(actual["created_by"], expected["created_by"]);
  EXPECT_EQ(actual["format_version"], expected["format_version"]);
  EXPECT_EQ(actual["num_rows"], expected["num_rows"]);
  EXPECT_EQ(actual["num_row_groups"], expected["num_row_groups"]);
  EXPECT_EQ(actual["row_group_num_rows"], expected["row_group_num_rows"]);
  EXPECT_EQ(actual["key_value_metadata_keys"], expected["key_value_metadata_keys"]);
  ASSERT_EQ(actual["columns"].size(), expected["columns"].size());
  for (size_t i = 0; i < expected["columns"].size(); ++i) {
    const json& e = expected["columns"][i];
    const json& a = actual["columns"][i];
    SCOPED_TRACE("column " + e["name"].get<std::string>());
    for (const char* key :
         {"name", "physical_type", "type_length", "repetition", "nullable", "converted_type",
          "logical_type", "precision", "scale", "json_type", "compression", "encodings",
          "statistics", "offset_index", "column_index", "bloom_filter"}) {
      EXPECT_EQ(a[key], e[key]) << key;
    }
  }
}

TEST_P(ValidFileTest, ValuesMatchExpected) {
  const std::string path = (fs::path(TestDataDir()) / "parquet" / GetParam()).string();
  const json expected = LoadJson(ExpectedPath(GetParam()));
  ProcessResult r = RunProcess({FrocketBinary(), "parquet", "cat", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Parsed parsed = ParseJsonLines(r.out);
  ASSERT_EQ(static_cast<int64_t>(parsed.rows.size()), expected["num_rows"].get<int64_t>());
  const size_t rows_in_data = expected["rows_in_data"].get<size_t>();
  for (const json& column : expected["columns"]) {
    const std::string name = column["name"];
    const std::string json_type = column["json_type"];
    const json& values = expected["data"][name];
    ASSERT_EQ(values.size(), rows_in_data);
    int mismatches = 0;
    for (size_t row = 0; row < rows_in_data; ++row) {
      ASSERT_TRUE(parsed.rows[row].contains(name)) << "row " << row << " lacks " << name;
      const json& actual = parsed.rows[row][name];
      if (!SameValue(json_type, values[row], actual)) {
        if (++mismatches <= 5) {
          ADD_FAILURE() << "column " << name << " row " << row << ": expected "
                        << values[row].dump() << ", got " << actual.dump();
        }
      }
    }
    EXPECT_EQ(mismatches, 0) << "column " << name;
    if (!expected["complete"].get<bool>()) {
      CheckAggregates(name, json_type, expected["aggregates"][name], parsed.rows);
    }
  }
  // Keys in schema order, exactly the columns.
  if (!parsed.rows.empty()) {
    std::vector<std::string> keys;
    for (auto it = parsed.rows[0].begin(); it != parsed.rows[0].end(); ++it)
      keys.push_back(it.key());
    std::vector<std::string> names;
    for (const json& column : expected["columns"]) names.push_back(column["name"]);
    std::sort(names.begin(), names.end());  // nlohmann::json objects iterate in key order
    EXPECT_EQ(keys, names);
  }
}

INSTANTIATE_TEST_SUITE_P(Parquet, ValidFileTest,
                         ::testing::ValuesIn(ListParquet({"conformance", "writers/duckdb",
                                                          "writers/arrow-rs", "writers/clickhouse",
                                                          "writers/hyparquet-writer"})),
                         TestName);

TEST(ConformanceCorpus, IsPresent) {
  // The data-driven tests above silently have no cases without the corpus; make that loud.
  EXPECT_GE(ListParquet({"conformance"}).size(), 50u);
  EXPECT_GE(ListParquet({"malformed"}).size(), 21u);
}

}  // namespace
}  // namespace frocket::testing
