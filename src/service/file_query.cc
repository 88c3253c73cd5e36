#include "service/file_query.h"

#include <thread>
#include <unordered_map>

#include "common/machine.h"
#include "common/parallel.h"
#include "storage/local_file_source.h"
#include "table/part_loader.h"

namespace frocket::service {

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

// The columns' types as queries see them; columns of no queryable type are left out.
std::map<std::string, ColumnType> QueryTypes(const parquet::Schema& schema) {
  std::map<std::string, ColumnType> types;
  for (const auto& c : schema.columns()) {
    if (auto t = table::QueryTypeOf(c)) types[c.name] = *t;
  }
  return types;
}

// A group id as a map key, its type first ("i42", "sjohn").
std::string GroupKey(const table::Value& v) {
  if (const int64_t* i = std::get_if<int64_t>(&v)) return "i" + std::to_string(*i);
  if (const std::string* s = std::get_if<std::string>(&v)) return "s" + *s;
  return "?";
}

// Each group id in one file only: `owner` maps the ids seen so far to their file.
Status CheckGroupsUnique(const table::Part& part, size_t file, const QueryFilesArgs& args,
                         std::unordered_map<std::string, size_t>* owner) {
  const table::ValueCodes& groups = part.group_codes();
  for (int32_t g = 0; g < groups.num_values(); ++g) {
    auto [it, inserted] = owner->emplace(GroupKey(groups.value(g)), file);
    if (!inserted) {
      return Status::Invalid("group id " + GroupKey(groups.value(g)).substr(1) + " is in " +
                             args.files[it->second] + " and in " + args.files[file] +
                             "; each group must be in one file only");
    }
  }
  return Status::OK();
}

}  // namespace

Result<QueryAnswer> QueryFiles(const QueryFilesArgs& args) {
  if (args.files.empty()) return Status::Invalid("no files given");
  std::vector<std::unique_ptr<parquet::ParquetFile>> files;
  for (const auto& path : args.files) {
    FROCKET_ASSIGN_OR_RETURN(auto f, Open(path));
    files.push_back(std::move(f));
  }
  const query::DatasetSchema schema(args.group_column, args.time_column,
                                    QueryTypes(files[0]->schema()));
  for (const std::string* required : {&args.group_column, &args.time_column}) {
    if (!schema.TypeOf(*required)) {
      return Status::Invalid(args.files[0] + ": no usable column '" + *required + "'");
    }
  }
  FROCKET_ASSIGN_OR_RETURN(QuerySettings settings, QuerySettings::FromConfig());
  FROCKET_ASSIGN_OR_RETURN(PreparedQuery prepared,
                           PrepareQueryText(args.query_text, schema, settings));

  // Checking the group ids needs every row of every file: no row group is skipped then.
  const table::TimeKeyRange timeframe =
      args.check_unique ? table::TimeKeyRange{}
                        : TimeframeKeys(prepared.query.timeframe, *schema.TypeOf(args.time_column));
  std::unordered_map<std::string, size_t> owner;  // group id -> the file it is in
  // File i's share of the answer.
  auto share = [&](size_t i) -> Result<engine::PartResult> {
    const std::map<std::string, ColumnType> types = QueryTypes(files[i]->schema());
    for (const auto& name : prepared.columns) {
      auto it = types.find(name);
      if (it == types.end() || it->second != schema.TypeOf(name)) {
        return Status::Invalid(args.files[i] + ": column '" + name +
                               "' is missing or has a different type than in " + args.files[0]);
      }
    }
    if (!args.check_unique) {
      FROCKET_ASSIGN_OR_RETURN(auto counted, CountOnFile(*files[i], prepared.query,
                                                         args.group_column, args.time_column));
      if (counted) return std::move(*counted);
    }
    FROCKET_ASSIGN_OR_RETURN(
        auto part, table::LoadPart(*files[i], prepared.columns, args.group_column, args.time_column,
                                   timeframe));
    if (args.check_unique) FROCKET_RETURN_IF_ERROR(CheckGroupsUnique(*part, i, args, &owner));
    return RunOnPart(*part, prepared.query, prepared.exact_limit);
  };
  // The files on every core; one after another when group ids are checked (the first file
  // holding an id owns it). Merged in file order, so the first failing file's error is told.
  std::vector<std::optional<Result<engine::PartResult>>> shares(files.size());
  const size_t threads = args.check_unique ? 1 : machine::UsableCores();
  ParallelFor(files.size(), threads, [&](size_t i) { shares[i] = share(i); });
  std::optional<engine::PartResult> merged;
  for (auto& r : shares) {
    if (!r->ok()) return r->status();
    FROCKET_RETURN_IF_ERROR(MergeInto(&merged, std::move(**r)));
  }
  return Answer(*merged, prepared.query);
}

}  // namespace frocket::service
