// JsonlReader: JSON Lines — one JSON object per line — read as records (RecordReader).
//
// Its columns are the keys of the objects: found by Open in the first records (first seen
// first), or given by the caller (the dataset's columns, merged over every input). A record
// with a key outside them, a line that is not a JSON object, invalid JSON or invalid UTF-8 is
// a defect. Nested values (objects, arrays) are kept as their JSON text.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "ingest/byte_stream.h"
#include "ingest/record_reader.h"

namespace frocket::ingest {

class JsonlReader final : public RecordReader {
 public:
  // A record longer than this is an error, not a defect: it cannot be held.
  static constexpr size_t kMaxRecordBytes = 64 << 20;

  // Finds the columns in the first `sample_records` records.
  static Result<std::unique_ptr<JsonlReader>> Open(std::unique_ptr<ByteStream> stream,
                                                   size_t sample_records);
  // Reads with the given columns.
  static std::unique_ptr<JsonlReader> WithColumns(std::unique_ptr<ByteStream> stream,
                                                  std::vector<std::string> columns);

  const std::vector<std::string>& column_names() const override { return columns_; }
  Result<bool> Next(size_t max_records, CellBatch* batch) override;
  uint64_t bytes_consumed() const override { return consumed_; }

 private:
  explicit JsonlReader(std::unique_ptr<ByteStream> stream) : stream_(std::move(stream)) {}
  void SetColumns(std::vector<std::string> columns);
  enum class LineStatus { kLine, kEnd, kNeedsCompaction };
  // The next non-blank line into `line` (without its terminator) and its number. Reading
  // further may need the buffer's consumed front dropped, which moves the text earlier lines
  // point into: unless `may_compact`, that is answered kNeedsCompaction.
  Result<LineStatus> NextLine(bool may_compact, std::string_view* line, int64_t* line_number);
  void AddRecord(std::string_view line, int64_t line_number, CellBatch* batch);

  std::unique_ptr<ByteStream> stream_;
  std::vector<std::string> columns_;
  std::unordered_map<std::string, size_t> column_index_;
  std::string buffer_;
  size_t pos_ = 0;            // next unread byte of buffer_
  uint64_t consumed_ = 0;     // stream bytes before buffer_[pos_]
  uint64_t buffer_base_ = 0;  // stream offset of buffer_[0]
  int64_t line_number_ = 0;   // of the last line returned
};

}  // namespace frocket::ingest
