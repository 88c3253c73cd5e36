// The embedded mode (SQLite datastore under $FROCKET_HOME, local invoker) driven through the
// real `frocket` binary, fed bad input: unknown datasets, malformed and invalid queries,
// base paths without parts, missing or unusable required columns, group ids in two parts,
// parts whose schemas differ, parts corrupted or deleted after registration, re-registration
// and several processes sharing one datastore.
//
// Every failure must exit 1 with "frocket: error: ..." on stderr and {"success": false,
// "errorMessage": ...} on stdout, the message naming what is wrong and where (the dataset, the
// part file, the column, the JSON path) — and write nothing: a failed registration leaves no
// dataset behind and leaves a registered dataset of the same name exactly as it was; a failed
// query presents no answer.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "parquet/file_writer.h"
#include "support/frocket_cli.h"
#include "support/temp_dir.h"

// PartSpec{.users = ...} leaves the other knobs at their defaults, on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace frocket::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Writing parts with frocket's own Parquet writer.

// A cell of a test column: null, an integer, a double or a string.
using Cell = std::variant<std::monostate, int64_t, double, std::string>;

struct TestColumn {
  std::string name;
  parquet::PhysicalType type;  // kInt64, kDouble or kByteArray (UTF-8)
  std::vector<Cell> cells;
};

parquet::ColumnVector ToVector(const TestColumn& c) {
  parquet::ColumnVector v;
  v.physical_type = c.type;
  v.length = static_cast<int64_t>(c.cells.size());
  const size_t n = c.cells.size();
  v.validity.ResizeZeroed(bitmap::BytesFor(n));
  if (c.type == parquet::PhysicalType::kByteArray) {
    v.offsets.Resize((n + 1) * 4);
    v.offsets.as<uint32_t>()[0] = 0;
  } else {
    v.value_width = 8;
    v.values.ResizeZeroed(n * 8);
  }
  for (size_t i = 0; i < n; ++i) {
    const Cell& cell = c.cells[i];
    if (std::holds_alternative<std::monostate>(cell)) {
      ++v.null_count;
    } else {
      bitmap::Set(v.validity.data(), i);
      switch (c.type) {
        case parquet::PhysicalType::kInt64:
          v.values.as<int64_t>()[i] = std::get<int64_t>(cell);
          break;
        case parquet::PhysicalType::kDouble:
          v.values.as<double>()[i] = std::get<double>(cell);
          break;
        default: {
          const std::string& s = std::get<std::string>(cell);
          v.data.Append(s.data(), s.size());
          break;
        }
      }
    }
    if (c.type == parquet::PhysicalType::kByteArray) {
      v.offsets.as<uint32_t>()[i + 1] = static_cast<uint32_t>(v.data.size());
    }
  }
  if (v.null_count == 0) v.validity = Buffer();
  return v;
}

void WriteParquet(const std::string& path, const std::vector<TestColumn>& columns) {
  std::vector<parquet::WriterColumn> specs;
  std::vector<parquet::ColumnVector> vectors;
  for (const auto& c : columns) {
    parquet::WriterColumn spec;
    spec.name = c.name;
    spec.physical_type = c.type;
    spec.nullable = std::any_of(c.cells.begin(), c.cells.end(), [](const Cell& cell) {
      return std::holds_alternative<std::monostate>(cell);
    });
    if (c.type == parquet::PhysicalType::kByteArray) {
      parquet::LogicalType string_type;
      string_type.kind = parquet::LogicalType::Kind::kString;
      spec.logical_type = string_type;
    }
    specs.push_back(std::move(spec));
    vectors.push_back(ToVector(c));
  }
  auto writer = parquet::ParquetWriter::Create(path, std::move(specs));
  ASSERT_TRUE(writer.ok()) << path << ": " << writer.status().message();
  Status s = (*writer)->WriteRowGroup(vectors);
  ASSERT_TRUE(s.ok()) << path << ": " << s.message();
  s = (*writer)->Close();
  ASSERT_TRUE(s.ok()) << path << ": " << s.message();
}

// One part of an activity dataset: per user `rows_per_user` rows with columns
//   uid (INT64), ts (INT64), event (STRING: view, click, buy, ...), price (DOUBLE, on buys)
// and knobs that break it in the ways registration must notice.
struct PartSpec {
  std::vector<int64_t> users;
  int rows_per_user = 3;
  enum class Uid { kInt, kString, kDouble } uid = Uid::kInt;
  bool ts_as_string = false;
  bool null_uid = false;  // the last row's uid is null
  bool null_ts = false;   // the last row's ts is null
  bool price_as_int = false;
  bool without_event = false;
  std::vector<std::string> extra_string_columns;  // value "x-<uid>"

  int64_t rows() const { return static_cast<int64_t>(users.size()) * rows_per_user; }
};

std::vector<int64_t> Users(int64_t first, int64_t count) {
  std::vector<int64_t> v;
  for (int64_t i = 0; i < count; ++i) v.push_back(first + i);
  return v;
}

void WritePart(const std::string& path, const PartSpec& spec) {
  static const char* kEvents[] = {"view", "click", "buy"};
  TestColumn uid{"uid",
                 spec.uid == PartSpec::Uid::kInt      ? parquet::PhysicalType::kInt64
                 : spec.uid == PartSpec::Uid::kDouble ? parquet::PhysicalType::kDouble
                                                      : parquet::PhysicalType::kByteArray,
                 {}};
  TestColumn ts{
      "ts",
      spec.ts_as_string ? parquet::PhysicalType::kByteArray : parquet::PhysicalType::kInt64,
      {}};
  TestColumn event{"event", parquet::PhysicalType::kByteArray, {}};
  TestColumn price{
      "price",
      spec.price_as_int ? parquet::PhysicalType::kInt64 : parquet::PhysicalType::kDouble,
      {}};
  std::vector<TestColumn> extras;
  for (const auto& name : spec.extra_string_columns) {
    extras.push_back({name, parquet::PhysicalType::kByteArray, {}});
  }
  for (int64_t u : spec.users) {
    for (int r = 0; r < spec.rows_per_user; ++r) {
      switch (spec.uid) {
        case PartSpec::Uid::kInt:
          uid.cells.emplace_back(u);
          break;
        case PartSpec::Uid::kDouble:
          uid.cells.emplace_back(static_cast<double>(u) + 0.5);
          break;
        case PartSpec::Uid::kString:
          uid.cells.emplace_back("user-" + std::to_string(u));
          break;
      }
      const int64_t t = u * 1000 + r;
      if (spec.ts_as_string) {
        ts.cells.emplace_back(std::to_string(t));
      } else {
        ts.cells.emplace_back(t);
      }
      event.cells.emplace_back(std::string(kEvents[r % 3]));
      if (r % 3 == 2) {
        if (spec.price_as_int) {
          price.cells.emplace_back(int64_t{10} + u);
        } else {
          price.cells.emplace_back(10.5 + static_cast<double>(u));
        }
      } else {
        price.cells.emplace_back(std::monostate{});
      }
      for (auto& e : extras) e.cells.emplace_back("x-" + std::to_string(u));
    }
  }
  if (spec.null_uid && !uid.cells.empty()) uid.cells.back() = std::monostate{};
  if (spec.null_ts && !ts.cells.empty()) ts.cells.back() = std::monostate{};
  std::vector<TestColumn> columns = {std::move(uid), std::move(ts)};
  if (!spec.without_event) columns.push_back(std::move(event));
  columns.push_back(std::move(price));
  for (auto& e : extras) columns.push_back(std::move(e));
  WriteParquet(path, columns);
}

std::string PartName(size_t i) {
  return "part-" + std::to_string(i) + ".parquet";
}

// Writes part-0.parquet, part-1.parquet, ... into dir (created if needed).
void WriteParts(const std::string& dir, const std::vector<PartSpec>& parts) {
  fs::create_directories(dir);
  for (size_t i = 0; i < parts.size(); ++i) WritePart(dir + "/" + PartName(i), parts[i]);
}

