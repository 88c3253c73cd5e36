#include "parquet/column_reader.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "common/crc32.h"
#include "parquet/decoder/byte_stream_split.h"
#include "parquet/decoder/delta_binary_packed.h"
#include "parquet/decoder/delta_byte_array.h"
#include "parquet/decoder/index_check.h"
#include "parquet/decoder/plain.h"
#include "parquet/decoder/rle_bit_packed.h"

namespace frocket::parquet {

namespace {

std::string Hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08x", v);
  return buf;
}

// Copies dictionary entries to out[i] = dict[indices[i]], for values of `width` bytes.
template <int W>
void GatherFixedWidth(const uint8_t* dict, const uint32_t* indices, size_t n, uint8_t* out) {
  for (size_t i = 0; i < n; ++i) {
    std::memcpy(out + i * W, dict + static_cast<size_t>(indices[i]) * W, W);
  }
}

void GatherFixed(const uint8_t* dict, int32_t width, const uint32_t* indices, size_t n,
                 uint8_t* out) {
  switch (width) {
    case 1:
      return GatherFixedWidth<1>(dict, indices, n, out);
    case 2:
      return GatherFixedWidth<2>(dict, indices, n, out);
    case 4:
      return GatherFixedWidth<4>(dict, indices, n, out);
    case 8:
      return GatherFixedWidth<8>(dict, indices, n, out);
    case 12:
      return GatherFixedWidth<12>(dict, indices, n, out);
    case 16:
      return GatherFixedWidth<16>(dict, indices, n, out);
    default:
      for (size_t i = 0; i < n; ++i) {
        std::memcpy(out + i * static_cast<size_t>(width),
                    dict + static_cast<size_t>(indices[i]) * static_cast<size_t>(width),
                    static_cast<size_t>(width));
      }
  }
}

// Moves the first `present` values of `base` (dense) to the rows whose level is 1, zeroing
// the others. Walks backwards so the move can be done in place.
template <int W>
void SpreadFixedWidth(uint8_t* base, const uint8_t* levels, size_t present, size_t n) {
  size_t j = present;
  for (size_t i = n; i-- > 0;) {
    if (levels[i]) {
      --j;
      if (j != i) std::memcpy(base + i * W, base + j * W, W);
    } else {
      std::memset(base + i * W, 0, W);
    }
  }
}

void SpreadFixed(uint8_t* base, int32_t width, const uint8_t* levels, size_t present, size_t n) {
  switch (width) {
    case 1:
      return SpreadFixedWidth<1>(base, levels, present, n);
    case 2:
      return SpreadFixedWidth<2>(base, levels, present, n);
    case 4:
      return SpreadFixedWidth<4>(base, levels, present, n);
    case 8:
      return SpreadFixedWidth<8>(base, levels, present, n);
    case 12:
      return SpreadFixedWidth<12>(base, levels, present, n);
    case 16:
      return SpreadFixedWidth<16>(base, levels, present, n);
    default: {
      auto w = static_cast<size_t>(width);
      size_t j = present;
      for (size_t i = n; i-- > 0;) {
        if (levels[i]) {
          --j;
          if (j != i) std::memmove(base + i * w, base + j * w, w);
        } else {
          std::memset(base + i * w, 0, w);
        }
      }
    }
  }
}

// Dictionary indices are decoded, checked and used this many at a time (see
// DecodeDictionaryIndices).
constexpr size_t kIndexBlock = 4096;
// Distinct form: indices are marked in a byte per index their bit width can hold, and checked
// against the dictionary's size once a page, when that is at most this many more bytes.
constexpr uint64_t kSpareMarks = 64 * 1024;

bool IsDictionaryEncoding(int32_t encoding) {
  return encoding == static_cast<int32_t>(Encoding::kPlainDictionary) ||
         encoding == static_cast<int32_t>(Encoding::kRleDictionary);
}

Status Unsupported(int32_t encoding, PhysicalType type) {
  return Status::NotImplemented("encoding " + EncodingName(encoding) + " is not valid for " +
                                PhysicalTypeName(static_cast<int32_t>(type)) + " values");
}

}  // namespace

ColumnReader::ColumnReader(const ColumnDescriptor& column, const ReadOptions& options,
                           int64_t total_rows, uint64_t data_size_hint)
    : column_(column),
      options_(options),
      total_rows_(total_rows),
      data_size_hint_(data_size_hint),
      width_(column.physical_type == PhysicalType::kByteArray
                 ? 0
                 : PhysicalTypeWidth(column.physical_type, column.type_length)),
      dictionary_form_(
          (options.dictionary_strings && column.physical_type == PhysicalType::kByteArray) ||
          (options.dictionary_integers && (column.physical_type == PhysicalType::kInt32 ||
                                           column.physical_type == PhysicalType::kInt64))) {}

ColumnReader::ColumnReader(const ColumnDescriptor& column, const ReadOptions& options,
                           int64_t total_rows, DistinctIntegers* distinct)
    : ColumnReader(column, options, total_rows) {
  dictionary_form_ = false;
  distinct_ = distinct;
}

