#include "parquet/thrift_compact.h"

#include <cstring>

namespace frocket::parquet::thrift {

Status CompactReader::status() const {
  if (ok()) return Status::OK();
  std::string message = error_path_.empty() ? std::string() : error_path_ + ": ";
  message +=
      error_ + " (byte " + std::to_string(error_position_) + " of " + std::to_string(size_) + ")";
  return Status::Invalid(std::move(message));
}

void CompactReader::Fail(std::string what) {
  if (!error_.empty()) return;
  error_ = std::move(what);
  error_position_ = pos_;
  pos_ = size_;
}

void CompactReader::AddErrorContext(const std::string& segment) {
  if (ok()) return;
  if (error_path_.empty()) {
    error_path_ = segment;
  } else {
    error_path_ = segment + (error_path_[0] == '[' ? "" : ".") + error_path_;
  }
}

uint8_t CompactReader::ReadByte() {
  if (!ok()) return 0;
  if (pos_ >= size_) {
    Fail("unexpected end of data");
    return 0;
  }
  return data_[pos_++];
}

uint64_t CompactReader::ReadVarint() {
  uint64_t result = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    uint8_t byte = ReadByte();
    if (!ok()) return 0;
    if (shift == 63 && (byte & 0x7e) != 0) {
      Fail("varint overflows 64 bits");
      return 0;
    }
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return result;
  }
  Fail("varint longer than 10 bytes");
  return 0;
}

static int64_t ZigZagDecode(uint64_t n) {
  return static_cast<int64_t>(n >> 1) ^ -static_cast<int64_t>(n & 1);
}

void CompactReader::BeginStruct() {
  if (!ok()) return;
  if (depth_ >= kMaxDepth) {
    Fail("structures nested more than " + std::to_string(kMaxDepth) + " deep");
    return;
  }
  field_id_stack_[depth_++] = last_field_id_;
  last_field_id_ = 0;
}

void CompactReader::EndStruct() {
  if (depth_ > 0) last_field_id_ = field_id_stack_[--depth_];
}

bool CompactReader::NextField(int16_t* field_id, FieldType* type) {
  uint8_t header = ReadByte();
  if (!ok() || header == 0) return false;
  uint8_t t = header & 0x0f;
  if (!IsValidType(t) || t == 0) {
    Fail("invalid field type " + std::to_string(t));
    return false;
  }
  uint8_t delta = header >> 4;
  if (delta != 0) {
    int32_t id = static_cast<int32_t>(last_field_id_) + delta;
    if (id > INT16_MAX) {
      Fail("field id overflows 16 bits");
      return false;
    }
    last_field_id_ = static_cast<int16_t>(id);
  } else {
    int64_t id = ZigZagDecode(ReadVarint());
    if (!ok()) return false;
    if (id < INT16_MIN || id > INT16_MAX) {
      Fail("field id " + std::to_string(id) + " out of range");
      return false;
    }
    last_field_id_ = static_cast<int16_t>(id);
  }
  *field_id = last_field_id_;
  *type = static_cast<FieldType>(t);
  return true;
}

bool CompactReader::ReadBool(FieldType field_type) {
  return field_type == FieldType::kBoolTrue;
}

bool CompactReader::ReadListBool() {
  // Inside containers a bool is one byte: 1 is true; 0 and 2 are both seen for false.
  return ReadByte() == 1;
}

int8_t CompactReader::ReadI8() {
  return static_cast<int8_t>(ReadByte());
}

int16_t CompactReader::ReadI16() {
  int64_t v = ZigZagDecode(ReadVarint());
  if (v < INT16_MIN || v > INT16_MAX) {
    Fail("i16 value " + std::to_string(v) + " out of range");
    return 0;
  }
  return static_cast<int16_t>(v);
}

int32_t CompactReader::ReadI32() {
  int64_t v = ZigZagDecode(ReadVarint());
  if (v < INT32_MIN || v > INT32_MAX) {
    Fail("i32 value " + std::to_string(v) + " out of range");
    return 0;
  }
  return static_cast<int32_t>(v);
}

int64_t CompactReader::ReadI64() {
  return ZigZagDecode(ReadVarint());
}

