#include "parquet/metadata.h"

#include "parquet/thrift_compact.h"
#include "parquet/thrift_writer.h"

namespace frocket::parquet {

namespace {

using thrift::CompactReader;
using thrift::FieldType;

bool IsBool(FieldType t) {
  return t == FieldType::kBoolTrue || t == FieldType::kBoolFalse;
}

// Reads the field's value with `read` when its wire type is `want`; otherwise skips it, as
// Thrift's generated code does. Returns whether the value was read.
template <typename Read>
bool ReadIf(CompactReader& r, FieldType got, FieldType want, Read read) {
  bool match = (want == FieldType::kBoolTrue) ? IsBool(got) : got == want;
  if (!match) {
    r.Skip(got);
    return false;
  }
  read();
  return r.ok();
}

// Reads a list<elem> field, calling read_element once per element.
template <typename ReadElement>
bool ReadList(CompactReader& r, const char* name, FieldType got, FieldType element,
              ReadElement read_element) {
  if (got != FieldType::kList && got != FieldType::kSet) {
    r.Skip(got);
    return false;
  }
  thrift::ListHeader h = r.ReadListHeader();
  if (!r.ok()) return false;
  bool element_matches =
      (element == FieldType::kBoolTrue) ? IsBool(h.element_type) : h.element_type == element;
  for (uint32_t i = 0; i < h.size && r.ok(); ++i) {
    if (element_matches) {
      read_element();
    } else if (IsBool(h.element_type)) {
      r.ReadListBool();
    } else {
      r.Skip(h.element_type);
    }
    if (!r.ok()) r.AddErrorContext(std::string(name) + "[" + std::to_string(i) + "]");
  }
  return r.ok() && element_matches;
}

// Bit set of the field ids seen, to check required fields at the end of a struct.
class SeenFields {
 public:
  void Mark(int16_t id) {
    if (id >= 0 && id < 64) bits_ |= uint64_t{1} << id;
  }
  bool Has(int id) const { return (bits_ >> id) & 1; }
  // Records an error in `r` naming the first missing required field.
  void Require(CompactReader& r, const char* struct_name,
               std::initializer_list<std::pair<int, const char*>> fields) const {
    if (!r.ok()) return;
    for (const auto& [id, name] : fields) {
      if (!Has(id)) {
        r.Fail(std::string(struct_name) + " is missing its required field '" + name + "'");
        return;
      }
    }
  }

