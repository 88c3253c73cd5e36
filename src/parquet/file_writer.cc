#include "parquet/file_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <set>
#include <string_view>
#include <tuple>

#include "common/crc32.h"
#include "parquet/compression.h"
#include "parquet/encoder/delta_encoder.h"
#include "parquet/encoder/rle_encoder.h"

namespace frocket::parquet {

namespace {

constexpr char kMagic[4] = {'P', 'A', 'R', '1'};
// Statistics of longer strings are left out rather than truncated, so they stay exact.
constexpr size_t kMaxStatisticsBytes = 64;

int32_t I32(Encoding e) {
  return static_cast<int32_t>(e);
}

// The non-null values of a column vector, in row order, as the writer encodes them. A
// BYTE_ARRAY vector may be in dictionary form (its entries distinct): its values are then
// read through the dictionary, and the chunk's dictionary is built from the codes.
class PresentValues {
 public:
  explicit PresentValues(const ColumnVector& v) : v_(v) {
    for (int64_t r = 0; r < v.length; ++r) {
      if (!v.IsNull(r)) rows_.push_back(static_cast<uint32_t>(r));
    }
    if (v.is_dictionary()) {
      for (uint32_t r : rows_) string_bytes_ += v.dictionary->StringAt(v.CodeAt(r)).size();
    } else {
      string_bytes_ = v.data.size();
    }
  }
  size_t size() const { return rows_.size(); }
  uint32_t row(size_t i) const { return rows_[i]; }
  // Index of the first present value at or after `row`.
  size_t FirstAtOrAfter(int64_t row) const {
    return static_cast<size_t>(
        std::lower_bound(rows_.begin(), rows_.end(), static_cast<uint32_t>(row)) - rows_.begin());
  }
  int64_t Int(size_t i) const {
    return v_.physical_type == PhysicalType::kInt32 ? v_.values_as<int32_t>()[rows_[i]]
                                                    : v_.values_as<int64_t>()[rows_[i]];
  }
  double Double(size_t i) const { return v_.values_as<double>()[rows_[i]]; }
  bool Bool(size_t i) const { return v_.values.data()[rows_[i]] != 0; }
  std::string_view String(size_t i) const {
    return v_.is_dictionary() ? v_.dictionary->StringAt(Code(i)) : v_.StringAt(rows_[i]);
  }
  // REQUIRES: dictionary form.
  int32_t Code(size_t i) const { return v_.CodeAt(rows_[i]); }
  const ColumnVector* dictionary() const { return v_.dictionary.get(); }
  // Bytes of the present strings.
  size_t string_bytes() const { return string_bytes_; }

 private:
  const ColumnVector& v_;
  std::vector<uint32_t> rows_;
  size_t string_bytes_ = 0;
};

void AppendPlain(const WriterColumn& c, const PresentValues& p, size_t begin, size_t end,
                 std::vector<uint8_t>* out) {
  switch (c.physical_type) {
    case PhysicalType::kBoolean: {
      const size_t start = out->size();
      out->resize(start + (end - begin + 7) / 8, 0);
      for (size_t i = begin; i < end; ++i) {
        if (p.Bool(i))
          (*out)[start + (i - begin) / 8] |= static_cast<uint8_t>(1u << ((i - begin) % 8));
      }
      return;
    }
    case PhysicalType::kInt32:
      for (size_t i = begin; i < end; ++i) {
        auto v = static_cast<int32_t>(p.Int(i));
        const auto* b = reinterpret_cast<const uint8_t*>(&v);
        out->insert(out->end(), b, b + 4);
      }
      return;
    case PhysicalType::kInt64:
      for (size_t i = begin; i < end; ++i) {
        int64_t v = p.Int(i);
        const auto* b = reinterpret_cast<const uint8_t*>(&v);
        out->insert(out->end(), b, b + 8);
      }
      return;
    case PhysicalType::kDouble:
      for (size_t i = begin; i < end; ++i) {
        double v = p.Double(i);
        const auto* b = reinterpret_cast<const uint8_t*>(&v);
        out->insert(out->end(), b, b + 8);
      }
      return;
    case PhysicalType::kByteArray:
      for (size_t i = begin; i < end; ++i) {
        std::string_view s = p.String(i);
        auto length = static_cast<uint32_t>(s.size());
        const auto* b = reinterpret_cast<const uint8_t*>(&length);
        out->insert(out->end(), b, b + 4);
        out->insert(out->end(), s.begin(), s.end());
      }
      return;
    default:
      return;
  }
}

// A dictionary of a chunk's distinct values: the entries in first-seen order and every
// present value's index. Built only while within the options' bounds.
struct Dictionary {
  std::vector<size_t> entries;  // index into PresentValues of each entry's first occurrence
  std::vector<uint32_t> indices;
  uint64_t bytes = 0;
};

// The entry of each distinct value, found by open addressing: slots hold an entry's number
// plus one (0: empty), at most half of them used, with each entry's hash kept to compare
// first. No allocation per value, unlike a node-based map.
class DictionaryIndex {
 public:
  explicit DictionaryIndex(const WriterColumn& c, const PresentValues& p)
      : p_(p),
        strings_(c.physical_type == PhysicalType::kByteArray),
        doubles_(c.physical_type == PhysicalType::kDouble),
        slots_(1024, 0) {}

