#include "ingest/input_files.h"

#include <sys/stat.h>

#include <filesystem>
#include <set>

#include "ingest/jsonl_reader.h"
#include "ingest/parquet_input.h"
#include "storage/object_store.h"

namespace frocket::ingest {

namespace fs = std::filesystem;

Result<InputFormat> ParseInputFormat(const std::string& name) {
  if (name == "parquet") return InputFormat::kParquet;
  if (name == "csv") return InputFormat::kCsv;
  if (name == "jsonl" || name == "ndjson") return InputFormat::kJsonl;
  return Status::Invalid("--format: unknown format '" + name +
                         "' (expected parquet, csv or jsonl)");
}

const char* InputFormatName(InputFormat format) {
  switch (format) {
    case InputFormat::kParquet:
      return "parquet";
    case InputFormat::kCsv:
      return "csv";
    case InputFormat::kJsonl:
      return "jsonl";
  }
  return "?";
}

namespace {

std::optional<InputFormat> FormatOfName(const std::string& name) {
  auto ends = [&](std::string_view ext) {
    return name.size() > ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0;
  };
  if (ends(".parquet") || ends(".pq")) return InputFormat::kParquet;
  if (ends(".csv")) return InputFormat::kCsv;
  if (ends(".jsonl") || ends(".ndjson") || ends(".json")) return InputFormat::kJsonl;
  return std::nullopt;
}

std::string Join(const std::string& dir, const std::string& name) {
  return dir + (dir.empty() || dir.back() == '/' ? "" : "/") + name;
}

// Lists `dir` for `pattern`; `from_directory`: only the files of the format.
Status AddListed(const std::string& arg, const std::string& dir, const std::string& pattern,
                 bool from_directory, std::optional<InputFormat> format,
                 std::vector<InputFile>* out) {
  FROCKET_ASSIGN_OR_RETURN(auto store, ObjectStoreFor(dir));
  FROCKET_ASSIGN_OR_RETURN(auto entries, store->List(dir, pattern));
  size_t added = 0;
  for (const ObjectEntry& e : entries) {
    if (e.name.starts_with("_") || e.name.starts_with(".")) continue;
    std::optional<InputFormat> f = FormatOfName(e.name);
    if (from_directory && format && f && *f != *format) continue;
    if (!format && !f) {
      if (from_directory) continue;
      return Status::Invalid(Join(dir, e.name) +
                             ": cannot tell its format from its name (say it with --format)");
    }
    out->push_back({Join(dir, e.name), format ? *format : *f, e.size});
    ++added;
  }
  if (added == 0) return Status::Invalid(arg + ": names no input files");
  return Status::OK();
}

}  // namespace

Result<std::vector<InputFile>> ExpandInputs(const std::vector<std::string>& args,
                                            std::optional<InputFormat> format) {
  std::vector<InputFile> out;
  for (const std::string& arg : args) {
    const size_t slash = arg.rfind('/');
    const std::string last = slash == std::string::npos ? arg : arg.substr(slash + 1);
    const std::string dir = slash == std::string::npos ? "." : arg.substr(0, slash + 1);
    if (last.find_first_of("*?[") != std::string::npos) {
      FROCKET_RETURN_IF_ERROR(AddListed(arg, dir, last, false, format, &out));
      continue;
    }
    const bool is_s3 = arg.starts_with("s3://");
    // "s3://bucket" and "s3://bucket/prefix/" are listed, like directories.
    const bool s3_listing =
        is_s3 &&
        (last.empty() || arg.find('/', std::string_view("s3://").size()) == std::string::npos);
    struct stat st;
    if (s3_listing) {
      FROCKET_RETURN_IF_ERROR(
          AddListed(arg, last.empty() ? arg : arg + "/", "*", true, format, &out));
      continue;
    }
    if ((!is_s3 && ::stat(LocalPath(arg).c_str(), &st) == 0 && S_ISDIR(st.st_mode))) {
      FROCKET_RETURN_IF_ERROR(AddListed(arg, arg, "*", true, format, &out));
      continue;
    }
    FROCKET_ASSIGN_OR_RETURN(auto store, ObjectStoreFor(arg));
    auto source = store->Open(arg);
    if (!source.ok()) {
      return source.status().WithContext("input " + arg +
                                         (is_s3 ? " (a prefix to list ends with '/')" : ""));
    }
    FROCKET_ASSIGN_OR_RETURN(uint64_t size, (*source)->Size());
    std::optional<InputFormat> f = format ? format : FormatOfName(last);
    if (!f) {
      return Status::Invalid(arg + ": cannot tell its format from its name (say it with --format)");
    }
    out.push_back({arg, *f, size});
  }
  // The same file named twice — "./a.csv" and "a.csv", or through a link — would be read
  // twice.
  std::set<std::string> seen;
  for (const InputFile& f : out) {
    std::error_code ec;
    const std::string key =
        f.path.starts_with("s3://") ? f.path : fs::weakly_canonical(LocalPath(f.path), ec).string();
    if (!seen.insert(key.empty() ? f.path : key).second) {
      return Status::Invalid(f.path +
                             ": named twice among the inputs (its rows would be written twice)");
    }
  }
  if (out.empty()) return Status::Invalid("no input files");
  return out;
}

namespace {

Result<std::unique_ptr<ByteStream>> OpenStream(const InputFile& input) {
  FROCKET_ASSIGN_OR_RETURN(auto store, ObjectStoreFor(input.path));
  FROCKET_ASSIGN_OR_RETURN(auto source, store->Open(input.path));
  FROCKET_ASSIGN_OR_RETURN(uint64_t size, source->Size());
  return std::make_unique<ByteStream>(std::move(source), size);
}

Result<SampledInput> SampleText(const InputFile& input, const ReadSettings& settings,
                                const std::string& group_column, const std::string& time_column) {
  FROCKET_ASSIGN_OR_RETURN(auto stream, OpenStream(input));
  std::unique_ptr<RecordReader> reader;
  if (input.format == InputFormat::kCsv) {
    FROCKET_ASSIGN_OR_RETURN(reader, CsvReader::Open(std::move(stream), settings.csv));
  } else {
    FROCKET_ASSIGN_OR_RETURN(reader, JsonlReader::Open(std::move(stream), settings.sample_records));
  }
  const auto& names = reader->column_names();
  std::vector<ColumnSample> samples(names.size());
  CellBatch batch;
  size_t rows = 0;
  while (rows < settings.sample_records) {
    FROCKET_ASSIGN_OR_RETURN(bool more, reader->Next(settings.sample_records - rows, &batch));
    if (!more) break;
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      const Cell* cells = batch.row(r);
      for (size_t c = 0; c < names.size(); ++c) samples[c].Add(cells[c], names[c] == time_column);
    }
    rows += batch.num_rows() + batch.defects.size();
  }
  SampledInput out;
  for (size_t c = 0; c < names.size(); ++c) {
    if (settings.typed_columns.count(names[c])) {
      out.columns.columns.push_back({names[c], ColumnKind::kString, parquet::TimeUnit::kMicros});
      continue;
    }
    auto column =
        InferColumn(names[c], samples[c], names[c] == group_column, names[c] == time_column);
    if (!column.ok()) return column.status().WithContext(input.path);
    out.columns.columns.push_back(*column);
  }
  return out;
}

}  // namespace

