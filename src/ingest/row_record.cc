#include "ingest/row_record.h"

// Inlined: the shared library's XXH64 call costs more than hashing a short id.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <charconv>

#include "common/bitmap.h"
#include "ingest/value_conversion.h"

namespace frocket::ingest {

namespace {

constexpr size_t kTimeOffset = 4;
constexpr size_t kSequenceOffset = 12;
constexpr size_t kGroupOffset = 20;
constexpr int kSequenceBits = 40;

template <typename T>
T Load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

template <typename T>
void Put(std::string* out, T v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(T));
}

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Records are this process's own bytes: no bounds to check.
uint64_t GetVarint(const uint8_t** p) {
  uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    const uint8_t b = *(*p)++;
    v |= uint64_t{b & 0x7Fu} << shift;
    if (b < 0x80) return v;
  }
}

size_t IntText(int64_t v, char (&buf)[24]) {
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  (void)ec;
  return static_cast<size_t>(end - buf);
}

}  // namespace

uint32_t PartOfGroup(std::string_view group_text, uint32_t parts) {
  return static_cast<uint32_t>(XXH64(group_text.data(), group_text.size(), 0) % parts);
}

uint32_t PartOfGroup(int64_t group_id, uint32_t parts) {
  char buf[24];
  return PartOfGroup(std::string_view(buf, IntText(group_id, buf)), parts);
}

RecordLayout::RecordLayout(const IngestSchema& schema, RowOrder order, size_t dictionary_bytes)
    : schema_(schema), order_(order), dictionary_budget_(static_cast<int64_t>(dictionary_bytes)) {
  string_group_ =
      schema.columns[static_cast<size_t>(schema.group_column)].kind == ColumnKind::kString;
  string_group_order_ = string_group_ && order == RowOrder::kGroup;
  for (int i = 0; i < static_cast<int>(schema.columns.size()); ++i) {
    if (i == schema.group_column || i == schema.time_column) continue;
    value_columns_.push_back(i);
    dictionaries_.push_back(schema.columns[static_cast<size_t>(i)].kind == ColumnKind::kString &&
                                    dictionary_bytes > 0
                                ? std::make_unique<StringDictionary>(&dictionary_budget_)
                                : nullptr);
  }
}

std::string_view RecordLayout::GroupText(const uint8_t* record) const {
  const uint32_t n = Load<uint32_t>(record + kGroupOffset);
  return {reinterpret_cast<const char*>(record + kGroupOffset + 4), n};
}

SortEntry RecordLayout::EntryOf(const uint8_t* record) const {
  SortEntry e;
  const int64_t ts = Load<int64_t>(record + kTimeOffset);
  e.sequence = Load<uint64_t>(record + kSequenceOffset);
  e.record = record;
  if (order_ == RowOrder::kTime) {
    e.first = ts;
  } else {
    e.first = string_group_ ? 0 : Load<int64_t>(record + kGroupOffset);
    e.second = ts;
  }
  return e;
}

RowEncoder::RowEncoder(const RecordLayout& layout, const std::vector<std::string>& input_columns,
                       uint64_t input_number, uint32_t parts)
    : layout_(layout), input_number_(input_number), parts_(parts) {
  for (const IngestColumn& c : layout.schema().columns) {
    int at = -1;
    for (size_t i = 0; i < input_columns.size(); ++i) {
      if (input_columns[i] == c.name) at = static_cast<int>(i);
    }
    input_of_.push_back(at);
  }
  for (size_t k = 0; k < layout.value_columns().size(); ++k) {
    StringDictionary* d = layout.dictionary(k);
    codes_.push_back(d ? std::make_unique<StringCodes>(d) : nullptr);
  }
}