Status ColumnReader::CheckBudget(uint64_t bytes, const char* what) const {
  if (bytes > options_.max_column_bytes) {
    return Status::OutOfMemory(std::string(what) + " would take " + std::to_string(bytes) +
                               " bytes, more than the read budget of " +
                               std::to_string(options_.max_column_bytes));
  }
  return Status::OK();
}

Status ColumnReader::OverBudget(const char* what) const {
  return Status::OutOfMemory(std::string(what) + " would take more than the read budget of " +
                             std::to_string(options_.max_column_bytes) + " bytes");
}

Status ColumnReader::Prepare() {
  prepared_ = true;
  const auto rows = static_cast<uint64_t>(total_rows_);
  out_.physical_type = column_.physical_type;
  out_.value_width = width_;
  // Nothing per row; the budget is checked as for the codes of the dictionary form, so that a
  // count fails where reading the column would.
  if (distinct_ != nullptr) return CheckBudget(rows * 4, "the column's codes");
  if (column_.nullable()) out_.validity.ResizeZeroed(bitmap::BytesFor(rows));
  if (dictionary_form_) {
    FROCKET_RETURN_IF_ERROR(CheckBudget(rows * 4, "the column's codes"));
    out_.codes.Resize(rows * 4);
    merged_ = std::make_shared<ColumnVector>();
    merged_->physical_type = column_.physical_type;
    merged_->value_width = width_;
    if (width_ == 0) {
      merged_->offsets.Resize(4);
      merged_->offsets.as<uint32_t>()[0] = 0;
    }
  } else if (width_ > 0) {
    FROCKET_RETURN_IF_ERROR(CheckBudget(rows * static_cast<uint64_t>(width_), "the column"));
    out_.values.Resize(rows * static_cast<uint64_t>(width_));
  } else {
    FROCKET_RETURN_IF_ERROR(CheckBudget((rows + 1) * 4, "the column's offsets"));
    out_.offsets.Resize((rows + 1) * 4);
    out_.offsets.as<uint32_t>()[0] = 0;
    // Sized once: growing it page by page would copy the column's strings again each time.
    out_.data.Reserve(std::min(data_size_hint_, options_.max_column_bytes));
  }
  return Status::OK();
}

Status ColumnReader::AppendChunk(std::span<const uint8_t> chunk, const ColumnMetaData& meta,
                                 int64_t num_rows, int row_group) {
  std::string where = "row group " + std::to_string(row_group);
  if (!prepared_) FROCKET_RETURN_IF_ERROR(Prepare().WithContext(where));
  if (num_rows < 0 || num_rows > total_rows_ - rows_) {
    return Status::Invalid(where + ": " + std::to_string(num_rows) +
                           " rows do not fit the file's row count");
  }
  codec_ = meta.codec;
  if (!Decompressor::Supports(codec_)) {
    return Status::NotImplemented(where + ": compression codec " + CodecName(codec_) +
                                  " is not supported");
  }
  chunk_dictionary_.reset();
  chunk_to_merged_.clear();
  chunk_mapping_is_identity_ = true;

  const int64_t end_rows = rows_ + num_rows;
  size_t pos = 0;
  int page = 0;
  bool seen_data_page = false;
  while (rows_ < end_rows) {
    if (pos >= chunk.size()) {
      return Status::Invalid(where + ": the column chunk ends after " +
                             std::to_string(rows_ - (end_rows - num_rows)) + " of its " +
                             std::to_string(num_rows) + " values");
    }
    page_context_ =
        where + ", page " + std::to_string(page) + " (chunk offset " + std::to_string(pos) + ")";
    size_t header_size = 0;
    auto header = DecodePageHeader(chunk.data() + pos, chunk.size() - pos, &header_size);
    if (!header.ok()) return header.status().WithContext(page_context_ + ": page header");
    const PageHeader& h = *header;
    if (h.compressed_page_size < 0 || h.uncompressed_page_size < 0) {
      return Status::Invalid(page_context_ + ": negative page size in the page header");
    }
    size_t remaining = chunk.size() - pos - header_size;
    if (static_cast<size_t>(h.compressed_page_size) > remaining) {
      return Status::Invalid(page_context_ + ": page header claims " +
                             std::to_string(h.compressed_page_size) + " bytes but only " +
                             std::to_string(remaining) + " remain in the column chunk");
    }
    auto body = chunk.subspan(pos + header_size, static_cast<size_t>(h.compressed_page_size));
    if (options_.verify_checksums && h.crc) {
      const uint32_t computed = Crc32(body);
      if (computed != static_cast<uint32_t>(*h.crc)) {
        return Status::Invalid(page_context_ + ": page checksum mismatch (stored " +
                               Hex32(static_cast<uint32_t>(*h.crc)) + ", computed " +
                               Hex32(computed) + ")");
      }
    }
    const Status st = ReadPage(h, body, end_rows - rows_, &seen_data_page);
    if (!st.ok()) return st.WithContext(page_context_);
    pos += header_size + static_cast<size_t>(h.compressed_page_size);
    ++page;
  }
  if (distinct_ != nullptr) InsertUsedDictionaryEntries();
  return Status::OK();
}