// Two good parts: users 1..4 and 5..8, three rows each.
std::vector<PartSpec> GoodParts() {
  return {PartSpec{.users = Users(1, 4)}, PartSpec{.users = Users(5, 4)}};
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Every file under dir with its size and content (to check nothing was written there).
std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> out;
  if (fs::is_regular_file(dir)) out[dir] = ReadFile(dir);
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out[e.path().string()] = ReadFile(e.path().string());
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Running frocket.

class EmbeddedCli : public ::testing::Test {
 public:
  using Run = FrocketRun;
  static Run FrocketIn(const std::string& home, std::vector<std::string> args,
                       int timeout_seconds = 30) {
    return RunFrocket(args, {{"FROCKET_HOME", home}}, timeout_seconds);
  }

 protected:
  void SetUp() override {
    ASSERT_TRUE(temp_.ok()) << std::strerror(errno);
    root_ = temp_.path();
    home_ = root_ + "/home";
  }

  frocket::testing::TempDir temp_{"frocket-cli"};

  // A directory under this test's temporary directory.
  std::string Dir(const std::string& name) {
    std::string d = root_ + "/" + name;
    fs::create_directories(d);
    return d;
  }

  Run Frocket(std::vector<std::string> args, int timeout_seconds = 30) const {
    return FrocketIn(home_, std::move(args), timeout_seconds);
  }

  // A command that must succeed: exit 0 and (when it prints JSON) success true.
  static void ExpectSuccess(const Run& r) {
    ASSERT_TRUE(r.result.exited()) << "crashed: " << r.Describe();
    EXPECT_EQ(r.result.exit_code, 0) << r.Describe();
    ASSERT_TRUE(r.out.has_value()) << "stdout is not JSON: " << r.Describe();
    if (r.out->is_object()) {
      EXPECT_EQ(r.out->value("success", false), true) << r.Describe();
    }
  }

  // A command that must fail: exit 1, "frocket: error: " and each mention on stderr, and on
  // stdout {"success": false, "errorMessage": ...} holding each mention, with no answer.
  static void ExpectFailure(const Run& r, const std::vector<std::string>& mentions) {
    if (std::getenv("FROCKET_TEST_SHOW_ERRORS") != nullptr) {
      std::fprintf(stderr, "[error shown] %s\n", r.Describe().c_str());
    }
    ASSERT_TRUE(r.result.exited()) << "crashed: " << r.Describe();
    EXPECT_EQ(r.result.exit_code, 1) << r.Describe();
    EXPECT_NE(r.result.err.find("frocket: error: "), std::string::npos)
        << "no error on stderr: " << r.Describe();
    for (const auto& m : mentions) {
      EXPECT_TRUE(Mentions(r.result.err, m))
          << "stderr should mention \"" << m << "\": " << r.Describe();
    }
    EXPECT_TRUE(r.out.has_value() && r.out->is_object())
        << "stdout should be a JSON response {\"success\": false, \"errorMessage\": ...}: "
        << r.Describe();
    if (!r.out || !r.out->is_object()) return;
    EXPECT_EQ(r.out->value("success", true), false) << r.Describe();
    ASSERT_TRUE(r.out->contains("errorMessage") && (*r.out)["errorMessage"].is_string())
        << r.Describe();
    const std::string message = (*r.out)["errorMessage"].get<std::string>();
    for (const auto& m : mentions) {
      EXPECT_TRUE(Mentions(message, m))
          << "errorMessage should mention \"" << m << "\": " << r.Describe();
    }
    // No answer presented beside the error.
    EXPECT_TRUE(!r.out->contains("query") || (*r.out)["query"].is_null()) << r.Describe();
    EXPECT_TRUE(!r.out->contains("funnel") || (*r.out)["funnel"].is_null()) << r.Describe();
    EXPECT_FALSE(r.out->contains("dataset")) << r.Describe();
  }

  std::vector<std::string> ListNames() const {
    Run r = Frocket({"list", "--nopretty"});
    EXPECT_EQ(r.result.exit_code, 0) << r.Describe();
    std::vector<std::string> names;
    if (!r.out || !r.out->is_array()) {
      ADD_FAILURE() << "list --nopretty should print a JSON array: " << r.Describe();
      return names;
    }
    for (const auto& d : *r.out) names.push_back(d["id"]["name"].get<std::string>());
    std::sort(names.begin(), names.end());
    return names;
  }

  // `info NAME --nopretty`: dataset, parts and schema; null if it failed.
  json Info(const std::string& name) const {
    Run r = Frocket({"info", name, "--nopretty"});
    if (r.result.exit_code != 0 || !r.out) return nullptr;
    return *r.out;
  }

  Run Register(const std::string& name, const std::string& basepath,
               std::vector<std::string> extra = {}) const {
    std::vector<std::string> args = {"register", name, basepath, "uid", "ts", "--nopretty"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Frocket(args);
  }
  void MustRegister(const std::string& name, const std::string& basepath,
                    std::vector<std::string> extra = {}) const {
    Run r = Register(name, basepath, std::move(extra));
    ExpectSuccess(r);
  }

  Run Query(const std::string& name, const std::string& query) const {
    return Frocket({"run", name, "--string", query, "--nopretty"});
  }
  Run Empty(const std::string& name) const {
    return Frocket({"run", name, "--empty", "--nopretty"});
  }

  // A query that must succeed with these counts.
  static void ExpectCounts(const Run& r, int64_t groups, int64_t rows) {
    ExpectSuccess(r);
    if (!r.out || !r.out->contains("query") || !(*r.out)["query"].is_object()) {
      ADD_FAILURE() << "no query result: " << r.Describe();
      return;
    }
    EXPECT_EQ((*r.out)["query"].value("matchingGroups", int64_t{-1}), groups) << r.Describe();
    EXPECT_EQ((*r.out)["query"].value("matchingGroupRows", int64_t{-1}), rows) << r.Describe();
  }

  // A registration that must fail, tried twice — under a new name and under the name of a
  // registered dataset ("keep") — each failing with the mentions, after which the new name is
  // not registered, "keep" is exactly as before, and nothing under the data was written.
  void ExpectRegisterFails(const std::string& basepath, const std::string& group_column,
                           const std::string& time_column, std::vector<std::string> extra,
                           const std::vector<std::string>& mentions) {
    if (!keep_registered_) {
      WriteParts(root_ + "/keep", GoodParts());
      MustRegister("keep", root_ + "/keep");
      keep_registered_ = true;
    }
    const json keep_before = Info("keep");
    ASSERT_FALSE(keep_before.is_null());
    const auto files_before = Snapshot(basepath);
    for (const std::string name : {"fresh", "keep"}) {
      std::vector<std::string> args = {"register",   name,        basepath,
                                       group_column, time_column, "--nopretty"};
      args.insert(args.end(), extra.begin(), extra.end());
      SCOPED_TRACE("register under the name '" + name + "'");
      ExpectFailure(Frocket(args), mentions);
    }
    const auto names = ListNames();
    EXPECT_EQ(std::count(names.begin(), names.end(), "fresh"), 0)
        << "a failed registration must not leave a dataset behind";
    EXPECT_EQ(std::count(names.begin(), names.end(), "keep"), 1);
    EXPECT_EQ(Info("keep"), keep_before)
        << "a failed registration must leave the dataset of that name unchanged";
    EXPECT_TRUE(Snapshot(basepath) == files_before) << "registration wrote under " << basepath;
    ExpectCounts(Empty("keep"), 8, 24);
  }

  std::string root_;
  std::string home_;
  bool keep_registered_ = false;
};

// ---------------------------------------------------------------------------------------------
// 1. Unknown dataset.

TEST_F(EmbeddedCli, UnknownDatasetInEmptyDatastore) {
  // No datastore yet at all.
  ExpectFailure(Empty("ghost"), {"'ghost'|\"ghost\"", "not found|not registered|no dataset"});
  ExpectFailure(Frocket({"info", "ghost", "--nopretty"}), {"ghost"});
  Run u = Frocket({"unregister", "ghost", "--nopretty"});
  ExpectSuccess(u);
  ASSERT_TRUE(u.out && u.out->is_object()) << u.Describe();
  EXPECT_EQ(u.out->value("datasetFound", true), false) << u.Describe();
  EXPECT_TRUE(ListNames().empty());
}

TEST_F(EmbeddedCli, UnknownDatasetBesideARegisteredOne) {
  WriteParts(Dir("data"), GoodParts());
  MustRegister("real", root_ + "/data");
  ExpectFailure(Empty("ghost"), {"ghost", "not found|not registered|no dataset"});
  ExpectFailure(Query("ghost", R"({"query":{"conditions":[{"filter":["event","==","view"]}]}})"),
                {"ghost"});
  // Names are exact: neither a prefix nor another case finds "real".
  ExpectFailure(Empty("rea"), {"rea"});
  ExpectFailure(Empty("REAL"), {"REAL"});
  ExpectFailure(Frocket({"info", "ghost", "--nopretty"}), {"ghost"});
  Run u = Frocket({"unregister", "ghost", "--nopretty"});
  ExpectSuccess(u);
  ASSERT_TRUE(u.out && u.out->is_object()) << u.Describe();
  EXPECT_EQ(u.out->value("datasetFound", true), false) << u.Describe();
  EXPECT_EQ(ListNames(), std::vector<std::string>{"real"});
  ExpectCounts(Empty("real"), 8, 24);
}

TEST_F(EmbeddedCli, UnregisterRefusesARecentlyQueriedDatasetWithoutForce) {
  WriteParts(Dir("data"), GoodParts());
  MustRegister("ds", root_ + "/data");
  ExpectCounts(Empty("ds"), 8, 24);
  // Queried a moment ago (FROCKET_UNREGISTER_LAST_USED_INTERVAL defaults to 30 s).
  ExpectFailure(Frocket({"unregister", "ds", "--nopretty"}), {"ds", "--force"});
  EXPECT_EQ(ListNames(), std::vector<std::string>{"ds"});
  Run forced = Frocket({"unregister", "ds", "--force", "--nopretty"});
  ExpectSuccess(forced);
  ASSERT_TRUE(forced.out && forced.out->is_object());
  EXPECT_EQ(forced.out->value("datasetFound", false), true) << forced.Describe();
  EXPECT_TRUE(ListNames().empty());
  ExpectFailure(Empty("ds"), {"ds"});
}

// ---------------------------------------------------------------------------------------------
// 2. Malformed JSON.

class EmbeddedCliWithDataset : public EmbeddedCli {
 protected:
  void SetUp() override {
    EmbeddedCli::SetUp();
    WriteParts(Dir("data"), GoodParts());
    MustRegister("ds", root_ + "/data");
  }
};

TEST_F(EmbeddedCliWithDataset, MalformedJsonGivesAPosition) {
  const std::regex position(R"((line \d+, column \d+)|(position \d+)|(offset \d+)|(byte \d+))");
  for (const std::string text : {
           R"({"query": {"conditions": [})",  // truncated
           R"({"query": {"conditions": [,]}})",
           R"({"query": {"conditions": []}} trailing)",
           R"({'query': {}})",
           R"({"query": {"conditions": [{"filter": ["event", "==", "view"]}]},})",
       }) {
    SCOPED_TRACE(text);
    Run r = Query("ds", text);
    ExpectFailure(r, {"JSON|json"});
    if (r.out && r.out->contains("errorMessage")) {
      EXPECT_TRUE(std::regex_search((*r.out)["errorMessage"].get<std::string>(), position))
          << "the error should give where the JSON breaks: " << r.Describe();
    }
  }
  // From a file, the line of the error counts.
  const std::string file = root_ + "/query.json";
  WriteFile(file, "{\n  \"query\": {\n    \"conditions\": [ ,\n  }\n}\n");
  Run r = Frocket({"run", "ds", "--file", file, "--nopretty"});
  ExpectFailure(r, {"JSON|json", "line 3"});
  ExpectCounts(Empty("ds"), 8, 24);
}

TEST_F(EmbeddedCliWithDataset, UnreadableQueryFileIsAnError) {
  const std::string missing = root_ + "/no-such-query.json";
  Run r = Frocket({"run", "ds", "--file", missing, "--nopretty"});
  ASSERT_TRUE(r.result.exited()) << r.Describe();
  EXPECT_NE(r.result.exit_code, 0) << r.Describe();
  EXPECT_NE(r.result.err.find(missing), std::string::npos) << r.Describe();
  EXPECT_FALSE(r.out && r.out->is_object() && r.out->contains("query")) << r.Describe();
}

TEST_F(EmbeddedCliWithDataset, QueryFromStandardInput) {
  const std::string query = R"({"query":{"conditions":[{"filter":["event","==","view"]}]}})";
  WriteFile(root_ + "/q.json", query);
  Run direct = Query("ds", query);
  ExpectSuccess(direct);
  ProcessResult piped =
      RunProcess({"/bin/sh", "-c", "exec \"$0\" run ds --file - --nopretty < \"$1\"",
                  FrocketBinary(), root_ + "/q.json"},
                 30, {{"FROCKET_HOME", home_}});
  ASSERT_TRUE(piped.exited() && piped.exit_code == 0) << piped.err;
  auto answer = nlohmann::json::parse(piped.out, nullptr, false);
  ASSERT_TRUE(answer.is_object()) << piped.out;
  EXPECT_EQ(answer["query"], (*direct.out)["query"]);
}

TEST_F(EmbeddedCliWithDataset, InfoShowsSizesForPeople) {
  int64_t bytes = 0;
  for (const auto& e : fs::directory_iterator(root_ + "/data")) {
    bytes += static_cast<int64_t>(e.file_size());
  }
  Run r = Frocket({"info", "ds"});
  ASSERT_TRUE(r.result.exited() && r.result.exit_code == 0) << r.Describe();
  std::smatch m;
  const std::string out = r.result.out;
  ASSERT_TRUE(
      std::regex_search(out, m, std::regex(R"(total size\s+(\d+)\.(\d) kB \(([\d,]+) bytes\))")))
      << out;
  std::string digits = m[3].str();
  std::erase(digits, ',');
  EXPECT_EQ(std::stoll(digits), bytes) << out;
  // One decimal of kB (1,000 bytes), rounded.
  EXPECT_EQ(std::stoll(m[1].str()) * 10 + std::stoll(m[2].str()),
            static_cast<int64_t>(std::llround(static_cast<double>(bytes) / 100)))
      << out;
}

TEST_F(EmbeddedCliWithDataset, LogLinesDoNotShareTheProgressBarsLine) {
  // On a terminal (a pseudo-terminal from script(1)), the progress bar is drawn without a
  // newline; a log line written meanwhile starts by clearing that line.
  ProcessResult r = RunProcess(
      {"/usr/bin/script", "-qec", FrocketBinary() + " run ds --empty --nopretty", "/dev/null"}, 60,
      {{"FROCKET_HOME", home_}});
  ASSERT_TRUE(r.exited() && r.exit_code == 0) << r.out << r.err;
  EXPECT_NE(r.out.find(" tasks"), std::string::npos) << "no progress bar was drawn: " << r.out;
  size_t logs = 0;
  for (size_t at = r.out.find("[Log "); at != std::string::npos; at = r.out.find("[Log ", at + 1)) {
    ++logs;
    EXPECT_TRUE(at >= 4 && r.out.compare(at - 4, 4, "\r\033[K") == 0)
        << "a log line shares a line: " << Abbrev(r.out.substr(at >= 60 ? at - 60 : 0, 120));
  }
  EXPECT_GT(logs, 0u) << r.out;
}

TEST_F(EmbeddedCliWithDataset, AnswerAsTablesForPeople) {
  // 8 users, each view@t, click@t+1, buy@t+2 with price 10.5 + user id on the buy: prices sum
  // to 8 * 10.5 + (1 + ... + 8) = 120, mean 15. The funnel view -> buy -> view: all 8 view,
  // all 8 buy after, none views after buying.
  const std::string query = R"({"query": {"aggregations": [
      {"column": "event", "type": "sumPerValue", "otherColumn": "price"},
      {"column": "event", "type": "meanPerValue", "otherColumn": "price"}]},
    "funnel": {"sequence": [{"filter": ["event", "==", "view"]},
                            {"filter": ["event", "==", "buy"]},
                            {"filter": ["event", "==", "view"]}]}})";
  Run r = Frocket({"run", "ds", "--string", query, "--table", "--no-stats"});
  ASSERT_TRUE(r.result.exited() && r.result.exit_code == 0) << r.Describe();
  const std::string& out = r.result.out;
  EXPECT_NE(out.find("matching groups: 8, their rows: 24"), std::string::npos) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(\n\s+1\s+8\s+24\s+100\.0%\n)"))) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(\n\s+2\s+8\s+24\s+100\.0%\s+100\.0%\n)")))
      << out;
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(\n\s+3\s+0\s+0\s+0\.0%\s+0\.0%\n)"))) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(event sumPerValue\n(.*\n){2}\s+buy\s+120\n)")))
      << out;
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(event meanPerValue\n(.*\n){2}\s+buy\s+15\n)")))
      << out;
  EXPECT_EQ(out.find("time:"), std::string::npos) << out;
  // --no-stats in JSON: the answer without "stats".
  Run j = Frocket({"run", "ds", "--empty", "--no-stats", "--nopretty"});
  ExpectSuccess(j);
  EXPECT_FALSE(j.out->contains("stats")) << j.Describe();
}