void RowEncoder::PutString(size_t k, const Cell& cell, std::string_view value,
                           const CellBatch& batch) {
  int32_t code = -1;
  if (StringCodes* codes = codes_[k].get()) {
    // The cell's own text, from the input's dictionary: looked up once per entry.
    const int at = input_of_[static_cast<size_t>(layout_.value_columns()[k])];
    const uint64_t source = cell.entry >= 0 && value.data() == cell.text.data() && at >= 0 &&
                                    static_cast<size_t>(at) < batch.dictionaries.size()
                                ? batch.dictionaries[static_cast<size_t>(at)]
                                : 0;
    code = source != 0 ? codes->Code(value, source, cell.entry) : codes->Code(value);
  }
  if (code >= 0) {
    PutVarint(&record_, uint64_t{static_cast<uint32_t>(code)} << 1 | 1);
  } else {
    PutVarint(&record_, uint64_t{value.size()} << 1);
    record_.append(value);
  }
}

int RowEncoder::EncodeKeys(const CellBatch& batch, size_t row, const Cell& time_cell,
                           const Cell& group_cell, std::string* reason) {
  const IngestSchema& schema = layout_.schema();
  ConvertedValue v;
  std::string detail;
  record_.assign(kGroupOffset, '\0');
  if (time_cell.kind == CellKind::kNull) {
    *reason = "timestamp is NULL";
    return -1;
  }
  if (!ConvertCell(time_cell, schema.columns[static_cast<size_t>(schema.time_column)], &v,
                   &scratch_, &detail)) {
    *reason = "timestamp does not fit: " + detail;
    return -1;
  }
  std::memcpy(record_.data() + kTimeOffset, &v.integer, 8);
  const uint64_t position = static_cast<uint64_t>(batch.origins[row].position);
  const uint64_t sequence =
      (input_number_ << kSequenceBits) | (position & ((uint64_t{1} << kSequenceBits) - 1));
  std::memcpy(record_.data() + kSequenceOffset, &sequence, 8);

  if (group_cell.kind == CellKind::kNull) {
    *reason = "group id is NULL";
    return -1;
  }
  const IngestColumn& group_column = schema.columns[static_cast<size_t>(schema.group_column)];
  if (!ConvertCell(group_cell, group_column, &v, &scratch_, &detail)) {
    *reason = "group id does not fit: " + detail;
    return -1;
  }
  if (group_column.kind == ColumnKind::kInt64) {
    Put(&record_, v.integer);
    return static_cast<int>(PartOfGroup(v.integer, parts_));
  }
  Put(&record_, static_cast<uint32_t>(v.text.size()));
  record_.append(v.text);
  return static_cast<int>(PartOfGroup(v.text, parts_));
}

int RowEncoder::Encode(const CellBatch& batch, size_t row, std::string_view* record,
                       std::string* reason) {
  static const Cell kNullCell;
  const Cell* cells = batch.row(row);
  auto cell_of = [&](int column) -> const Cell& {
    const int at = input_of_[static_cast<size_t>(column)];
    return at < 0 ? kNullCell : cells[at];
  };
  const IngestSchema& schema = layout_.schema();
  const int part =
      EncodeKeys(batch, row, cell_of(schema.time_column), cell_of(schema.group_column), reason);
  if (part < 0) return -1;
  ConvertedValue v;
  std::string detail;
  const size_t bitmap_at = record_.size();
  record_.append(layout_.bitmap_bytes(), '\0');
  const auto& value_columns = layout_.value_columns();
  for (size_t k = 0; k < value_columns.size(); ++k) {
    const IngestColumn& column = schema.columns[static_cast<size_t>(value_columns[k])];
    const Cell& cell = cell_of(value_columns[k]);
    if (!ConvertCell(cell, column, &v, &scratch_, &detail)) {
      *reason = detail == "invalid UTF-8"
                    ? "invalid UTF-8: column '" + column.name + "'"
                    : "value does not fit its column: column '" + column.name + "': " + detail;
      return -1;
    }
    if (v.is_null) continue;
    bitmap::Set(reinterpret_cast<uint8_t*>(record_.data() + bitmap_at), k);
    switch (column.kind) {
      case ColumnKind::kBool:
        record_.push_back(static_cast<char>(v.integer));
        break;
      case ColumnKind::kInt64:
      case ColumnKind::kTimestamp:
        Put(&record_, v.integer);
        break;
      case ColumnKind::kDouble:
        Put(&record_, v.real);
        break;
      case ColumnKind::kString:
        PutString(k, cell, v.text, batch);
        break;
    }
  }
  const uint32_t size = static_cast<uint32_t>(record_.size());
  std::memcpy(record_.data(), &size, 4);
  *record = record_;
  return part;
}