Status ColumnReader::ReadPage(const PageHeader& h, std::span<const uint8_t> body, int64_t rows_left,
                              bool* seen_data_page) {
  auto too_many = [&](int32_t values) {
    return Status::Invalid("page holds " + std::to_string(values) +
                           " values but the row group has only " + std::to_string(rows_left) +
                           " rows left");
  };
  switch (static_cast<PageType>(h.type)) {
    case PageType::kDictionaryPage:
      if (*seen_data_page) return Status::Invalid("dictionary page after data pages");
      return ReadDictionaryPage(h, body);
    case PageType::kDataPage:
      *seen_data_page = true;
      if (h.data_page_header && h.data_page_header->num_values > rows_left) {
        return too_many(h.data_page_header->num_values);
      }
      return ReadDataPage(h, body);
    case PageType::kDataPageV2:
      *seen_data_page = true;
      if (h.data_page_header_v2 && h.data_page_header_v2->num_values > rows_left) {
        return too_many(h.data_page_header_v2->num_values);
      }
      return ReadDataPageV2(h, body);
    case PageType::kIndexPage:
      return Status::OK();
    default:
      return Status::Invalid("unknown page type " + std::to_string(h.type));
  }
}

Status ColumnReader::Decompress(std::span<const uint8_t> in, int32_t uncompressed_size, Buffer* out,
                                std::span<const uint8_t>* result) {
  if (codec_ == static_cast<int32_t>(CompressionCodec::kUncompressed)) {
    *result = in;
    return Status::OK();
  }
  if (uncompressed_size < 0) return Status::Invalid("negative uncompressed size");
  FROCKET_RETURN_IF_ERROR(
      CheckBudget(static_cast<uint64_t>(uncompressed_size), "the decompressed page"));
  out->Resize(static_cast<size_t>(uncompressed_size));
  FROCKET_RETURN_IF_ERROR(
      decompressor_.Decompress(codec_, in, out->data(), static_cast<size_t>(uncompressed_size)));
  *result = out->span();
  return Status::OK();
}

Status ColumnReader::ReadDictionaryPage(const PageHeader& h, std::span<const uint8_t> body) {
  if (!h.dictionary_page_header) {
    return Status::Invalid("dictionary page without a DictionaryPageHeader");
  }
  if (chunk_dictionary_) return Status::Invalid("a second dictionary page in one column chunk");
  const DictionaryPageHeader& d = *h.dictionary_page_header;
  if (d.encoding != static_cast<int32_t>(Encoding::kPlain) &&
      d.encoding != static_cast<int32_t>(Encoding::kPlainDictionary)) {
    return Status::NotImplemented("dictionary page encoding " + EncodingName(d.encoding) +
                                  " is not supported (expected PLAIN)");
  }
  if (d.num_values < 0) {
    return Status::Invalid("dictionary page declares " + std::to_string(d.num_values) + " entries");
  }
  std::span<const uint8_t> data;
  FROCKET_RETURN_IF_ERROR(Decompress(body, h.uncompressed_page_size, &page_buffer_, &data));

  auto n = static_cast<size_t>(d.num_values);
  auto dict = std::make_shared<ColumnVector>();
  dict->physical_type = column_.physical_type;
  dict->value_width = width_;
  dict->length = d.num_values;
  size_t consumed = 0;
  if (column_.physical_type == PhysicalType::kBoolean) {
    if ((n + 7) / 8 > data.size()) {
      return Status::Invalid("dictionary page declares " + std::to_string(n) +
                             " entries but holds only " + std::to_string(data.size()) + " bytes");
    }
    dict->values.Resize(n);
    FROCKET_RETURN_IF_ERROR(DecodePlainBoolean(data, n, dict->values.data(), &consumed));
  } else if (width_ > 0) {
    if (n * static_cast<uint64_t>(width_) > data.size()) {
      return Status::Invalid("dictionary page declares " + std::to_string(n) + " entries of " +
                             std::to_string(width_) + " bytes but holds only " +
                             std::to_string(data.size()) + " bytes");
    }
    dict->values.Resize(n * static_cast<size_t>(width_));
    FROCKET_RETURN_IF_ERROR(DecodePlainFixed(data, width_, n, dict->values.data(), &consumed));
  } else {
    if (n > data.size() / 4) {
      return Status::Invalid("dictionary page declares " + std::to_string(n) +
                             " entries but holds only " + std::to_string(data.size()) + " bytes");
    }
    dict->offsets.Resize((n + 1) * 4);
    dict->offsets.as<uint32_t>()[0] = 0;
    ByteArrayBuilder builder(dict->offsets.as<uint32_t>(), &dict->data, options_.max_column_bytes);
    FROCKET_RETURN_IF_ERROR(DecodePlainByteArray(data, n, &builder, &consumed));
  }
  chunk_dictionary_ = std::move(dict);

  if (distinct_ != nullptr) chunk_used_.assign(n, 0);
  if (dictionary_form_) return MergeChunkDictionary(n);
  return Status::OK();
}

