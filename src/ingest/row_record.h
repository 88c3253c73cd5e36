// A row on its way to its part: converted to the dataset's schema and packed as one record,
// which is what the part buffers hold, sort and spill (part_buffers.h).
//
// Layout, little-endian, unaligned:
//   u32 size of the whole record | i64 timestamp | u64 sequence | group id |
//   null bitmap of the other columns | their non-null values, in schema order
// A group id is an i64 (INT column) or u32 length + bytes (STRING). Values: INT, DOUBLE and
// TIMESTAMP 8 bytes, BOOL 1 byte, STRING a varint (LEB128) tag: code << 1 | 1 for the code of
// the value in its column's dictionary (string_dictionary.h), length << 1 for the value's
// bytes, which follow. The sequence — the input's
// number in the job << 40 | the record's line or row number in it — orders rows that tie on
// the sort key as the inputs held them, so that the output never depends on threads or
// spilling.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/cell_batch.h"
#include "ingest/ingest_schema.h"
#include "ingest/string_dictionary.h"
#include "parquet/column_vector.h"

namespace frocket::ingest {

// How rows are ordered within a part.
enum class RowOrder : uint8_t {
  kTime,   // by timestamp
  kGroup,  // by group id, then timestamp
};

// The part a group id belongs to: XXH64 (seed 0) of the id's text — an INT id written in
// decimal — modulo the number of parts. Stable across formats and runs, so that appended
// rows land in their group's part.
uint32_t PartOfGroup(std::string_view group_text, uint32_t parts);
uint32_t PartOfGroup(int64_t group_id, uint32_t parts);

inline uint32_t RecordSize(const uint8_t* record) {
  uint32_t size;
  std::memcpy(&size, record, 4);
  return size;
}

// A record's place in its part's order, for sorting and merging.
struct SortEntry {
  int64_t first = 0;   // timestamp (time order) or INT group id (group order)
  int64_t second = 0;  // 0 (time order) or timestamp (group order)
  uint64_t sequence = 0;
  const uint8_t* record = nullptr;
};

// The record format of a job: the schema, the order and the dictionaries of its STRING
// columns, which hold up to `dictionary_bytes` of values between them (0: every string stays
// in its records).
class RecordLayout {
 public:
  RecordLayout(const IngestSchema& schema, RowOrder order, size_t dictionary_bytes);
  RecordLayout(const RecordLayout&) = delete;
  RecordLayout& operator=(const RecordLayout&) = delete;

  const IngestSchema& schema() const { return schema_; }
  RowOrder order() const { return order_; }
  SortEntry EntryOf(const uint8_t* record) const;
  // Whether a sorts before b.
  bool Less(const SortEntry& a, const SortEntry& b) const {
    if (string_group_order_) {
      const int c = GroupText(a.record).compare(GroupText(b.record));
      if (c != 0) return c < 0;
    }
    if (a.first != b.first) return a.first < b.first;
    if (a.second != b.second) return a.second < b.second;
    return a.sequence < b.sequence;
  }
  std::string_view GroupText(const uint8_t* record) const;

  // The other columns: schema indexes, in record order.
  const std::vector<int>& value_columns() const { return value_columns_; }
  size_t bitmap_bytes() const { return (value_columns_.size() + 7) / 8; }
  // The dictionary of value column k (value_columns()[k]), or nullptr when not a STRING.
  StringDictionary* dictionary(size_t k) const { return dictionaries_[k].get(); }

 private:
  IngestSchema schema_;
  RowOrder order_;
  bool string_group_ = false;
  bool string_group_order_ = false;
  std::vector<int> value_columns_;
  std::atomic<int64_t> dictionary_budget_;
  std::vector<std::unique_ptr<StringDictionary>> dictionaries_;
};

// Converts rows of one input to records. The input's columns are matched to the schema's by
// name (a column the input lacks is NULL).
class RowEncoder {
 public:
  RowEncoder(const RecordLayout& layout, const std::vector<std::string>& input_columns,
             uint64_t input_number, uint32_t parts);

  // Encodes row `row` of `batch`; returns its part and sets `*record`, or returns -1 and sets
  // `*reason` ("category: detail") when a value does not fit.
  int Encode(const CellBatch& batch, size_t row, std::string_view* record, std::string* reason);

 private:
  // Starts the record with the timestamp, sequence and group id; returns the part or -1.
  int EncodeKeys(const CellBatch& batch, size_t row, const Cell& time_cell, const Cell& group_cell,
                 std::string* reason);

  // Appends a STRING value: its code when value column k's dictionary has one, else its bytes.
  void PutString(size_t k, const Cell& cell, std::string_view value, const CellBatch& batch);

  const RecordLayout& layout_;
  std::vector<int> input_of_;                        // per schema column: the input's column, or -1
  std::vector<std::unique_ptr<StringCodes>> codes_;  // per value column, STRING only
  uint64_t input_number_;
  uint32_t parts_;
  std::string record_;
  std::string scratch_;
  std::string group_text_;
};

// Decodes records into a row group's column vectors, the writer's input: plain form, but a
// STRING column with a dictionary in dictionary form (its entries the row group's distinct
// values, in order of first appearance) unless some value of the row group was not coded.
// The vectors' memory is reused from one row group to the next.
class ColumnAppender {
 public:
  explicit ColumnAppender(const RecordLayout& layout);
  void Append(const uint8_t* record);
  size_t rows() const { return rows_; }
  // Bytes of string values appended since the last RowGroup().
  size_t string_bytes() const { return string_bytes_; }
  // The vectors of the rows appended since the last call, in schema order; valid until the
  // next Append() or RowGroup().
  const std::vector<parquet::ColumnVector>& RowGroup();

 private:
  // Codes up to this many are renumbered through a table per column (entry_of, 256 KB); a
  // row group holding a higher one is written in plain form (the writer's dictionary then
  // comes from hashing, as for text that was never coded).
  static constexpr size_t kMostCodes = size_t{1} << 16;

  struct Builder {
    ColumnKind kind = ColumnKind::kInt64;
    std::vector<uint8_t> present;  // one per row
    bool any_null = false;
    // A STRING column with a dictionary: the row group's entries, the global code of each,
    // and the entry of each global code (-1: none yet). `plain` once a value of the row group
    // came as bytes (or always, without a dictionary).
    StringDictionary* dictionary = nullptr;
    std::shared_ptr<parquet::ColumnVector> entries;
    std::vector<int32_t> coded;
    std::vector<int32_t> entry_of;
    bool plain = true;
  };
  void Clear();
  void AppendFixed(size_t column, const void* value, size_t width);
  void AppendString(size_t column, std::string_view s);
  void AppendCode(size_t column, int32_t code);
  void AppendNull(size_t column);
  // Turns the column's row group so far into plain form.
  void ToPlain(size_t column);
  static void PutString(parquet::ColumnVector* v, std::string_view s);

  const RecordLayout& layout_;
  std::vector<Builder> builders_;               // schema order
  std::vector<parquet::ColumnVector> vectors_;  // schema order
  size_t rows_ = 0;
  size_t string_bytes_ = 0;
  bool finished_ = false;  // RowGroup() returned the vectors: the next Append() clears them
};

}  // namespace frocket::ingest
