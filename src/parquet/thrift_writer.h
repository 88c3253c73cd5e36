// CompactWriter: encodes Thrift compact-protocol structures (the footer and page headers that
// frocket's Parquet writer produces). The mirror of CompactReader.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parquet/thrift_compact.h"

namespace frocket::parquet::thrift {

class CompactWriter {
 public:
  void BeginStruct() { id_stack_.push_back(last_id_), last_id_ = 0; }
  void EndStruct() {
    out_.push_back(0);  // STOP
    last_id_ = id_stack_.back();
    id_stack_.pop_back();
  }

  void FieldI32(int16_t id, int32_t v) { Header(id, FieldType::kI32), Varint(ZigZag(v)); }
  void FieldI64(int16_t id, int64_t v) { Header(id, FieldType::kI64), Varint(ZigZag(v)); }
  void FieldI8(int16_t id, int8_t v) {
    Header(id, FieldType::kByte), out_.push_back(static_cast<uint8_t>(v));
  }
  void FieldBool(int16_t id, bool v) {
    Header(id, v ? FieldType::kBoolTrue : FieldType::kBoolFalse);
  }
  void FieldBinary(int16_t id, std::string_view v) { Header(id, FieldType::kBinary), Binary(v); }
  // Starts a struct-valued field; close it with EndStruct().
  void FieldStruct(int16_t id) { Header(id, FieldType::kStruct), BeginStruct(); }
  // Starts a list-valued field of `size` elements; elements follow with the List* calls.
  void FieldList(int16_t id, FieldType element, size_t size) {
    Header(id, FieldType::kList);
    if (size < 15) {
      out_.push_back(static_cast<uint8_t>((size << 4) | static_cast<uint8_t>(element)));
    } else {
      out_.push_back(static_cast<uint8_t>(0xf0 | static_cast<uint8_t>(element)));
      Varint(size);
    }
  }
  void ListI32(int32_t v) { Varint(ZigZag(v)); }
  void ListBinary(std::string_view v) { Binary(v); }
  void ListStructBegin() { BeginStruct(); }

  const std::vector<uint8_t>& bytes() const { return out_; }
  std::vector<uint8_t> Take() { return std::move(out_); }

 private:
  static uint64_t ZigZag(int64_t v) {
    return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  }
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<uint8_t>(v));
  }
  void Binary(std::string_view v) {
    Varint(v.size());
    out_.insert(out_.end(), v.begin(), v.end());
  }
  void Header(int16_t id, FieldType type) {
    int delta = id - last_id_;
    if (delta > 0 && delta <= 15) {
      out_.push_back(static_cast<uint8_t>((delta << 4) | static_cast<uint8_t>(type)));
    } else {
      out_.push_back(static_cast<uint8_t>(type));
      Varint(ZigZag(id));
    }
    last_id_ = id;
  }

  std::vector<uint8_t> out_;
  int16_t last_id_ = 0;
  std::vector<int16_t> id_stack_;
};

}  // namespace frocket::parquet::thrift