TEST_F(EmbeddedCliWithDataset, FunnelTableShowsNamesTimeToConvertAndBreakdown) {
  // Every user views at u * 1000 and buys 2 later; the timestamps are guessed to be seconds
  // (below 10^11), so the median time from the view to the buy is 2 s (within the sketch's
  // 1%, printed to 3 digits).
  const std::string query = R"({"funnel": {"timeToConvert": true,
      "breakdown": {"column": "event", "attribution": "lastStep"}, "sequence": [
      {"name": "Viewed", "filter": ["event", "==", "view"]},
      {"name": "Bought", "filter": ["event", "==", "buy"]}]}})";
  Run r = Frocket({"run", "ds", "--string", query, "--table", "--no-stats"});
  ASSERT_TRUE(r.result.exited() && r.result.exit_code == 0) << r.Describe();
  const std::string& out = r.result.out;
  EXPECT_NE(out.find("median time"), std::string::npos) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(\n\s+1\s+Viewed\s+8\s+24\s+100\.0%\s*\n)")))
      << out;
  EXPECT_TRUE(std::regex_search(
      out, std::regex(R"(\n\s+2\s+Bought\s+8\s+24\s+100\.0%\s+100\.0%\s+(1\.9\d|2(\.0\d)?) s\n)")))
      << out;
  // The breakdown by the last step's event: every user's is "buy", all 8 at both steps.
  EXPECT_NE(out.find("breakdown by event (lastStep)"), std::string::npos) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(\n\s+buy\s+8\s+8\s+100\.0%\n)"))) << out;
}

TEST_F(EmbeddedCliWithDataset, GroupIdsGoToACsvOrParquetFile) {
  // Users 1..8 each view, then buy: all reach step 1 (the buy). Users 1..4 are in one part,
  // 5..8 in the other; the file lists all 8 in order, whatever the parts.
  const std::string query = R"({"funnel": {"sequence": [{"filter": ["event", "==", "view"]},
      {"filter": ["event", "==", "buy"]}]}, "groups": {"of": "step", "step": 1, "limit": 3}})";
  const std::string csv = root_ + "/buyers.csv";
  Run r = Frocket({"run", "ds", "--string", query, "--groups-out", csv, "--nopretty"});
  ExpectSuccess(r);
  ASSERT_TRUE(r.out && r.out->contains("groups")) << r.Describe();
  EXPECT_EQ((*r.out)["groups"]["count"], 8) << r.Describe();
  EXPECT_EQ((*r.out)["groups"]["file"], csv) << r.Describe();
  EXPECT_FALSE((*r.out)["groups"].contains("ids")) << "the ids are in the file, not the answer";
  EXPECT_EQ(ReadFile(csv), "uid\n1\n2\n3\n4\n5\n6\n7\n8\n") << "the limit is for answers";

  const std::string parquet = root_ + "/buyers.parquet";
  Run p = Frocket({"run", "ds", "--string", query, "--groups-out", parquet, "--nopretty"});
  ExpectSuccess(p);
  Run cat = Frocket({"parquet", "cat", parquet});
  ASSERT_TRUE(cat.result.exited() && cat.result.exit_code == 0) << cat.Describe();
  std::string want;
  for (int u = 1; u <= 8; ++u) want += "{\"uid\":" + std::to_string(u) + "}\n";
  EXPECT_EQ(cat.result.out, want);

  // Without "groups" in the query: the groups matching it (no conditions: all 8).
  const std::string all = root_ + "/all.csv";
  ExpectSuccess(Frocket({"run", "ds", "--empty", "--groups-out", all, "--nopretty"}));
  EXPECT_EQ(ReadFile(all), "uid\n1\n2\n3\n4\n5\n6\n7\n8\n");

  // A file that cannot be written: a clear error naming it, and nothing left behind.
  const std::string nowhere = root_ + "/no/such/dir/ids.csv";
  Run bad = Frocket({"run", "ds", "--string", query, "--groups-out", nowhere, "--nopretty"});
  ASSERT_TRUE(bad.result.exited()) << bad.Describe();
  EXPECT_NE(bad.result.exit_code, 0) << bad.Describe();
  EXPECT_NE(bad.result.err.find(nowhere), std::string::npos) << bad.Describe();
  EXPECT_FALSE(fs::exists(root_ + "/no")) << "nothing may be left behind";
}