// Gives each entry of the chunk's dictionary its code in the merged dictionary (entries
// repeated across row groups, or even within one dictionary, get one code). Dictionary form
// holds strings, INT32 and INT64: the integers are merged by MergeIntegerDictionary.
Status ColumnReader::MergeChunkDictionary(size_t n) {
  chunk_to_merged_.resize(n);
  if (width_ == 4) return MergeIntegerDictionary<4>(n);
  if (width_ == 8) return MergeIntegerDictionary<8>(n);
  for (size_t i = 0; i < n; ++i) {
    const std::string_view value = chunk_dictionary_->StringAt(static_cast<int64_t>(i));
    auto [it, added] =
        merged_strings_.try_emplace(std::string(value), static_cast<int32_t>(merged_->length));
    if (added) {
      merged_->offsets.Resize(static_cast<size_t>(merged_->length + 2) * 4);
      ByteArrayBuilder builder(merged_->offsets.as<uint32_t>() + merged_->length, &merged_->data,
                               options_.max_column_bytes);
      if (!builder.Append(reinterpret_cast<const uint8_t*>(value.data()),
                          static_cast<uint32_t>(value.size()))) {
        return OverBudget("the merged dictionary");
      }
      merged_->length += 1;
    }
    chunk_to_merged_[i] = it->second;
    chunk_mapping_is_identity_ &= it->second == static_cast<int32_t>(i);
  }
  return Status::OK();
}

// An INT32 or INT64 chunk's entries (width W): each entry's value is written at the merged
// dictionary's end whether or not it is new, and only a new one counts. A chunk's entries are
// new about as often as not, so a branch on it would mispredict every other entry.
template <size_t W>
Status ColumnReader::MergeIntegerDictionary(size_t n) {
  // Later chunks mostly repeat the first one's values and add some: room for twice as many.
  if (!merged_values_) merged_values_ = std::make_unique<CodeTable>(2 * n);
  const auto before = static_cast<size_t>(merged_->length);
  merged_->values.Resize((before + n) * W);
  uint8_t* end = merged_->values.data() + before * W;
  const uint8_t* entries = chunk_dictionary_->values.data();
  size_t added = 0;
  bool identity = chunk_mapping_is_identity_;
  for (size_t i = 0; i < n; ++i) {
    uint64_t key = 0;
    std::memcpy(&key, entries + i * W, W);
    bool inserted;
    const int32_t code = merged_values_->FindOrInsertUnpredictable(key, &inserted);
    std::memcpy(end + added * W, entries + i * W, W);
    added += inserted;
    chunk_to_merged_[i] = code;
    identity &= code == static_cast<int32_t>(i);
  }
  merged_->length += static_cast<int64_t>(added);
  merged_->values.Resize((before + added) * W);
  chunk_mapping_is_identity_ = identity;
  return Status::OK();
}

Status ColumnReader::ReadDataPage(const PageHeader& h, std::span<const uint8_t> body) {
  if (!h.data_page_header) return Status::Invalid("data page without a DataPageHeader");
  const DataPageHeader& d = *h.data_page_header;
  if (d.num_values < 0) {
    return Status::Invalid("data page declares " + std::to_string(d.num_values) + " values");
  }
  auto n = static_cast<size_t>(d.num_values);
  std::span<const uint8_t> page;
  FROCKET_RETURN_IF_ERROR(Decompress(body, h.uncompressed_page_size, &page_buffer_, &page));

  size_t pos = 0;
  size_t present = n;
  const uint8_t* levels = nullptr;
  if (column_.max_definition_level() > 0) {
    if (d.definition_level_encoding == static_cast<int32_t>(Encoding::kRle)) {
      if (page.size() < 4) return Status::Invalid("page too short for its definition levels");
      uint32_t length;
      std::memcpy(&length, page.data(), 4);
      if (length > page.size() - 4) {
        return Status::Invalid("definition levels claim " + std::to_string(length) +
                               " bytes but the page has " + std::to_string(page.size() - 4));
      }
      FROCKET_RETURN_IF_ERROR(ReadRleLevels(page.data() + 4, length, n, &levels, &present));
      pos = 4 + length;
    } else if (d.definition_level_encoding == static_cast<int32_t>(Encoding::kBitPacked)) {
      size_t bytes = (n + 7) / 8;
      if (bytes > page.size()) return Status::Invalid("page too short for its definition levels");
      levels_.resize(n);
      // The deprecated BIT_PACKED encoding packs from the most significant bit.
      for (size_t i = 0; i < n; ++i) levels_[i] = (page[i / 8] >> (7 - i % 8)) & 1;
      present = static_cast<size_t>(std::count(levels_.begin(), levels_.end(), uint8_t{1}));
      levels = levels_.data();
      pos = bytes;
    } else {
      return Status::NotImplemented("definition level encoding " +
                                    EncodingName(d.definition_level_encoding) +
                                    " is not supported");
    }
  }
  return DecodeValues(d.encoding, page.subspan(pos), present, levels, n);
}

