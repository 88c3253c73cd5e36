// The Thrift structures of a Parquet file's footer and page headers, as frocket keeps them,
// and their decoding from the compact protocol.
//
// Fields frocket has no use for are skipped while decoding (the protocol allows it); required
// fields that are missing make decoding fail. Enum values stay raw int32 (see types.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "parquet/types.h"

namespace frocket::parquet {

struct LogicalType {
  enum class Kind : uint8_t {
    kString,
    kMap,
    kList,
    kEnum,
    kDecimal,
    kDate,
    kTime,
    kTimestamp,
    kInteger,
    kUnknown,  // the NULL logical type (field 11)
    kJson,
    kBson,
    kUuid,
    kFloat16,
    kVariant,
    kGeometry,
    kGeography,
    kUnrecognized,  // a union member this version of frocket does not know
  };
  Kind kind = Kind::kUnknown;
  int32_t scale = 0;                  // kDecimal
  int32_t precision = 0;              // kDecimal
  bool is_adjusted_to_utc = false;    // kTime, kTimestamp
  TimeUnit unit = TimeUnit::kMillis;  // kTime, kTimestamp
  int32_t bit_width = 0;              // kInteger
  bool is_signed = true;              // kInteger
  std::optional<std::string> crs;     // kGeometry, kGeography
  std::optional<int32_t> algorithm;   // kGeography
  int16_t unrecognized_field_id = 0;  // kUnrecognized
};

struct SchemaElement {
  std::optional<int32_t> type;  // PhysicalType
  std::optional<int32_t> type_length;
  std::optional<int32_t> repetition_type;  // Repetition
  std::string name;
  std::optional<int32_t> num_children;
  std::optional<int32_t> converted_type;  // ConvertedType
  std::optional<int32_t> scale;
  std::optional<int32_t> precision;
  std::optional<LogicalType> logical_type;
};

struct Statistics {
  std::optional<std::string> max;  // legacy, signed comparison
  std::optional<std::string> min;
  std::optional<int64_t> null_count;
  std::optional<int64_t> distinct_count;
  std::optional<std::string> max_value;
  std::optional<std::string> min_value;
};

struct KeyValue {
  std::string key;
  std::optional<std::string> value;
};

struct ColumnMetaData {
  int32_t type = 0;
  std::vector<int32_t> encodings;
  std::vector<std::string> path_in_schema;
  int32_t codec = 0;
  int64_t num_values = 0;
  int64_t total_uncompressed_size = 0;
  int64_t total_compressed_size = 0;
  std::vector<KeyValue> key_value_metadata;
  int64_t data_page_offset = 0;
  std::optional<int64_t> index_page_offset;
  std::optional<int64_t> dictionary_page_offset;
  std::optional<Statistics> statistics;
  std::optional<int64_t> bloom_filter_offset;
};

struct ColumnChunk {
  std::optional<std::string> file_path;
  int64_t file_offset = 0;
  std::optional<ColumnMetaData> meta_data;
  std::optional<int64_t> offset_index_offset;
  std::optional<int64_t> column_index_offset;
  bool encrypted = false;  // crypto_metadata or encrypted_column_metadata present
};

struct RowGroup {
  std::vector<ColumnChunk> columns;
  int64_t total_byte_size = 0;
  int64_t num_rows = 0;
};

struct FileMetaData {
  int32_t version = 0;
  std::vector<SchemaElement> schema;
  int64_t num_rows = 0;
  std::vector<RowGroup> row_groups;
  std::vector<KeyValue> key_value_metadata;
  std::optional<std::string> created_by;
  bool encrypted = false;  // encryption_algorithm present (plaintext-footer encryption)
};

struct DataPageHeader {
  int32_t num_values = 0;
  int32_t encoding = 0;
  int32_t definition_level_encoding = 0;
  int32_t repetition_level_encoding = 0;
};

struct DictionaryPageHeader {
  int32_t num_values = 0;
  int32_t encoding = 0;
};

struct DataPageHeaderV2 {
  int32_t num_values = 0;
  int32_t num_nulls = 0;
  int32_t num_rows = 0;
  int32_t encoding = 0;
  int32_t definition_levels_byte_length = 0;
  int32_t repetition_levels_byte_length = 0;
  bool is_compressed = true;
};

struct PageHeader {
  int32_t type = 0;  // PageType
  int32_t uncompressed_page_size = 0;
  int32_t compressed_page_size = 0;
  std::optional<int32_t> crc;
  std::optional<DataPageHeader> data_page_header;
  std::optional<DictionaryPageHeader> dictionary_page_header;
  std::optional<DataPageHeaderV2> data_page_header_v2;
};

// Encodes the fields of these structures that frocket's writer sets (the mirror of the
// decoders below). Every column gets the TYPE_ORDER column order, so that readers trust the
// min_value/max_value statistics.
std::vector<uint8_t> EncodeFileMetaData(const FileMetaData& metadata);
std::vector<uint8_t> EncodePageHeader(const PageHeader& header);

// Decodes a FileMetaData from the footer bytes.
Result<FileMetaData> DecodeFileMetaData(const uint8_t* data, size_t size);

// Decodes one PageHeader at the start of `data`; on success *header_size is the number of
// bytes the header took.
Result<PageHeader> DecodePageHeader(const uint8_t* data, size_t size, size_t* header_size);

}  // namespace frocket::parquet