  // The entry of value i, and whether it is new (then it is entry number `entries` given).
  std::pair<uint32_t, bool> Find(size_t i, std::vector<size_t>* entries) {
    const uint64_t h = Hash(i);
    for (size_t s = h & (slots_.size() - 1);; s = (s + 1) & (slots_.size() - 1)) {
      const uint32_t e = slots_[s];
      if (e == 0) {
        entries->push_back(i);
        hashes_.push_back(h);
        slots_[s] = static_cast<uint32_t>(entries->size());
        if (entries->size() * 2 > slots_.size()) Grow(*entries);
        return {static_cast<uint32_t>(entries->size() - 1), true};
      }
      if (hashes_[e - 1] == h && Equal((*entries)[e - 1], i)) return {e - 1, false};
    }
  }

 private:
  uint64_t Key(size_t i) const {
    return doubles_ ? std::bit_cast<uint64_t>(p_.Double(i)) : static_cast<uint64_t>(p_.Int(i));
  }
  uint64_t Hash(size_t i) const {
    if (strings_) return std::hash<std::string_view>{}(p_.String(i));
    uint64_t x = Key(i);  // murmur3's finaliser: every bit of the key moves the low bits
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
  }
  bool Equal(size_t a, size_t b) const {
    return strings_ ? p_.String(a) == p_.String(b) : Key(a) == Key(b);
  }
  void Grow(const std::vector<size_t>& entries) {
    slots_.assign(slots_.size() * 2, 0);
    for (size_t e = 0; e < entries.size(); ++e) {
      size_t s = hashes_[e] & (slots_.size() - 1);
      while (slots_[s] != 0) s = (s + 1) & (slots_.size() - 1);
      slots_[s] = static_cast<uint32_t>(e + 1);
    }
  }

