// CompactReader: a bounds-checked decoder for the Thrift compact protocol, the encoding of
// Parquet's footer (FileMetaData) and page headers.
//
// Errors are sticky: the first malformed byte records an error, after which every read
// returns a zero value and NextField() reports the end of the struct, so hand-written struct
// parsers stay linear and still terminate on any input. Callers check ok() once at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace frocket::parquet::thrift {

enum class FieldType : uint8_t {
  kStop = 0,
  kBoolTrue = 1,
  kBoolFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

struct ListHeader {
  FieldType element_type;
  uint32_t size;
};

class CompactReader {
 public:
  // Nesting deeper than this is rejected (Parquet's own structures nest about 6 deep).
  static constexpr int kMaxDepth = 64;

  CompactReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  bool ok() const { return error_.empty(); }
  Status status() const;
  size_t position() const { return pos_; }

  // Struct framing. NextField returns false at the struct's STOP byte (or after an error).
  void BeginStruct();
  void EndStruct();
  bool NextField(int16_t* field_id, FieldType* type);

  // Scalar values. For a bool field, pass the type NextField returned (the value lives in it).
  bool ReadBool(FieldType field_type);
  bool ReadListBool();
  int8_t ReadI8();
  int16_t ReadI16();
  int32_t ReadI32();
  int64_t ReadI64();
  double ReadDouble();
  std::string_view ReadBinary();
  std::string ReadString() { return std::string(ReadBinary()); }
  ListHeader ReadListHeader();

  // Skips one value of the given type, including nested structs and containers.
  void Skip(FieldType type);

  // Records an error (if none yet) at the current position.
  void Fail(std::string what);

  // After an error: names the field or element it happened in, outermost last, so the
  // message reads "row_groups[2].columns[0].meta_data: ...".
  void AddErrorContext(const std::string& segment);

 private:
  uint64_t ReadVarint();
  uint8_t ReadByte();
  void SkipList();
  void SkipMap();
  // A list, set or map element (a bool is a byte of its own there).
  void SkipElement(FieldType type);
  // One level deeper into containers; false (and failed) past kMaxDepth.
  bool EnterContainer();
  bool IsValidType(uint8_t t) const { return t <= static_cast<uint8_t>(FieldType::kStruct); }

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  int depth_ = 0;
  int16_t last_field_id_ = 0;
  int16_t field_id_stack_[kMaxDepth + 1] = {};
  std::string error_;
  size_t error_position_ = 0;
  std::string error_path_;
};

}  // namespace frocket::parquet::thrift