ColumnAppender::ColumnAppender(const RecordLayout& layout) : layout_(layout) {
  const auto& columns = layout.schema().columns;
  builders_.resize(columns.size());
  vectors_.resize(columns.size());
  for (size_t i = 0; i < columns.size(); ++i) builders_[i].kind = columns[i].kind;
  for (size_t k = 0; k < layout.value_columns().size(); ++k) {
    Builder& b = builders_[static_cast<size_t>(layout.value_columns()[k])];
    b.dictionary = layout.dictionary(k);
    if (b.dictionary) b.entries = std::make_shared<parquet::ColumnVector>();
  }
  Clear();
}

void ColumnAppender::Clear() {
  for (size_t i = 0; i < builders_.size(); ++i) {
    Builder& b = builders_[i];
    parquet::ColumnVector& v = vectors_[i];
    v.length = 0;
    v.null_count = 0;
    v.validity.Clear();
    v.values.Clear();
    v.data.Clear();
    v.codes.Clear();
    v.dictionary = nullptr;
    switch (b.kind) {
      case ColumnKind::kBool:
        v.physical_type = parquet::PhysicalType::kBoolean;
        v.value_width = 1;
        break;
      case ColumnKind::kInt64:
      case ColumnKind::kTimestamp:
        v.physical_type = parquet::PhysicalType::kInt64;
        v.value_width = 8;
        break;
      case ColumnKind::kDouble:
        v.physical_type = parquet::PhysicalType::kDouble;
        v.value_width = 8;
        break;
      case ColumnKind::kString:
        v.physical_type = parquet::PhysicalType::kByteArray;
        v.value_width = 0;
        v.offsets.Resize(4);
        std::memset(v.offsets.data(), 0, 4);
        break;
    }
    b.present.clear();
    b.any_null = false;
    b.plain = b.dictionary == nullptr;
    if (b.entries) {
      for (int32_t code : b.coded) b.entry_of[static_cast<size_t>(code)] = -1;
      b.coded.clear();
      b.entries->physical_type = parquet::PhysicalType::kByteArray;
      b.entries->data.Clear();
      b.entries->offsets.Resize(4);
      std::memset(b.entries->offsets.data(), 0, 4);
    }
  }
  rows_ = 0;
  string_bytes_ = 0;
  finished_ = false;
}

void ColumnAppender::AppendFixed(size_t column, const void* value, size_t width) {
  Buffer& values = vectors_[column].values;
  const size_t at = values.size();
  values.Resize(at + width);
  std::memcpy(values.data() + at, value, width);
  builders_[column].present.push_back(1);
}

void ColumnAppender::PutString(parquet::ColumnVector* v, std::string_view s) {
  const size_t at = v->data.size();
  v->data.Resize(at + s.size());
  if (!s.empty()) std::memcpy(v->data.data() + at, s.data(), s.size());
  const uint32_t end = static_cast<uint32_t>(at + s.size());
  const size_t off = v->offsets.size();
  v->offsets.Resize(off + 4);
  std::memcpy(v->offsets.data() + off, &end, 4);
}

void ColumnAppender::AppendString(size_t column, std::string_view s) {
  Builder& b = builders_[column];
  if (!b.plain) ToPlain(column);
  PutString(&vectors_[column], s);
  string_bytes_ += s.size();
  b.present.push_back(1);
}

void ColumnAppender::AppendCode(size_t column, int32_t code) {
  Builder& b = builders_[column];
  const std::string_view s = b.dictionary->Value(code);
  if (b.plain || static_cast<size_t>(code) >= kMostCodes) return AppendString(column, s);
  const size_t c = static_cast<size_t>(code);
  if (c >= b.entry_of.size()) b.entry_of.resize(c + 1, -1);
  int32_t& entry = b.entry_of[c];
  if (entry < 0) {
    entry = static_cast<int32_t>(b.coded.size());
    b.coded.push_back(code);
    PutString(b.entries.get(), s);
  }
  Buffer& codes = vectors_[column].codes;
  const size_t at = codes.size();
  codes.Resize(at + 4);
  std::memcpy(codes.data() + at, &entry, 4);
  string_bytes_ += s.size();
  b.present.push_back(1);
}