Status ColumnReader::ReadDataPageV2(const PageHeader& h, std::span<const uint8_t> body) {
  if (!h.data_page_header_v2) return Status::Invalid("data page without a DataPageHeaderV2");
  const DataPageHeaderV2& d = *h.data_page_header_v2;
  if (d.num_values < 0 || d.num_nulls < 0 || d.num_rows < 0 || d.num_nulls > d.num_values) {
    return Status::Invalid("inconsistent counts in DataPageHeaderV2 (num_values " +
                           std::to_string(d.num_values) + ", num_nulls " +
                           std::to_string(d.num_nulls) + ", num_rows " +
                           std::to_string(d.num_rows) + ")");
  }
  if (d.num_rows != d.num_values) {
    return Status::Invalid("DataPageHeaderV2 declares " + std::to_string(d.num_rows) +
                           " rows and " + std::to_string(d.num_values) +
                           " values; a flat column has one value per row");
  }
  if (d.definition_levels_byte_length < 0 || d.repetition_levels_byte_length < 0 ||
      static_cast<uint64_t>(d.definition_levels_byte_length) +
              static_cast<uint64_t>(d.repetition_levels_byte_length) >
          body.size()) {
    return Status::Invalid("level lengths in DataPageHeaderV2 exceed the page size");
  }
  auto n = static_cast<size_t>(d.num_values);
  auto rep_len = static_cast<size_t>(d.repetition_levels_byte_length);
  auto def_len = static_cast<size_t>(d.definition_levels_byte_length);
  size_t present = n;
  const uint8_t* levels = nullptr;
  if (column_.max_definition_level() > 0) {
    FROCKET_RETURN_IF_ERROR(ReadRleLevels(body.data() + rep_len, def_len, n, &levels, &present));
    if (n - present != static_cast<size_t>(d.num_nulls)) {
      return Status::Invalid("DataPageHeaderV2 declares " + std::to_string(d.num_nulls) +
                             " nulls but its definition levels hold " +
                             std::to_string(n - present));
    }
  } else if (d.num_nulls != 0) {
    return Status::Invalid("REQUIRED column page declares " + std::to_string(d.num_nulls) +
                           " nulls");
  }

  auto values = body.subspan(rep_len + def_len);
  int64_t values_size =
      static_cast<int64_t>(h.uncompressed_page_size) - static_cast<int64_t>(rep_len + def_len);
  if (values_size < 0) {
    return Status::Invalid("uncompressed page size " + std::to_string(h.uncompressed_page_size) +
                           " is smaller than its levels");
  }
  std::span<const uint8_t> decoded = values;
  bool compressed =
      d.is_compressed && codec_ != static_cast<int32_t>(CompressionCodec::kUncompressed);
  if (compressed && !(values.empty() && values_size == 0)) {
    FROCKET_RETURN_IF_ERROR(
        Decompress(values, static_cast<int32_t>(values_size), &page_buffer_, &decoded));
  }
  return DecodeValues(d.encoding, decoded, present, levels, n);
}

Status ColumnReader::DecodeValues(int32_t encoding, std::span<const uint8_t> values, size_t present,
                                  const uint8_t* levels, size_t n) {
  if (present > 0) FROCKET_RETURN_IF_ERROR(DecodeDense(encoding, values, present));
  if (distinct_ != nullptr) {
    out_.null_count += static_cast<int64_t>(n - present);
  } else if (column_.nullable()) {
    if (levels == nullptr) {
      bitmap::SetRange(out_.validity.data(), static_cast<size_t>(rows_),
                       static_cast<size_t>(rows_) + n);
    } else {
      if (present < n) SpreadNulls(levels, present, n);
      ApplyLevels(levels, n);
      out_.null_count += static_cast<int64_t>(n - present);
    }
  }
  rows_ += static_cast<int64_t>(n);
  return Status::OK();
}

Status ColumnReader::ReadRleLevels(const uint8_t* data, size_t size, size_t n,
                                   const uint8_t** levels, size_t* present) {
  // Most pages of most columns have no nulls: one RLE run of 1s. Recognising it saves
  // decoding and scanning a level per row.
  uint64_t header = 0;
  size_t pos = 0;
  bool terminated = false;
  for (int shift = 0; pos < size && shift < 35 && !terminated; shift += 7) {
    header |= static_cast<uint64_t>(data[pos] & 0x7f) << shift;
    terminated = (data[pos++] & 0x80) == 0;
  }
  if (terminated && (header & 1) == 0 && (header >> 1) >= n && pos < size && data[pos] == 1) {
    *levels = nullptr;
    *present = n;
    return Status::OK();
  }
  levels_.resize(n);
  RleBitPackedDecoder decoder(data, size, 1);
  FROCKET_RETURN_IF_ERROR(decoder.DecodeBits(levels_.data(), n).WithContext("definition levels"));
  *present = static_cast<size_t>(std::count(levels_.begin(), levels_.end(), uint8_t{1}));
  *levels = levels_.data();
  return Status::OK();
}

void ColumnReader::ApplyLevels(const uint8_t* levels, size_t n) {
  uint8_t* bits = out_.validity.data();
  auto row = static_cast<size_t>(rows_);
  for (size_t i = 0; i < n; ++i) {
    bits[(row + i) >> 3] |= static_cast<uint8_t>(levels[i] << ((row + i) & 7));
  }
}

