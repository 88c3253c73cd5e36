// Repartition: activity data in any layout — Parquet, CSV or JSON Lines files, partitioned by
// time or not at all — rewritten as a dataset partitioned by group id: N Parquet parts, each
// holding every row of its groups, ready to register.
//
// Every input record ends up either in a part or in the quarantine (DIR/_quarantine/*.jsonl)
// with its reason; DIR/_report.json records the partitioning and what each run read, wrote
// and quarantined, and its counts add up. Memory is bounded (rows beyond the limit are sorted
// and spilled to disk, then merged). The directory appears, or changes, only when the job
// succeeds (output_dir.h).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "ingest/input_files.h"
#include "ingest/row_record.h"
#include "parquet/types.h"

namespace frocket::ingest {

// --max-bad-rows: "N" (records) or "P%" (of the records read).
struct BadRowLimit {
  int64_t rows = -1;
  double percent = -1;
};
Result<BadRowLimit> ParseBadRowLimit(const std::string& text);

// "512MB", "2G", "1000000" (bytes).
Result<uint64_t> ParseByteSize(const std::string& text);

// How far a job is: reading its inputs, then writing its parts.
struct RepartitionProgress {
  bool writing = false;
  uint64_t bytes_done = 0;  // of the inputs
  uint64_t bytes_total = 0;
  uint64_t records = 0;
  uint32_t parts_done = 0;
  uint32_t parts_total = 0;
};

struct RepartitionOptions {
  std::vector<std::string> inputs;
  std::string out;
  uint32_t parts = 0;        // with append: 0 or the dataset's
  std::string group_column;  // with append: empty or the dataset's
  std::string time_column;
  std::optional<InputFormat> format;
  std::vector<std::string> columns;          // --columns
  std::map<std::string, std::string> types;  // --type
  ReadSettings read;
  // Default ZSTD and 262,144 rows, or what the dataset was written with when appending.
  std::optional<parquet::CompressionCodec> codec;
  std::optional<int64_t> row_group_rows;
  std::optional<RowOrder> order;  // default: time (or the dataset's when appending)
  uint64_t memory_limit = 0;      // 0: a 16th of the allowed memory, 256 MB to 2 GB
  std::optional<BadRowLimit> max_bad_rows;
  bool append = false;
  size_t threads = 0;  // 0: one per core
  // Called from another thread about every quarter second.
  std::function<void(const RepartitionProgress&)> on_progress;
};

// Runs the job. Returns this run's report (also the last of _report.json's "runs"), or the
// error that stopped it, in which case nothing under `out` changed.
Result<nlohmann::json> Repartition(const RepartitionOptions& options);

// The name of part `part` of a dataset of `parts`: part-00000.parquet.
std::string PartFileName(uint32_t part, uint32_t parts);

}  // namespace frocket::ingest