TEST_F(EmbeddedCliWithDataset, FunnelRocketGlobalOptionsAreAccepted) {
  // Funnel Rocket's scripts pass these before the command; --loglevel warning hides INFO.
  Run r = Frocket(
      {"--notrim", "--nocolor", "--loglevel", "WARNING", "--nopretty", "run", "ds", "--empty"});
  ExpectCounts(r, 8, 24);
  EXPECT_EQ(r.result.err.find("INFO"), std::string::npos) << r.Describe();
  Run info = Frocket({"--loglevel", "info", "run", "ds", "--empty", "--nopretty"});
  ExpectSuccess(info);
  EXPECT_NE(info.result.err.find("INFO"), std::string::npos) << info.Describe();
  Run bad = Frocket({"--loglevel", "loud", "list"});
  ASSERT_TRUE(bad.result.exited()) << bad.Describe();
  EXPECT_NE(bad.result.exit_code, 0) << bad.Describe();
  EXPECT_NE(bad.result.err.find("loud"), std::string::npos) << bad.Describe();
}

TEST_F(EmbeddedCli, RedisSettingsWithoutADatastoreChoiceAreWarnedAbout) {
  // A Funnel Rocket deployment's environment: Redis set, FROCKET_DATASTORE not.
  const Environment moved = {{"FROCKET_HOME", home_}, {"FROCKET_REDIS_HOST", "redis.internal"}};
  const std::string warning = "FROCKET_REDIS_HOST is set but FROCKET_DATASTORE is not";
  ProcessResult list = RunProcess({FrocketBinary(), "list", "--nopretty"}, 30, moved);
  ASSERT_TRUE(list.exited() && list.exit_code == 0) << list.err;
  EXPECT_NE(list.err.find(warning), std::string::npos) << list.err;
  EXPECT_NE(list.err.find("SQLite datastore at " + home_), std::string::npos) << list.err;
  ProcessResult config = RunProcess({FrocketBinary(), "config"}, 30, moved);
  EXPECT_NE(config.err.find(warning), std::string::npos) << config.err;
  ProcessResult worker = RunProcess({FrocketBinary(), "worker"}, 30, moved);
  ASSERT_TRUE(worker.exited()) << worker.err;
  EXPECT_NE(worker.exit_code, 0);
  EXPECT_NE(worker.err.find("frocket: error:"), std::string::npos) << worker.err;
  EXPECT_NE(worker.err.find("set FROCKET_DATASTORE=redis"), std::string::npos) << worker.err;
  // Without Redis settings, or with the datastore chosen, nothing is said.
  Run plain = Frocket({"list", "--nopretty"});
  EXPECT_EQ(plain.result.err.find("FROCKET_DATASTORE"), std::string::npos) << plain.Describe();
  ProcessResult chosen = RunProcess({FrocketBinary(), "list", "--nopretty"}, 30,
                                    {{"FROCKET_HOME", home_},
                                     {"FROCKET_REDIS_HOST", "redis.internal"},
                                     {"FROCKET_DATASTORE", "sqlite"}});
  EXPECT_EQ(chosen.err.find("FROCKET_DATASTORE"), std::string::npos) << chosen.err;
}

TEST_F(EmbeddedCli, HelpAndArgumentErrorsSayWhatToDo) {
  Run help = Frocket({"help"});
  ASSERT_TRUE(help.result.exited() && help.result.exit_code == 0) << help.Describe();
  for (const char* command : {"register", "run", "unregister", "serve", "generate"}) {
    EXPECT_NE(help.result.out.find(command), std::string::npos) << help.Describe();
  }
  Run run_help = Frocket({"help", "run"});
  ASSERT_TRUE(run_help.result.exited() && run_help.result.exit_code == 0) << run_help.Describe();
  EXPECT_NE(run_help.result.out.find("Example"), std::string::npos) << run_help.Describe();
  EXPECT_NE(run_help.result.out.find("docs/query-language.md"), std::string::npos);
  Run dashed = Frocket({"run", "--help"});
  EXPECT_EQ(dashed.result.out, run_help.result.out);

  Run unknown = Frocket({"regster", "x"});
  ASSERT_TRUE(unknown.result.exited()) << unknown.Describe();
  EXPECT_EQ(unknown.result.exit_code, 2) << unknown.Describe();
  EXPECT_NE(unknown.result.err.find("frocket: error: no command 'regster'"), std::string::npos)
      << unknown.Describe();
  EXPECT_NE(unknown.result.err.find("register"), std::string::npos) << unknown.Describe();

  Run missing = Frocket({"run"});
  ASSERT_TRUE(missing.result.exited()) << missing.Describe();
  EXPECT_EQ(missing.result.exit_code, 2) << missing.Describe();
  EXPECT_NE(missing.result.err.find("frocket: error:"), std::string::npos) << missing.Describe();
  EXPECT_NE(missing.result.err.find("NAME"), std::string::npos) << missing.Describe();
  EXPECT_NE(missing.result.err.find("frocket run --help"), std::string::npos) << missing.Describe();

  Run no_topic = Frocket({"help", "nothing"});
  EXPECT_EQ(no_topic.result.exit_code, 2) << no_topic.Describe();
  EXPECT_NE(no_topic.result.err.find("no command 'nothing'"), std::string::npos);
}

TEST_F(EmbeddedCli, VersionIsPrinted) {
  Run r = Frocket({"--version"});
  ASSERT_TRUE(r.result.exited() && r.result.exit_code == 0) << r.Describe();
  EXPECT_TRUE(std::regex_search(r.result.out, std::regex(R"(^frocket \d+\.\d+\.\d+)")))
      << r.Describe();
}

// The binary finds its libraries where the system keeps them, or in lib/ beside it (a Lambda
// package) — never in the working directory: files there named like them are not loaded.
TEST_F(EmbeddedCli, LibrariesAreNeverLoadedFromTheWorkingDirectory) {
  const std::string dir = Dir("cwd");
  for (const char* lib : {"libsqlite3.so.0", "libhiredis.so.0.14", "libcurl.so.4", "libz.so.1"}) {
    std::ofstream(dir + "/" + lib) << "not a library";
  }
  const ProcessResult r = RunProcess(
      {"/bin/sh", "-c", "cd '" + dir + "' && exec '" + FrocketBinary() + "' --version"}, 30);
  ASSERT_TRUE(r.exited()) << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("frocket ", 0), 0u) << r.out;
}

// ---------------------------------------------------------------------------------------------
// 3. Invalid queries: the error carries the JSON path.

