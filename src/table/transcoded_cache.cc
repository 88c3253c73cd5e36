#include "table/transcoded_cache.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <functional>
#include <span>

#include "common/config.h"
#include "parquet/file_reader.h"
#include "table/part_loader.h"
#include "table/value_codes.h"

namespace frocket::table {

namespace {

// Entries are in the host's byte order: the cache is a machine's own. A change of layout
// changes the version, which is part of every key.
constexpr uint32_t kColumnMagic = 0x43545246;  // "FRTC"
constexpr uint32_t kOrderMagic = 0x4f545246;   // "FRTO"
constexpr uint32_t kLayoutVersion = 2;
// Where bulk buffers start within an entry (see EntryPieces).
constexpr uint64_t kBulkAlignment = 64;
// Row numbers are uint32 throughout a part.
constexpr int64_t kMaxRows = int64_t{1} << 32;

// The pieces of an entry: small fields gathered into pieces of their own, bulk buffers
// referenced where they are (they must outlive the write). Each bulk buffer starts at a multiple
// of 64 bytes into the entry (zeros pad up to it), so that read back where it lies in a mapped
// entry it is aligned as its values.
class EntryPieces {
 public:
  template <typename T>
  void Field(T value) {
    Small().append(reinterpret_cast<const char*>(&value), sizeof(value));
    Close();
  }
  void Bulk(std::span<const uint8_t> bytes) {
    Field(static_cast<uint64_t>(bytes.size()));
    Small().append(static_cast<size_t>((kBulkAlignment - size_ % kBulkAlignment) % kBulkAlignment),
                   '\0');
    Close();
    if (bytes.empty()) return;
    pieces_.push_back(bytes);
    size_ += bytes.size();
    open_ = false;
  }
  std::span<const std::span<const uint8_t>> pieces() const { return pieces_; }
  std::vector<uint8_t> Concatenated() const {
    std::vector<uint8_t> out;
    for (const auto& p : pieces_) out.insert(out.end(), p.begin(), p.end());
    return out;
  }

 private:
  // The small piece being added to: its bytes counted in size_ when it is closed.
  std::string& Small() {
    if (!open_) {
      small_.emplace_back();
      pieces_.push_back({});
      open_ = true;
    }
    return small_.back();
  }
  void Close() {
    const std::string& s = small_.back();
    size_ += s.size() - pieces_.back().size();
    pieces_.back() = {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
  }

  std::deque<std::string> small_;  // a deque: growing it moves no string already referenced
  std::vector<std::span<const uint8_t>> pieces_;
  bool open_ = false;
  uint64_t size_ = 0;
};

void AddVector(const parquet::ColumnVector& v, EntryPieces* out) {
  out->Field(static_cast<uint8_t>(v.physical_type));
  out->Field(static_cast<uint8_t>(v.is_dictionary()));
  out->Field(v.value_width);
  out->Field(v.length);
  out->Field(v.null_count);
  for (const Buffer* b : {&v.validity, &v.values, &v.offsets, &v.data}) out->Bulk(b->span());
  // The dictionary before the codes: they are checked against its size as they are read.
  if (v.is_dictionary()) AddVector(*v.dictionary, out);
  out->Bulk(v.codes.span());
}

void AddColumn(const Column& c, EntryPieces* out) {
  out->Field(kColumnMagic);
  out->Field(kLayoutVersion);
  out->Field(static_cast<uint8_t>(c.type));
  out->Field(static_cast<uint8_t>(c.float_bits));
  const bool has_encoded = c.type == ColumnType::kString || c.is_dictionary();
  out->Field(static_cast<uint8_t>(has_encoded));
  out->Field(c.length);
  out->Field(c.null_count);
  out->Bulk(c.validity.span());
  out->Bulk(c.values.span());
  if (has_encoded) AddVector(c.encoded, out);
}

Status Truncated(const std::string& what) {
  return Status::Invalid("transcoded cache entry: " + what + " is cut short");
}

Status Malformed(const std::string& name, const std::string& what) {
  return Status::Invalid("transcoded cache entry of column '" + name + "': " + what);
}

// How many of `n` codes are above `null_code`, and how many are it: one pass the compiler
// turns into vector code (counters as wide as the codes, over blocks too short to overflow
// them; comparisons rather than a maximum, which the baseline x86-64 has no vector form of).
void CountCodes(const uint32_t* codes, size_t n, uint32_t null_code, uint64_t* above,
                uint64_t* nulls) {
  constexpr size_t kBlock = 4096;
  for (size_t begin = 0; begin < n; begin += kBlock) {
    const size_t end = std::min(n, begin + kBlock);
    uint32_t block_above = 0, block_nulls = 0;
    for (size_t r = begin; r < end; ++r) {
      const uint32_t code = codes[r];
      block_above += code > null_code ? 1u : 0u;
      block_nulls += code == null_code ? 1u : 0u;
    }
    *above += block_above;
    *nulls += block_nulls;
  }
}

// Reads an entry front to back: fields copied out, bulk buffers located where they lie. Every
// byte is verified before it is used (Field and View); a bulk's bytes are verified only where
// a view is made of them, so that a read of some rows checks only those rows' blocks.
class EntryParser {
 public:
  explicit EntryParser(const EntryView& entry) : entry_(entry) {}