  const PresentValues& p_;
  bool strings_;
  bool doubles_;
  std::vector<uint32_t> slots_;
  std::vector<uint64_t> hashes_;  // per entry
};

std::optional<Dictionary> BuildDictionary(const WriterColumn& c, const PresentValues& p,
                                          const WriterOptions& options) {
  Dictionary d;
  d.indices.resize(p.size());
  const uint64_t width = c.physical_type == PhysicalType::kInt32 ? 4 : 8;
  std::optional<DictionaryIndex> index;
  std::vector<int32_t> entry_of_code;  // dictionary form: the chunk's entry of each code, or -1
  if (p.dictionary()) {
    entry_of_code.assign(static_cast<size_t>(p.dictionary()->length), -1);
  } else {
    index.emplace(c, p);
  }
  for (size_t i = 0; i < p.size(); ++i) {
    uint32_t entry;
    bool added;
    if (index) {
      std::tie(entry, added) = index->Find(i, &d.entries);
    } else {
      int32_t& e = entry_of_code[static_cast<size_t>(p.Code(i))];
      added = e < 0;
      if (added) {
        e = static_cast<int32_t>(d.entries.size());
        d.entries.push_back(i);
      }
      entry = static_cast<uint32_t>(e);
    }
    if (added) {
      d.bytes += c.physical_type == PhysicalType::kByteArray ? 4 + p.String(i).size() : width;
      if (static_cast<int64_t>(d.entries.size()) > options.dictionary_max_entries ||
          static_cast<int64_t>(d.bytes) > options.dictionary_max_bytes) {
        return std::nullopt;
      }
      // Worth it only when values repeat: each index must replace several values.
      if (!options.always_dictionary && d.entries.size() * 2 > p.size()) return std::nullopt;
    }
    d.indices[i] = entry;
  }
  return d;
}

// Whether a dictionary-form vector has a code for every row, each present row's within the
// dictionary (the writer indexes with them).
bool CodesFit(const ColumnVector& v) {
  if (v.codes.size() < static_cast<size_t>(v.length) * sizeof(int32_t)) return false;
  const int32_t* codes = v.codes.as<int32_t>();
  for (int64_t r = 0; r < v.length; ++r) {
    if (!v.IsNull(r) && (codes[r] < 0 || codes[r] >= v.dictionary->length)) return false;
  }
  return true;
}

bool IsAscending(const PresentValues& p) {
  for (size_t i = 1; i < p.size(); ++i) {
    if (p.Int(i) < p.Int(i - 1)) return false;
  }
  return p.size() > 1;
}

std::string PlainBytes(const WriterColumn& c, const PresentValues& p, size_t i) {
  std::vector<uint8_t> out;
  if (c.physical_type == PhysicalType::kByteArray) {
    std::string_view s = p.String(i);
    return std::string(s);
  }
  if (c.physical_type == PhysicalType::kBoolean) return std::string(1, p.Bool(i) ? '\1' : '\0');
  AppendPlain(c, p, i, i + 1, &out);
  return std::string(out.begin(), out.end());
}

// min_value/max_value of the present values (NaN left out of doubles); with a dictionary,
// only its entries — the distinct values — are compared.
void FillStatistics(const WriterColumn& c, const PresentValues& p, const Dictionary* dictionary,
                    Statistics* s) {
  std::optional<size_t> lo, hi;
  const size_t n = dictionary ? dictionary->entries.size() : p.size();
  for (size_t k = 0; k < n; ++k) {
    const size_t i = dictionary ? dictionary->entries[k] : k;
    switch (c.physical_type) {
      case PhysicalType::kBoolean:
        if (!lo || p.Bool(i) < p.Bool(*lo)) lo = i;
        if (!hi || p.Bool(i) > p.Bool(*hi)) hi = i;
        break;
      case PhysicalType::kInt32:
      case PhysicalType::kInt64:
        if (!lo || p.Int(i) < p.Int(*lo)) lo = i;
        if (!hi || p.Int(i) > p.Int(*hi)) hi = i;
        break;
      case PhysicalType::kDouble:
        if (std::isnan(p.Double(i))) break;
        if (!lo || p.Double(i) < p.Double(*lo)) lo = i;
        if (!hi || p.Double(i) > p.Double(*hi)) hi = i;
        break;
      case PhysicalType::kByteArray:
        if (!lo || p.String(i) < p.String(*lo)) lo = i;
        if (!hi || p.String(i) > p.String(*hi)) hi = i;
        break;
      default:
        return;
    }
  }
  if (!lo) return;
  if (c.physical_type == PhysicalType::kByteArray &&
      (p.String(*lo).size() > kMaxStatisticsBytes || p.String(*hi).size() > kMaxStatisticsBytes)) {
    return;
  }
  s->min_value = PlainBytes(c, p, *lo);
  s->max_value = PlainBytes(c, p, *hi);
  if (c.physical_type == PhysicalType::kDouble) {
    // A zero minimum is written as -0.0 and a zero maximum as +0.0 (the format's rule).
    if (p.Double(*lo) == 0) {
      double z = -0.0;
      s->min_value = std::string(reinterpret_cast<const char*>(&z), 8);
    }
    if (p.Double(*hi) == 0) {
      double z = 0.0;
      s->max_value = std::string(reinterpret_cast<const char*>(&z), 8);
    }
  }
}

// Encodes one column chunk: optional dictionary page, then data pages (v2).
class ChunkEncoder {
 public:
  ChunkEncoder(const WriterColumn& column, const ColumnVector& v, const WriterOptions& options,
               Compressor* compressor)
      : column_(column), v_(v), options_(options), compressor_(compressor), present_(v) {}

