// QuarantineFile: the records of one input that did not make it into the dataset, as JSON
// Lines — where each came from (source and line or row), why, and the record itself (its raw
// text, or for Parquet its values) — and how many for each reason.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "ingest/cell_batch.h"

namespace frocket::ingest {

// A reason's category: its text up to the first ':' ("ragged line", "timestamp is NULL").
std::string_view ReasonCategory(std::string_view reason);

class QuarantineFile {
 public:
  // The file is created on the first record. `text_records`: origins are lines with raw text
  // (CSV, JSON Lines); otherwise rows whose values are written out.
  QuarantineFile(std::string path, std::string source, bool text_records);
  ~QuarantineFile();
  QuarantineFile(const QuarantineFile&) = delete;
  QuarantineFile& operator=(const QuarantineFile&) = delete;

  // `row` of `batch` is the record (for Parquet inputs); nullptr for a defect, whose raw text
  // is in `origin`.
  Status Add(const RecordOrigin& origin, std::string_view reason, const CellBatch* batch,
             size_t row, const std::vector<std::string>& column_names);
  Status Close();

  int64_t records() const { return records_; }
  const std::map<std::string, int64_t>& by_reason() const { return by_reason_; }

 private:
  Status Flush();

  std::string path_;
  std::string source_;
  bool text_records_;
  std::FILE* file_ = nullptr;
  std::string buffer_;
  int64_t records_ = 0;
  std::map<std::string, int64_t> by_reason_;
};

}  // namespace frocket::ingest
