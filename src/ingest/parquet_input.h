// ParquetRecordReader: a Parquet file read as records (RecordReader), one row group at a
// time, decoding only the columns asked for.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ingest/record_reader.h"
#include "parquet/file_reader.h"

namespace frocket::ingest {

class ParquetRecordReader final : public RecordReader {
 public:
  static Result<std::unique_ptr<ParquetRecordReader>> Open(std::shared_ptr<ByteSource> source);

  const parquet::ParquetFile& file() const { return *file_; }
  // Decodes only these columns; the others read as NULL. By default every column.
  void SetWantedColumns(const std::vector<std::string>& names);

  const std::vector<std::string>& column_names() const override { return names_; }
  Result<bool> Next(size_t max_records, CellBatch* batch) override;
  uint64_t bytes_consumed() const override;

 private:
  explicit ParquetRecordReader(std::unique_ptr<parquet::ParquetFile> file);
  Status LoadRowGroup(int row_group);
  void FillCells(size_t column, int64_t first, int64_t count, CellBatch* batch) const;

  std::unique_ptr<parquet::ParquetFile> file_;
  std::vector<std::string> names_;
  std::vector<bool> wanted_;
  std::vector<parquet::ColumnVector> vectors_;  // the loaded row group's, per column
  // Per column in dictionary form: whether each entry is valid UTF-8, checked once.
  std::vector<std::vector<uint8_t>> dictionary_utf8_;
  std::vector<uint64_t> dictionary_ids_;  // per column: CellBatch::dictionaries
  int row_group_ = -1;                    // loaded
  int64_t row_in_group_ = 0;              // next row of the loaded group
  int64_t rows_before_group_ = 0;         // rows of the file before the loaded group
  int64_t rows_done_ = 0;
};

}  // namespace frocket::ingest