TEST_F(EmbeddedCliWithDataset, InvalidQueryNamesTheJsonPath) {
  struct Case {
    std::string query;
    std::vector<std::string> mentions;
  };
  const std::vector<Case> cases = {
      {R"({"query":{"conditions":[{"filter":["no_such_col","==",1]}]}})",
       {"query.conditions[0].filter[0]", "no_such_col"}},
      {R"({"query":{"conditions":[{"filter":["event","=~","view"]}]}})",
       {"query.conditions[0].filter[1]", "=~"}},
      {R"({"query":{"conditions":[{"filter":["price","contains","x"]}]}})",
       {"query.conditions[0].filter[1]", "contains", "price"}},
      {R"({"query":{"conditions":[{"filter":{"column":"event","op":"==","value":5}}]}})",
       {"query.conditions[0].filter.value", "event"}},
      {R"({"query":{"conditions":[{"filter":["event","==","view"]},)"
       R"({"filters":[["event","==","buy"],["ghost_col",">",1]]}]}})",
       {"query.conditions[1].filters[1][0]", "ghost_col"}},
      {R"({"query":{"aggregations":[{"column":"ghost_col","type":"count"}]}})",
       {"query.aggregations[0].column", "ghost_col"}},
      {R"({"funnel":{"sequence":[{"filter":["event","==","view"]},)"
       R"({"filter":["ghost_col","==",1]}]}})",
       {"funnel.sequence[1].filter[0]", "ghost_col"}},
      {R"({"timeframe":{"from":"yesterday"}})", {"timeframe.from"}},
      {R"({"query":{"conditions":[{"filter":["event","==","view"]}],"relation":"$0 and $7"}})",
       {"query.relation", "$7"}},
      {R"({"qurey":{}})", {"qurey"}},
      {R"([1, 2])", {"query|object"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.query);
    Run r = Query("ds", c.query);
    ExpectFailure(r, c.mentions);
  }
  ExpectCounts(Empty("ds"), 8, 24);
}

// ---------------------------------------------------------------------------------------------
// 4. Base paths without parts.

TEST_F(EmbeddedCli, BasePathWithoutMatchingFiles) {
  const std::string empty = Dir("empty");
  ExpectRegisterFails(empty, "uid", "ts", {}, {empty, "no files|no part|no matching|nothing"});

  const std::string missing = root_ + "/does-not-exist";
  ExpectRegisterFails(missing, "uid", "ts", {}, {missing});
  EXPECT_FALSE(fs::exists(missing)) << "registration must not create the base path";

  const std::string data = Dir("data");
  WriteParts(data, GoodParts());
  ExpectRegisterFails(data, "uid", "ts", {"--pattern", "*.pq"}, {data, "*.pq"});

  // Files that are not parts (default pattern *.parquet).
  const std::string other = Dir("other");
  WriteFile(other + "/README.txt", "not a part\n");
  fs::create_directories(other + "/nested.parquet");  // a directory, not a part
  ExpectRegisterFails(other, "uid", "ts", {}, {other});

  // A base path that is a file.
  ExpectRegisterFails(data + "/" + PartName(0), "uid", "ts", {}, {PartName(0)});
}

// ---------------------------------------------------------------------------------------------
// 5. Required columns.

TEST_F(EmbeddedCli, MissingGroupIdColumn) {
  const std::string data = Dir("data");
  WriteParts(data, GoodParts());
  ExpectRegisterFails(data, "user_id", "ts", {}, {"user_id", "group id", PartName(0)});
}

TEST_F(EmbeddedCli, MissingTimestampColumn) {
  const std::string data = Dir("data");
  WriteParts(data, GoodParts());
  ExpectRegisterFails(data, "uid", "time", {}, {"'time'|\"time\"", "timestamp", PartName(0)});
}

TEST_F(EmbeddedCli, GroupIdColumnOfUnsupportedType) {
  // uid is a DOUBLE in the second part only.
  const std::string data = Dir("data");
  auto parts = GoodParts();
  parts[1].uid = PartSpec::Uid::kDouble;
  WriteParts(data, parts);
  ExpectRegisterFails(data, "uid", "ts", {},
                      {"uid", "group id", "FLOAT|DOUBLE|double", PartName(1)});
  // A group id column that is DOUBLE everywhere; also price (DOUBLE) as group id.
  const std::string all_double = Dir("all_double");
  WriteParts(all_double, {PartSpec{.users = Users(1, 4), .uid = PartSpec::Uid::kDouble},
                          PartSpec{.users = Users(5, 4), .uid = PartSpec::Uid::kDouble}});
  ExpectRegisterFails(all_double, "uid", "ts", {}, {"uid", "group id", "FLOAT|DOUBLE|double"});
  ExpectRegisterFails(data, "price", "ts", {}, {"price", "group id", "FLOAT|DOUBLE|double"});
}

TEST_F(EmbeddedCli, TimestampColumnThatIsAString) {
  const std::string data = Dir("data");
  auto parts = GoodParts();
  parts[1].ts_as_string = true;
  WriteParts(data, parts);
  ExpectRegisterFails(data, "uid", "ts", {},
                      {"'ts'|\"ts\"", "timestamp", "STRING|string", PartName(1)});
  // Another string column named as the timestamp everywhere.
  ExpectRegisterFails(data, "uid", "event", {}, {"event", "timestamp", "STRING|string"});
}

TEST_F(EmbeddedCli, GroupIdColumnWithNulls) {
  const std::string data = Dir("data");
  auto parts = GoodParts();
  parts[1].null_uid = true;
  WriteParts(data, parts);
  ExpectRegisterFails(data, "uid", "ts", {}, {"uid", "null", PartName(1)});
  // Also when it is the only part (validation "single" is implied).
  const std::string single = Dir("single");
  WriteParts(single, {PartSpec{.users = Users(1, 3), .null_uid = true}});
  ExpectRegisterFails(single, "uid", "ts", {}, {"uid", "null", PartName(0)});
}

TEST_F(EmbeddedCli, TimestampColumnWithNulls) {
  const std::string data = Dir("data");
  auto parts = GoodParts();
  parts[1].null_ts = true;
  WriteParts(data, parts);
  ExpectRegisterFails(data, "uid", "ts", {}, {"'ts'|\"ts\"", "null", PartName(1)});
  for (const char* mode : {"first_last", "sample", "single"}) {
    SCOPED_TRACE(mode);
    // The flawed part is the first: every mode inspects it.
    const std::string d = Dir(std::string("first_") + mode);
    WriteParts(d, {PartSpec{.users = Users(1, 3), .null_ts = true}, PartSpec{.users = Users(4, 3)},
                   PartSpec{.users = Users(7, 3)}});
    ExpectRegisterFails(d, "uid", "ts", {"--validation", mode},
                        {"'ts'|\"ts\"", "null", PartName(0)});
  }
}

TEST_F(EmbeddedCli, UnknownValidationModeIsRejected) {
  const std::string data = Dir("data");
  WriteParts(data, GoodParts());
  Run r = Register("ds", data, {"--validation", "paranoid"});
  ASSERT_TRUE(r.result.exited()) << r.Describe();
  EXPECT_NE(r.result.exit_code, 0) << r.Describe();
  EXPECT_NE(r.result.err.find("paranoid"), std::string::npos) << r.Describe();
  EXPECT_TRUE(ListNames().empty());
}

// A sampled part that is not Parquet at all, or empty, fails the registration naming it.
TEST_F(EmbeddedCli, CorruptPartAtRegistration) {
  const std::string data = Dir("data");
  WriteParts(data, GoodParts());
  WriteFile(data + "/" + PartName(1), std::string(300, 'g'));
  ExpectRegisterFails(data, "uid", "ts", {}, {PartName(1)});
  fs::resize_file(data + "/" + PartName(1), 0);
  ExpectRegisterFails(data, "uid", "ts", {}, {PartName(1)});
}

TEST_F(EmbeddedCli, EmptyArgumentsAreRejected) {
  const std::string data = Dir("data");
  WriteParts(data, GoodParts());
  ExpectRegisterFails(data, "", "ts", {}, {"group|Group"});
  ExpectRegisterFails(data, "uid", "", {}, {"timestamp|Timestamp"});
  ExpectRegisterFails("", "uid", "ts", {}, {"basepath|base path"});
  Run r = Frocket({"register", "", data, "uid", "ts", "--nopretty"});
  ExpectFailure(r, {"name"});
  EXPECT_EQ(ListNames(), std::vector<std::string>{"keep"});
}

// A relative base path is relative to where `register` ran; the registration must not
// depend on the directory later commands run in (resolve it, or refuse it).
TEST_F(EmbeddedCli, RelativeBasePathDoesNotDependOnTheWorkingDirectory) {
  WriteParts(Dir("data"), GoodParts());
  const std::string elsewhere = Dir("elsewhere");
  const fs::path cwd = fs::current_path();
  fs::current_path(root_);
  Run reg = Register("rel", "data");
  fs::current_path(elsewhere);
  Run run = Empty("rel");
  fs::current_path(cwd);
  if (reg.result.exit_code != 0) {
    ExpectFailure(reg, {"data"});  // refused: fine, if it says why
    return;
  }
  ExpectSuccess(reg);
  ExpectCounts(run, 8, 24);
  const json info = Info("rel");
  ASSERT_FALSE(info.is_null());
  EXPECT_EQ(info["dataset"]["basepath"], root_ + "/data") << info.dump();
}

// ---------------------------------------------------------------------------------------------
// 6. A group id in two parts.

TEST_F(EmbeddedCli, GroupIdInTwoParts) {
  const std::string data = Dir("data");
  WriteParts(data, {PartSpec{.users = {100, 101, 4242}}, PartSpec{.users = {4242, 200, 201}}});
  ExpectRegisterFails(data, "uid", "ts", {}, {"4242", PartName(0), PartName(1)});
  ExpectRegisterFails(data, "uid", "ts", {"--validation", "first_last"},
                      {"4242", PartName(0), PartName(1)});

  // String ids.
  const std::string strings = Dir("strings");
  WriteParts(strings, {PartSpec{.users = {1, 2, 77}, .uid = PartSpec::Uid::kString},
                       PartSpec{.users = {3, 4}, .uid = PartSpec::Uid::kString},
                       PartSpec{.users = {5, 77, 6}, .uid = PartSpec::Uid::kString}});
  ExpectRegisterFails(strings, "uid", "ts", {"--validation", "first_last"},
                      {"user-77", PartName(0), PartName(2)});

  // --skip-uniques: the user vouches for the partitioning; registration succeeds.
  MustRegister("dup", data, {"--skip-uniques"});
  EXPECT_EQ(ListNames(), (std::vector<std::string>{"dup", "keep"}));
  Run r = Empty("dup");
  ExpectSuccess(r);
  ASSERT_TRUE(r.out && r.out->contains("query")) << r.Describe();
  EXPECT_EQ((*r.out)["query"]["matchingGroupRows"], 18) << r.Describe();
}

// A registration says what it did not check: group ids across the parts it did not inspect
// (SINGLE, FIRST_LAST, a SAMPLE short of every part, --skip-uniques), in its answer and on
// stderr. Every part inspected: nothing to say.
TEST_F(EmbeddedCli, RegistrationWarnsWhenGroupIdsAreNotCheckedAcrossEveryPart) {
  const std::string data = Dir("data");
  WriteParts(data, {PartSpec{.users = {1, 2}}, PartSpec{.users = {3}}, PartSpec{.users = {4, 5}}});
  struct Case {
    std::vector<std::string> args;
    Environment env;
    std::string warning;  // "" for none
  };
  const std::vector<Case> cases = {
      {{"--validation", "first_last"}, {}, "across 2 of the 3 parts only (validation FIRST_LAST)"},
      {{"--validation", "single"}, {}, "across 1 of the 3 parts only (validation SINGLE)"},
      {{"--validation", "sample"},
       {{"FROCKET_VALIDATION_SAMPLE_RATIO", "0.5"}},
       "across 2 of the 3 parts only (validation SAMPLE)"},
      {{"--skip-uniques"}, {}, "not checked to be unique across the 3 parts (--skip-uniques)"},
      {{"--validation", "sample"}, {{"FROCKET_VALIDATION_SAMPLE_RATIO", "1"}}, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.args[0] + " " + c.args.back());
    std::vector<std::string> args = {"register", "ds", data, "uid", "ts", "--nopretty"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    Environment env = c.env;
    env.push_back({"FROCKET_HOME", home_});
    Run r = RunFrocket(args, env, 30);
    ExpectSuccess(r);
    ASSERT_TRUE(r.out) << r.Describe();
    if (c.warning.empty()) {
      EXPECT_FALSE(r.out->contains("warnings")) << r.Describe();
      EXPECT_EQ(r.result.err.find("warning"), std::string::npos) << r.Describe();
      continue;
    }
    ASSERT_TRUE(r.out->contains("warnings")) << r.Describe();
    ASSERT_EQ((*r.out)["warnings"].size(), 1u) << r.Describe();
    const std::string w = (*r.out)["warnings"][0];
    EXPECT_NE(w.find(c.warning), std::string::npos) << w;
    EXPECT_NE(w.find("counted twice"), std::string::npos) << w;
    EXPECT_NE(r.result.err.find("frocket: warning: " + w), std::string::npos) << r.Describe();
  }
}

TEST_F(EmbeddedCli, QueryOverFilesWarnsOrChecksThatGroupsAreUnique) {
  const std::string data = Dir("data");
  WriteParts(data, {PartSpec{.users = {100, 101, 4242}}, PartSpec{.users = {4242, 200, 201}}});
  const std::vector<std::string> files = {data + "/" + PartName(0), data + "/" + PartName(1)};
  auto query = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {
        "query", files[0],  files[1],    "--group-id-column", "uid", "--timestamp-column",
        "ts",    "--empty", "--nopretty"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Frocket(args);
  };
  Run unchecked = query({});
  ExpectSuccess(unchecked);
  EXPECT_NE(unchecked.result.err.find("not checked to be unique"), std::string::npos)
      << unchecked.Describe();
  Run checked = query({"--check-unique"});
  ExpectFailure(checked, {"4242", files[0], files[1]});
  // Disjoint files pass the check, and one file needs no warning.
  const std::string good = Dir("good");
  WriteParts(good, {PartSpec{.users = {1, 2}}, PartSpec{.users = {3}}});
  Run fine =
      Frocket({"query", good + "/" + PartName(0), good + "/" + PartName(1), "--group-id-column",
               "uid", "--timestamp-column", "ts", "--empty", "--nopretty", "--check-unique"});
  ExpectSuccess(fine);
  EXPECT_EQ(fine.result.err.find("warning"), std::string::npos) << fine.Describe();
}

// ---------------------------------------------------------------------------------------------
// 7. Parts whose schemas differ.

TEST_F(EmbeddedCli, SchemaMismatchBetweenParts) {
  struct Case {
    std::string name;
    std::function<void(PartSpec*)> flaw;  // applied to the last part (part-2)
    std::vector<std::string> mentions;
    // Statements a correct message cannot make (they say the opposite of the facts).
    std::vector<std::string> falsehoods;
  };
  const std::vector<Case> cases = {
      // price is FLOAT (DOUBLE) in part-0 and INT in part-2.
      {"type_differs",
       [](PartSpec* p) { p->price_as_int = true; },
       {"price", "INT", "FLOAT"},
       {"INT in part-0.parquet", "FLOAT in part-2.parquet"}},
      // event is in part-0, missing from part-2.
      {"column_missing_in_last",
       [](PartSpec* p) { p->without_event = true; },
       {"event"},
       {"missing from part-0.parquet", "found in part-2.parquet"}},
      // coupon is in part-2 only, missing from part-0.
      {"column_missing_in_first",
       [](PartSpec* p) { p->extra_string_columns = {"coupon"}; },
       {"coupon"},
       {"missing from part-2.parquet", "found in part-0.parquet", "in part-2.parquet, it lacks"}},
  };
  for (const auto& c : cases) {
    for (const char* mode : {"first_last", "sample"}) {
      SCOPED_TRACE(c.name + " --validation " + mode);
      const std::string d = Dir(c.name + "_" + mode);
      std::vector<PartSpec> parts = {PartSpec{.users = Users(1, 3)}, PartSpec{.users = Users(4, 3)},
                                     PartSpec{.users = Users(7, 3)}};
      c.flaw(&parts.back());
      WriteParts(d, parts);
      std::vector<std::string> mentions = c.mentions;
      mentions.push_back(PartName(0));
      mentions.push_back(PartName(2));
      ExpectRegisterFails(d, "uid", "ts", {"--validation", mode}, mentions);
      Run r = Register("again", d, {"--validation", mode});
      ASSERT_TRUE(r.out && r.out->contains("errorMessage")) << r.Describe();
      const std::string message = (*r.out)["errorMessage"].get<std::string>();
      for (const auto& wrong : c.falsehoods) {
        EXPECT_EQ(message.find(wrong), std::string::npos)
            << "the message states the mismatch backwards (\"" << wrong << "\"): " << message;
      }
    }
  }
}

// A part that validation did not sample (first_last skips the middle) and that lacks a column
// or holds null timestamps: registration cannot know, but a query reading it must fail naming
// the part, not answer without it.
TEST_F(EmbeddedCli, UnsampledFlawedPartFailsTheQueryNamingIt) {
  const std::string missing_column = Dir("missing_column");
  WriteParts(missing_column,
             {PartSpec{.users = Users(1, 3)}, PartSpec{.users = Users(4, 3), .without_event = true},
              PartSpec{.users = Users(7, 3)}});
  MustRegister("ds", missing_column, {"--validation", "first_last"});
  ExpectFailure(Query("ds", R"({"query":{"conditions":[{"filter":["event","==","buy"]}]}})"),
                {PartName(1), "event"});

  const std::string null_ts = Dir("null_ts");
  WriteParts(null_ts,
             {PartSpec{.users = Users(1, 3)}, PartSpec{.users = Users(4, 3), .null_ts = true},
              PartSpec{.users = Users(7, 3)}});
  MustRegister("nulls", null_ts, {"--validation", "first_last"});
  ExpectFailure(Empty("nulls"), {PartName(1), "'ts'|\"ts\"", "null"});
}

// ---------------------------------------------------------------------------------------------
// 8. A part corrupt at query time; 9. a part that vanished.

class EmbeddedCliBrokenPart : public EmbeddedCli {
 protected:
  void SetUp() override {
    EmbeddedCli::SetUp();
    data_ = Dir("data");
    WriteParts(data_, {PartSpec{.users = Users(1, 4)}, PartSpec{.users = Users(5, 4)},
                       PartSpec{.users = Users(9, 4)}});
    MustRegister("ds", data_);
    for (size_t i = 0; i < 3; ++i) registered_mtimes_.push_back(fs::last_write_time(Part(i)));
    ExpectCounts(Empty("ds"), 12, 36);
    ExpectCounts(Query("ds", kBuyQuery), 12, 36);
  }
  std::string Part(size_t i) const { return data_ + "/" + PartName(i); }
  // Writes part i as registered, modification time included (a part rewritten at another
  // time counts as changed since registration).
  void Restore(size_t i) {
    WritePart(Part(i), PartSpec{.users = Users(1 + 4 * int64_t(i), 4)});
    fs::last_write_time(Part(i), registered_mtimes_.at(i));
  }

  // Both queries fail naming the part; the dataset stays registered and unchanged.
  void ExpectQueriesFailNaming(size_t i) {
    for (const std::string& q : {std::string("{}"), std::string(kBuyQuery)}) {
      SCOPED_TRACE(q);
      ExpectFailure(Query("ds", q), {PartName(i)});
    }
    EXPECT_EQ(ListNames(), std::vector<std::string>{"ds"});
  }

  static constexpr const char* kBuyQuery =
      R"({"query":{"conditions":[{"filter":["event","==","buy"]}],)"
      R"("aggregations":[{"column":"price","type":"count"}]}})";
  std::string data_;
  std::vector<fs::file_time_type> registered_mtimes_;
};

TEST_F(EmbeddedCliBrokenPart, PartOverwrittenWithGarbage) {
  const auto size = fs::file_size(Part(1));
  std::string garbage(size, '\0');
  uint32_t x = 12345;
  for (auto& c : garbage) {
    x = x * 1103515245 + 12345;
    c = static_cast<char>(x >> 24);
  }
  WriteFile(Part(1), garbage);
  ExpectQueriesFailNaming(1);
  Restore(1);
  ExpectCounts(Empty("ds"), 12, 36);
}

TEST_F(EmbeddedCliBrokenPart, PartTruncated) {
  fs::resize_file(Part(2), fs::file_size(Part(2)) / 2);
  ExpectQueriesFailNaming(2);
  fs::resize_file(Part(0), 0);
  ExpectQueriesFailNaming(0);
}

TEST_F(EmbeddedCliBrokenPart, PartWithCorruptPagesButIntactFooter) {
  std::string bytes = ReadFile(Part(1));
  ASSERT_GT(bytes.size(), 16u);
  uint32_t footer = 0;
  std::memcpy(&footer, bytes.data() + bytes.size() - 8, 4);
  ASSERT_LT(footer + 8 + 4, bytes.size());
  // Everything between the leading magic and the footer: every page of every column.
  for (size_t i = 4; i < bytes.size() - 8 - footer; ++i) bytes[i] = static_cast<char>(0x5a ^ i);
  WriteFile(Part(1), bytes);
  ExpectQueriesFailNaming(1);
}

TEST_F(EmbeddedCliBrokenPart, PartVanished) {
  fs::remove(Part(1));
  ExpectQueriesFailNaming(1);
  Restore(1);
  ExpectCounts(Empty("ds"), 12, 36);
  // The whole base path gone.
  fs::remove_all(data_);
  for (const std::string& q : {std::string("{}"), std::string(kBuyQuery)}) {
    SCOPED_TRACE(q);
    ExpectFailure(Query("ds", q), {"part-"});
  }
}

TEST_F(EmbeddedCliBrokenPart, PartReplacedByADirectory) {
  fs::remove(Part(2));
  fs::create_directories(Part(2));
  ExpectQueriesFailNaming(2);
}

TEST_F(EmbeddedCliBrokenPart, PartReplacedByACopyOfAnotherPart) {
  // Same size and valid Parquet: only the recorded version tells. Read as it is, users 1..4
  // would be counted twice (16 groups) and the answer presented as complete.
  fs::copy_file(Part(0), Part(1), fs::copy_options::overwrite_existing);
  ExpectQueriesFailNaming(1);
  ExpectFailure(Empty("ds"), {PartName(1), "changed after the dataset was registered"});
  Restore(1);
  ExpectCounts(Empty("ds"), 12, 36);
}

TEST_F(EmbeddedCliBrokenPart, PartRewrittenWithOtherColumnTypes) {
  WritePart(Part(1), PartSpec{.users = Users(5, 4), .price_as_int = true});
  Run r = Query("ds", kBuyQuery);
  ExpectFailure(r, {PartName(1), "register the dataset again"});
  EXPECT_FALSE(Mentions(r.result.err, "invalid query"))
      << "the query is not at fault: " << r.Describe();
}

TEST_F(EmbeddedCliBrokenPart, PartReplacedByAFifoFailsAtOnce) {
  // open(2) of a FIFO blocks until a writer comes, unless told not to: the query must fail
  // naming the part, well within the test's 20 s, not hang.
  fs::remove(Part(2));
  ASSERT_EQ(::mkfifo(Part(2).c_str(), 0644), 0) << std::strerror(errno);
  for (const std::string& q : {std::string("{}"), std::string(kBuyQuery)}) {
    Run r = Frocket({"run", "ds", "--string", q, "--nopretty"}, /*timeout_seconds=*/20);
    ExpectFailure(r, {PartName(2)});
  }
  // Registering over it fails the same way (listing skips what is not a regular file).
  fs::remove(Part(0));
  ASSERT_EQ(::mkfifo(Part(0).c_str(), 0644), 0) << std::strerror(errno);
  Run r = Frocket({"register", "other", data_ + "/" + PartName(0), "uid", "ts", "--nopretty"}, 20);
  ASSERT_TRUE(r.result.exited()) << "hung or crashed: " << r.Describe();
  EXPECT_EQ(r.result.exit_code, 1) << r.Describe();
}

TEST_F(EmbeddedCliBrokenPart, TaskStuckPastTheRunTimeoutIsAbandoned) {
  // A read that never returns (a hung network file system), stood in for by the test-only
  // fault injection: the query fails soon after the run timeout, naming the part.
  const auto start = std::chrono::steady_clock::now();
  Run r = RunFrocket({"run", "ds", "--empty", "--nopretty"},
                     {{"FROCKET_HOME", home_},
                      {"FROCKET_INVOKER_RUN_TIMEOUT", "2"},
                      {"FROCKET_WORKER_FAULT_INJECTION", "part-1@1:sleep=120000"}},
                     /*timeout_seconds=*/30);
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ExpectFailure(r, {PartName(1), "abandoned", "FROCKET_INVOKER_RUN_TIMEOUT"});
  EXPECT_LT(took, 10) << r.Describe();
}

// ---------------------------------------------------------------------------------------------
// Files and values that once crashed, hung or misled frocket.

TEST_F(EmbeddedCli, DuplicateColumnNamesAreRefused) {
  const std::string dir = Dir("dup");
  WriteParquet(
      dir + "/part-0.parquet",
      {{"uid", parquet::PhysicalType::kInt64, {int64_t{1}, int64_t{2}}},
       {"ts", parquet::PhysicalType::kInt64, {int64_t{10}, int64_t{20}}},
       {"price", parquet::PhysicalType::kDouble, {1.5, 2.5}},
       {"pricf", parquet::PhysicalType::kByteArray, {std::string("a"), std::string("b")}}});
  // frocket's writer refuses duplicate names; rename the second column in the footer bytes.
  std::string bytes = ReadFile(dir + "/part-0.parquet");
  size_t renamed = 0;
  for (size_t at = bytes.find("pricf"); at != std::string::npos; at = bytes.find("pricf", at)) {
    bytes[at + 4] = 'e';
    ++renamed;
  }
  ASSERT_GT(renamed, 0u);
  WriteFile(dir + "/part-0.parquet", bytes);
  ExpectRegisterFails(dir, "uid", "ts", {}, {"two columns named 'price'", "part-0.parquet"});
  Run q =
      Frocket({"query", dir + "/part-0.parquet", "--group-id-column", "uid", "--timestamp-column",
               "ts", "--string",
               R"({"query":{"aggregations":[{"column":"price","type":"count"}]}})", "--nopretty"});
  ASSERT_TRUE(q.result.exited()) << q.Describe();
  EXPECT_EQ(q.result.exit_code, 1) << q.Describe();
  EXPECT_TRUE(Mentions(q.result.err, "two columns named 'price'")) << q.Describe();
}

TEST_F(EmbeddedCli, InfinityInAFloatColumnLeavesAUsableDataset) {
  const std::string dir = Dir("inf");
  const double inf = std::numeric_limits<double>::infinity();
  WriteParquet(dir + "/part-0.parquet",
               {{"uid", parquet::PhysicalType::kInt64, {int64_t{1}, int64_t{1}, int64_t{2}}},
                {"ts", parquet::PhysicalType::kDouble, {1.0, inf, 3.0}},
                {"price", parquet::PhysicalType::kDouble, {inf, -inf, 2.5}}});
  Run reg = Frocket({"register", "inf", dir, "uid", "ts", "--nopretty"});
  ExpectSuccess(reg);
  const json info = Info("inf");
  ASSERT_FALSE(info.is_null()) << "info fails after registering ±Infinity";
  // Short schema (Funnel Rocket's shape): JSON has no Infinity, so it is written as a string.
  EXPECT_EQ(info["schema"]["maxTimestamp"], "Infinity") << info.dump();
  Run full = Frocket({"info", "inf", "--full", "--nopretty"});
  ASSERT_EQ(full.result.exit_code, 0) << full.Describe();
  ASSERT_TRUE(full.out.has_value()) << full.Describe();
  const json price = full.out->at("schema").at("columns").at("price").at("colattrs");
  EXPECT_EQ(price.value("numericMin", json()), "-Infinity") << full.Describe();
  EXPECT_EQ(price.value("numericMax", json()), "Infinity") << full.Describe();
  // Queries work: user 1 has a price of +inf (> 100); user 2 has 2.5.
  ExpectCounts(Query("inf", R"({"query":{"conditions":[{"filter":["price",">",100]}]}})"), 1, 2);
  ExpectCounts(Empty("inf"), 2, 3);
}

TEST_F(EmbeddedCli, InvalidUtf8IsWrittenAsReplacementCharacters) {
  const std::string dir = Dir("latin1");
  // A string value in Latin-1: "café" with é as the byte 0xE9.
  const std::string cafe = "caf\xe9";
  WriteParquet(dir + "/part-0.parquet",
               {{"uid", parquet::PhysicalType::kInt64, {int64_t{1}, int64_t{2}, int64_t{2}}},
                {"ts", parquet::PhysicalType::kInt64, {int64_t{10}, int64_t{20}, int64_t{30}}},
                {"event", parquet::PhysicalType::kByteArray, {cafe, std::string("view"), cafe}}});
  ExpectSuccess(Frocket({"register", "latin1", dir, "uid", "ts", "--nopretty"}));
  Run r =
      Query("latin1", R"({"query":{"aggregations":[{"column":"event","type":"countPerValue"}]}})");
  ExpectSuccess(r);
  const json expected = {{"caf\xef\xbf\xbd", 2}, {"view", 1}};
  EXPECT_EQ(r.out->at("query").at("aggregations").at(0).at("value"), expected) << r.Describe();
  // The filter still compares the stored bytes: the UTF-8 "café" is another value.
  ExpectCounts(Query("latin1", R"({"query":{"conditions":[{"filter":["event","==","café"]}]}})"), 0,
               0);
  // A query typed in Latin-1 is malformed JSON: a clean error, not a crash.
  ExpectFailure(Query("latin1", "{\"query\":{\"conditions\":[{\"filter\":[\"event\",\"==\",\"" +
                                    cafe + "\"]}]}}"),
                {"malformed JSON"});
  // A part's file name in Latin-1 cannot be stored (names are kept as JSON text): refused,
  // the name shown escaped.
  const std::string named = Dir("latin1-name");
  fs::copy_file(dir + "/part-0.parquet", named + "/part-\xe9.parquet");
  ExpectRegisterFails(named, "uid", "ts", {}, {"part-\\xe9.parquet", "not UTF-8"});
}

TEST_F(EmbeddedCli, NumbersOutsideDoubleRangeAreCleanErrors) {
  WriteParts(root_ + "/data", GoodParts());
  MustRegister("ds", root_ + "/data");
  for (const std::string& q :
       {std::string(R"({"timeframe":{"from":1e400}})"),
        std::string(R"({"query":{"conditions":[{"filter":["price",">",-1e400]}]}})"),
        std::string(R"({"query":{"aggregations":[{"column":"event","top":1e400}]}})")}) {
    SCOPED_TRACE(q);
    ExpectFailure(Query("ds", q), {"number overflow"});
  }
  Run huge = Frocket({"generate", root_ + "/g", "--rows", "99999999999999999999"});
  ASSERT_TRUE(huge.result.exited()) << huge.Describe();
  EXPECT_EQ(huge.result.exit_code, 1) << huge.Describe();
  EXPECT_TRUE(Mentions(huge.result.err, "--parts")) << huge.Describe();
  Run big = Frocket({"generate", root_ + "/g", "--rows", "20000000000"});
  ASSERT_TRUE(big.result.exited()) << big.Describe();
  EXPECT_EQ(big.result.exit_code, 1) << big.Describe();
  EXPECT_TRUE(Mentions(big.result.err, "rows per part")) << big.Describe();
  // Missing parents are created.
  Run nested = Frocket({"generate", root_ + "/a/b/c", "--rows", "100", "--parts", "2"});
  EXPECT_EQ(nested.result.exit_code, 0) << nested.Describe();
  EXPECT_TRUE(fs::exists(root_ + "/a/b/c/part-00001.parquet")) << nested.Describe();
}

// ---------------------------------------------------------------------------------------------
// 10. Re-registering a name replaces it atomically.

TEST_F(EmbeddedCli, ReRegisteringReplacesTheDataset) {
  const std::string a = Dir("a");
  WriteParts(a, GoodParts());  // 8 users, 24 rows, 2 parts
  MustRegister("ds", a);
  ExpectCounts(Empty("ds"), 8, 24);
  const std::string price_query = R"({"query":{"conditions":[{"filter":["price",">",12.0]}]}})";
  ExpectCounts(Query("ds", price_query), 7, 21);  // users 2..8 bought for 10.5 + uid

  const std::string b = Dir("b");
  WriteParts(
      b,
      {PartSpec{.users = Users(101, 3), .rows_per_user = 2, .extra_string_columns = {"country"}},
       PartSpec{.users = Users(104, 3), .rows_per_user = 2, .extra_string_columns = {"country"}},
       PartSpec{.users = Users(107, 3), .rows_per_user = 2, .extra_string_columns = {"country"}}});
  MustRegister("ds", b);
  EXPECT_EQ(ListNames(), std::vector<std::string>{"ds"});
  ExpectCounts(Empty("ds"), 9, 18);
  ExpectCounts(Query("ds", R"({"query":{"conditions":[{"filter":["country","==","x-105"]}]}})"), 1,
               2);
  // rows_per_user 2: no buys, so no prices above 12.
  Run none = Query("ds", price_query);
  ExpectCounts(none, 0, 0);

  const json info = Info("ds");
  ASSERT_FALSE(info.is_null());
  EXPECT_EQ(info["dataset"]["basepath"], b) << info.dump();
  EXPECT_EQ(info["dataset"]["totalParts"], 3) << info.dump();
  EXPECT_EQ(info["parts"]["filenames"], (json{PartName(0), PartName(1), PartName(2)}))
      << info.dump();
  EXPECT_TRUE(info["schema"]["columns"].contains("country")) << info.dump();

  // The same base path again, its files rewritten: the new registration reads the new files.
  WriteParts(b, {PartSpec{.users = Users(1, 2)}, PartSpec{.users = Users(3, 2)},
                 PartSpec{.users = Users(5, 2)}});
  MustRegister("ds", b);
  ExpectCounts(Empty("ds"), 6, 18);
  // The columns of the previous registration are gone from the schema.
  ExpectFailure(Query("ds", R"({"query":{"conditions":[{"filter":["country","==","x"]}]}})"),
                {"country", "query.conditions[0].filter[0]"});
  EXPECT_EQ(ListNames(), std::vector<std::string>{"ds"});
}

// ---------------------------------------------------------------------------------------------
// The datastore location itself unusable.

TEST_F(EmbeddedCli, UnusableFrocketHome) {
  const std::string file = root_ + "/a-file";
  WriteFile(file, "x");
  const std::string home = file + "/home";  // under a regular file: cannot be created
  WriteParts(Dir("data"), GoodParts());
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"list", "--nopretty"},
        std::vector<std::string>{"register", "ds", root_ + "/data", "uid", "ts", "--nopretty"},
        std::vector<std::string>{"run", "ds", "--empty", "--nopretty"}}) {
    Run r = FrocketIn(home, args);
    SCOPED_TRACE(r.Describe());
    ASSERT_TRUE(r.result.exited());
    EXPECT_EQ(r.result.exit_code, 1);
    EXPECT_NE(r.result.err.find("frocket: error: "), std::string::npos);
    EXPECT_NE(r.result.err.find(file), std::string::npos) << "the error should name the path";
  }
  EXPECT_EQ(ReadFile(file), "x");

  // A datastore file that is not a SQLite database.
  const std::string bad_home = Dir("bad_home");
  WriteFile(bad_home + "/frocket.db", std::string(8192, 'z'));
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"list", "--nopretty"},
        std::vector<std::string>{"register", "ds", root_ + "/data", "uid", "ts", "--nopretty"},
        std::vector<std::string>{"run", "ds", "--empty", "--nopretty"},
        std::vector<std::string>{"unregister", "ds", "--nopretty"}}) {
    Run r = FrocketIn(bad_home, args);
    SCOPED_TRACE(r.Describe());
    ASSERT_TRUE(r.result.exited());
    EXPECT_EQ(r.result.exit_code, 1);
    EXPECT_NE(r.result.err.find(bad_home + "/frocket.db"), std::string::npos)
        << "the error should name the datastore file";
  }
  EXPECT_EQ(ReadFile(bad_home + "/frocket.db"), std::string(8192, 'z'));
}

