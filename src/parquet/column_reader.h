// ColumnReader: decodes the column chunks of one column (one per row group) into a single
// ColumnVector: walks the pages of each chunk, checks and decompresses them, decodes levels
// and values, and places values at their rows.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/buffer.h"
#include "common/code_table.h"
#include "common/distinct_integers.h"
#include "common/status.h"
#include "parquet/column_vector.h"
#include "parquet/compression.h"
#include "parquet/decoder/byte_array_builder.h"
#include "parquet/metadata.h"
#include "parquet/read_options.h"
#include "parquet/schema.h"

namespace frocket::parquet {

class ColumnReader {
 public:
  // total_rows: the rows of all chunks that will be appended. data_size_hint: the chunks'
  // uncompressed size, which bounds a plain BYTE_ARRAY column's string data (a dictionary-
  // encoded one may grow past it).
  ColumnReader(const ColumnDescriptor& column, const ReadOptions& options, int64_t total_rows,
               uint64_t data_size_hint = 0);
  // Collects the distinct non-null values of an INT32 or INT64 column (INT32 sign-extended, or
  // zero-extended if unsigned, as the engine reads them) into *distinct instead of decoding
  // its rows: nothing per row is kept, and Finish() returns only the length and null count.
  // Dictionary-encoded pages cost a mark per row, and each dictionary entry that a row uses is
  // inserted once. Fails where reading the column in dictionary form would, with its message.
  // REQUIRES: column.physical_type is INT32 or INT64; column and *distinct outlive the reader.
  ColumnReader(const ColumnDescriptor& column, const ReadOptions& options, int64_t total_rows,
               DistinctIntegers* distinct);

  // Decodes one column chunk holding `num_rows` rows. Errors name the row group and page;
  // the caller adds the file and column.
  Status AppendChunk(std::span<const uint8_t> chunk, const ColumnMetaData& meta, int64_t num_rows,
                     int row_group);

  // REQUIRES: every chunk appended.
  Result<ColumnVector> Finish();

 private:
  Status Prepare();
  // One page of a chunk, rows_left rows of its row group still to read.
  Status ReadPage(const PageHeader& h, std::span<const uint8_t> body, int64_t rows_left,
                  bool* seen_data_page);
  Status MergeChunkDictionary(size_t n);
  template <size_t W>
  Status MergeIntegerDictionary(size_t n);
  Status ReadDictionaryPage(const PageHeader& header, std::span<const uint8_t> body);
  Status ReadDataPage(const PageHeader& header, std::span<const uint8_t> body);
  Status ReadDataPageV2(const PageHeader& header, std::span<const uint8_t> body);
  Status Decompress(std::span<const uint8_t> in, int32_t uncompressed_size, Buffer* out,
                    std::span<const uint8_t>* result);
  // Decodes the RLE definition levels of n values: *levels is null when all are present,
  // else one byte per value (1 = present).
  Status ReadRleLevels(const uint8_t* data, size_t size, size_t n, const uint8_t** levels,
                       size_t* present);
  // Decodes `levels` (one byte per value, 1 = present) into the validity bitmap at rows_.
  void ApplyLevels(const uint8_t* levels, size_t n);
  // Decodes a page's values to rows [rows_, rows_ + n): `present` of them are non-null,
  // placed by `levels` (null: all present).
  Status DecodeValues(int32_t encoding, std::span<const uint8_t> values, size_t present,
                      const uint8_t* levels, size_t n);
  Status DecodeDense(int32_t encoding, std::span<const uint8_t> values, size_t present);
  // Decodes `present` fixed-width values to dst.
  Status DecodeFixedDense(int32_t encoding, std::span<const uint8_t> values, size_t present,
                          uint8_t* dst);
  // Distinct form: plain values decoded and inserted; the chunk's used dictionary entries
  // inserted at its end.
  Status InsertDistinctDense(int32_t encoding, std::span<const uint8_t> values, size_t present);
  Status MarkDictionaryIndices(std::span<const uint8_t> values, int bit_width, size_t present);
  void InsertUsedDictionaryEntries();
  // Inserts n values of the column's width.
  void InsertDistinct(const uint8_t* values, size_t n);
  Status IndexOutOfRange(uint64_t index) const;
  Status DecodeDictionaryIndices(std::span<const uint8_t> values, size_t present);
  Status DecodeByteArrayDense(int32_t encoding, std::span<const uint8_t> values, size_t present,
                              ByteArrayBuilder* builder);
  void SpreadNulls(const uint8_t* levels, size_t present, size_t n);
  Status LeaveDictionaryForm();
  Status CheckBudget(uint64_t bytes, const char* what) const;
  // What grew past the budget while it was built (a string builder's limit).
  Status OverBudget(const char* what) const;

  const ColumnDescriptor& column_;
  ReadOptions options_;
  int64_t total_rows_;
  uint64_t data_size_hint_;
  int32_t width_;  // bytes per value, 0 for BYTE_ARRAY
  int32_t codec_ = 0;
  bool dictionary_form_;  // output in dictionary form (BYTE_ARRAY, while every page allows it)
  DistinctIntegers* distinct_ = nullptr;  // distinct form: the values go here, not to rows

  ColumnVector out_;
  bool prepared_ = false;
  int64_t rows_ = 0;  // rows decoded so far

  // The current chunk's dictionary (plain form) and, in dictionary form, the code each of
  // its entries has in the merged dictionary.
  std::shared_ptr<ColumnVector> chunk_dictionary_;
  std::vector<int32_t> chunk_to_merged_;
  bool chunk_mapping_is_identity_ = true;
  // Distinct form: which entries of the chunk's dictionary some row uses (and past them, which
  // indices too large for it some row holds).
  std::vector<uint8_t> chunk_used_;

  // The merged dictionary (dictionary form): distinct values of all chunks' dictionaries.
  std::shared_ptr<ColumnVector> merged_;
  std::unordered_map<std::string, int32_t> merged_strings_;  // BYTE_ARRAY entries
  std::unique_ptr<CodeTable> merged_values_;                 // INT32/INT64 entries

  Decompressor decompressor_;
  Buffer page_buffer_;
  std::vector<uint8_t> levels_;
  std::vector<uint32_t> indices_;
  Buffer page_values_;  // distinct form: a plain page's values
  std::string page_context_;
};

}  // namespace frocket::parquet