void ColumnReader::SpreadNulls(const uint8_t* levels, size_t present, size_t n) {
  auto row = static_cast<size_t>(rows_);
  if (dictionary_form_) {
    int32_t* codes = out_.codes.as<int32_t>() + row;
    size_t j = present;
    for (size_t i = n; i-- > 0;) {
      codes[i] = levels[i] ? codes[--j] : 0;  // null codes are fixed up in Finish()
    }
  } else if (width_ == 0) {
    uint32_t* offsets = out_.offsets.as<uint32_t>() + row;
    // offsets[k] is where dense value k starts; row i must end where the last present row
    // at or before it ends.
    size_t j = present;
    for (size_t i = n; i-- > 0;) {
      offsets[i + 1] = offsets[j];
      if (levels[i]) --j;
    }
  } else {
    SpreadFixed(out_.values.data() + row * static_cast<size_t>(width_), width_, levels, present, n);
  }
}

Status ColumnReader::DecodeDense(int32_t encoding, std::span<const uint8_t> values,
                                 size_t present) {
  if (IsDictionaryEncoding(encoding)) return DecodeDictionaryIndices(values, present);
  if (distinct_ != nullptr) return InsertDistinctDense(encoding, values, present);
  if (dictionary_form_) FROCKET_RETURN_IF_ERROR(LeaveDictionaryForm());

  auto row = static_cast<size_t>(rows_);
  if (width_ == 0) {
    ByteArrayBuilder builder(out_.offsets.as<uint32_t>() + row, &out_.data,
                             options_.max_column_bytes);
    return DecodeByteArrayDense(encoding, values, present, &builder);
  }
  return DecodeFixedDense(encoding, values, present,
                          out_.values.data() + row * static_cast<size_t>(width_));
}

Status ColumnReader::DecodeFixedDense(int32_t encoding, std::span<const uint8_t> values,
                                      size_t present, uint8_t* dst) {
  const PhysicalType type = column_.physical_type;
  size_t consumed = 0;
  switch (static_cast<Encoding>(encoding)) {
    case Encoding::kPlain:
      if (type == PhysicalType::kBoolean) {
        return DecodePlainBoolean(values, present, dst, &consumed);
      }
      return DecodePlainFixed(values, width_, present, dst, &consumed);
    case Encoding::kRle: {
      if (type != PhysicalType::kBoolean) return Unsupported(encoding, type);
      if (values.size() < 4) return Status::Invalid("RLE booleans: page too short");
      uint32_t length;
      std::memcpy(&length, values.data(), 4);
      if (length > values.size() - 4) {
        return Status::Invalid("RLE booleans claim " + std::to_string(length) +
                               " bytes but the page has " + std::to_string(values.size() - 4));
      }
      RleBitPackedDecoder decoder(values.data() + 4, length, 1);
      return decoder.DecodeBits(dst, present).WithContext("RLE booleans");
    }
    case Encoding::kDeltaBinaryPacked: {
      DeltaBinaryPackedDecoder decoder;
      FROCKET_RETURN_IF_ERROR(decoder.Init(values.data(), values.size()));
      if (decoder.total_values() < present) {
        return Status::Invalid("DELTA_BINARY_PACKED: page holds " +
                               std::to_string(decoder.total_values()) + " values, expected " +
                               std::to_string(present));
      }
      if (type == PhysicalType::kInt32) {
        return decoder.Decode(reinterpret_cast<int32_t*>(dst), present);
      }
      if (type == PhysicalType::kInt64) {
        return decoder.Decode(reinterpret_cast<int64_t*>(dst), present);
      }
      return Unsupported(encoding, type);
    }
    case Encoding::kByteStreamSplit:
      if (type == PhysicalType::kBoolean || type == PhysicalType::kInt96) {
        return Unsupported(encoding, type);
      }
      return DecodeByteStreamSplit(values, width_, present, dst);
    case Encoding::kDeltaByteArray: {
      if (type != PhysicalType::kFixedLenByteArray) return Unsupported(encoding, type);
      Buffer offsets((present + 1) * 4);
      offsets.as<uint32_t>()[0] = 0;
      Buffer data;
      ByteArrayBuilder builder(offsets.as<uint32_t>(), &data, options_.max_column_bytes);
      FROCKET_RETURN_IF_ERROR(DecodeDeltaByteArray(values, present, &builder));
      const uint32_t* off = offsets.as<uint32_t>();
      for (size_t i = 0; i < present; ++i) {
        if (off[i + 1] - off[i] != static_cast<uint32_t>(width_)) {
          return Status::Invalid("DELTA_BYTE_ARRAY value " + std::to_string(i) + " has " +
                                 std::to_string(off[i + 1] - off[i]) +
                                 " bytes in a FIXED_LEN_BYTE_ARRAY(" + std::to_string(width_) +
                                 ") column");
        }
      }
      if (present > 0) std::memcpy(dst, data.data(), present * static_cast<size_t>(width_));
      return Status::OK();
    }
    default:
      return Unsupported(encoding, type);
  }
}

Status ColumnReader::DecodeByteArrayDense(int32_t encoding, std::span<const uint8_t> values,
                                          size_t present, ByteArrayBuilder* builder) {
  size_t consumed = 0;
  switch (static_cast<Encoding>(encoding)) {
    case Encoding::kPlain:
      return DecodePlainByteArray(values, present, builder, &consumed);
    case Encoding::kDeltaLengthByteArray:
      return DecodeDeltaLengthByteArray(values, present, builder);
    case Encoding::kDeltaByteArray:
      return DecodeDeltaByteArray(values, present, builder);
    default:
      return Unsupported(encoding, PhysicalType::kByteArray);
  }
}