  template <typename T>
  bool Field(T* value) {
    if (sizeof(T) > remaining() || !Verify(pos_, sizeof(T))) return false;
    std::memcpy(value, entry_.bytes.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  // The next bulk buffer: its size, then (from the next multiple of kBulkAlignment) its bytes.
  Status Bulk(const std::string& what, std::span<uint8_t>* out) {
    uint64_t size;
    if (!Field(&size)) return Truncated(what + "'s size");
    pos_ = std::min<uint64_t>(entry_.bytes.size(),
                              (pos_ + kBulkAlignment - 1) / kBulkAlignment * kBulkAlignment);
    if (size > remaining()) {
      return Status::Invalid("transcoded cache entry: " + what + " claims " + std::to_string(size) +
                             " bytes, " + std::to_string(remaining()) + " remain");
    }
    *out = entry_.bytes.subspan(pos_, size);
    pos_ += size;
    return Status::OK();
  }
  // A buffer of bytes [offset, offset + n) of `bulk` (which Bulk gave), where they lie.
  Status View(std::span<uint8_t> bulk, uint64_t offset, uint64_t n, Buffer* out) {
    const auto at = static_cast<uint64_t>(bulk.data() - entry_.bytes.data()) + offset;
    if (!Verify(at, n)) return Status::Invalid("transcoded cache entry: checksum mismatch");
    *out = Buffer::View(bulk.subspan(offset, n), entry_.owner);
    return Status::OK();
  }
  // Whether bytes [offset, offset + n) of `bulk` are intact.
  bool Verify(std::span<uint8_t> bulk, uint64_t offset, uint64_t n) {
    return Verify(static_cast<uint64_t>(bulk.data() - entry_.bytes.data()) + offset, n);
  }
  uint64_t remaining() const { return entry_.bytes.size() - pos_; }

 private:
  bool Verify(uint64_t offset, uint64_t n) { return !entry_.verify || entry_.verify(offset, n); }

  const EntryView& entry_;
  uint64_t pos_ = 0;
};

bool SizeIs(std::span<const uint8_t> b, int64_t count, size_t width) {
  return b.size() == static_cast<size_t>(count) * width;
}

// Offsets of `n` strings: never decreasing, from `first` to at most `data_size`.
bool OffsetsValid(const uint32_t* o, int64_t n, uint64_t data_size) {
  if (o[n] > data_size) return false;
  for (int64_t i = 0; i < n; ++i) {
    if (o[i] > o[i + 1]) return false;
  }
  return true;
}

// A vector's header fields and bulk buffers, as AddVector wrote them.
struct VectorParts {
  uint8_t physical_type = 0, has_dictionary = 0;
  int32_t value_width = 0;
  int64_t length = 0, null_count = 0;
  std::span<uint8_t> validity, values, offsets, data, codes;
};

Status ParseVector(EntryParser& in, int depth, VectorParts* v, VectorParts* dictionary) {
  if (!in.Field(&v->physical_type) || !in.Field(&v->has_dictionary) || !in.Field(&v->value_width) ||
      !in.Field(&v->length) || !in.Field(&v->null_count)) {
    return Truncated("a vector's header");
  }
  if (v->physical_type > static_cast<uint8_t>(parquet::PhysicalType::kFixedLenByteArray) ||
      v->has_dictionary > 1 || (v->has_dictionary == 1 && depth > 0) || v->length < 0 ||
      v->length >= kMaxRows) {
    return Status::Invalid("transcoded cache entry: a vector's header is malformed");
  }
  FROCKET_RETURN_IF_ERROR(in.Bulk("validity", &v->validity));
  FROCKET_RETURN_IF_ERROR(in.Bulk("values", &v->values));
  FROCKET_RETURN_IF_ERROR(in.Bulk("offsets", &v->offsets));
  FROCKET_RETURN_IF_ERROR(in.Bulk("data", &v->data));
  if (v->has_dictionary == 1)
    FROCKET_RETURN_IF_ERROR(ParseVector(in, depth + 1, dictionary, nullptr));
  return in.Bulk("codes", &v->codes);
}

// A dictionary, all of it: INT values or strings.
Status MakeDictionary(EntryParser& in, const std::string& name, ColumnType type,
                      const VectorParts& d, parquet::ColumnVector* out) {
  out->physical_type = static_cast<parquet::PhysicalType>(d.physical_type);
  out->value_width = d.value_width;
  out->length = d.length;
  const bool strings = type == ColumnType::kString;
  if (d.null_count != 0 || !d.validity.empty() || !d.codes.empty() ||
      (strings ? !d.values.empty() || !SizeIs(d.offsets, d.length + 1, sizeof(uint32_t))
               : !SizeIs(d.values, d.length, sizeof(int64_t)) || !d.offsets.empty() ||
                     !d.data.empty())) {
    return Malformed(name, "dictionary malformed");
  }
  if (!strings) return in.View(d.values, 0, d.values.size(), &out->values);
  FROCKET_RETURN_IF_ERROR(in.View(d.offsets, 0, d.offsets.size(), &out->offsets));
  FROCKET_RETURN_IF_ERROR(in.View(d.data, 0, d.data.size(), &out->data));
  const uint32_t* o = out->offsets.as<uint32_t>();
  if (o[0] != 0 || o[d.length] != d.data.size() || !OffsetsValid(o, d.length, d.data.size())) {
    return Malformed(name, "dictionary malformed");
  }
  return Status::OK();
}

// The header of a column entry.
struct ColumnHeader {
  ColumnType type = ColumnType::kInt;
  uint8_t float_bits = 0, has_encoded = 0;
  int64_t length = 0, null_count = 0;
};

Status ParseColumnHeader(EntryParser& in, const std::string& name, ColumnHeader* h) {
  uint32_t magic, version;
  uint8_t type;
  if (!in.Field(&magic) || !in.Field(&version) || !in.Field(&type) || !in.Field(&h->float_bits) ||
      !in.Field(&h->has_encoded) || !in.Field(&h->length) || !in.Field(&h->null_count)) {
    return Truncated("the header of column '" + name + "'");
  }
  if (magic != kColumnMagic || version != kLayoutVersion ||
      type > static_cast<uint8_t>(ColumnType::kString) || h->has_encoded > 1) {
    return Malformed(name, "not a column entry of this layout");
  }
  h->type = static_cast<ColumnType>(type);
  if (h->length < 0 || h->length >= kMaxRows || h->null_count < 0 || h->null_count > h->length) {
    return Malformed(name, "row or null count out of range");
  }
  const bool encoded_type = h->type == ColumnType::kString || h->type == ColumnType::kInt;
  if (h->has_encoded == 1 && !encoded_type) {
    return Malformed(name, "only STRING columns and INT columns in dictionary form are encoded");
  }
  if (h->type == ColumnType::kString && h->has_encoded == 0) {
    return Malformed(name, "a STRING column without its strings");
  }
  return Status::OK();
}

// The group id column in dictionary form, its codes the group ordinals: a part made of it
// numbers its groups without hashing a value (ValueCodes::Encode).
Column CodedGroupColumn(const Column& group, const ValueCodes& codes) {
  Column out;
  out.name = group.name;
  out.type = group.type;
  out.length = group.length;
  auto dictionary = std::make_shared<parquet::ColumnVector>();
  dictionary->length = codes.num_values();
  if (group.type == ColumnType::kInt) {
    dictionary->physical_type = parquet::PhysicalType::kInt64;
    dictionary->value_width = sizeof(int64_t);
    dictionary->values.Resize(static_cast<size_t>(codes.num_values()) * sizeof(int64_t));
    for (int32_t i = 0; i < codes.num_values(); ++i) {
      dictionary->values.as<int64_t>()[i] = std::get<int64_t>(codes.value(i));
    }
  } else {
    dictionary->physical_type = parquet::PhysicalType::kByteArray;
    dictionary->offsets.Resize((static_cast<size_t>(codes.num_values()) + 1) * sizeof(uint32_t));
    dictionary->offsets.as<uint32_t>()[0] = 0;
    for (int32_t i = 0; i < codes.num_values(); ++i) {
      const auto& s = std::get<std::string>(codes.value(i));
      dictionary->data.Append(s.data(), s.size());
      dictionary->offsets.as<uint32_t>()[i + 1] = static_cast<uint32_t>(dictionary->data.size());
    }
  }
  out.encoded.physical_type = dictionary->physical_type;
  out.encoded.value_width = dictionary->value_width;
  out.encoded.length = group.length;
  out.encoded.codes.Append(codes.codes(), static_cast<size_t>(group.length) * sizeof(int32_t));
  out.encoded.dictionary = std::move(dictionary);
  return out;
}

// The URI and version of an entry: the file, its version, the part's key columns, the entry.
struct EntryKey {
  std::string uri;
  std::string etag;
};

class FileKeys {
 public:
  FileKeys(const ByteSource& source, uint64_t size, const std::string& group,
           const std::string& time) {
    // Length-prefixed components: no name can be mistaken for another's.
    auto component = [&](const std::string& s) {
      prefix_ += std::to_string(s.size()) + ":" + s + "|";
    };
    prefix_ = "transcoded|";
    component(source.name());
    component(group);
    component(time);
    etag_ = std::to_string(size) + "|" + source.version_tag() + "|layout " +
            std::to_string(kLayoutVersion);
  }
  EntryKey Order() const { return {prefix_ + "order", etag_}; }
  EntryKey OfColumn(const std::string& name) const {
    return {prefix_ + "column|" + std::to_string(name.size()) + ":" + name, etag_};
  }

 private:
  std::string prefix_, etag_;
};

// The encoded vector of a column entry's rows [begin, begin + c->length): codes into a whole
// dictionary, or plain strings.
Status ReadEncoded(EntryParser& in, const ColumnHeader& h, const VectorParts& v,
                   const VectorParts& d, int64_t begin, Column* c) {
  const std::string& name = c->name;
  const auto n = c->length;
  const auto un = static_cast<uint64_t>(n), ubegin = static_cast<uint64_t>(begin);
  const bool whole = n == h.length;
  if (v.length != h.length || v.null_count != h.null_count || !v.validity.empty() ||
      !v.values.empty() ||
      (c->type == ColumnType::kString &&
       v.physical_type != static_cast<uint8_t>(parquet::PhysicalType::kByteArray))) {
    return Malformed(name, "encoded vector does not match the column");
  }
  parquet::ColumnVector& e = c->encoded;
  e.physical_type = static_cast<parquet::PhysicalType>(v.physical_type);
  e.value_width = v.value_width;
  e.length = n;
  e.null_count = c->null_count;
  if (v.has_dictionary == 1) {
    if (!v.offsets.empty() || !v.data.empty() || !SizeIs(v.codes, h.length, sizeof(int32_t))) {
      return Malformed(name, "dictionary or codes malformed");
    }
    auto dictionary = std::make_shared<parquet::ColumnVector>();
    FROCKET_RETURN_IF_ERROR(MakeDictionary(in, name, c->type, d, dictionary.get()));
    FROCKET_RETURN_IF_ERROR(in.View(v.codes, ubegin * 4, un * 4, &e.codes));
    uint64_t above = 0, nulls = 0;
    CountCodes(e.codes.as<uint32_t>(), un, static_cast<uint32_t>(dictionary->length), &above,
               &nulls);
    if (above != 0 || nulls != static_cast<uint64_t>(c->null_count)) {
      return Malformed(name, "dictionary or codes malformed");
    }
    e.dictionary = std::move(dictionary);
    return Status::OK();
  }
  // Plain strings: the rows' offsets, from 0 (rebased, for rows after the first), and the bytes
  // they point at.
  if (c->type != ColumnType::kString || !v.codes.empty() ||
      !SizeIs(v.offsets, h.length + 1, sizeof(uint32_t))) {
    return Malformed(name, "STRING offsets malformed");
  }
  Buffer offsets;
  FROCKET_RETURN_IF_ERROR(in.View(v.offsets, ubegin * 4, (un + 1) * 4, &offsets));
  const uint32_t* o = offsets.as<uint32_t>();
  if (!OffsetsValid(o, n, v.data.size()) || (whole && (o[0] != 0 || o[n] != v.data.size()))) {
    return Malformed(name, "STRING offsets malformed");
  }
  const uint32_t first = o[0];
  FROCKET_RETURN_IF_ERROR(in.View(v.data, first, o[n] - first, &e.data));
  if (first == 0) {
    e.offsets = std::move(offsets);
    return Status::OK();
  }
  e.offsets.Resize((un + 1) * sizeof(uint32_t));
  uint32_t* rebased = e.offsets.as<uint32_t>();
  for (uint64_t i = 0; i <= un; ++i) rebased[i] = o[i] - first;
  return Status::OK();
}

}  // namespace

Result<Column> ReadColumnEntry(const EntryView& entry, const std::string& name, RowRange rows) {
  EntryParser in(entry);
  ColumnHeader h;
  FROCKET_RETURN_IF_ERROR(ParseColumnHeader(in, name, &h));
  const int64_t begin = rows.begin;
  const int64_t end = rows.end < 0 ? h.length : rows.end;
  if (begin < 0 || begin % 8 != 0 || begin > end || end > h.length) {
    return Malformed(name, "rows " + std::to_string(begin) + " to " + std::to_string(end) +
                               " asked of its " + std::to_string(h.length));
  }
  const bool whole = begin == 0 && end == h.length;
  const int64_t n = end - begin;
  const auto un = static_cast<uint64_t>(n), ubegin = static_cast<uint64_t>(begin);
  std::span<uint8_t> validity, values;
  FROCKET_RETURN_IF_ERROR(in.Bulk("validity", &validity));
  FROCKET_RETURN_IF_ERROR(in.Bulk("values", &values));
  VectorParts v, d;
  if (h.has_encoded == 1) FROCKET_RETURN_IF_ERROR(ParseVector(in, 0, &v, &d));
  if (in.remaining() != 0) return Malformed(name, "bytes after the column");

  Column c;
  c.name = name;
  c.type = h.type;
  c.float_bits = h.float_bits;
  c.length = n;
  // No validity: no null. A validity: one bit a row (as many clear as the null count, which
  // only a read of every row can tell).
  if (validity.empty() ? h.null_count != 0
                       : validity.size() != bitmap::BytesFor(static_cast<size_t>(h.length))) {
    return Malformed(name, "validity does not match the null count");
  }
  if (!validity.empty()) {
    FROCKET_RETURN_IF_ERROR(in.View(validity, ubegin / 8, bitmap::BytesFor(un), &c.validity));
    c.null_count = n - static_cast<int64_t>(bitmap::CountSet(c.validity.data(), un));
    if (whole && c.null_count != h.null_count) {
      return Malformed(name, "validity does not match the null count");
    }
  }
  switch (c.type) {
    case ColumnType::kBool:
      if (!SizeIs(values, h.length, 1)) return Malformed(name, "BOOL values malformed");
      FROCKET_RETURN_IF_ERROR(in.View(values, ubegin, un, &c.values));
      if (std::any_of(c.values.data(), c.values.data() + un, [](uint8_t b) { return b > 1; })) {
        return Malformed(name, "BOOL values malformed");
      }
      break;
    case ColumnType::kFloat:
      if (!SizeIs(values, h.length, sizeof(double)) ||
          (c.float_bits != 16 && c.float_bits != 32 && c.float_bits != 64)) {
        return Malformed(name, "FLOAT values malformed");
      }
      FROCKET_RETURN_IF_ERROR(in.View(values, ubegin * 8, un * 8, &c.values));
      break;
    case ColumnType::kInt:
      if (h.has_encoded == 1 ? !values.empty() : !SizeIs(values, h.length, sizeof(int64_t))) {
        return Malformed(name, "INT values malformed");
      }
      if (h.has_encoded == 0)
        FROCKET_RETURN_IF_ERROR(in.View(values, ubegin * 8, un * 8, &c.values));
      break;
    case ColumnType::kString:
      if (!values.empty()) return Malformed(name, "STRING values malformed");
      break;
  }
  if (h.has_encoded == 0) return c;

  FROCKET_RETURN_IF_ERROR(ReadEncoded(in, h, v, d, begin, &c));
  return c;
}

Result<RowOrder> ReadRowOrderEntry(const EntryView& entry) {
  EntryParser in(entry);
  uint32_t magic, version;
  uint8_t has_order;
  RowOrder out;
  if (!in.Field(&magic) || !in.Field(&version) || !in.Field(&out.num_rows) ||
      !in.Field(&has_order)) {
    return Truncated("a row order's header");
  }
  if (magic != kOrderMagic || version != kLayoutVersion || has_order > 1 || out.num_rows < 0 ||
      out.num_rows >= kMaxRows) {
    return Status::Invalid("transcoded cache entry: not a row order of this layout");
  }
  std::span<uint8_t> bulk;
  FROCKET_RETURN_IF_ERROR(in.Bulk("row order", &bulk));
  if (in.remaining() != 0) return Status::Invalid("transcoded cache entry: bytes after the order");
  if (!SizeIs(bulk, has_order == 1 ? out.num_rows : 0, sizeof(uint32_t))) {
    return Status::Invalid("transcoded cache entry: the row order's size is not the row count");
  }
  Buffer order;
  FROCKET_RETURN_IF_ERROR(in.View(bulk, 0, bulk.size(), &order));
  const uint32_t* rows = order.as<uint32_t>();
  out.order.assign(rows, rows + order.size() / sizeof(uint32_t));
  for (uint32_t row : out.order) {
    if (row >= out.num_rows) return Status::Invalid("transcoded cache entry: row out of range");
  }
  return out;
}

std::vector<uint8_t> ColumnEntryBytes(const Column& column) {
  EntryPieces pieces;
  AddColumn(column, &pieces);
  return pieces.Concatenated();
}

EntryView EntryInMemory(std::span<const uint8_t> bytes) {
  auto copy = std::make_shared<Buffer>(bytes.size());
  if (!bytes.empty()) std::memcpy(copy->data(), bytes.data(), bytes.size());
  return {{copy->data(), copy->size()}, {}, copy};
}

Result<std::shared_ptr<TranscodedCache>> TranscodedCache::FromConfig() {
  FROCKET_ASSIGN_OR_RETURN(int64_t mb, Config::Int("FROCKET_TRANSCODED_CACHE_SIZE_MB", 0));
  if (mb == 0) return std::shared_ptr<TranscodedCache>();
  FROCKET_ASSIGN_OR_RETURN(auto store, DiskCache::Open(Config::Home() + "/transcoded-cache",
                                                       static_cast<uint64_t>(mb) << 20));
  return std::make_shared<TranscodedCache>(std::move(store));
}

namespace {

// A mapped entry as its parser reads it: each range verified before use, the mapping kept alive
// by the columns made of it.
EntryView ViewOf(const std::shared_ptr<DiskCache::MappedEntry>& entry) {
  DiskCache::MappedEntry* e = entry.get();
  return {e->bytes(), [e](uint64_t offset, uint64_t n) { return e->Verify(offset, n); }, entry};
}

// The rows of a time column entry (ascending time keys: Part::Make ordered them) that hold the
// timeframe's, from a multiple of 8 (whole bytes of validity): a binary search, each row it
// looks at verified. Nullopt where the entry cannot be searched so (not INT or FLOAT without
// nulls, or a block found corrupt): then every row is read.
std::optional<RowRange> TimeframeRows(const EntryView& entry, const std::string& name,
                                      const TimeKeyRange& timeframe) {
  EntryParser in(entry);
  ColumnHeader h;
  std::span<uint8_t> validity, values;
  VectorParts v, d;
  if (!ParseColumnHeader(in, name, &h).ok() || h.null_count != 0 ||
      (h.type != ColumnType::kInt && h.type != ColumnType::kFloat) ||
      !in.Bulk("validity", &validity).ok() || !in.Bulk("values", &values).ok() ||
      (h.has_encoded == 1 && !ParseVector(in, 0, &v, &d).ok())) {
    return std::nullopt;
  }
  // Plain values, or (INT in dictionary form) codes into a dictionary's.
  const bool coded = h.has_encoded == 1;
  if (coded ? v.has_dictionary != 1 || !SizeIs(v.codes, h.length, sizeof(int32_t)) ||
                  !SizeIs(d.values, d.length, sizeof(int64_t))
            : !SizeIs(values, h.length, sizeof(int64_t))) {
    return std::nullopt;
  }
  if (timeframe.empty) return RowRange{0, 0};
  bool intact = true;
  auto load = [&](std::span<uint8_t> bulk, uint64_t at, auto* out) {
    intact = intact && in.Verify(bulk, at, sizeof(*out));
    if (intact) std::memcpy(out, bulk.data() + at, sizeof(*out));
  };
  auto key = [&](int64_t r) {
    int64_t raw = 0;
    if (coded) {
      uint32_t code = 0;
      load(v.codes, static_cast<uint64_t>(r) * 4, &code);
      intact = intact && code < static_cast<uint64_t>(d.length);
      if (intact) load(d.values, uint64_t{code} * 8, &raw);
    } else {
      load(values, static_cast<uint64_t>(r) * 8, &raw);
    }
    return h.type == ColumnType::kInt ? raw : FloatTimeKey(std::bit_cast<double>(raw));
  };
  auto lower_bound = [&](int64_t t) {
    int64_t low = 0, high = h.length;
    while (low < high && intact) {
      const int64_t mid = low + (high - low) / 2;
      if (key(mid) < t) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  };
  const int64_t begin = timeframe.from ? lower_bound(*timeframe.from) : 0;
  const int64_t end = timeframe.to ? lower_bound(*timeframe.to) : h.length;
  if (!intact) return std::nullopt;
  return RowRange{begin / 8 * 8, std::max(begin, end)};
}

// An entry's column read back, or nullopt where it is unusable (a corrupt entry was dropped
// when a block failed its checksum; a malformed one is dropped here), to be made again.
std::optional<Column> ReadMappedColumn(const std::shared_ptr<DiskCache::MappedEntry>& entry,
                                       const std::string& name, RowRange rows) {
  auto column = ReadColumnEntry(ViewOf(entry), name, rows);
  if (!column.ok()) {
    entry->Discard(column.status().message());
    return std::nullopt;
  }
  return std::move(*column);
}

std::optional<RowOrder> GetOrder(DiskCache& store, const EntryKey& key) {
  auto entry = store.MapEntry(key.uri, key.etag);
  if (!entry) return std::nullopt;
  auto order = ReadRowOrderEntry(ViewOf(entry));
  if (!order.ok()) {
    entry->Discard(order.status().message());
    return std::nullopt;
  }
  return std::move(*order);
}

// The columns of `columns` the cache holds, mapped; the others missing. When it holds them
// all and the timestamps among them, only the timeframe's rows (some_rows).
struct Entries {
  std::vector<Column> have;
  std::vector<std::string> missing;
  bool some_rows = false;
};

Entries ReadEntries(DiskCache& store, const FileKeys& keys, const std::vector<std::string>& columns,
                    const std::string& time_column, const TimeKeyRange& timeframe) {
  std::vector<std::shared_ptr<DiskCache::MappedEntry>> mapped;
  for (const std::string& name : columns) {
    const EntryKey key = keys.OfColumn(name);
    mapped.push_back(store.MapEntry(key.uri, key.etag));
  }
  RowRange rows;
  const bool all_there = std::all_of(mapped.begin(), mapped.end(), [](auto& e) { return e; });
  const auto time_at = std::find(columns.begin(), columns.end(), time_column);
  if (all_there && time_at != columns.end() &&
      (timeframe.from || timeframe.to || timeframe.empty)) {
    const auto& entry = mapped[static_cast<size_t>(time_at - columns.begin())];
    rows = TimeframeRows(ViewOf(entry), time_column, timeframe).value_or(RowRange{});
  }
  Entries out;
  auto read = [&](RowRange range) {
    out.have.clear();
    out.missing.clear();
    for (size_t i = 0; i < columns.size(); ++i) {
      std::optional<Column> c;
      if (mapped[i]) c = ReadMappedColumn(mapped[i], columns[i], range);
      if (c) {
        out.have.push_back(std::move(*c));
      } else {
        out.missing.push_back(columns[i]);
      }
    }
  };
  out.some_rows = rows.begin != 0 || rows.end >= 0;
  read(rows);
  // An entry turned out unusable: the others' rows are read whole, as the file's will be.
  if (!out.missing.empty() && out.some_rows) {
    out.some_rows = false;
    read(RowRange{});
  }
  return out;
}

void PutColumn(DiskCache& store, const EntryKey& key, const Column& column) {
  EntryPieces pieces;
  AddColumn(column, &pieces);
  store.PutEntry(key.uri, key.etag, pieces.pieces());
}

void PutOrder(DiskCache& store, const EntryKey& key, const Part& part) {
  EntryPieces pieces;
  pieces.Field(kOrderMagic);
  pieces.Field(kLayoutVersion);
  pieces.Field(part.num_rows());
  pieces.Field(static_cast<uint8_t>(!part.order().empty()));
  pieces.Bulk({reinterpret_cast<const uint8_t*>(part.order().data()),
               part.order().size() * sizeof(uint32_t)});
  store.PutEntry(key.uri, key.etag, pieces.pieces());
}

}  // namespace

Result<TranscodedCache::Loaded> TranscodedCache::Load(const std::shared_ptr<ByteSource>& source,
                                                      const std::vector<std::string>& columns,
                                                      const std::string& group_column,
                                                      const std::string& time_column,
                                                      const TimeKeyRange& timeframe) {
  FROCKET_ASSIGN_OR_RETURN(const uint64_t size, source->Size());
  const FileKeys keys(*source, size, group_column, time_column);
  auto make = [&](std::vector<Column> parts_columns) -> Result<std::shared_ptr<Part>> {
    auto part = Part::Make(std::move(parts_columns), group_column, time_column,
                           /*time_optional=*/true);
    if (!part.ok()) return part.status().WithContext(source->name());
    return part;
  };
  // The columns first: a part whose columns are all there needs nothing else (entries of one
  // file version were all put in the one order its timestamps give). The row order is read
  // only to add a column.
  Entries entries = ReadEntries(*store_, keys, columns, time_column, timeframe);
  if (entries.missing.empty()) {
    FROCKET_ASSIGN_OR_RETURN(auto part, make(std::move(entries.have)));
    if (entries.some_rows) part->set_coverage(timeframe);
    return Loaded{std::move(part), true};
  }
  std::vector<Column>& have = entries.have;
  const std::vector<std::string>& missing = entries.missing;
  std::optional<RowOrder> order = GetOrder(*store_, keys.Order());
  for (const Column& c : have) {
    if (order && c.length != order->num_rows) order.reset();  // not of this order: start again
  }
  FROCKET_ASSIGN_OR_RETURN(auto file, parquet::ParquetFile::Open(source));
  if (!order) {
    // Nothing of this file version yet: all of it that the query uses, with its timestamps,
    // sorted by time, and that order kept for the columns later queries add.
    std::vector<std::string> read = columns;
    if (std::find(read.begin(), read.end(), time_column) == read.end()) {
      read.push_back(time_column);
    }
    FROCKET_ASSIGN_OR_RETURN(auto part, LoadPart(*file, read, group_column, time_column));
    PutOrder(*store_, keys.Order(), *part);
    for (const auto& c : part->columns()) {
      if (c->name == group_column && !c->is_dictionary()) {
        PutColumn(*store_, keys.OfColumn(c->name), CodedGroupColumn(*c, part->group_codes()));
      } else {
        PutColumn(*store_, keys.OfColumn(c->name), *c);
      }
    }
    return Loaded{std::move(part), false};
  }
  FROCKET_ASSIGN_OR_RETURN(auto more, ReadColumns(*file, missing));
  for (Column& c : more) {
    if (c.length != order->num_rows) {
      return Status::Invalid(source->name() + ": column '" + c.name + "' has " +
                             std::to_string(c.length) + " rows, the file's cached order " +
                             std::to_string(order->num_rows));
    }
    if (!order->order.empty()) c.Gather(order->order);
    if (c.name == group_column && !c.is_dictionary())
      c = CodedGroupColumn(c, ValueCodes::Encode(c));
    PutColumn(*store_, keys.OfColumn(c.name), c);
    have.push_back(std::move(c));
  }
  FROCKET_ASSIGN_OR_RETURN(auto part, make(std::move(have)));
  return Loaded{std::move(part), false};
}

}  // namespace frocket::table