// ---------------------------------------------------------------------------------------------
// 11. Several frocket processes using the datastore at once.

// Runs the commands at once, each a frocket process of its own.
std::vector<EmbeddedCli::Run> RunConcurrently(
    const std::string& home, const std::vector<std::vector<std::string>>& commands) {
  std::vector<EmbeddedCli::Run> runs(commands.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < commands.size(); ++i) {
    threads.emplace_back([&, i] { runs[i] = EmbeddedCli::FrocketIn(home, commands[i], 45); });
  }
  for (auto& t : threads) t.join();
  return runs;
}

// The first use of a datastore (the database file created, switched to WAL mode) by several
// processes at once, many times over: every one of them must succeed.
TEST_F(EmbeddedCli, ConcurrentFirstUseOfAFreshDatastore) {
  const std::string data = Dir("data");
  WriteParts(data, GoodParts());
  constexpr int kRounds = 30;
  int failed = 0;
  for (int round = 0; round < kRounds; ++round) {
    const std::string home = root_ + "/home-" + std::to_string(round);
    std::vector<std::vector<std::string>> commands;
    for (int i = 0; i < 6; ++i) {
      commands.push_back({"register", "ds" + std::to_string(i), data, "uid", "ts", "--nopretty"});
      if (i % 2 == 0) commands.push_back({"list", "--nopretty"});
    }
    for (const Run& r : RunConcurrently(home, commands)) {
      if (r.result.exit_code == 0) continue;
      if (++failed <= 3) {
        ADD_FAILURE() << "round " << round << " on a fresh datastore: " << r.Describe();
      }
    }
    Run list = FrocketIn(home, {"list", "--nopretty"});
    EXPECT_TRUE(list.out && list.out->is_array() && list.out->size() == 6u)
        << "round " << round << ": " << list.Describe();
  }
  EXPECT_EQ(failed, 0) << "processes that failed, of " << kRounds * 9;
}