  // Encodes into bytes_; `offset` is where the chunk will start in the file.
  Result<ColumnChunk> Encode(uint64_t offset) {
    ColumnChunk chunk;
    chunk.file_offset = static_cast<int64_t>(offset);
    ColumnMetaData& m = chunk.meta_data.emplace();
    m.type = static_cast<int32_t>(column_.physical_type);
    m.path_in_schema = {column_.name};
    m.codec = static_cast<int32_t>(options_.codec);
    m.num_values = v_.length;

    // Encoding of the values.
    Encoding encoding = Encoding::kPlain;
    std::optional<Dictionary> dictionary;
    const bool integer = column_.physical_type == PhysicalType::kInt32 ||
                         column_.physical_type == PhysicalType::kInt64;
    if (integer && !options_.always_dictionary && IsAscending(present_)) {
      encoding = Encoding::kDeltaBinaryPacked;
    } else if (column_.physical_type != PhysicalType::kBoolean &&
               (dictionary = BuildDictionary(column_, present_, options_))) {
      encoding = Encoding::kRleDictionary;
    }

    if (dictionary) {
      m.dictionary_page_offset = static_cast<int64_t>(offset + bytes_.size());
      std::vector<uint8_t> plain;
      for (size_t e : dictionary->entries) AppendPlain(column_, present_, e, e + 1, &plain);
      PageHeader h;
      h.type = static_cast<int32_t>(PageType::kDictionaryPage);
      h.dictionary_page_header.emplace();
      h.dictionary_page_header->num_values = static_cast<int32_t>(dictionary->entries.size());
      h.dictionary_page_header->encoding = I32(Encoding::kPlain);
      FROCKET_RETURN_IF_ERROR(WritePage(&h, {}, plain));
      encodings_.insert(I32(Encoding::kPlain));
    }
    m.data_page_offset = static_cast<int64_t>(offset + bytes_.size());

    // Pages: split by rows so that each holds about page_bytes of plain values.
    const int64_t n = v_.length;
    int64_t value_bytes = 8;
    if (column_.physical_type == PhysicalType::kByteArray && present_.size() > 0) {
      value_bytes = static_cast<int64_t>(present_.string_bytes() / present_.size()) + 4;
    }
    const int64_t rows_per_page =
        std::clamp<int64_t>(options_.page_bytes / std::max<int64_t>(1, value_bytes), 1024, 1 << 20);
    std::vector<uint32_t> levels;
    for (int64_t r0 = 0; r0 < n || (n == 0 && r0 == 0); r0 += rows_per_page) {
      const int64_t r1 = std::min(n, r0 + rows_per_page);
      const size_t p0 = present_.FirstAtOrAfter(r0);
      const size_t p1 = present_.FirstAtOrAfter(r1);
      std::vector<uint8_t> def;
      if (column_.nullable) {
        levels.assign(static_cast<size_t>(r1 - r0), 0);
        for (size_t i = p0; i < p1; ++i) levels[present_.row(i) - static_cast<uint64_t>(r0)] = 1;
        EncodeRleBitPacked(levels, 1, &def);
        encodings_.insert(I32(Encoding::kRle));
      }
      std::vector<uint8_t> values;
      switch (encoding) {
        case Encoding::kDeltaBinaryPacked: {
          std::vector<int64_t> ints;
          ints.reserve(p1 - p0);
          for (size_t i = p0; i < p1; ++i) ints.push_back(present_.Int(i));
          EncodeDeltaBinaryPacked(ints, &values);
          break;
        }
        case Encoding::kRleDictionary: {
          const int width = std::max(1, BitWidthFor(dictionary->entries.size() - 1));
          values.push_back(static_cast<uint8_t>(width));
          EncodeRleBitPacked(std::span<const uint32_t>(dictionary->indices).subspan(p0, p1 - p0),
                             width, &values);
          break;
        }
        default:
          AppendPlain(column_, present_, p0, p1, &values);
      }
      encodings_.insert(I32(encoding));
      PageHeader h;
      h.type = static_cast<int32_t>(PageType::kDataPageV2);
      auto& d = h.data_page_header_v2.emplace();
      d.num_values = static_cast<int32_t>(r1 - r0);
      d.num_rows = d.num_values;
      d.num_nulls = static_cast<int32_t>((r1 - r0) - static_cast<int64_t>(p1 - p0));
      d.encoding = I32(encoding);
      d.definition_levels_byte_length = static_cast<int32_t>(def.size());
      d.repetition_levels_byte_length = 0;
      d.is_compressed = options_.codec != CompressionCodec::kUncompressed;
      FROCKET_RETURN_IF_ERROR(WritePage(&h, def, values));
      if (n == 0) break;
    }

    m.encodings.assign(encodings_.begin(), encodings_.end());
    m.total_compressed_size = static_cast<int64_t>(bytes_.size());
    m.total_uncompressed_size = uncompressed_size_;
    Statistics& s = m.statistics.emplace();
    s.null_count = v_.length - static_cast<int64_t>(present_.size());
    if (dictionary) s.distinct_count = static_cast<int64_t>(dictionary->entries.size());
    FillStatistics(column_, present_, dictionary ? &*dictionary : nullptr, &s);
    return chunk;
  }

  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  // Appends a page: the header, the (uncompressed) levels, the compressed values. The CRC
  // covers everything after the header.
  Status WritePage(PageHeader* h, const std::vector<uint8_t>& levels,
                   const std::vector<uint8_t>& values) {
    std::vector<uint8_t> compressed;
    FROCKET_RETURN_IF_ERROR(
        compressor_->Compress(options_.codec, options_.zstd_level, values, &compressed));
    std::vector<uint8_t> body = levels;
    body.insert(body.end(), compressed.begin(), compressed.end());
    if (levels.size() + values.size() > INT32_MAX || body.size() > INT32_MAX) {
      return Status::Invalid("column '" + column_.name + "': a page would exceed 2 GiB");
    }
    h->uncompressed_page_size = static_cast<int32_t>(levels.size() + values.size());
    h->compressed_page_size = static_cast<int32_t>(body.size());
    h->crc = static_cast<int32_t>(Crc32(body));
    std::vector<uint8_t> header = EncodePageHeader(*h);
    bytes_.insert(bytes_.end(), header.begin(), header.end());
    bytes_.insert(bytes_.end(), body.begin(), body.end());
    uncompressed_size_ += static_cast<int64_t>(header.size()) + h->uncompressed_page_size;
    return Status::OK();
  }