double CompactReader::ReadDouble() {
  if (!ok()) return 0;
  if (size_ - pos_ < 8) {
    Fail("unexpected end of data in a double");
    return 0;
  }
  double d;
  std::memcpy(&d, data_ + pos_, 8);
  pos_ += 8;
  return d;
}

std::string_view CompactReader::ReadBinary() {
  uint64_t length = ReadVarint();
  if (!ok()) return {};
  if (length > size_ - pos_) {
    Fail("binary of " + std::to_string(length) + " bytes but only " + std::to_string(size_ - pos_) +
         " remain");
    return {};
  }
  std::string_view result(reinterpret_cast<const char*>(data_ + pos_), length);
  pos_ += length;
  return result;
}

ListHeader CompactReader::ReadListHeader() {
  uint8_t header = ReadByte();
  uint8_t t = header & 0x0f;
  uint64_t size = header >> 4;
  if (size == 15) size = ReadVarint();
  if (!ok()) return {FieldType::kStop, 0};
  if (!IsValidType(t) || t == 0) {
    Fail("invalid list element type " + std::to_string(t));
    return {FieldType::kStop, 0};
  }
  // Every element takes at least one byte, so a larger count cannot be honest; checking it
  // here keeps callers from reserving memory for elements that are not there.
  if (size > size_ - pos_) {
    Fail("list of " + std::to_string(size) + " elements but only " + std::to_string(size_ - pos_) +
         " bytes remain");
    return {FieldType::kStop, 0};
  }
  return {static_cast<FieldType>(t), static_cast<uint32_t>(size)};
}

void CompactReader::Skip(FieldType type) {
  if (!ok()) return;
  switch (type) {
    case FieldType::kBoolTrue:
    case FieldType::kBoolFalse:
      return;  // a bool field's value lives in its header
    case FieldType::kByte:
      ReadByte();
      return;
    case FieldType::kI16:
    case FieldType::kI32:
    case FieldType::kI64:
      ReadVarint();
      return;
    case FieldType::kDouble:
      ReadDouble();
      return;
    case FieldType::kBinary:
      ReadBinary();
      return;
    case FieldType::kList:
    case FieldType::kSet:
      return SkipList();
    case FieldType::kMap:
      return SkipMap();
    case FieldType::kStruct: {
      BeginStruct();
      int16_t id;
      FieldType t;
      while (NextField(&id, &t)) Skip(t);
      EndStruct();
      return;
    }
    case FieldType::kStop:
      Fail("unexpected STOP type");
      return;
  }
}

void CompactReader::SkipElement(FieldType type) {
  // A bool inside a container is a byte of its own.
  if (type == FieldType::kBoolTrue || type == FieldType::kBoolFalse) {
    ReadByte();
  } else {
    Skip(type);
  }
}

bool CompactReader::EnterContainer() {
  if (depth_ >= kMaxDepth) {
    Fail("containers nested more than " + std::to_string(kMaxDepth) + " deep");
    return false;
  }
  ++depth_;
  return true;
}

void CompactReader::SkipList() {
  ListHeader h = ReadListHeader();
  if (!ok() || !EnterContainer()) return;
  for (uint32_t i = 0; i < h.size && ok(); ++i) SkipElement(h.element_type);
  --depth_;
}

void CompactReader::SkipMap() {
  uint64_t size = ReadVarint();
  if (!ok() || size == 0) return;
  uint8_t kv = ReadByte();
  if (size > size_ - pos_) {
    Fail("map of " + std::to_string(size) + " entries but only " + std::to_string(size_ - pos_) +
         " bytes remain");
    return;
  }
  auto key = static_cast<FieldType>(kv >> 4);
  auto value = static_cast<FieldType>(kv & 0x0f);
  if (!IsValidType(kv >> 4) || !IsValidType(kv & 0x0f) || (kv >> 4) == 0 || (kv & 0x0f) == 0) {
    Fail("invalid map key/value types");
    return;
  }
  if (!EnterContainer()) return;
  for (uint64_t i = 0; i < size && ok(); ++i) {
    SkipElement(key);
    SkipElement(value);
  }
  --depth_;
}

}  // namespace frocket::parquet::thrift
