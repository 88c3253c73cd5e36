// CsvReader: a CSV file (RFC 4180 plus what real exports do: CRLF or LF, a BOM, blank lines)
// read as batches of text cells, with the records it cannot split kept as defects.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "ingest/byte_stream.h"
#include "ingest/cell_batch.h"
#include "ingest/record_reader.h"

namespace frocket::ingest {

struct CsvOptions {
  char delimiter = ',';
  char quote = '"';    // doubled inside a quoted field to mean one quote character
  bool header = true;  // false: columns are named column1, column2, ... after the first
                       // record's field count
};

// Every field is a kText cell (`quoted` for a quoted one) except an empty unquoted field,
// which is kNull; numbers are left as text for value conversion. A record with a ragged field
// count, bad quoting or invalid UTF-8 is a defect; a record longer than kMaxRecordBytes is an
// error, since it cannot be held.
class CsvReader final : public RecordReader {
 public:
  // Beyond this a record is almost surely an unterminated quote swallowing the file.
  static constexpr size_t kMaxRecordBytes = size_t{64} << 20;

  // Reads the header (or, without one, peeks at the first record) so column_names() is known.
  static Result<std::unique_ptr<CsvReader>> Open(std::unique_ptr<ByteStream> stream,
                                                 CsvOptions options);

  const std::vector<std::string>& column_names() const override { return column_names_; }
  Result<bool> Next(size_t max_records, CellBatch* batch) override;
  uint64_t bytes_consumed() const override { return erased_bytes_ + pos_; }

 private:
  // A field of the record being scanned: [begin, end) of buffer_, without its quotes.
  struct FieldSpan {
    size_t begin;
    size_t end;
    bool quoted;
    bool escaped;  // holds doubled quotes, to be unescaped
  };
  enum class QuoteError : uint8_t { kNone, kUnterminated, kMalformed };
  // The record being scanned (its fields in fields_): raw is [begin, end) of buffer_, the
  // next record starts at `next`.
  struct ScannedRecord {
    size_t begin = 0;
    size_t end = 0;
    size_t next = 0;
    int64_t newlines = 0;  // LFs from begin to next, the terminator's included
    QuoteError quote_error = QuoteError::kNone;
    size_t bad_field = 0;  // kMalformed: the 1-based field with characters after its quote
  };
  enum class ScanResult { kRecord, kNeedMore, kEnd };

  CsvReader(std::unique_ptr<ByteStream> stream, CsvOptions options)
      : stream_(std::move(stream)), options_(options) {}

  Status ReadHeader();
  Status PeekColumnCount();
  // The next non-blank record into record_ and fields_, reading more of the stream when
  // `may_read` (never while a batch points into buffer_). False at the end of the input, or
  // when more bytes are needed and `may_read` is false.
  Result<bool> NextRecord(bool may_read);
  ScanResult ScanRecord(size_t start);
  // Scans the quoted field whose opening quote is at *i; *i ends past its closing quote.
  ScanResult ScanQuotedField(size_t* i);
  Status Refill();
  // The defect reason for record_, or empty if it is a row.
  std::string DefectReason() const;
  void AppendRecord(CellBatch* batch);
  std::string ErrorAt(int64_t line, std::string_view what) const;

  std::unique_ptr<ByteStream> stream_;
  CsvOptions options_;
  std::vector<std::string> column_names_;
  std::string buffer_;         // unconsumed input from pos_ on
  size_t pos_ = 0;             // where the next record starts in buffer_
  uint64_t erased_bytes_ = 0;  // consumed bytes erased from the front of buffer_
  int64_t line_ = 1;           // the line number at pos_
  ScannedRecord record_;
  std::vector<FieldSpan> fields_;
};

}  // namespace frocket::ingest