  const WriterColumn& column_;
  const ColumnVector& v_;
  const WriterOptions& options_;
  Compressor* compressor_;
  PresentValues present_;
  std::vector<uint8_t> bytes_;
  std::set<int32_t> encodings_;
  int64_t uncompressed_size_ = 0;
};

}  // namespace

Result<std::unique_ptr<ParquetWriter>> ParquetWriter::Create(const std::string& path,
                                                             std::vector<WriterColumn> columns,
                                                             WriterOptions options) {
  std::set<std::string> names;
  for (const auto& c : columns) {
    if (c.name.empty() || !names.insert(c.name).second) {
      return Status::Invalid(path + ": column names must be non-empty and unique ('" + c.name +
                             "')");
    }
    switch (c.physical_type) {
      case PhysicalType::kBoolean:
      case PhysicalType::kInt32:
      case PhysicalType::kInt64:
      case PhysicalType::kDouble:
      case PhysicalType::kByteArray:
        break;
      default:
        return Status::NotImplemented(path + ": column '" + c.name +
                                      "': the writer does not "
                                      "write " +
                                      PhysicalTypeName(static_cast<int32_t>(c.physical_type)));
    }
  }
  if (options.codec != CompressionCodec::kUncompressed &&
      options.codec != CompressionCodec::kSnappy && options.codec != CompressionCodec::kZstd) {
    return Status::NotImplemented(path + ": the writer compresses with SNAPPY or ZSTD only");
  }
  std::unique_ptr<ParquetWriter> w(new ParquetWriter());
  w->path_ = path;
  w->temp_path_ = path + ".tmp-XXXXXX";
  w->fd_ = ::mkstemp(w->temp_path_.data());
  if (w->fd_ < 0) {
    return Status::IOError(path +
                           ": cannot create a temporary file next to it: " + std::strerror(errno));
  }
  // mkstemp makes the file private; a data file is as readable as any other.
  mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(w->fd_, 0666 & ~mask);
  w->columns_ = std::move(columns);
  w->options_ = std::move(options);
  FileMetaData& m = w->metadata_;
  m.version = 2;
  SchemaElement root;
  root.name = "schema";
  root.num_children = static_cast<int32_t>(w->columns_.size());
  m.schema.push_back(root);
  for (const auto& c : w->columns_) {
    SchemaElement e;
    e.name = c.name;
    e.type = static_cast<int32_t>(c.physical_type);
    e.repetition_type =
        static_cast<int32_t>(c.nullable ? Repetition::kOptional : Repetition::kRequired);
    e.logical_type = c.logical_type;
    if (c.logical_type && c.logical_type->kind == LogicalType::Kind::kString) {
      e.converted_type = static_cast<int32_t>(ConvertedType::kUtf8);
    }
    m.schema.push_back(e);
  }
  m.key_value_metadata = w->options_.key_value_metadata;
  m.created_by = w->options_.created_by;
  FROCKET_RETURN_IF_ERROR(w->Write(reinterpret_cast<const uint8_t*>(kMagic), 4));
  return w;
}

ParquetWriter::~ParquetWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!closed_ && !temp_path_.empty()) ::unlink(temp_path_.c_str());
}

