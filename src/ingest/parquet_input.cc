#include "ingest/parquet_input.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "common/text.h"

namespace frocket::ingest {

using parquet::ColumnVector;
using parquet::PhysicalType;
using parquet::ValueKind;

namespace {
// Numbers the dictionaries every reader loads (CellBatch::dictionaries): 0 means none.
std::atomic<uint64_t> next_dictionary_id{1};
}  // namespace

Result<std::unique_ptr<ParquetRecordReader>> ParquetRecordReader::Open(
    std::shared_ptr<ByteSource> source) {
  FROCKET_ASSIGN_OR_RETURN(auto file, parquet::ParquetFile::Open(std::move(source)));
  return std::unique_ptr<ParquetRecordReader>(new ParquetRecordReader(std::move(file)));
}

ParquetRecordReader::ParquetRecordReader(std::unique_ptr<parquet::ParquetFile> file)
    : file_(std::move(file)) {
  for (const auto& c : file_->schema().columns()) names_.push_back(c.name);
  wanted_.assign(names_.size(), true);
  vectors_.resize(names_.size());
  dictionary_utf8_.resize(names_.size());
  dictionary_ids_.resize(names_.size());
}

void ParquetRecordReader::SetWantedColumns(const std::vector<std::string>& names) {
  for (size_t i = 0; i < names_.size(); ++i) {
    wanted_[i] = std::find(names.begin(), names.end(), names_[i]) != names.end();
  }
}

uint64_t ParquetRecordReader::bytes_consumed() const {
  const int64_t rows = std::max<int64_t>(1, file_->num_rows());
  return static_cast<uint64_t>(static_cast<double>(file_->file_size()) *
                               static_cast<double>(rows_done_) / static_cast<double>(rows));
}

Status ParquetRecordReader::LoadRowGroup(int row_group) {
  std::vector<int> columns;
  for (size_t i = 0; i < names_.size(); ++i) {
    if (wanted_[i]) columns.push_back(static_cast<int>(i));
  }
  FROCKET_RETURN_IF_ERROR(file_->WillReadColumns(columns, row_group, row_group + 1));
  parquet::ReadOptions options;
  options.dictionary_strings = true;
  for (int c : columns) {
    const size_t i = static_cast<size_t>(c);
    FROCKET_ASSIGN_OR_RETURN(vectors_[i], file_->ReadColumnChunk(row_group, c, options));
    dictionary_utf8_[i].clear();
    const auto& dictionary = vectors_[i].dictionary;
    dictionary_ids_[i] = dictionary ? next_dictionary_id.fetch_add(1) : 0;
    if (dictionary && dictionary->physical_type == PhysicalType::kByteArray) {
      for (int64_t e = 0; e < dictionary->length; ++e) {
        dictionary_utf8_[i].push_back(text::IsValidUtf8(dictionary->StringAt(e)));
      }
    }
  }
  if (row_group_ >= 0) rows_before_group_ += file_->row_group_num_rows(row_group_);
  row_group_ = row_group;
  row_in_group_ = 0;
  return Status::OK();
}

namespace {

// Row `row` of a plain-form fixed-width vector as a cell of the column's kind.
void FixedCell(const parquet::ColumnDescriptor& d, const ColumnVector& v, int64_t row,
               CellBatch* batch, Cell* cell) {
  const uint8_t* p =
      v.values.data() + static_cast<size_t>(row) * static_cast<size_t>(v.value_width);
  switch (v.physical_type) {
    case PhysicalType::kBoolean:
      cell->kind = CellKind::kBool;
      cell->integer = *p != 0;
      return;
    case PhysicalType::kInt32: {
      int32_t x;
      std::memcpy(&x, p, 4);
      cell->kind = CellKind::kInt;
      cell->integer = d.is_unsigned ? static_cast<int64_t>(static_cast<uint32_t>(x)) : x;
      return;
    }
    case PhysicalType::kInt64: {
      int64_t x;
      std::memcpy(&x, p, 8);
      if (d.is_unsigned && x < 0) {
        // Beyond INT: kept as its digits (it fits a STRING column, not an INT one).
        cell->kind = CellKind::kText;
        cell->text = batch->owned.emplace_back(std::to_string(static_cast<uint64_t>(x)));
        return;
      }
      cell->kind = CellKind::kInt;
      cell->integer = x;
      return;
    }
    case PhysicalType::kFloat: {
      float x;
      std::memcpy(&x, p, 4);
      cell->kind = CellKind::kDouble;
      cell->real = x;
      return;
    }
    case PhysicalType::kDouble: {
      double x;
      std::memcpy(&x, p, 8);
      cell->kind = CellKind::kDouble;
      cell->real = x;
      return;
    }
    default:
      cell->kind = CellKind::kNull;  // types ParquetColumn() refuses are never wanted
      return;
  }
}

}  // namespace

void ParquetRecordReader::FillCells(size_t column, int64_t first, int64_t count,
                                    CellBatch* batch) const {
  const ColumnVector& v = vectors_[column];
  const parquet::ColumnDescriptor& d = file_->schema().column(static_cast<int>(column));
  const size_t stride = batch->num_columns;
  Cell* out =
      batch->cells.data() + (batch->cells.size() - static_cast<size_t>(count) * stride) + column;
  // The column's form decided once: dictionary strings (the only columns read in dictionary
  // form, see LoadRowGroup), plain strings, fixed-width values. NULL rows keep their NULL cell.
  if (v.is_dictionary()) {
    const ColumnVector& dict = *v.dictionary;
    const std::vector<uint8_t>& utf8 = dictionary_utf8_[column];
    for (int64_t i = 0; i < count; ++i, out += stride) {
      if (v.IsNull(first + i)) continue;
      const int32_t code = v.CodeAt(first + i);
      out->kind = CellKind::kText;
      out->text = dict.StringAt(code);
      out->utf8_checked = utf8[static_cast<size_t>(code)] != 0;
      out->entry = code;
    }
  } else if (v.physical_type == PhysicalType::kByteArray) {
    for (int64_t i = 0; i < count; ++i, out += stride) {
      if (v.IsNull(first + i)) continue;
      out->kind = CellKind::kText;
      out->text = v.StringAt(first + i);
    }
  } else {
    for (int64_t i = 0; i < count; ++i, out += stride) {
      if (!v.IsNull(first + i)) FixedCell(d, v, first + i, batch, out);
    }
  }
}

Result<bool> ParquetRecordReader::Next(size_t max_records, CellBatch* batch) {
  batch->Clear();
  batch->num_columns = names_.size();
  while (row_group_ < 0 || row_in_group_ >= file_->row_group_num_rows(row_group_)) {
    if (row_group_ + 1 >= file_->num_row_groups()) return false;
    FROCKET_RETURN_IF_ERROR(LoadRowGroup(row_group_ + 1));
  }
  const int64_t count = std::min<int64_t>(static_cast<int64_t>(max_records),
                                          file_->row_group_num_rows(row_group_) - row_in_group_);
  batch->cells.resize(static_cast<size_t>(count) * names_.size());
  batch->dictionaries = dictionary_ids_;
  for (size_t c = 0; c < names_.size(); ++c) {
    if (wanted_[c]) FillCells(c, row_in_group_, count, batch);
  }
  for (int64_t i = 0; i < count; ++i) {
    batch->origins.push_back({rows_before_group_ + row_in_group_ + i, {}});
  }
  row_in_group_ += count;
  rows_done_ += count;
  return true;
}

}  // namespace frocket::ingest
