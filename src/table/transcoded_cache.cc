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
constexpr uint32_t kLayoutVersion = 1;
// Row numbers are uint32 throughout a part.
constexpr int64_t kMaxRows = int64_t{1} << 32;

// The pieces of an entry: small fields gathered into pieces of their own, bulk buffers
// referenced where they are (they must outlive the write).
class EntryPieces {
 public:
  template <typename T>
  void Field(T value) {
    if (small_.empty() || !open_) {
      small_.emplace_back();
      pieces_.push_back({});
      open_ = true;
    }
    std::string& s = small_.back();
    s.append(reinterpret_cast<const char*>(&value), sizeof(value));
    pieces_.back() = {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
  }
  void Bulk(std::span<const uint8_t> bytes) {
    Field(static_cast<uint64_t>(bytes.size()));
    if (bytes.empty()) return;
    pieces_.push_back(bytes);
    open_ = false;
  }
  std::span<const std::span<const uint8_t>> pieces() const { return pieces_; }
  std::vector<uint8_t> Concatenated() const {
    std::vector<uint8_t> out;
    for (const auto& p : pieces_) out.insert(out.end(), p.begin(), p.end());
    return out;
  }

 private:
  std::deque<std::string> small_;  // a deque: growing it moves no string already referenced
  std::vector<std::span<const uint8_t>> pieces_;
  bool open_ = false;
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

template <typename T>
bool ReadField(PieceReader& in, T* value) {
  return in.Read(value, sizeof(T));
}

Status Truncated(const std::string& what) {
  return Status::Invalid("transcoded cache entry: " + what + " is cut short");
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

// Codes counted as they are read (CountCodes), while they are in the CPU's cache.
struct CodeCounts {
  uint64_t above = 0, nulls = 0;
};

// A size, then that many bytes; `on_slice`, if given, sees them slice by slice as they arrive.
Status ReadBulk(PieceReader& in, const char* what, Buffer* out,
                const std::function<void(const uint8_t*, size_t)>& on_slice = {}) {
  uint64_t size;
  if (!ReadField(in, &size)) return Truncated(std::string(what) + "'s size");
  if (size > in.remaining()) {
    return Status::Invalid("transcoded cache entry: " + std::string(what) + " claims " +
                           std::to_string(size) + " bytes, " + std::to_string(in.remaining()) +
                           " remain");
  }
  out->Resize(static_cast<size_t>(size));
  constexpr size_t kSlice = size_t{256} << 10;
  const size_t step = on_slice ? kSlice : out->size();
  for (size_t done = 0; done < out->size(); done += step) {
    const size_t n = std::min(step, out->size() - done);
    if (!in.Read(out->data() + done, n)) return Truncated(what);
    if (on_slice) on_slice(out->data() + done, n);
  }
  return Status::OK();
}

Status ReadVector(PieceReader& in, int depth, parquet::ColumnVector* v, CodeCounts* counts) {
  uint8_t physical_type, has_dictionary;
  if (!ReadField(in, &physical_type) || !ReadField(in, &has_dictionary) ||
      !ReadField(in, &v->value_width) || !ReadField(in, &v->length) ||
      !ReadField(in, &v->null_count)) {
    return Truncated("a vector's header");
  }
  if (physical_type > static_cast<uint8_t>(parquet::PhysicalType::kFixedLenByteArray) ||
      has_dictionary > 1 || (has_dictionary == 1 && depth > 0)) {
    return Status::Invalid("transcoded cache entry: a vector's header is malformed");
  }
  v->physical_type = static_cast<parquet::PhysicalType>(physical_type);
  FROCKET_RETURN_IF_ERROR(ReadBulk(in, "validity", &v->validity));
  FROCKET_RETURN_IF_ERROR(ReadBulk(in, "values", &v->values));
  FROCKET_RETURN_IF_ERROR(ReadBulk(in, "offsets", &v->offsets));
  FROCKET_RETURN_IF_ERROR(ReadBulk(in, "data", &v->data));
  if (has_dictionary == 0) return ReadBulk(in, "codes", &v->codes);
  auto dictionary = std::make_shared<parquet::ColumnVector>();
  FROCKET_RETURN_IF_ERROR(ReadVector(in, depth + 1, dictionary.get(), counts));
  const auto null_code = static_cast<uint32_t>(dictionary->length);
  v->dictionary = std::move(dictionary);
  return ReadBulk(in, "codes", &v->codes, [&](const uint8_t* bytes, size_t n) {
    // Slices are whole codes but for the last of a malformed size, which fails the check.
    CountCodes(reinterpret_cast<const uint32_t*>(bytes), n / sizeof(uint32_t), null_code,
               &counts->above, &counts->nulls);
  });
}

Status Malformed(const std::string& name, const std::string& what) {
  return Status::Invalid("transcoded cache entry of column '" + name + "': " + what);
}

bool SizeIs(const Buffer& b, int64_t count, size_t width) {
  return b.size() == static_cast<size_t>(count) * width;
}

// Offsets of `n` strings into `data`: from 0, never decreasing, to the end of data.
bool OffsetsValid(const parquet::ColumnVector& v, int64_t n) {
  if (!SizeIs(v.offsets, n + 1, sizeof(uint32_t))) return false;
  const uint32_t* o = v.offsets.as<uint32_t>();
  if (o[0] != 0 || o[n] != v.data.size()) return false;
  for (int64_t i = 0; i < n; ++i) {
    if (o[i] > o[i + 1]) return false;
  }
  return true;
}

// What a column as the reader makes it (ToColumn) holds, so that nothing the engine indexes
// with points outside its buffers.
Status CheckColumn(const Column& c, const CodeCounts& counts) {
  const std::string& name = c.name;
  if (c.length < 0 || c.length >= kMaxRows || c.null_count < 0 || c.null_count > c.length) {
    return Malformed(name, "row or null count out of range");
  }
  // No validity: no null. A validity: one bit a row, as many clear as the null count.
  if (c.validity.empty()
          ? c.null_count != 0
          : c.validity.size() != bitmap::BytesFor(static_cast<size_t>(c.length)) ||
                static_cast<int64_t>(bitmap::CountSet(
                    c.validity.data(), static_cast<size_t>(c.length))) != c.length - c.null_count) {
    return Malformed(name, "validity does not match the null count");
  }
  const parquet::ColumnVector& v = c.encoded;
  const bool encoded = c.type == ColumnType::kString || c.is_dictionary();
  if (encoded &&
      (v.length != c.length || v.null_count != c.null_count || !v.validity.empty() ||
       v.physical_type !=
           (c.type == ColumnType::kString ? parquet::PhysicalType::kByteArray : v.physical_type))) {
    return Malformed(name, "encoded vector does not match the column");
  }
  if (v.is_dictionary()) {
    const parquet::ColumnVector& d = *v.dictionary;
    const bool dictionary_ok =
        d.length >= 0 && d.length < kMaxRows && d.null_count == 0 && d.validity.empty() &&
        (c.type == ColumnType::kString ? OffsetsValid(d, d.length)
                                       : SizeIs(d.values, d.length, sizeof(int64_t)));
    const bool codes_ok = SizeIs(v.codes, c.length, sizeof(int32_t)) && counts.above == 0 &&
                          counts.nulls == static_cast<uint64_t>(c.null_count);
    if (!dictionary_ok || !codes_ok) return Malformed(name, "dictionary or codes malformed");
  }
  switch (c.type) {
    case ColumnType::kBool:
      if (!SizeIs(c.values, c.length, 1) ||
          std::any_of(c.values.data(), c.values.data() + c.values.size(),
                      [](uint8_t b) { return b > 1; })) {
        return Malformed(name, "BOOL values malformed");
      }
      return Status::OK();
    case ColumnType::kFloat:
      if (!SizeIs(c.values, c.length, sizeof(double)) ||
          (c.float_bits != 16 && c.float_bits != 32 && c.float_bits != 64)) {
        return Malformed(name, "FLOAT values malformed");
      }
      return Status::OK();
    case ColumnType::kInt:
      if (c.is_dictionary() ? !c.values.empty() : !SizeIs(c.values, c.length, sizeof(int64_t))) {
        return Malformed(name, "INT values malformed");
      }
      return Status::OK();
    case ColumnType::kString:
      if (!c.values.empty() || (!v.is_dictionary() && !OffsetsValid(v, c.length))) {
        return Malformed(name, "STRING offsets malformed");
      }
      return Status::OK();
  }
  return Malformed(name, "unknown type");
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

}  // namespace

Result<Column> ReadColumnEntry(PieceReader& in, const std::string& name) {
  uint32_t magic, version;
  uint8_t type, float_bits, has_encoded;
  Column c;
  c.name = name;
  if (!ReadField(in, &magic) || !ReadField(in, &version) || !ReadField(in, &type) ||
      !ReadField(in, &float_bits) || !ReadField(in, &has_encoded) || !ReadField(in, &c.length) ||
      !ReadField(in, &c.null_count)) {
    return Truncated("the header of column '" + name + "'");
  }
  if (magic != kColumnMagic || version != kLayoutVersion ||
      type > static_cast<uint8_t>(ColumnType::kString) || has_encoded > 1) {
    return Malformed(name, "not a column entry of this layout");
  }
  c.type = static_cast<ColumnType>(type);
  c.float_bits = float_bits;
  FROCKET_RETURN_IF_ERROR(ReadBulk(in, "validity", &c.validity));
  FROCKET_RETURN_IF_ERROR(ReadBulk(in, "values", &c.values));
  CodeCounts counts;
  if (has_encoded == 1) FROCKET_RETURN_IF_ERROR(ReadVector(in, 0, &c.encoded, &counts));
  if (in.remaining() != 0) return Malformed(name, "bytes after the column");
  const bool encoded_type =
      c.type == ColumnType::kString || (c.type == ColumnType::kInt && c.is_dictionary());
  if ((has_encoded == 1) != encoded_type) {
    return Malformed(name, "only STRING columns and INT columns in dictionary form are encoded");
  }
  FROCKET_RETURN_IF_ERROR(CheckColumn(c, counts));
  return c;
}

Result<RowOrder> ReadRowOrderEntry(PieceReader& in) {
  uint32_t magic, version;
  uint8_t has_order;
  RowOrder out;
  if (!ReadField(in, &magic) || !ReadField(in, &version) || !ReadField(in, &out.num_rows) ||
      !ReadField(in, &has_order)) {
    return Truncated("a row order's header");
  }
  if (magic != kOrderMagic || version != kLayoutVersion || has_order > 1 || out.num_rows < 0 ||
      out.num_rows >= kMaxRows) {
    return Status::Invalid("transcoded cache entry: not a row order of this layout");
  }
  Buffer order;
  FROCKET_RETURN_IF_ERROR(ReadBulk(in, "row order", &order));
  if (in.remaining() != 0) return Status::Invalid("transcoded cache entry: bytes after the order");
  if (!SizeIs(order, has_order == 1 ? out.num_rows : 0, sizeof(uint32_t))) {
    return Status::Invalid("transcoded cache entry: the row order's size is not the row count");
  }
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

Result<std::shared_ptr<TranscodedCache>> TranscodedCache::FromConfig() {
  FROCKET_ASSIGN_OR_RETURN(int64_t mb, Config::Int("FROCKET_TRANSCODED_CACHE_SIZE_MB", 0));
  if (mb == 0) return std::shared_ptr<TranscodedCache>();
  FROCKET_ASSIGN_OR_RETURN(auto store, DiskCache::Open(Config::Home() + "/transcoded-cache",
                                                       static_cast<uint64_t>(mb) << 20));
  return std::make_shared<TranscodedCache>(std::move(store));
}

namespace {

// An entry read back, or nullopt where it is missing or unusable (a corrupt or malformed one
// is dropped, to be made again).
std::optional<Column> GetColumn(DiskCache& store, const EntryKey& key, const std::string& name) {
  auto entry = store.GetEntry(key.uri, key.etag);
  if (!entry) return std::nullopt;
  auto column = ReadColumnEntry(*entry, name);
  if (!column.ok()) {
    entry->Discard(column.status().message());
    return std::nullopt;
  }
  if (!entry->Finish()) return std::nullopt;
  return std::move(*column);
}

std::optional<RowOrder> GetOrder(DiskCache& store, const EntryKey& key) {
  auto entry = store.GetEntry(key.uri, key.etag);
  if (!entry) return std::nullopt;
  auto order = ReadRowOrderEntry(*entry);
  if (!order.ok()) {
    entry->Discard(order.status().message());
    return std::nullopt;
  }
  if (!entry->Finish()) return std::nullopt;
  return std::move(*order);
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
                                                      const std::string& time_column) {
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
  std::vector<Column> have;
  std::vector<std::string> missing;
  for (const std::string& name : columns) {
    if (std::optional<Column> c = GetColumn(*store_, keys.OfColumn(name), name)) {
      have.push_back(std::move(*c));
    } else {
      missing.push_back(name);
    }
  }
  if (missing.empty()) {
    FROCKET_ASSIGN_OR_RETURN(auto part, make(std::move(have)));
    return Loaded{std::move(part), true};
  }
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
