#include "cli/query_command.h"

#include <iostream>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "common/config.h"
#include "common/json_text.h"
#include "engine/part_executor.h"
#include "query/query_parser.h"
#include "storage/local_file_source.h"
#include "table/part_loader.h"

namespace frocket::cli {

namespace {

Result<std::unique_ptr<parquet::ParquetFile>> Open(const std::string& path) {
  FROCKET_ASSIGN_OR_RETURN(auto source, LocalFileSource::Open(path));
  FROCKET_ASSIGN_OR_RETURN(
      auto file, parquet::ParquetFile::Open(std::shared_ptr<ByteSource>(std::move(source))));
  if (Status unique = table::CheckUniqueColumnNames(file->schema()); !unique.ok()) {
    return unique.WithContext(path);
  }
  return file;
}

// A group id as a map key, its type first ("i42", "sjohn").
std::string GroupKey(const table::Value& v) {
  if (const int64_t* i = std::get_if<int64_t>(&v)) return "i" + std::to_string(*i);
  if (const std::string* s = std::get_if<std::string>(&v)) return "s" + *s;
  return "?";
}

// The dataset schema is that of the first file; every file must agree on the columns used.
Result<nlohmann::ordered_json> Run(const QueryFilesArgs& args) {
  if (args.files.empty()) return Status::Invalid("no files given");
  std::vector<std::unique_ptr<parquet::ParquetFile>> files;
  for (const auto& path : args.files) {
    FROCKET_ASSIGN_OR_RETURN(auto f, Open(path));
    files.push_back(std::move(f));
  }
  query::DatasetSchema schema;
  schema.group_id_column = args.group_column;
  schema.timestamp_column = args.time_column;
  for (const auto& c : files[0]->schema().columns()) {
    if (auto t = table::QueryTypeOf(c)) schema.columns[c.name] = *t;
  }
  for (const std::string* required : {&args.group_column, &args.time_column}) {
    if (!schema.TypeOf(*required)) {
      return Status::Invalid(args.files[0] + ": no usable column '" + *required + "'");
    }
  }
  query::ParseOptions parse_options;
  FROCKET_ASSIGN_OR_RETURN(parse_options.default_top,
                           Config::Int("FROCKET_AGGREGATIONS_TOP_DEFAULT_COUNT", 1));
  engine::ExecOptions exec_options;
  FROCKET_ASSIGN_OR_RETURN(exec_options.exact_limit,
                           Config::Int("FROCKET_AGGREGATIONS_EXACT_LIMIT", 1));
  FROCKET_ASSIGN_OR_RETURN(query::Query q,
                           query::ParseQueryText(args.query_text, schema, parse_options));
  std::vector<std::string> columns = q.UsedColumns();
  columns.push_back(args.group_column);
  columns.push_back(args.time_column);
  std::sort(columns.begin(), columns.end());
  columns.erase(std::unique(columns.begin(), columns.end()), columns.end());

  if (files.size() > 1 && !args.check_unique) {
    std::cerr << "frocket: warning: group ids are not checked to be unique across the "
              << files.size()
              << " files (a group in two files would be counted twice); --check-unique checks\n";
  }
  std::unordered_map<std::string, size_t> owner;  // group id -> the file it is in
  std::optional<engine::PartResult> merged;
  for (size_t i = 0; i < files.size(); ++i) {
    for (const auto& name : columns) {
      int index = files[i]->schema().FindColumn(name);
      auto type = index < 0 ? std::nullopt : table::QueryTypeOf(files[i]->schema().column(index));
      if (type != schema.TypeOf(name)) {
        return Status::Invalid(args.files[i] + ": column '" + name +
                               "' is missing or has a "
                               "different type than in " +
                               args.files[0]);
      }
    }
    FROCKET_ASSIGN_OR_RETURN(
        auto part, table::LoadPart(*files[i], columns, args.group_column, args.time_column));
    if (args.check_unique) {
      const table::ValueCodes& groups = part->group_codes();
      for (int32_t g = 0; g < groups.num_values(); ++g) {
        auto [it, inserted] = owner.emplace(GroupKey(groups.value(g)), i);
        if (!inserted) {
          return Status::Invalid("group id " + GroupKey(groups.value(g)).substr(1) + " is in " +
                                 args.files[it->second] + " and in " + args.files[i] +
                                 "; each group must be in one file only");
        }
      }
    }
    FROCKET_ASSIGN_OR_RETURN(engine::PartResult r, engine::ExecuteQuery(*part, q, exec_options));
    if (!merged) {
      merged = std::move(r);
    } else {
      FROCKET_RETURN_IF_ERROR(engine::Merge(&*merged, r));
    }
  }
  nlohmann::ordered_json response;
  response["success"] = true;
  nlohmann::ordered_json body = engine::ResponseJson(*merged);
  response["query"] = body["query"];
  if (body.contains("funnel")) response["funnel"] = body["funnel"];
  if (auto warnings = engine::ValueWarnings(q, merged->value_checks); !warnings.empty()) {
    response["warnings"] = warnings;
  }
  return response;
}

}  // namespace

int RunQueryFiles(const QueryFilesArgs& args) {
  auto result = Run(args);
  nlohmann::ordered_json out;
  if (result.ok()) {
    out = std::move(*result);
  } else {
    out["success"] = false;
    out["errorMessage"] = result.status().message();
  }
  std::cout << JsonText(out, args.pretty ? 2 : -1) << "\n";
  if (!result.ok()) std::cerr << "frocket: error: " << result.status().message() << "\n";
  return result.ok() ? 0 : 1;
}

}  // namespace frocket::cli