Status ParquetWriter::Write(const uint8_t* data, size_t size) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::write(fd_, data + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(path_ + ": write failed: " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  offset_ += size;
  return Status::OK();
}

Status ParquetWriter::WriteRowGroup(std::span<const ColumnVector> vectors) {
  if (closed_) return Status::Invalid(path_ + ": writer already closed");
  if (vectors.size() != columns_.size()) {
    return Status::Invalid(path_ + ": a row group needs " + std::to_string(columns_.size()) +
                           " columns, got " + std::to_string(vectors.size()));
  }
  const int64_t rows = vectors.empty() ? 0 : vectors[0].length;
  RowGroup group;
  group.num_rows = rows;
  Compressor compressor;
  for (size_t i = 0; i < columns_.size(); ++i) {
    const ColumnVector& v = vectors[i];
    const WriterColumn& c = columns_[i];
    const bool form_fits = !v.is_dictionary() || (c.physical_type == PhysicalType::kByteArray &&
                                                  v.dictionary->physical_type == c.physical_type);
    if (v.length != rows || v.physical_type != c.physical_type || !form_fits) {
      return Status::Invalid(path_ + ": column '" + c.name +
                             "': the vector's length, type or form does not fit the schema");
    }
    if (!c.nullable && v.null_count > 0) {
      return Status::Invalid(path_ + ": column '" + c.name + "' is REQUIRED but has nulls");
    }
    if (v.is_dictionary() && !CodesFit(v)) {
      return Status::Invalid(path_ + ": column '" + c.name +
                             "': a code is outside the vector's dictionary");
    }
    ChunkEncoder encoder(c, v, options_, &compressor);
    auto chunk = encoder.Encode(offset_);
    if (!chunk.ok()) return chunk.status().WithContext(path_);
    FROCKET_RETURN_IF_ERROR(Write(encoder.bytes().data(), encoder.bytes().size()));
    group.total_byte_size += chunk->meta_data->total_uncompressed_size;
    group.columns.push_back(std::move(*chunk));
  }
  metadata_.num_rows += rows;
  metadata_.row_groups.push_back(std::move(group));
  return Status::OK();
}

Status ParquetWriter::Close() {
  if (closed_) return Status::OK();
  std::vector<uint8_t> footer = EncodeFileMetaData(metadata_);
  FROCKET_RETURN_IF_ERROR(Write(footer.data(), footer.size()));
  auto length = static_cast<uint32_t>(footer.size());
  FROCKET_RETURN_IF_ERROR(Write(reinterpret_cast<const uint8_t*>(&length), 4));
  FROCKET_RETURN_IF_ERROR(Write(reinterpret_cast<const uint8_t*>(kMagic), 4));
  if (::fsync(fd_) != 0) return Status::IOError(path_ + ": fsync failed: " + std::strerror(errno));
  ::close(fd_);
  fd_ = -1;
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    return Status::IOError(path_ +
                           ": cannot move the finished file into place: " + std::strerror(errno));
  }
  closed_ = true;
  return Status::OK();
}

}  // namespace frocket::parquet
