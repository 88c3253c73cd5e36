// The inputs of a repartition: the files its arguments name (files, directories, globs; local
// or s3://), the format of each, their columns, and a reader over each.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "ingest/csv_reader.h"
#include "ingest/ingest_schema.h"
#include "ingest/record_reader.h"

namespace frocket::ingest {

enum class InputFormat : uint8_t { kParquet, kCsv, kJsonl };

Result<InputFormat> ParseInputFormat(const std::string& name);  // parquet, csv, jsonl
const char* InputFormatName(InputFormat format);

struct InputFile {
  std::string path;
  InputFormat format = InputFormat::kParquet;
  uint64_t size = 0;
};

// The files the arguments name, in argument order, each directory's or glob's sorted by
// name. A directory gives its files of the format (by extension, or every file not starting
// with '.' or '_' when the format is given). Without `format`, a file's extension decides
// (.parquet/.pq, .csv, .jsonl/.ndjson/.json). Naming nothing, or a file twice, is an error.
Result<std::vector<InputFile>> ExpandInputs(const std::vector<std::string>& args,
                                            std::optional<InputFormat> format);

struct ReadSettings {
  CsvOptions csv;
  size_t sample_records = 10000;  // per text input, for its columns and their types
  // Columns whose type is decided elsewhere (--type, an existing dataset): not inferred.
  std::set<std::string> typed_columns;
};

// The input's columns and their types (a Parquet schema; a sample of a text input). Columns
// whose type repartition cannot write are listed in `unsupported` with why.
struct SampledInput {
  InputColumns columns;
  std::vector<std::pair<std::string, std::string>> unsupported;
};
Result<SampledInput> SampleInput(const InputFile& input, const ReadSettings& settings,
                                 const std::string& group_column, const std::string& time_column);

// A reader over the input. JSON Lines inputs read with `all_columns` (every input's, so that
// a key one input's sample missed is still a column); Parquet inputs decode only `wanted`.
Result<std::unique_ptr<RecordReader>> OpenInput(const InputFile& input,
                                                const ReadSettings& settings,
                                                const std::vector<std::string>& all_columns,
                                                const std::vector<std::string>& wanted);

}  // namespace frocket::ingest
