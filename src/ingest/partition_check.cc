#include "ingest/partition_check.h"

#include <filesystem>
#include <fstream>
#include <unordered_map>
#include <unordered_set>

#include "common/json_parse.h"
#include "ingest/output_dir.h"
#include "ingest/parquet_input.h"
#include "ingest/repartition.h"
#include "storage/object_store.h"

namespace frocket::ingest {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr size_t kShownProblems = 20;

struct Expectation {
  bool from_report = false;
  uint32_t parts = 0;
  bool group_order = false;
  std::vector<int64_t> rows;  // per part
};

class Checker {
 public:
  explicit Checker(Expectation e) : expect_(std::move(e)) {}
  void Problem(std::string what) {
    if (problems_.size() < kShownProblems) problems_.push_back(std::move(what));
    ++problem_count_;
  }
  Status CheckFile(const std::string& path, int part, const std::string& group_column,
                   const std::string& time_column);
  json Answer(const std::string& dir, size_t files) const {
    return {{"ok", problem_count_ == 0},
            {"directory", dir},
            {"parts", files},
            {"rows", rows_},
            {"groups", groups_},
            {"problemCount", problem_count_},
            {"problems", problems_}};
  }

 private:
  Expectation expect_;
  std::vector<std::string> problems_;
  int64_t problem_count_ = 0;
  int64_t rows_ = 0;
  int64_t groups_ = 0;
  std::unordered_map<std::string, std::string> owner_;  // without a report: id -> file
};

Status Checker::CheckFile(const std::string& path, int part, const std::string& group_column,
                          const std::string& time_column) {
  FROCKET_ASSIGN_OR_RETURN(auto store, ObjectStoreFor(path));
  FROCKET_ASSIGN_OR_RETURN(auto source, store->Open(path));
  FROCKET_ASSIGN_OR_RETURN(auto reader, ParquetRecordReader::Open(std::move(source)));
  const auto& names = reader->column_names();
  const auto g = std::find(names.begin(), names.end(), group_column) - names.begin();
  const auto t = std::find(names.begin(), names.end(), time_column) - names.begin();
  if (static_cast<size_t>(g) == names.size()) {
    return Status::Invalid(path + ": no group id column '" + group_column + "'");
  }
  reader->SetWantedColumns({group_column, time_column});
  const bool has_time = static_cast<size_t>(t) < names.size();
  std::unordered_set<std::string> groups;
  CellBatch batch;
  std::string previous_group;
  int64_t previous_time = INT64_MIN;
  int64_t rows = 0;
  bool order_reported = false;
  while (true) {
    FROCKET_ASSIGN_OR_RETURN(bool more, reader->Next(64 * 1024, &batch));
    if (!more) break;
    for (size_t r = 0; r < batch.num_rows(); ++r, ++rows) {
      const Cell& gc = batch.row(r)[g];
      if (gc.kind == CellKind::kNull) {
        Problem(path + " row " + std::to_string(rows) + ": the group id is NULL");
        continue;
      }
      const bool int_id = gc.kind == CellKind::kInt;
      std::string id = int_id ? std::to_string(gc.integer) : std::string(gc.text);
      if (expect_.from_report) {
        const uint32_t home = int_id ? PartOfGroup(gc.integer, expect_.parts)
                                     : PartOfGroup(std::string_view(id), expect_.parts);
        if (static_cast<int>(home) != part) {
          Problem(path + " row " + std::to_string(rows) + ": group id " + id + " belongs in part " +
                  std::to_string(home));
        }
      } else if (!groups.count(id)) {
        auto [it, fresh] = owner_.emplace(id, path);
        if (!fresh && it->second != path) {
          Problem("group id " + id + " is in " + it->second + " and in " + path);
        }
      }
      const int64_t time = has_time ? batch.row(r)[t].integer : 0;
      if (expect_.from_report && !order_reported) {
        const bool before =
            expect_.group_order
                ? (!previous_group.empty() &&
                   (int_id ? std::stoll(id) < std::stoll(previous_group) : id < previous_group))
                : time < previous_time;
        const bool tie_back = expect_.group_order && id == previous_group && time < previous_time;
        if (rows > 0 && (before || tie_back)) {
          Problem(path + " row " + std::to_string(rows) + ": out of order");
          order_reported = true;
        }
      }
      previous_time = time;
      previous_group = id;
      groups.insert(std::move(id));
    }
  }
  if (expect_.from_report && part >= 0 && expect_.rows[static_cast<size_t>(part)] != rows) {
    Problem(path + ": " + std::to_string(rows) + " rows where the report says " +
            std::to_string(expect_.rows[static_cast<size_t>(part)]));
  }
  rows_ += rows;
  groups_ += static_cast<int64_t>(groups.size());
  return Status::OK();
}

}  // namespace

Result<json> CheckPartitioning(const std::string& dir, const std::string& group_column_arg,
                               const std::string& time_column_arg) {
  std::string group_column = group_column_arg;
  std::string time_column = time_column_arg;
  Expectation expect;
  const std::string report_path = dir + "/" + OutputDir::kReportFile;
  std::error_code ec;
  if (fs::exists(report_path, ec)) {
    std::ifstream in(report_path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto report = ParseJson(text);
    if (!report.ok()) return report.status().WithContext(report_path);
    try {
      const json& p = report->at("partitioning");
      expect.from_report = true;
      expect.parts = p.at("parts").get<uint32_t>();
      expect.group_order = p.at("order").get<std::string>() == "group";
      group_column = p.at("groupIdColumn").get<std::string>();
      time_column = p.at("timestampColumn").get<std::string>();
      for (const json& part : report->at("parts"))
        expect.rows.push_back(part.at("rows").get<int64_t>());
    } catch (const json::exception& e) {
      return Status::Invalid(report_path + ": not a repartition report: " + e.what());
    }
    if (expect.rows.size() != expect.parts) {
      return Status::Invalid(report_path + ": lists " + std::to_string(expect.rows.size()) +
                             " parts where its partitioning says " + std::to_string(expect.parts));
    }
  } else if (group_column.empty()) {
    return Status::Invalid(dir + ": no " + std::string(OutputDir::kReportFile) +
                           "; say which column holds the group ids with --group-id-column");
  }
  FROCKET_ASSIGN_OR_RETURN(auto store, ObjectStoreFor(dir));
  FROCKET_ASSIGN_OR_RETURN(auto files, store->List(dir, "*.parquet"));
  Checker checker(expect);
  std::vector<bool> seen(expect.parts, false);
  for (const ObjectEntry& f : files) {
    int part = -1;
    if (f.name.starts_with("part-") && expect.parts > 0) {
      const uint64_t p = std::strtoull(f.name.c_str() + 5, nullptr, 10);
      if (p < expect.parts && f.name == PartFileName(static_cast<uint32_t>(p), expect.parts)) {
        part = static_cast<int>(p);
      }
    }
    if (expect.from_report && part < 0) {
      checker.Problem(f.name +
                      ": not one of the dataset's parts (registering the directory "
                      "would read it as one)");
      continue;
    }
    if (part >= 0) seen[static_cast<size_t>(part)] = true;
    FROCKET_RETURN_IF_ERROR(checker.CheckFile(dir + "/" + f.name, part, group_column, time_column));
  }
  for (uint32_t p = 0; p < expect.parts; ++p) {
    if (!seen[p]) checker.Problem(PartFileName(p, expect.parts) + ": missing");
  }
  return checker.Answer(dir, files.size());
}

}  // namespace frocket::ingest