Status ColumnReader::DecodeDictionaryIndices(std::span<const uint8_t> values, size_t present) {
  if (!chunk_dictionary_) {
    return Status::Invalid(
        "dictionary-encoded data page, but the column chunk has no "
        "dictionary page");
  }
  if (values.empty()) return Status::Invalid("dictionary indices: page has no bit width byte");
  int bit_width = values[0];
  if (bit_width > 32) {
    return Status::Invalid("dictionary indices: bit width " + std::to_string(bit_width) +
                           " exceeds 32");
  }
  if (distinct_ != nullptr) return MarkDictionaryIndices(values, bit_width, present);
  RleBitPackedDecoder decoder(values.data() + 1, values.size() - 1, bit_width);
  auto row = static_cast<size_t>(rows_);
  uint32_t* indices;
  if (dictionary_form_) {
    indices = reinterpret_cast<uint32_t*>(out_.codes.as<int32_t>() + row);
  } else {
    indices_.resize(present);
    indices = indices_.data();
  }
  // Decoded, checked and (in dictionary form) given their merged codes a block at a time, while
  // the block is in the CPU's cache: a page's indices checked after decoding all of them were
  // read back from memory, 8% of a query's CPU.
  const auto dict_size = static_cast<uint64_t>(chunk_dictionary_->length);
  const bool remap = dictionary_form_ && !chunk_mapping_is_identity_;
  const int32_t* map = chunk_to_merged_.data();
  for (size_t begin = 0; begin < present; begin += kIndexBlock) {
    const size_t n = std::min(kIndexBlock, present - begin);
    uint32_t* block = indices + begin;
    FROCKET_RETURN_IF_ERROR(decoder.Decode(block, n).WithContext("dictionary indices"));
    if (AnyIndexOutOfRange(block, n, dict_size)) {
      return IndexOutOfRange(*std::max_element(block, block + n));
    }
    if (remap) {
      for (size_t i = 0; i < n; ++i) block[i] = static_cast<uint32_t>(map[block[i]]);
    }
  }
  if (dictionary_form_) return Status::OK();
  if (width_ > 0) {
    GatherFixed(chunk_dictionary_->values.data(), width_, indices, present,
                out_.values.data() + row * static_cast<size_t>(width_));
    return Status::OK();
  }
  // Strings: size the copy first so the budget is checked once, not per value.
  const ColumnVector& dict = *chunk_dictionary_;
  const uint32_t* dict_offsets = dict.offsets.as<uint32_t>();
  uint64_t total = 0;
  for (size_t i = 0; i < present; ++i) {
    total += dict_offsets[indices[i] + 1] - dict_offsets[indices[i]];
  }
  ByteArrayBuilder builder(out_.offsets.as<uint32_t>() + row, &out_.data,
                           options_.max_column_bytes);
  if (!builder.Reserve(total)) {
    return OverBudget("the column's string data");
  }
  for (size_t i = 0; i < present; ++i) {
    uint32_t start = dict_offsets[indices[i]];
    builder.Append(dict.data.data() + start, dict_offsets[indices[i] + 1] - start);
  }
  return Status::OK();
}

Status ColumnReader::InsertDistinctDense(int32_t encoding, std::span<const uint8_t> values,
                                         size_t present) {
  const auto w = static_cast<size_t>(width_);
  // What reading the column in dictionary form checks when a page is not dictionary-encoded.
  FROCKET_RETURN_IF_ERROR(CheckBudget(static_cast<uint64_t>(total_rows_) * w, "the column"));
  page_values_.Resize(present * w);
  FROCKET_RETURN_IF_ERROR(DecodeFixedDense(encoding, values, present, page_values_.data()));
  InsertDistinct(page_values_.data(), present);
  return Status::OK();
}

Status ColumnReader::MarkDictionaryIndices(std::span<const uint8_t> values, int bit_width,
                                           size_t present) {
  const auto dict_size = static_cast<uint64_t>(chunk_dictionary_->length);
  const uint64_t slots = uint64_t{1} << bit_width;
  if (slots <= dict_size + kSpareMarks) {
    // Marks for every index the bit width can hold: an index past the dictionary marks a
    // spare slot, looked for once a page instead of a comparison per row.
    if (chunk_used_.size() < slots) chunk_used_.resize(slots, 0);
    RleBitPackedDecoder decoder(values.data() + 1, values.size() - 1, bit_width);
    const bool marked = decoder.Mark(chunk_used_.data(), present).ok();
    const auto spare = chunk_used_.begin() + static_cast<std::ptrdiff_t>(dict_size);
    if (marked &&
        std::find(spare, chunk_used_.begin() + static_cast<std::ptrdiff_t>(slots), uint8_t{1}) ==
            chunk_used_.begin() + static_cast<std::ptrdiff_t>(slots)) {
      return Status::OK();
    }
    // A page in error: decoded again the way reading the column does, so that it fails the same
    // way (the same first error, the same message).
  }
  RleBitPackedDecoder decoder(values.data() + 1, values.size() - 1, bit_width);
  indices_.resize(std::min(present, kIndexBlock));
  uint32_t* block = indices_.data();
  for (size_t begin = 0; begin < present; begin += kIndexBlock) {
    const size_t n = std::min(kIndexBlock, present - begin);
    FROCKET_RETURN_IF_ERROR(decoder.Decode(block, n).WithContext("dictionary indices"));
    if (AnyIndexOutOfRange(block, n, dict_size)) {
      return IndexOutOfRange(*std::max_element(block, block + n));
    }
    for (size_t i = 0; i < n; ++i) chunk_used_[block[i]] = 1;
  }
  return Status::OK();
}

