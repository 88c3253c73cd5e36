#include "parquet/file_reader.h"

#include <algorithm>
#include <cstring>

#include "parquet/column_reader.h"

namespace frocket::parquet {

namespace {

constexpr char kMagic[4] = {'P', 'A', 'R', '1'};
constexpr char kEncryptedMagic[4] = {'P', 'A', 'R', 'E'};
// Leading magic, footer length and trailing magic.
constexpr uint64_t kMinFileSize = 12;

// Whether a legacy (pre-2.x) min/max may be trusted: those were computed with signed
// comparison, right only for these types.
bool LegacyStatisticsUsable(const ColumnDescriptor& c) {
  switch (c.physical_type) {
    case PhysicalType::kBoolean:
    case PhysicalType::kFloat:
    case PhysicalType::kDouble:
      return true;
    case PhysicalType::kInt32:
    case PhysicalType::kInt64:
      return !c.is_unsigned && c.kind != ValueKind::kDecimal;
    default:
      return false;
  }
}

}  // namespace

Result<std::unique_ptr<ParquetFile>> ParquetFile::Open(std::shared_ptr<ByteSource> source) {
  const std::string& name = source->name();
  FROCKET_ASSIGN_OR_RETURN(uint64_t size, source->Size());
  if (size < kMinFileSize) {
    return Status::Invalid(name + ": not a Parquet file: " + std::to_string(size) +
                           " bytes is too small (a Parquet file has at least " +
                           std::to_string(kMinFileSize) + ")");
  }
  uint64_t tail_size = std::min(size, kFooterGuess);
  // A remote source fetches the tail and the leading magic together: one round trip.
  if (tail_size < size) {
    FROCKET_RETURN_IF_ERROR(source->WillRead({{0, 4}, {size - tail_size, tail_size}}));
  }
  Buffer tail;
  FROCKET_RETURN_IF_ERROR(source->ReadAt(size - tail_size, tail_size, &tail));
  const uint8_t* end = tail.data() + tail_size;
  if (std::memcmp(end - 4, kEncryptedMagic, 4) == 0) {
    return Status::NotImplemented(name +
                                  ": the file ends with PARE, the magic of an encrypted footer; "
                                  "encrypted Parquet files are not supported");
  }
  if (std::memcmp(end - 4, kMagic, 4) != 0) {
    return Status::Invalid(name + ": not a Parquet file: it does not end with the PAR1 magic");
  }
  uint32_t footer_length;
  std::memcpy(&footer_length, end - 8, 4);
  if (footer_length > size - kMinFileSize) {
    return Status::Invalid(name + ": footer length " + std::to_string(footer_length) +
                           " exceeds the file (" + std::to_string(size) + " bytes)");
  }
  if (footer_length == 0) return Status::Invalid(name + ": footer length is 0 (no FileMetaData)");
  const uint64_t footer_start = size - 8 - footer_length;

  // Leading magic: from the tail when it covers the start, otherwise a 4-byte read.
  if (tail_size == size) {
    if (std::memcmp(tail.data(), kMagic, 4) != 0) {
      return Status::Invalid(name + ": not a Parquet file: it does not start with the PAR1 magic");
    }
  } else {
    Buffer head;
    FROCKET_RETURN_IF_ERROR(source->ReadAt(0, 4, &head));
    if (std::memcmp(head.data(), kMagic, 4) != 0) {
      return Status::Invalid(name + ": not a Parquet file: it does not start with the PAR1 magic");
    }
  }

  const uint8_t* footer;
  Buffer footer_buffer;
  if (footer_length + 8 <= tail_size) {
    footer = end - 8 - footer_length;
  } else {
    FROCKET_RETURN_IF_ERROR(source->ReadAt(footer_start, footer_length, &footer_buffer));
    footer = footer_buffer.data();
  }
  auto metadata = DecodeFileMetaData(footer, footer_length);
  if (!metadata.ok()) return metadata.status().WithContext(name);
  if (metadata->encrypted) {
    return Status::NotImplemented(name +
                                  ": the file is encrypted (plaintext footer with an "
                                  "encryption algorithm); encrypted Parquet files are not "
                                  "supported");
  }
  auto schema = Schema::FromMetadata(metadata->schema);
  if (!schema.ok()) return schema.status().WithContext(name);

  std::unique_ptr<ParquetFile> file(
      new ParquetFile(std::move(source), size, std::move(*metadata), std::move(*schema)));
  FROCKET_RETURN_IF_ERROR(file->Validate(footer_start).WithContext(name));
  return file;
}

Status ParquetFile::Validate(uint64_t footer_start) {
  const int num_columns = schema_.num_columns();
  if (metadata_.num_rows < 0) {
    return Status::Invalid("footer declares " + std::to_string(metadata_.num_rows) + " rows");
  }
  int64_t rows = 0;
  chunk_ranges_.reserve(metadata_.row_groups.size() * static_cast<size_t>(num_columns));
  for (size_t g = 0; g < metadata_.row_groups.size(); ++g) {
    const RowGroup& rg = metadata_.row_groups[g];
    std::string where = "row group " + std::to_string(g);
    if (rg.num_rows < 0 || rg.num_rows > metadata_.num_rows - rows) {
      return Status::Invalid(where + " declares " + std::to_string(rg.num_rows) +
                             " rows, inconsistent with the file's " +
                             std::to_string(metadata_.num_rows));
    }
    rows += rg.num_rows;
    if (rg.columns.size() != static_cast<size_t>(num_columns)) {
      return Status::Invalid(where + " has " + std::to_string(rg.columns.size()) +
                             " column chunks but the schema has " + std::to_string(num_columns) +
                             " columns");
    }
    for (int c = 0; c < num_columns; ++c) {
      const ColumnDescriptor& column = schema_.column(c);
      const ColumnChunk& chunk = rg.columns[static_cast<size_t>(c)];
      std::string at = where + ", column '" + column.name + "'";
      if (chunk.encrypted) {
        return Status::NotImplemented(at +
                                      " is encrypted; encrypted Parquet files are not "
                                      "supported");
      }
      if (chunk.file_path) {
        return Status::NotImplemented(at + " lives in another file ('" + *chunk.file_path +
                                      "'); external column chunks are not supported");
      }
      if (!chunk.meta_data) return Status::Invalid(at + " has no ColumnMetaData");
      const ColumnMetaData& meta = *chunk.meta_data;
      if (meta.type != static_cast<int32_t>(column.physical_type)) {
        return Status::Invalid(at + ": chunk type " + PhysicalTypeName(meta.type) +
                               " differs from the schema's " +
                               PhysicalTypeName(static_cast<int32_t>(column.physical_type)));
      }
      if (meta.path_in_schema.size() != 1 || meta.path_in_schema[0] != column.name) {
        std::string path;
        for (const auto& p : meta.path_in_schema) path += (path.empty() ? "" : ".") + p;
        return Status::Invalid(at + ": chunk path '" + path + "' does not match the schema");
      }
      if (meta.num_values != rg.num_rows) {
        return Status::Invalid(at + ": chunk holds " + std::to_string(meta.num_values) +
                               " values but the row group has " + std::to_string(rg.num_rows) +
                               " rows");
      }
      if (rg.num_rows == 0) {
        // Writers leave the offsets of empty chunks at 0; nothing will be read.
        chunk_ranges_.push_back({0, 0});
        continue;
      }
      int64_t start = meta.data_page_offset;
      if (meta.dictionary_page_offset && *meta.dictionary_page_offset > 0 &&
          *meta.dictionary_page_offset < start) {
        start = *meta.dictionary_page_offset;
      }
      if (start < 4 || meta.total_compressed_size < 0 ||
          static_cast<uint64_t>(start) > footer_start ||
          static_cast<uint64_t>(meta.total_compressed_size) >
              footer_start - static_cast<uint64_t>(start)) {
        return Status::Invalid(at + ": chunk byte range [" + std::to_string(start) + ", +" +
                               std::to_string(meta.total_compressed_size) +
                               ") lies outside the file's data (bytes 4 to " +
                               std::to_string(footer_start) + ")");
      }
      chunk_ranges_.push_back(
          {static_cast<uint64_t>(start), static_cast<uint64_t>(meta.total_compressed_size)});
    }
  }
  if (rows != metadata_.num_rows) {
    return Status::Invalid("row groups hold " + std::to_string(rows) +
                           " rows but the footer declares " + std::to_string(metadata_.num_rows));
  }
  return Status::OK();
}

ColumnChunkStatistics ParquetFile::statistics(int row_group, int column) const {
  ColumnChunkStatistics result;
  const ColumnMetaData& meta = chunk_metadata(row_group, column);
  if (!meta.statistics) return result;
  const Statistics& s = *meta.statistics;
  result.null_count = s.null_count;
  result.distinct_count = s.distinct_count;
  if (s.min_value && s.max_value) {
    result.min = s.min_value;
    result.max = s.max_value;
  } else if (s.min && s.max && LegacyStatisticsUsable(schema_.column(column))) {
    result.min = s.min;
    result.max = s.max;
  }
  return result;
}

std::string ParquetFile::ColumnContext(int column) const {
  return name() + ": column '" + schema_.column(column).name + "'";
}

Result<ColumnVector> ParquetFile::ReadColumn(int column, const ReadOptions& options) const {
  return Read(column, 0, num_row_groups(), options);
}

Status ParquetFile::CheckRowGroups(int first_row_group, int end_row_group) const {
  if (first_row_group < 0 || end_row_group < first_row_group || end_row_group > num_row_groups()) {
    return Status::NotFound(name() + ": no row groups [" + std::to_string(first_row_group) + ", " +
                            std::to_string(end_row_group) + ")");
  }
  return Status::OK();
}

Result<ColumnVector> ParquetFile::ReadColumnRowGroups(int column, int first_row_group,
                                                      int end_row_group,
                                                      const ReadOptions& options) const {
  FROCKET_RETURN_IF_ERROR(CheckRowGroups(first_row_group, end_row_group));
  return Read(column, first_row_group, end_row_group, options);
}

namespace {

// The largest bitmap a distinct count uses, whatever the read budget allows.
constexpr uint64_t kMaxDistinctBitmapBytes = uint64_t{64} << 20;

// A PLAIN-encoded INT32 or INT64 statistics value as the distinct count reads the column's
// values: INT32 sign-extended, or zero-extended if unsigned.
std::optional<int64_t> StatisticsInteger(const ColumnDescriptor& d,
                                         const std::optional<std::string>& v) {
  if (!v) return std::nullopt;
  const PhysicalType type = d.physical_type;
  if (type == PhysicalType::kInt32 && v->size() == 4) {
    int32_t i;
    std::memcpy(&i, v->data(), 4);
    if (d.is_unsigned) return static_cast<uint32_t>(i);
    return i;
  }
  if (type == PhysicalType::kInt64 && v->size() == 8) {
    int64_t i;
    std::memcpy(&i, v->data(), 8);
    return i;
  }
  return std::nullopt;
}

}  // namespace

Result<DistinctCount> ParquetFile::CountDistinctIntegers(int column, int first_row_group,
                                                         int end_row_group,
                                                         const ReadOptions& options) const {
  FROCKET_RETURN_IF_ERROR(CheckRowGroups(first_row_group, end_row_group));
  if (column < 0 || column >= schema_.num_columns()) {
    return Status::NotFound(name() + ": no column " + std::to_string(column));
  }
  const ColumnDescriptor& d = schema_.column(column);
  if (d.physical_type != PhysicalType::kInt32 && d.physical_type != PhysicalType::kInt64) {
    return Status::Invalid(ColumnContext(column) + ": distinct values are counted of INT32 and " +
                           "INT64 columns only");
  }
  // The range the statistics give, if every row group has them.
  std::optional<int64_t> low, high;
  int64_t rows = 0;
  bool bounded = true;
  for (int g = first_row_group; g < end_row_group; ++g) {
    rows += row_group_num_rows(g);
    const ColumnChunkStatistics stats = statistics(g, column);
    const std::optional<int64_t> min = StatisticsInteger(d, stats.min);
    const std::optional<int64_t> max = StatisticsInteger(d, stats.max);
    bounded = bounded && min && max;
    if (!bounded) continue;
    low = low ? std::min(*low, *min) : *min;
    high = high ? std::max(*high, *max) : *max;
  }
  // A bitmap of at most a byte a row (and 8 KB), within the read budget and 64 MB: wider ranges
  // are hashed.
  const uint64_t max_bits =
      std::min(8 * static_cast<uint64_t>(std::max<int64_t>(rows, 0)) + 65536,
               8 * std::min(options.max_column_bytes, kMaxDistinctBitmapBytes));
  DistinctIntegers distinct =
      bounded && low ? DistinctIntegers(*low, *high, max_bits) : DistinctIntegers();
  ColumnReader reader(d, options, rows, &distinct);
  FROCKET_ASSIGN_OR_RETURN(ColumnVector v,
                           ReadChunks(column, first_row_group, end_row_group, &reader));
  return DistinctCount{v.length, v.null_count, distinct.size()};
}

Status ParquetFile::WillReadColumns(const std::vector<int>& columns, int first_row_group,
                                    int end_row_group) const {
  std::vector<ByteRange> ranges;
  if (end_row_group < 0) end_row_group = num_row_groups();
  for (int g = std::max(0, first_row_group); g < std::min(end_row_group, num_row_groups()); ++g) {
    for (int c : columns) {
      if (c >= 0 && c < schema_.num_columns()) ranges.push_back(chunk_range(g, c));
    }
  }
  return source_->WillRead(ranges);
}

Result<ColumnVector> ParquetFile::ReadColumnChunk(int row_group, int column,
                                                  const ReadOptions& options) const {
  if (row_group < 0 || row_group >= num_row_groups()) {
    return Status::NotFound(name() + ": no row group " + std::to_string(row_group));
  }
  return Read(column, row_group, row_group + 1, options);
}

Result<ColumnVector> ParquetFile::Read(int column, int first_row_group, int end_row_group,
                                       const ReadOptions& options) const {
  if (column < 0 || column >= schema_.num_columns()) {
    return Status::NotFound(name() + ": no column " + std::to_string(column));
  }
  int64_t rows = 0;
  uint64_t uncompressed = 0;
  for (int g = first_row_group; g < end_row_group; ++g) {
    rows += row_group_num_rows(g);
    // The footer's claim is only a sizing hint; a hostile one is capped by what the chunk's
    // bytes could plausibly expand to.
    uint64_t claimed = static_cast<uint64_t>(
        std::max<int64_t>(0, chunk_metadata(g, column).total_uncompressed_size));
    uncompressed += std::min(claimed, chunk_range(g, column).length * 32);
  }
  ColumnReader reader(schema_.column(column), options, rows, uncompressed);
  return ReadChunks(column, first_row_group, end_row_group, &reader);
}

Result<ColumnVector> ParquetFile::ReadChunks(int column, int first_row_group, int end_row_group,
                                             ColumnReader* reader) const {
  Buffer chunk;
  for (int g = first_row_group; g < end_row_group; ++g) {
    ByteRange range = chunk_range(g, column);
    FROCKET_RETURN_IF_ERROR(source_->ReadAt(range.offset, range.length, &chunk));
    FROCKET_RETURN_IF_ERROR(
        reader->AppendChunk(chunk.span(), chunk_metadata(g, column), row_group_num_rows(g), g)
            .WithContext(ColumnContext(column)));
  }
  auto result = reader->Finish();
  if (!result.ok()) return result.status().WithContext(ColumnContext(column));
  return result;
}

}  // namespace frocket::parquet