 private:
  uint64_t bits_ = 0;
};

// Reads a struct: `field(id, type)` reads a field it knows and returns whether it read its
// value (a value of another type is skipped), or nullopt for a field it does not know, which is
// skipped here; then the required fields must all have been read.
template <typename Field>
void ReadStruct(CompactReader& r, const char* name,
                std::initializer_list<std::pair<int, const char*>> required, Field field) {
  r.BeginStruct();
  SeenFields seen;
  int16_t id;
  FieldType t;
  while (r.NextField(&id, &t)) {
    const std::optional<bool> read = field(id, t);
    if (!read) {
      r.Skip(t);
    } else if (*read) {
      seen.Mark(id);
    }
  }
  r.EndStruct();
  seen.Require(r, name, required);
}

void ReadKeyValue(CompactReader& r, KeyValue* kv) {
  ReadStruct(r, "KeyValue", {{1, "key"}}, [&](int16_t id, FieldType t) -> std::optional<bool> {
    switch (id) {
      case 1:
        return ReadIf(r, t, FieldType::kBinary, [&] { kv->key = r.ReadString(); });
      case 2:
        ReadIf(r, t, FieldType::kBinary, [&] { kv->value = r.ReadString(); });
        return false;
      default:
        return std::nullopt;  // unknown: skipped
    }
  });
}

void ReadKeyValueList(CompactReader& r, FieldType t, std::vector<KeyValue>* out) {
  ReadList(r, "key_value_metadata", t, FieldType::kStruct, [&] {
    out->emplace_back();
    ReadKeyValue(r, &out->back());
  });
}

// TimeUnit is a union of empty structs: the member's field id is the unit.
void ReadTimeUnit(CompactReader& r, TimeUnit* unit, bool* found) {
  r.BeginStruct();
  int16_t id;
  FieldType t;
  while (r.NextField(&id, &t)) {
    if (t == FieldType::kStruct && id >= 1 && id <= 3) {
      *unit = static_cast<TimeUnit>(id - 1);
      *found = true;
    }
    r.Skip(t);
  }
  r.EndStruct();
}

// DecimalType, TimeType, TimestampType, IntType, GeometryType, GeographyType members.
void ReadLogicalTypeMember(CompactReader& r, int16_t member, LogicalType* lt) {
  r.BeginStruct();
  SeenFields seen;
  bool unit_found = false;
  int16_t id;
  FieldType t;
  while (r.NextField(&id, &t)) {
    bool read = false;
    switch (member) {
      case 5:  // DecimalType {1: scale, 2: precision}
        if (id == 1)
          read = ReadIf(r, t, FieldType::kI32, [&] { lt->scale = r.ReadI32(); });
        else if (id == 2)
          read = ReadIf(r, t, FieldType::kI32, [&] { lt->precision = r.ReadI32(); });
        else
          r.Skip(t);
        break;
      case 7:  // TimeType
      case 8:  // TimestampType {1: isAdjustedToUTC, 2: unit}
        if (id == 1) {
          read =
              ReadIf(r, t, FieldType::kBoolTrue, [&] { lt->is_adjusted_to_utc = r.ReadBool(t); });
        } else if (id == 2) {
          read = ReadIf(r, t, FieldType::kStruct, [&] { ReadTimeUnit(r, &lt->unit, &unit_found); });
          read = read && unit_found;
        } else {
          r.Skip(t);
        }
        break;
      case 10:  // IntType {1: bitWidth i8, 2: isSigned}
        if (id == 1)
          read = ReadIf(r, t, FieldType::kByte, [&] { lt->bit_width = r.ReadI8(); });
        else if (id == 2)
          read = ReadIf(r, t, FieldType::kBoolTrue, [&] { lt->is_signed = r.ReadBool(t); });
        else
          r.Skip(t);
        break;
      case 17:  // GeometryType {1: crs}
      case 18:  // GeographyType {1: crs, 2: algorithm}
        if (id == 1)
          read = ReadIf(r, t, FieldType::kBinary, [&] { lt->crs = r.ReadString(); });
        else if (id == 2 && member == 18)
          read = ReadIf(r, t, FieldType::kI32, [&] { lt->algorithm = r.ReadI32(); });
        else
          r.Skip(t);
        break;
      default:
        r.Skip(t);
    }
    if (read) seen.Mark(id);
  }
  r.EndStruct();
  switch (member) {
    case 5:
      seen.Require(r, "DecimalType", {{1, "scale"}, {2, "precision"}});
      break;
    case 7:
      seen.Require(r, "TimeType", {{1, "isAdjustedToUTC"}, {2, "unit"}});
      break;
    case 8:
      seen.Require(r, "TimestampType", {{1, "isAdjustedToUTC"}, {2, "unit"}});
      break;
    case 10:
      seen.Require(r, "IntType", {{1, "bitWidth"}, {2, "isSigned"}});
      break;
    default:
      break;
  }
}

void ReadLogicalType(CompactReader& r, std::optional<LogicalType>* out) {
  using Kind = LogicalType::Kind;
  LogicalType lt;
  bool found = false;
  r.BeginStruct();
  int16_t id;
  FieldType t;
  while (r.NextField(&id, &t)) {
    if (t != FieldType::kStruct) {
      r.Skip(t);
      continue;
    }
    found = true;
    switch (id) {
      case 1:
        lt.kind = Kind::kString;
        break;
      case 2:
        lt.kind = Kind::kMap;
        break;
      case 3:
        lt.kind = Kind::kList;
        break;
      case 4:
        lt.kind = Kind::kEnum;
        break;
      case 5:
        lt.kind = Kind::kDecimal;
        break;
      case 6:
        lt.kind = Kind::kDate;
        break;
      case 7:
        lt.kind = Kind::kTime;
        break;
      case 8:
        lt.kind = Kind::kTimestamp;
        break;
      case 10:
        lt.kind = Kind::kInteger;
        break;
      case 11:
        lt.kind = Kind::kUnknown;
        break;
      case 12:
        lt.kind = Kind::kJson;
        break;
      case 13:
        lt.kind = Kind::kBson;
        break;
      case 14:
        lt.kind = Kind::kUuid;
        break;
      case 15:
        lt.kind = Kind::kFloat16;
        break;
      case 16:
        lt.kind = Kind::kVariant;
        break;
      case 17:
        lt.kind = Kind::kGeometry;
        break;
      case 18:
        lt.kind = Kind::kGeography;
        break;
      default:
        lt.kind = Kind::kUnrecognized;
        lt.unrecognized_field_id = id;
    }
    if (lt.kind == Kind::kUnrecognized) {
      r.Skip(t);
    } else {
      ReadLogicalTypeMember(r, id, &lt);
    }
  }
  r.EndStruct();
  if (found) *out = lt;
}

void ReadSchemaElement(CompactReader& r, SchemaElement* e) {
  ReadStruct(
      r, "SchemaElement", {{4, "name"}}, [&](int16_t id, FieldType t) -> std::optional<bool> {
        switch (id) {
          case 1:
            return ReadIf(r, t, FieldType::kI32, [&] { e->type = r.ReadI32(); });
          case 2:
            return ReadIf(r, t, FieldType::kI32, [&] { e->type_length = r.ReadI32(); });
          case 3:
            return ReadIf(r, t, FieldType::kI32, [&] { e->repetition_type = r.ReadI32(); });
          case 4:
            return ReadIf(r, t, FieldType::kBinary, [&] { e->name = r.ReadString(); });
          case 5:
            return ReadIf(r, t, FieldType::kI32, [&] { e->num_children = r.ReadI32(); });
          case 6:
            return ReadIf(r, t, FieldType::kI32, [&] { e->converted_type = r.ReadI32(); });
          case 7:
            return ReadIf(r, t, FieldType::kI32, [&] { e->scale = r.ReadI32(); });
          case 8:
            return ReadIf(r, t, FieldType::kI32, [&] { e->precision = r.ReadI32(); });
          case 10:
            return ReadIf(r, t, FieldType::kStruct, [&] { ReadLogicalType(r, &e->logical_type); });
          default:
            return std::nullopt;  // unknown: skipped
        }
      });
}

void ReadStatistics(CompactReader& r, Statistics* s) {
  ReadStruct(r, "", {}, [&](int16_t id, FieldType t) -> std::optional<bool> {
    switch (id) {
      case 1:
        ReadIf(r, t, FieldType::kBinary, [&] { s->max = r.ReadString(); });
        return false;
      case 2:
        ReadIf(r, t, FieldType::kBinary, [&] { s->min = r.ReadString(); });
        return false;
      case 3:
        ReadIf(r, t, FieldType::kI64, [&] { s->null_count = r.ReadI64(); });
        return false;
      case 4:
        ReadIf(r, t, FieldType::kI64, [&] { s->distinct_count = r.ReadI64(); });
        return false;
      case 5:
        ReadIf(r, t, FieldType::kBinary, [&] { s->max_value = r.ReadString(); });
        return false;
      case 6:
        ReadIf(r, t, FieldType::kBinary, [&] { s->min_value = r.ReadString(); });
        return false;
      default:
        return std::nullopt;  // unknown: skipped
    }
  });
}

void ReadColumnMetaData(CompactReader& r, ColumnMetaData* m) {
  ReadStruct(
      r, "ColumnMetaData",
      {{1, "type"},
       {2, "encodings"},
       {3, "path_in_schema"},
       {4, "codec"},
       {5, "num_values"},
       {6, "total_uncompressed_size"},
       {7, "total_compressed_size"},
       {9, "data_page_offset"}},
      [&](int16_t id, FieldType t) -> std::optional<bool> {
        switch (id) {
          case 1:
            return ReadIf(r, t, FieldType::kI32, [&] { m->type = r.ReadI32(); });
          case 2:
            return ReadList(r, "encodings", t, FieldType::kI32,
                            [&] { m->encodings.push_back(r.ReadI32()); });
          case 3:
            return ReadList(r, "path_in_schema", t, FieldType::kBinary,
                            [&] { m->path_in_schema.push_back(r.ReadString()); });
          case 4:
            return ReadIf(r, t, FieldType::kI32, [&] { m->codec = r.ReadI32(); });
          case 5:
            return ReadIf(r, t, FieldType::kI64, [&] { m->num_values = r.ReadI64(); });
          case 6:
            return ReadIf(r, t, FieldType::kI64, [&] { m->total_uncompressed_size = r.ReadI64(); });
          case 7:
            return ReadIf(r, t, FieldType::kI64, [&] { m->total_compressed_size = r.ReadI64(); });
          case 8:
            ReadKeyValueList(r, t, &m->key_value_metadata);
            return false;
          case 9:
            return ReadIf(r, t, FieldType::kI64, [&] { m->data_page_offset = r.ReadI64(); });
          case 10:
            ReadIf(r, t, FieldType::kI64, [&] { m->index_page_offset = r.ReadI64(); });
            return false;
          case 11:
            ReadIf(r, t, FieldType::kI64, [&] { m->dictionary_page_offset = r.ReadI64(); });
            return false;
          case 12:
            ReadIf(r, t, FieldType::kStruct, [&] {
              m->statistics.emplace();
              ReadStatistics(r, &*m->statistics);
            });
            return false;
          case 14:
            ReadIf(r, t, FieldType::kI64, [&] { m->bloom_filter_offset = r.ReadI64(); });
            return false;
          default:
            return std::nullopt;  // unknown: skipped
        }
      });
}

void ReadColumnChunk(CompactReader& r, ColumnChunk* c) {
  ReadStruct(r, "", {}, [&](int16_t id, FieldType t) -> std::optional<bool> {
    switch (id) {
      case 1:
        ReadIf(r, t, FieldType::kBinary, [&] { c->file_path = r.ReadString(); });
        return false;
      case 2:
        ReadIf(r, t, FieldType::kI64, [&] { c->file_offset = r.ReadI64(); });
        return false;
      case 3:
        ReadIf(r, t, FieldType::kStruct, [&] {
          c->meta_data.emplace();
          ReadColumnMetaData(r, &*c->meta_data);
        });
        r.AddErrorContext("meta_data");
        return false;
      case 4:
        ReadIf(r, t, FieldType::kI64, [&] { c->offset_index_offset = r.ReadI64(); });
        return false;
      case 6:
        ReadIf(r, t, FieldType::kI64, [&] { c->column_index_offset = r.ReadI64(); });
        return false;
      case 8:
      case 9:
        c->encrypted = true;
        r.Skip(t);
        return false;
      default:
        return std::nullopt;  // unknown: skipped
    }
  });
}

void ReadRowGroup(CompactReader& r, RowGroup* g) {
  ReadStruct(r, "RowGroup", {{1, "columns"}, {2, "total_byte_size"}, {3, "num_rows"}},
             [&](int16_t id, FieldType t) -> std::optional<bool> {
               switch (id) {
                 case 1:
                   return ReadList(r, "columns", t, FieldType::kStruct, [&] {
                     g->columns.emplace_back();
                     ReadColumnChunk(r, &g->columns.back());
                   });
                 case 2:
                   return ReadIf(r, t, FieldType::kI64, [&] { g->total_byte_size = r.ReadI64(); });
                 case 3:
                   return ReadIf(r, t, FieldType::kI64, [&] { g->num_rows = r.ReadI64(); });
                 default:
                   return std::nullopt;  // unknown: skipped
               }
             });
}

void ReadFileMetaData(CompactReader& r, FileMetaData* f) {
  ReadStruct(r, "FileMetaData", {{1, "version"}, {2, "schema"}, {3, "num_rows"}, {4, "row_groups"}},
             [&](int16_t id, FieldType t) -> std::optional<bool> {
               switch (id) {
                 case 1:
                   return ReadIf(r, t, FieldType::kI32, [&] { f->version = r.ReadI32(); });
                 case 2:
                   return ReadList(r, "schema", t, FieldType::kStruct, [&] {
                     f->schema.emplace_back();
                     ReadSchemaElement(r, &f->schema.back());
                   });
                 case 3:
                   return ReadIf(r, t, FieldType::kI64, [&] { f->num_rows = r.ReadI64(); });
                 case 4:
                   return ReadList(r, "row_groups", t, FieldType::kStruct, [&] {
                     f->row_groups.emplace_back();
                     ReadRowGroup(r, &f->row_groups.back());
                   });
                 case 5:
                   ReadKeyValueList(r, t, &f->key_value_metadata);
                   return false;
                 case 6:
                   ReadIf(r, t, FieldType::kBinary, [&] { f->created_by = r.ReadString(); });
                   return false;
                 case 8:
                   f->encrypted = true;
                   r.Skip(t);
                   return false;
                 default:
                   return std::nullopt;  // unknown: skipped
               }
             });
}

void ReadDataPageHeader(CompactReader& r, DataPageHeader* h) {
  ReadStruct(r, "DataPageHeader",
             {{1, "num_values"},
              {2, "encoding"},
              {3, "definition_level_encoding"},
              {4, "repetition_level_encoding"}},
             [&](int16_t id, FieldType t) -> std::optional<bool> {
               switch (id) {
                 case 1:
                   return ReadIf(r, t, FieldType::kI32, [&] { h->num_values = r.ReadI32(); });
                 case 2:
                   return ReadIf(r, t, FieldType::kI32, [&] { h->encoding = r.ReadI32(); });
                 case 3:
                   return ReadIf(r, t, FieldType::kI32,
                                 [&] { h->definition_level_encoding = r.ReadI32(); });
                 case 4:
                   return ReadIf(r, t, FieldType::kI32,
                                 [&] { h->repetition_level_encoding = r.ReadI32(); });
                 default:
                   return std::nullopt;  // unknown: skipped
               }
             });
}

void ReadDictionaryPageHeader(CompactReader& r, DictionaryPageHeader* h) {
  ReadStruct(r, "DictionaryPageHeader", {{1, "num_values"}, {2, "encoding"}},
             [&](int16_t id, FieldType t) -> std::optional<bool> {
               switch (id) {
                 case 1:
                   return ReadIf(r, t, FieldType::kI32, [&] { h->num_values = r.ReadI32(); });
                 case 2:
                   return ReadIf(r, t, FieldType::kI32, [&] { h->encoding = r.ReadI32(); });
                 default:
                   return std::nullopt;  // unknown: skipped
               }
             });
}

void ReadDataPageHeaderV2(CompactReader& r, DataPageHeaderV2* h) {
  ReadStruct(r, "DataPageHeaderV2",
             {{1, "num_values"},
              {2, "num_nulls"},
              {3, "num_rows"},
              {4, "encoding"},
              {5, "definition_levels_byte_length"},
              {6, "repetition_levels_byte_length"}},
             [&](int16_t id, FieldType t) -> std::optional<bool> {
               switch (id) {
                 case 1:
                   return ReadIf(r, t, FieldType::kI32, [&] { h->num_values = r.ReadI32(); });
                 case 2:
                   return ReadIf(r, t, FieldType::kI32, [&] { h->num_nulls = r.ReadI32(); });
                 case 3:
                   return ReadIf(r, t, FieldType::kI32, [&] { h->num_rows = r.ReadI32(); });
                 case 4:
                   return ReadIf(r, t, FieldType::kI32, [&] { h->encoding = r.ReadI32(); });
                 case 5:
                   return ReadIf(r, t, FieldType::kI32,
                                 [&] { h->definition_levels_byte_length = r.ReadI32(); });
                 case 6:
                   return ReadIf(r, t, FieldType::kI32,
                                 [&] { h->repetition_levels_byte_length = r.ReadI32(); });
                 case 7:
                   ReadIf(r, t, FieldType::kBoolTrue, [&] { h->is_compressed = r.ReadBool(t); });
                   return false;
                 default:
                   return std::nullopt;  // unknown: skipped
               }
             });
}

void ReadPageHeader(CompactReader& r, PageHeader* h) {
  ReadStruct(
      r, "PageHeader", {{1, "type"}, {2, "uncompressed_page_size"}, {3, "compressed_page_size"}},
      [&](int16_t id, FieldType t) -> std::optional<bool> {
        switch (id) {
          case 1:
            return ReadIf(r, t, FieldType::kI32, [&] { h->type = r.ReadI32(); });
          case 2:
            return ReadIf(r, t, FieldType::kI32, [&] { h->uncompressed_page_size = r.ReadI32(); });
          case 3:
            return ReadIf(r, t, FieldType::kI32, [&] { h->compressed_page_size = r.ReadI32(); });
          case 4:
            ReadIf(r, t, FieldType::kI32, [&] { h->crc = r.ReadI32(); });
            return false;
          case 5:
            ReadIf(r, t, FieldType::kStruct, [&] {
              h->data_page_header.emplace();
              ReadDataPageHeader(r, &*h->data_page_header);
            });
            return false;
          case 7:
            ReadIf(r, t, FieldType::kStruct, [&] {
              h->dictionary_page_header.emplace();
              ReadDictionaryPageHeader(r, &*h->dictionary_page_header);
            });
            return false;
          case 8:
            ReadIf(r, t, FieldType::kStruct, [&] {
              h->data_page_header_v2.emplace();
              ReadDataPageHeaderV2(r, &*h->data_page_header_v2);
            });
            return false;
          default:
            return std::nullopt;  // unknown: skipped
        }
      });
}

}  // namespace

Result<FileMetaData> DecodeFileMetaData(const uint8_t* data, size_t size) {
  CompactReader r(data, size);
  FileMetaData f;
  ReadFileMetaData(r, &f);
  if (!r.ok()) return r.status().WithContext("footer (FileMetaData)");
  return f;
}

Result<PageHeader> DecodePageHeader(const uint8_t* data, size_t size, size_t* header_size) {
  CompactReader r(data, size);
  PageHeader h;
  ReadPageHeader(r, &h);
  if (!r.ok()) return r.status();
  *header_size = r.position();
  return h;
}

namespace {

using thrift::CompactWriter;

void WriteLogicalType(CompactWriter& w, int16_t field, const LogicalType& lt) {
  using Kind = LogicalType::Kind;
  w.FieldStruct(field);
  switch (lt.kind) {
    case Kind::kString:
      w.FieldStruct(1), w.EndStruct();
      break;
    case Kind::kTimestamp:
      w.FieldStruct(8);
      w.FieldBool(1, lt.is_adjusted_to_utc);
      w.FieldStruct(2);
      w.FieldStruct(static_cast<int16_t>(static_cast<int>(lt.unit) + 1)), w.EndStruct();
      w.EndStruct();
      w.EndStruct();
      break;
    case Kind::kInteger:
      w.FieldStruct(10);
      w.FieldI8(1, static_cast<int8_t>(lt.bit_width));
      w.FieldBool(2, lt.is_signed);
      w.EndStruct();
      break;
    default:
      break;  // not written by frocket
  }
  w.EndStruct();
}

void WriteStatistics(CompactWriter& w, int16_t field, const Statistics& s) {
  w.FieldStruct(field);
  if (s.null_count) w.FieldI64(3, *s.null_count);
  if (s.distinct_count) w.FieldI64(4, *s.distinct_count);
  if (s.max_value) w.FieldBinary(5, *s.max_value);
  if (s.min_value) w.FieldBinary(6, *s.min_value);
  w.EndStruct();
}

void WriteKeyValues(CompactWriter& w, int16_t field, const std::vector<KeyValue>& kvs) {
  if (kvs.empty()) return;
  w.FieldList(field, thrift::FieldType::kStruct, kvs.size());
  for (const auto& kv : kvs) {
    w.ListStructBegin();
    w.FieldBinary(1, kv.key);
    if (kv.value) w.FieldBinary(2, *kv.value);
    w.EndStruct();
  }
}

}  // namespace

std::vector<uint8_t> EncodeFileMetaData(const FileMetaData& f) {
  CompactWriter w;
  w.BeginStruct();
  w.FieldI32(1, f.version);
  w.FieldList(2, thrift::FieldType::kStruct, f.schema.size());
  for (const auto& e : f.schema) {
    w.ListStructBegin();
    if (e.type) w.FieldI32(1, *e.type);
    if (e.type_length) w.FieldI32(2, *e.type_length);
    if (e.repetition_type) w.FieldI32(3, *e.repetition_type);
    w.FieldBinary(4, e.name);
    if (e.num_children) w.FieldI32(5, *e.num_children);
    if (e.converted_type) w.FieldI32(6, *e.converted_type);
    if (e.logical_type) WriteLogicalType(w, 10, *e.logical_type);
    w.EndStruct();
  }
  w.FieldI64(3, f.num_rows);
  w.FieldList(4, thrift::FieldType::kStruct, f.row_groups.size());
  for (const auto& g : f.row_groups) {
    w.ListStructBegin();
    w.FieldList(1, thrift::FieldType::kStruct, g.columns.size());
    int64_t compressed = 0;
    for (const auto& c : g.columns) {
      const ColumnMetaData& m = *c.meta_data;
      compressed += m.total_compressed_size;
      w.ListStructBegin();
      w.FieldI64(2, c.file_offset);
      w.FieldStruct(3);
      w.FieldI32(1, m.type);
      w.FieldList(2, thrift::FieldType::kI32, m.encodings.size());
      for (int32_t e : m.encodings) w.ListI32(e);
      w.FieldList(3, thrift::FieldType::kBinary, m.path_in_schema.size());
      for (const auto& p : m.path_in_schema) w.ListBinary(p);
      w.FieldI32(4, m.codec);
      w.FieldI64(5, m.num_values);
      w.FieldI64(6, m.total_uncompressed_size);
      w.FieldI64(7, m.total_compressed_size);
      WriteKeyValues(w, 8, m.key_value_metadata);
      w.FieldI64(9, m.data_page_offset);
      if (m.dictionary_page_offset) w.FieldI64(11, *m.dictionary_page_offset);
      if (m.statistics) WriteStatistics(w, 12, *m.statistics);
      w.EndStruct();
      w.EndStruct();
    }
    w.FieldI64(2, g.total_byte_size);
    w.FieldI64(3, g.num_rows);
    if (!g.columns.empty()) {
      w.FieldI64(5, g.columns[0].meta_data->dictionary_page_offset
                        ? *g.columns[0].meta_data->dictionary_page_offset
                        : g.columns[0].meta_data->data_page_offset);
    }
    w.FieldI64(6, compressed);
    w.EndStruct();
  }
  WriteKeyValues(w, 5, f.key_value_metadata);
  if (f.created_by) w.FieldBinary(6, *f.created_by);
  const size_t leaves = f.schema.empty() ? 0 : f.schema.size() - 1;
  w.FieldList(7, thrift::FieldType::kStruct, leaves);
  for (size_t i = 0; i < leaves; ++i) {
    w.ListStructBegin();
    w.FieldStruct(1), w.EndStruct();  // TYPE_ORDER
    w.EndStruct();
  }
  w.EndStruct();
  return w.Take();
}

std::vector<uint8_t> EncodePageHeader(const PageHeader& h) {
  CompactWriter w;
  w.BeginStruct();
  w.FieldI32(1, h.type);
  w.FieldI32(2, h.uncompressed_page_size);
  w.FieldI32(3, h.compressed_page_size);
  if (h.crc) w.FieldI32(4, *h.crc);
  if (h.data_page_header) {
    const auto& d = *h.data_page_header;
    w.FieldStruct(5);
    w.FieldI32(1, d.num_values);
    w.FieldI32(2, d.encoding);
    w.FieldI32(3, d.definition_level_encoding);
    w.FieldI32(4, d.repetition_level_encoding);
    w.EndStruct();
  }
  if (h.dictionary_page_header) {
    w.FieldStruct(7);
    w.FieldI32(1, h.dictionary_page_header->num_values);
    w.FieldI32(2, h.dictionary_page_header->encoding);
    w.EndStruct();
  }
  if (h.data_page_header_v2) {
    const auto& d = *h.data_page_header_v2;
    w.FieldStruct(8);
    w.FieldI32(1, d.num_values);
    w.FieldI32(2, d.num_nulls);
    w.FieldI32(3, d.num_rows);
    w.FieldI32(4, d.encoding);
    w.FieldI32(5, d.definition_levels_byte_length);
    w.FieldI32(6, d.repetition_levels_byte_length);
    w.FieldBool(7, d.is_compressed);
    w.EndStruct();
  }
  w.EndStruct();
  return w.Take();
}

}  // namespace frocket::parquet