Status ColumnReader::IndexOutOfRange(uint64_t index) const {
  return Status::Invalid("dictionary index " + std::to_string(index) +
                         " is out of range: the dictionary has " +
                         std::to_string(chunk_dictionary_->length) + " entries");
}

void ColumnReader::InsertDistinct(const uint8_t* values, size_t n) {
  // INT32 values as the engine reads them: unsigned ones zero-extended.
  if (width_ == 8) {
    distinct_->InsertAll(reinterpret_cast<const int64_t*>(values), n);
  } else if (column_.is_unsigned) {
    distinct_->InsertAll(reinterpret_cast<const uint32_t*>(values), n);
  } else {
    distinct_->InsertAll(reinterpret_cast<const int32_t*>(values), n);
  }
}

void ColumnReader::InsertUsedDictionaryEntries() {
  if (!chunk_dictionary_) return;
  // The used entries gathered first, then inserted in one loop without calls.
  const auto n = static_cast<size_t>(chunk_dictionary_->length);
  page_values_.Resize(n * static_cast<size_t>(width_));
  auto gather = [&](const auto* entries) {
    auto* used = reinterpret_cast<std::remove_cv_t<std::remove_reference_t<decltype(*entries)>>*>(
        page_values_.data());
    size_t k = 0;
    for (size_t i = 0; i < n; ++i) {
      used[k] = entries[i];
      k += chunk_used_[i];
    }
    return k;
  };
  const size_t k = width_ == 8 ? gather(chunk_dictionary_->values_as<int64_t>())
                               : gather(chunk_dictionary_->values_as<int32_t>());
  InsertDistinct(page_values_.data(), k);
}

Status ColumnReader::LeaveDictionaryForm() {
  // A page that is not dictionary-encoded: give the rows decoded so far their values and
  // continue in plain form.
  dictionary_form_ = false;
  const auto rows = static_cast<uint64_t>(total_rows_);
  const int32_t* codes = out_.codes.as<int32_t>();
  if (width_ > 0) {
    const auto w = static_cast<size_t>(width_);
    FROCKET_RETURN_IF_ERROR(CheckBudget(rows * w, "the column"));
    out_.values.Resize(rows * w);
    for (int64_t r = 0; r < rows_; ++r) {
      uint8_t* dst = out_.values.data() + static_cast<size_t>(r) * w;
      if (out_.IsNull(r)) {
        std::memset(dst, 0, w);
      } else {
        std::memcpy(dst, merged_->values.data() + static_cast<size_t>(codes[r]) * w, w);
      }
    }
  } else {
    FROCKET_RETURN_IF_ERROR(CheckBudget((rows + 1) * 4, "the column's offsets"));
    out_.offsets.Resize((rows + 1) * 4);
    uint32_t* offsets = out_.offsets.as<uint32_t>();
    offsets[0] = 0;
    ByteArrayBuilder builder(offsets, &out_.data, options_.max_column_bytes);
    for (int64_t r = 0; r < rows_; ++r) {
      if (out_.IsNull(r)) {
        builder.Append(nullptr, 0);
        continue;
      }
      std::string_view s = merged_->StringAt(codes[r]);
      if (!builder.Append(reinterpret_cast<const uint8_t*>(s.data()),
                          static_cast<uint32_t>(s.size()))) {
        return OverBudget("the column's string data");
      }
    }
  }
  out_.codes = Buffer();
  merged_.reset();
  merged_strings_.clear();
  merged_values_.reset();
  return Status::OK();
}

Result<ColumnVector> ColumnReader::Finish() {
  if (!prepared_) FROCKET_RETURN_IF_ERROR(Prepare());
  if (rows_ != total_rows_) {
    return Status::Invalid("decoded " + std::to_string(rows_) + " rows, expected " +
                           std::to_string(total_rows_));
  }
  out_.length = total_rows_;
  if (dictionary_form_) {
    if (out_.null_count > 0) {
      auto null_code = static_cast<int32_t>(merged_->length);
      int32_t* codes = out_.codes.as<int32_t>();
      for (int64_t r = 0; r < total_rows_; ++r) {
        if (out_.IsNull(r)) codes[r] = null_code;
      }
    }
    out_.dictionary = std::move(merged_);
  }
  if (out_.null_count == 0) out_.validity = Buffer();
  return std::move(out_);
}

}  // namespace frocket::parquet