void ColumnAppender::ToPlain(size_t column) {
  Builder& b = builders_[column];
  parquet::ColumnVector& v = vectors_[column];
  const int32_t* codes = v.codes.as<int32_t>();
  const parquet::ColumnVector& entries = *b.entries;
  for (size_t r = 0; r < b.present.size(); ++r) {
    PutString(&v, b.present[r] ? entries.StringAt(codes[r]) : std::string_view());
  }
  v.codes.Clear();
  b.plain = true;
}

void ColumnAppender::AppendNull(size_t column) {
  Builder& b = builders_[column];
  b.any_null = true;
  if (b.kind != ColumnKind::kString) {
    const int64_t zero = 0;
    AppendFixed(column, &zero, static_cast<size_t>(vectors_[column].value_width));
  } else if (b.plain) {
    PutString(&vectors_[column], {});
    b.present.push_back(1);
  } else {
    const int32_t none = -1;  // made the dictionary's length when the row group is finished
    Buffer& codes = vectors_[column].codes;
    const size_t at = codes.size();
    codes.Resize(at + 4);
    std::memcpy(codes.data() + at, &none, 4);
    b.present.push_back(1);
  }
  b.present.back() = 0;
}

void ColumnAppender::Append(const uint8_t* record) {
  if (finished_) Clear();
  const IngestSchema& schema = layout_.schema();
  AppendFixed(static_cast<size_t>(schema.time_column), record + kTimeOffset, 8);
  const uint8_t* p = record + kGroupOffset;
  const size_t group = static_cast<size_t>(schema.group_column);
  if (builders_[group].kind == ColumnKind::kString) {
    const uint32_t n = Load<uint32_t>(p);
    AppendString(group, {reinterpret_cast<const char*>(p + 4), n});
    p += 4 + n;
  } else {
    AppendFixed(group, p, 8);
    p += 8;
  }
  const uint8_t* bits = p;
  p += layout_.bitmap_bytes();
  const auto& value_columns = layout_.value_columns();
  for (size_t k = 0; k < value_columns.size(); ++k) {
    const size_t column = static_cast<size_t>(value_columns[k]);
    if (!bitmap::Get(bits, k)) {
      AppendNull(column);
      continue;
    }
    switch (builders_[column].kind) {
      case ColumnKind::kBool:
        AppendFixed(column, p, 1);
        p += 1;
        break;
      case ColumnKind::kInt64:
      case ColumnKind::kTimestamp:
      case ColumnKind::kDouble:
        AppendFixed(column, p, 8);
        p += 8;
        break;
      case ColumnKind::kString: {
        const uint64_t tag = GetVarint(&p);
        if (tag & 1) {
          AppendCode(column, static_cast<int32_t>(tag >> 1));
        } else {
          AppendString(column, {reinterpret_cast<const char*>(p), tag >> 1});
          p += tag >> 1;
        }
        break;
      }
    }
  }
  ++rows_;
}

const std::vector<parquet::ColumnVector>& ColumnAppender::RowGroup() {
  if (finished_) Clear();
  for (size_t i = 0; i < builders_.size(); ++i) {
    Builder& b = builders_[i];
    parquet::ColumnVector& v = vectors_[i];
    v.length = static_cast<int64_t>(rows_);
    if (b.any_null) {
      v.validity.ResizeZeroed(bitmap::BytesFor(rows_));
      for (size_t r = 0; r < rows_; ++r) {
        if (b.present[r]) {
          bitmap::Set(v.validity.data(), r);
        } else {
          ++v.null_count;
        }
      }
    }
    if (!b.plain) {
      b.entries->length = static_cast<int64_t>(b.coded.size());
      int32_t* codes = v.codes.as<int32_t>();
      for (size_t r = 0; r < rows_; ++r) {
        if (!b.present[r]) codes[r] = static_cast<int32_t>(b.coded.size());
      }
      v.dictionary = b.entries;
    }
  }
  finished_ = true;
  return vectors_;
}

}  // namespace frocket::ingest
