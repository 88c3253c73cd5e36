#include "parquet/schema.h"

namespace frocket::parquet {

namespace {

using Kind = LogicalType::Kind;

std::string Quote(const std::string& name) {
  return "'" + name + "'";
}

// Derives ValueKind and its parameters; fails when the annotation does not fit the physical
// type (a DATE on a BYTE_ARRAY, a UUID of 15 bytes...).
Status ClassifyColumn(ColumnDescriptor* c) {
  const PhysicalType p = c->physical_type;
  auto mismatch = [&](const std::string& annotation) {
    return Status::Invalid("column " + Quote(c->name) + ": " + annotation +
                           " annotation on physical type " +
                           PhysicalTypeName(static_cast<int32_t>(p)));
  };
  auto is_int = [&] { return p == PhysicalType::kInt32 || p == PhysicalType::kInt64; };
  auto decimal = [&](int32_t precision, int32_t scale) -> Status {
    if (!(is_int() || p == PhysicalType::kFixedLenByteArray || p == PhysicalType::kByteArray)) {
      return mismatch("DECIMAL");
    }
    if (precision <= 0 || scale < 0 || scale > precision) {
      return Status::Invalid("column " + Quote(c->name) + ": invalid DECIMAL(" +
                             std::to_string(precision) + "," + std::to_string(scale) + ")");
    }
    c->kind = ValueKind::kDecimal;
    c->decimal_precision = precision;
    c->decimal_scale = scale;
    return Status::OK();
  };

  // The physical meaning, used when no annotation says otherwise.
  switch (p) {
    case PhysicalType::kBoolean:
      c->kind = ValueKind::kBoolean;
      break;
    case PhysicalType::kInt32:
    case PhysicalType::kInt64:
      c->kind = ValueKind::kInt;
      break;
    case PhysicalType::kInt96:
      c->kind = ValueKind::kInt96;
      break;
    case PhysicalType::kFloat:
    case PhysicalType::kDouble:
      c->kind = ValueKind::kFloat;
      break;
    case PhysicalType::kByteArray:
    case PhysicalType::kFixedLenByteArray:
      c->kind = ValueKind::kBytes;
      break;
  }

  if (c->logical_type && c->logical_type->kind != Kind::kUnrecognized) {
    const LogicalType& lt = *c->logical_type;
    switch (lt.kind) {
      case Kind::kString:
      case Kind::kEnum:
      case Kind::kJson:
        if (p != PhysicalType::kByteArray) return mismatch("STRING/ENUM/JSON");
        c->kind = ValueKind::kString;
        return Status::OK();
      case Kind::kDecimal:
        return decimal(lt.precision, lt.scale);
      case Kind::kDate:
        if (p != PhysicalType::kInt32) return mismatch("DATE");
        c->kind = ValueKind::kDate;
        return Status::OK();
      case Kind::kTime:
        if (lt.unit == TimeUnit::kMillis ? p != PhysicalType::kInt32 : p != PhysicalType::kInt64) {
          return mismatch(std::string("TIME(") + TimeUnitName(lt.unit) + ")");
        }
        c->kind = ValueKind::kTime;
        c->time_unit = lt.unit;
        return Status::OK();
      case Kind::kTimestamp:
        if (p != PhysicalType::kInt64) return mismatch("TIMESTAMP");
        c->kind = ValueKind::kTimestamp;
        c->time_unit = lt.unit;
        return Status::OK();
      case Kind::kInteger:
        if (!is_int()) return mismatch("INTEGER");
        if (lt.bit_width != 8 && lt.bit_width != 16 && lt.bit_width != 32 && lt.bit_width != 64) {
          return Status::Invalid("column " + Quote(c->name) + ": INTEGER bit width " +
                                 std::to_string(lt.bit_width) + " is not 8, 16, 32 or 64");
        }
        if ((lt.bit_width == 64) != (p == PhysicalType::kInt64)) {
          return mismatch("INTEGER(" + std::to_string(lt.bit_width) + ")");
        }
        c->kind = ValueKind::kInt;
        c->is_unsigned = !lt.is_signed;
        return Status::OK();
      case Kind::kUuid:
        if (p != PhysicalType::kFixedLenByteArray || c->type_length != 16) return mismatch("UUID");
        c->kind = ValueKind::kUuid;
        return Status::OK();
      case Kind::kFloat16:
        if (p != PhysicalType::kFixedLenByteArray || c->type_length != 2) {
          return mismatch("FLOAT16");
        }
        c->kind = ValueKind::kFloat16;
        return Status::OK();
      case Kind::kMap:
      case Kind::kList:
      case Kind::kVariant:
        return Status::NotImplemented("column " + Quote(c->name) +
                                      " is a nested type (MAP/LIST/VARIANT); frocket reads flat "
                                      "schemas only");
      case Kind::kUnknown:
      case Kind::kBson:
      case Kind::kGeometry:
      case Kind::kGeography:
      case Kind::kUnrecognized:
        return Status::OK();  // bytes, as stored
    }
  }
  if (c->logical_type) return Status::OK();  // unrecognised logical type: physical meaning

  if (!c->converted_type) return Status::OK();
  switch (static_cast<ConvertedType>(*c->converted_type)) {
    case ConvertedType::kUtf8:
    case ConvertedType::kEnum:
    case ConvertedType::kJson:
      if (p != PhysicalType::kByteArray) return mismatch(ConvertedTypeName(*c->converted_type));
      c->kind = ValueKind::kString;
      return Status::OK();
    case ConvertedType::kDecimal:
      if (!c->precision) {
        return Status::Invalid("column " + Quote(c->name) + ": DECIMAL without a precision");
      }
      return decimal(*c->precision, c->scale.value_or(0));  // a missing scale means 0
    case ConvertedType::kDate:
      if (p != PhysicalType::kInt32) return mismatch("DATE");
      c->kind = ValueKind::kDate;
      return Status::OK();
    case ConvertedType::kTimeMillis:
      if (p != PhysicalType::kInt32) return mismatch("TIME_MILLIS");
      c->kind = ValueKind::kTime;
      c->time_unit = TimeUnit::kMillis;
      return Status::OK();
    case ConvertedType::kTimeMicros:
      if (p != PhysicalType::kInt64) return mismatch("TIME_MICROS");
      c->kind = ValueKind::kTime;
      c->time_unit = TimeUnit::kMicros;
      return Status::OK();
    case ConvertedType::kTimestampMillis:
    case ConvertedType::kTimestampMicros:
      if (p != PhysicalType::kInt64) return mismatch(ConvertedTypeName(*c->converted_type));
      c->kind = ValueKind::kTimestamp;
      c->time_unit =
          static_cast<ConvertedType>(*c->converted_type) == ConvertedType::kTimestampMillis
              ? TimeUnit::kMillis
              : TimeUnit::kMicros;
      return Status::OK();
    case ConvertedType::kUint8:
    case ConvertedType::kUint16:
    case ConvertedType::kUint32:
    case ConvertedType::kUint64:
    case ConvertedType::kInt8:
    case ConvertedType::kInt16:
    case ConvertedType::kInt32:
    case ConvertedType::kInt64: {
      auto ct = static_cast<ConvertedType>(*c->converted_type);
      bool wide = ct == ConvertedType::kUint64 || ct == ConvertedType::kInt64;
      if (!is_int() || wide != (p == PhysicalType::kInt64)) {
        return mismatch(ConvertedTypeName(*c->converted_type));
      }
      c->kind = ValueKind::kInt;
      c->is_unsigned = ct >= ConvertedType::kUint8 && ct <= ConvertedType::kUint64;
      return Status::OK();
    }
    case ConvertedType::kMap:
    case ConvertedType::kMapKeyValue:
    case ConvertedType::kList:
      return Status::NotImplemented("column " + Quote(c->name) + " is a nested type (" +
                                    ConvertedTypeName(*c->converted_type) +
                                    "); frocket reads flat schemas only");
    case ConvertedType::kBson:
    case ConvertedType::kInterval:
      return Status::OK();  // bytes, as stored
  }
  return Status::OK();  // unknown converted type: physical meaning
}

}  // namespace

Result<Schema> Schema::FromMetadata(const std::vector<SchemaElement>& elements) {
  if (elements.empty()) return Status::Invalid("schema is empty (no root element)");
  const SchemaElement& root = elements[0];
  if (root.type) {
    return Status::Invalid("schema root " + Quote(root.name) +
                           " is a primitive column, expected a group");
  }
  int64_t children = root.num_children.value_or(0);
  if (children < 0) {
    return Status::Invalid("schema root declares " + std::to_string(children) + " children");
  }
  if (static_cast<size_t>(children) != elements.size() - 1) {
    // Either nested (some child is a group with children of its own) or inconsistent.
    for (size_t i = 1; i < elements.size(); ++i) {
      if (!elements[i].type || elements[i].num_children.value_or(0) > 0) {
        return Status::NotImplemented("column " + Quote(elements[i].name) +
                                      " is a nested group; frocket reads flat schemas only");
      }
    }
    return Status::Invalid("schema root declares " + std::to_string(children) +
                           " columns but the footer lists " + std::to_string(elements.size() - 1));
  }

  Schema schema;
  schema.columns_.reserve(elements.size() - 1);
  for (size_t i = 1; i < elements.size(); ++i) {
    const SchemaElement& e = elements[i];
    if (!e.type || e.num_children.value_or(0) > 0) {
      return Status::NotImplemented("column " + Quote(e.name) +
                                    " is a nested group; frocket reads flat schemas only");
    }
    if (!IsValidPhysicalType(*e.type)) {
      return Status::Invalid("column " + Quote(e.name) + " has invalid physical type " +
                             std::to_string(*e.type));
    }
    ColumnDescriptor c;
    c.index = static_cast<int>(i - 1);
    c.name = e.name;
    c.physical_type = static_cast<PhysicalType>(*e.type);
    if (!e.repetition_type) {
      return Status::Invalid("column " + Quote(e.name) + " has no repetition type");
    }
    int32_t repetition = *e.repetition_type;
    if (repetition == static_cast<int32_t>(Repetition::kRepeated)) {
      return Status::NotImplemented("column " + Quote(e.name) +
                                    " is REPEATED (a nested list); frocket reads flat schemas "
                                    "only");
    }
    if (repetition != 0 && repetition != 1) {
      return Status::Invalid("column " + Quote(e.name) + " has invalid repetition " +
                             std::to_string(repetition));
    }
    c.repetition = static_cast<Repetition>(repetition);
    if (c.physical_type == PhysicalType::kFixedLenByteArray) {
      if (!e.type_length || *e.type_length <= 0) {
        return Status::Invalid("column " + Quote(e.name) +
                               ": FIXED_LEN_BYTE_ARRAY without a positive type_length");
      }
      // A single value wider than this is not a plausible column; refusing it bounds the
      // memory a hostile footer can make us reserve per value.
      if (*e.type_length > (1 << 24)) {
        return Status::Invalid("column " + Quote(e.name) + ": type_length " +
                               std::to_string(*e.type_length) + " is too large");
      }
      c.type_length = *e.type_length;
    }
    c.converted_type = e.converted_type;
    c.logical_type = e.logical_type;
    c.precision = e.precision;
    c.scale = e.scale;
    FROCKET_RETURN_IF_ERROR(ClassifyColumn(&c));
    schema.columns_.push_back(std::move(c));
  }
  return schema;
}

int Schema::FindColumn(const std::string& name) const {
  for (const auto& c : columns_) {
    if (c.name == name) return c.index;
  }
  return -1;
}

}  // namespace frocket::parquet
