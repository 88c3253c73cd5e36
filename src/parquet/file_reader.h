// ParquetFile: an open Parquet file — its footer, schema and statistics — from which columns
// are decoded on demand.
//
// Opening reads only the footer (one range read, two when the footer is larger than the
// first guess) and checks that it describes a consistent file. Reading a column reads only
// that column's chunks. All methods are const and may be called from several threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "parquet/column_vector.h"
#include "parquet/metadata.h"
#include "parquet/read_options.h"
#include "parquet/schema.h"
#include "storage/byte_source.h"

namespace frocket::parquet {

// Row-group statistics of one column, for pruning. min/max are PLAIN-encoded values (for
// BYTE_ARRAY the raw bytes without a length prefix), present only when the writer recorded
// them with an ordering frocket can trust for the column's type.
struct ColumnChunkStatistics {
  std::optional<int64_t> null_count;
  std::optional<int64_t> distinct_count;
  std::optional<std::string> min;
  std::optional<std::string> max;
};

// What CountDistinctIntegers found.
struct DistinctCount {
  int64_t rows = 0;
  int64_t nulls = 0;
  int64_t distinct = 0;  // distinct non-null values
};

using frocket::ByteRange;

class ColumnReader;

class ParquetFile {
 public:
  // Bytes read from the end of the file on open; footers are usually smaller, so one read
  // gets the whole footer.
  static constexpr uint64_t kFooterGuess = 64 * 1024;

  static Result<std::unique_ptr<ParquetFile>> Open(std::shared_ptr<ByteSource> source);

  const std::string& name() const { return source_->name(); }
  uint64_t file_size() const { return file_size_; }
  const FileMetaData& metadata() const { return metadata_; }
  const Schema& schema() const { return schema_; }
  int64_t num_rows() const { return metadata_.num_rows; }
  int num_row_groups() const { return static_cast<int>(metadata_.row_groups.size()); }
  int64_t row_group_num_rows(int row_group) const {
    return metadata_.row_groups[static_cast<size_t>(row_group)].num_rows;
  }
  const ColumnMetaData& chunk_metadata(int row_group, int column) const {
    return *metadata_.row_groups[static_cast<size_t>(row_group)]
                .columns[static_cast<size_t>(column)]
                .meta_data;
  }
  // Where the column chunk's pages lie in the file.
  ByteRange chunk_range(int row_group, int column) const {
    return chunk_ranges_[static_cast<size_t>(row_group) *
                             static_cast<size_t>(schema_.num_columns()) +
                         static_cast<size_t>(column)];
  }

  ColumnChunkStatistics statistics(int row_group, int column) const;

  // Decodes a column over all row groups.
  Result<ColumnVector> ReadColumn(int column, const ReadOptions& options = {}) const;
  // Decodes row groups [first_row_group, end_row_group) of a column, as one vector.
  Result<ColumnVector> ReadColumnRowGroups(int column, int first_row_group, int end_row_group,
                                           const ReadOptions& options = {}) const;
  // How many distinct non-null values an INT32 or INT64 column holds in row groups
  // [first_row_group, end_row_group), its rows decoded to nothing but that count: values that
  // the chunks' statistics bound are counted as bits of a bitmap.
  Result<DistinctCount> CountDistinctIntegers(int column, int first_row_group, int end_row_group,
                                              const ReadOptions& options = {}) const;
  // Tells the source these columns are about to be read (row groups [first, end), by default
  // every one), so that a remote source fetches their chunks at once.
  Status WillReadColumns(const std::vector<int>& columns, int first_row_group = 0,
                         int end_row_group = -1) const;
  // Decodes one row group's chunk of a column.
  Result<ColumnVector> ReadColumnChunk(int row_group, int column,
                                       const ReadOptions& options = {}) const;

 private:
  ParquetFile(std::shared_ptr<ByteSource> source, uint64_t file_size, FileMetaData metadata,
              Schema schema)
      : source_(std::move(source)),
        file_size_(file_size),
        metadata_(std::move(metadata)),
        schema_(std::move(schema)) {}

  Status Validate(uint64_t footer_start);
  Result<ColumnVector> Read(int column, int first_row_group, int end_row_group,
                            const ReadOptions& options) const;
  // Appends the chunks of row groups [first, end) of a column to `reader` and finishes it.
  Result<ColumnVector> ReadChunks(int column, int first_row_group, int end_row_group,
                                  ColumnReader* reader) const;
  Status CheckRowGroups(int first_row_group, int end_row_group) const;
  std::string ColumnContext(int column) const;

  std::shared_ptr<ByteSource> source_;
  uint64_t file_size_;
  FileMetaData metadata_;
  Schema schema_;
  std::vector<ByteRange> chunk_ranges_;  // row group major
};

}  // namespace frocket::parquet