Result<SampledInput> SampleInput(const InputFile& input, const ReadSettings& settings,
                                 const std::string& group_column, const std::string& time_column) {
  if (input.format != InputFormat::kParquet) {
    return SampleText(input, settings, group_column, time_column);
  }
  FROCKET_ASSIGN_OR_RETURN(auto store, ObjectStoreFor(input.path));
  FROCKET_ASSIGN_OR_RETURN(auto source, store->Open(input.path));
  auto file = parquet::ParquetFile::Open(std::move(source));
  if (!file.ok()) return file.status().WithContext(input.path);
  SampledInput out;
  for (const auto& c : (*file)->schema().columns()) {
    auto column = ParquetColumn(c);
    if (column.ok()) {
      out.columns.columns.push_back(*column);
    } else {
      out.unsupported.emplace_back(c.name, column.status().message());
    }
  }
  return out;
}

Result<std::unique_ptr<RecordReader>> OpenInput(const InputFile& input,
                                                const ReadSettings& settings,
                                                const std::vector<std::string>& all_columns,
                                                const std::vector<std::string>& wanted) {
  if (input.format == InputFormat::kParquet) {
    FROCKET_ASSIGN_OR_RETURN(auto store, ObjectStoreFor(input.path));
    FROCKET_ASSIGN_OR_RETURN(auto source, store->Open(input.path));
    FROCKET_ASSIGN_OR_RETURN(auto reader, ParquetRecordReader::Open(std::move(source)));
    reader->SetWantedColumns(wanted);
    return std::unique_ptr<RecordReader>(std::move(reader));
  }
  FROCKET_ASSIGN_OR_RETURN(auto stream, OpenStream(input));
  if (input.format == InputFormat::kCsv) {
    FROCKET_ASSIGN_OR_RETURN(auto reader, CsvReader::Open(std::move(stream), settings.csv));
    return std::unique_ptr<RecordReader>(std::move(reader));
  }
  return std::unique_ptr<RecordReader>(JsonlReader::WithColumns(std::move(stream), all_columns));
}

}  // namespace frocket::ingest