TEST_F(EmbeddedCli, ConcurrentProcessesShareTheDatastore) {
  constexpr int kDatasets = 6;
  std::vector<std::string> dirs;
  for (int i = 0; i < kDatasets; ++i) {
    dirs.push_back(Dir("data" + std::to_string(i)));
    // Dataset i: i + 2 users per part, 3 parts.
    std::vector<PartSpec> parts;
    for (int p = 0; p < 3; ++p) parts.push_back(PartSpec{.users = Users(1000 * p, i + 2)});
    WriteParts(dirs.back(), parts);
  }
  auto run_all = [&](const std::vector<std::vector<std::string>>& commands) {
    return RunConcurrently(home_, commands);
  };

  // Round 1, on a datastore that does not exist yet: 6 registrations and 3 lists at once.
  std::vector<std::vector<std::string>> round1;
  for (int i = 0; i < kDatasets; ++i) {
    round1.push_back({"register", "ds" + std::to_string(i), dirs[i], "uid", "ts", "--nopretty"});
    if (i % 2 == 0) round1.push_back({"list", "--nopretty"});
  }
  for (const Run& r : run_all(round1)) ExpectSuccess(r);
  std::vector<std::string> expected;
  for (int i = 0; i < kDatasets; ++i) expected.push_back("ds" + std::to_string(i));
  EXPECT_EQ(ListNames(), expected);

  // Round 2: two queries per dataset, re-registrations of ds0 and ds1 under their readers,
  // and new registrations, all at once.
  std::vector<std::vector<std::string>> round2;
  std::vector<int> query_of;  // dataset index per command, -1 for others
  for (int i = 0; i < kDatasets; ++i) {
    for (int k = 0; k < 2; ++k) {
      round2.push_back({"run", "ds" + std::to_string(i), "--empty", "--nopretty"});
      query_of.push_back(i);
    }
  }
  for (int i = 0; i < 2; ++i) {
    round2.push_back({"register", "ds" + std::to_string(i), dirs[i], "uid", "ts", "--nopretty"});
    query_of.push_back(-1);
    round2.push_back(
        {"register", "extra" + std::to_string(i), dirs[i + 2], "uid", "ts", "--nopretty"});
    query_of.push_back(-1);
  }
  auto runs = run_all(round2);
  for (size_t c = 0; c < runs.size(); ++c) {
    if (query_of[c] >= 0) {
      const int users = 3 * (query_of[c] + 2);
      ExpectCounts(runs[c], users, users * 3);
    } else {
      ExpectSuccess(runs[c]);
    }
  }
  expected.push_back("extra0");
  expected.push_back("extra1");
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(ListNames(), expected);
  for (int i = 0; i < kDatasets; ++i) {
    const int users = 3 * (i + 2);
    ExpectCounts(Empty("ds" + std::to_string(i)), users, users * 3);
  }
}

}  // namespace
}  // namespace frocket::testing
