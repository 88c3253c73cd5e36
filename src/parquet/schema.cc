#include "parquet/schema.h"

namespace frocket::parquet {

namespace {

using Kind = LogicalType::Kind;

std::string Quote(const std::string& name) {
  return "'" + name + "'";
}

// Derives a column's ValueKind and its parameters: the physical meaning, then what the
// logical type (or, without one, the legacy converted type) says; fails when an annotation
// does not fit the physical type (a DATE on a BYTE_ARRAY, a UUID of 15 bytes...).
class ColumnClassifier {
 public:
  explicit ColumnClassifier(ColumnDescriptor* c) : c_(c), p_(c->physical_type) {}

  Status Classify() {
    c_->kind = PhysicalKind();
    if (c_->logical_type && c_->logical_type->kind != Kind::kUnrecognized) {
      return FromLogicalType(*c_->logical_type);
    }
    if (c_->logical_type) return Status::OK();  // unrecognised logical type: physical meaning
    if (!c_->converted_type) return Status::OK();
    return FromConvertedType(static_cast<ConvertedType>(*c_->converted_type));
  }

 private:
  // The physical meaning, used when no annotation says otherwise.
  ValueKind PhysicalKind() const {
    switch (p_) {
      case PhysicalType::kBoolean:
        return ValueKind::kBoolean;
      case PhysicalType::kInt32:
      case PhysicalType::kInt64:
        return ValueKind::kInt;
      case PhysicalType::kInt96:
        return ValueKind::kInt96;
      case PhysicalType::kFloat:
      case PhysicalType::kDouble:
        return ValueKind::kFloat;
      case PhysicalType::kByteArray:
      case PhysicalType::kFixedLenByteArray:
        return ValueKind::kBytes;
    }
    return ValueKind::kBytes;
  }

  Status FromLogicalType(const LogicalType& lt) {
    switch (lt.kind) {
      case Kind::kString:
      case Kind::kEnum:
      case Kind::kJson:
        return Set(p_ == PhysicalType::kByteArray, "STRING/ENUM/JSON", ValueKind::kString);
      case Kind::kDecimal:
        return Decimal(lt.precision, lt.scale);
      case Kind::kDate:
        return Set(p_ == PhysicalType::kInt32, "DATE", ValueKind::kDate);
      case Kind::kTime:
        c_->time_unit = lt.unit;
        return Set(
            lt.unit == TimeUnit::kMillis ? p_ == PhysicalType::kInt32 : p_ == PhysicalType::kInt64,
            std::string("TIME(") + TimeUnitName(lt.unit) + ")", ValueKind::kTime);
      case Kind::kTimestamp:
        c_->time_unit = lt.unit;
        return Set(p_ == PhysicalType::kInt64, "TIMESTAMP", ValueKind::kTimestamp);
      case Kind::kInteger:
        return Integer(lt.bit_width, !lt.is_signed);
      case Kind::kUuid:
        return Set(p_ == PhysicalType::kFixedLenByteArray && c_->type_length == 16, "UUID",
                   ValueKind::kUuid);
      case Kind::kFloat16:
        return Set(p_ == PhysicalType::kFixedLenByteArray && c_->type_length == 2, "FLOAT16",
                   ValueKind::kFloat16);
      case Kind::kMap:
      case Kind::kList:
      case Kind::kVariant:
        return Nested("MAP/LIST/VARIANT");
      case Kind::kUnknown:
      case Kind::kBson:
      case Kind::kGeometry:
      case Kind::kGeography:
      case Kind::kUnrecognized:
        return Status::OK();  // bytes, as stored
    }
    return Status::OK();
  }

  Status FromConvertedType(ConvertedType ct) {
    const std::string name = ConvertedTypeName(static_cast<int32_t>(ct));
    switch (ct) {
      case ConvertedType::kUtf8:
      case ConvertedType::kEnum:
      case ConvertedType::kJson:
        return Set(p_ == PhysicalType::kByteArray, name, ValueKind::kString);
      case ConvertedType::kDecimal:
        if (!c_->precision) {
          return Status::Invalid("column " + Quote(c_->name) + ": DECIMAL without a precision");
        }
        return Decimal(*c_->precision, c_->scale.value_or(0));  // a missing scale means 0
      case ConvertedType::kDate:
        return Set(p_ == PhysicalType::kInt32, "DATE", ValueKind::kDate);
      case ConvertedType::kTimeMillis:
        c_->time_unit = TimeUnit::kMillis;
        return Set(p_ == PhysicalType::kInt32, "TIME_MILLIS", ValueKind::kTime);
      case ConvertedType::kTimeMicros:
        c_->time_unit = TimeUnit::kMicros;
        return Set(p_ == PhysicalType::kInt64, "TIME_MICROS", ValueKind::kTime);
      case ConvertedType::kTimestampMillis:
      case ConvertedType::kTimestampMicros:
        c_->time_unit =
            ct == ConvertedType::kTimestampMillis ? TimeUnit::kMillis : TimeUnit::kMicros;
        return Set(p_ == PhysicalType::kInt64, name, ValueKind::kTimestamp);
      case ConvertedType::kUint8:
      case ConvertedType::kUint16:
      case ConvertedType::kUint32:
      case ConvertedType::kUint64:
      case ConvertedType::kInt8:
      case ConvertedType::kInt16:
      case ConvertedType::kInt32:
      case ConvertedType::kInt64: {
        const bool wide = ct == ConvertedType::kUint64 || ct == ConvertedType::kInt64;
        c_->is_unsigned = ct >= ConvertedType::kUint8 && ct <= ConvertedType::kUint64;
        return Set(IsInt() && wide == (p_ == PhysicalType::kInt64), name, ValueKind::kInt);
      }
      case ConvertedType::kMap:
      case ConvertedType::kMapKeyValue:
      case ConvertedType::kList:
        return Nested(name);
      case ConvertedType::kBson:
      case ConvertedType::kInterval:
        return Status::OK();  // bytes, as stored
    }
    return Status::OK();  // unknown converted type: physical meaning
  }

  bool IsInt() const { return p_ == PhysicalType::kInt32 || p_ == PhysicalType::kInt64; }

  // The annotation's kind when it fits the physical type, else the mismatch.
  Status Set(bool fits, const std::string& annotation, ValueKind kind) {
    if (!fits) {
      return Status::Invalid("column " + Quote(c_->name) + ": " + annotation +
                             " annotation on physical type " +
                             PhysicalTypeName(static_cast<int32_t>(p_)));
    }
    c_->kind = kind;
    return Status::OK();
  }

  Status Decimal(int32_t precision, int32_t scale) {
    const bool fits =
        IsInt() || p_ == PhysicalType::kFixedLenByteArray || p_ == PhysicalType::kByteArray;
    if (fits && (precision <= 0 || scale < 0 || scale > precision)) {
      return Status::Invalid("column " + Quote(c_->name) + ": invalid DECIMAL(" +
                             std::to_string(precision) + "," + std::to_string(scale) + ")");
    }
    c_->decimal_precision = precision;
    c_->decimal_scale = scale;
    return Set(fits, "DECIMAL", ValueKind::kDecimal);
  }

  Status Integer(int32_t bit_width, bool is_unsigned) {
    if (!IsInt()) return Set(false, "INTEGER", ValueKind::kInt);
    if (bit_width != 8 && bit_width != 16 && bit_width != 32 && bit_width != 64) {
      return Status::Invalid("column " + Quote(c_->name) + ": INTEGER bit width " +
                             std::to_string(bit_width) + " is not 8, 16, 32 or 64");
    }
    c_->is_unsigned = is_unsigned;
    return Set((bit_width == 64) == (p_ == PhysicalType::kInt64),
               "INTEGER(" + std::to_string(bit_width) + ")", ValueKind::kInt);
  }

  Status Nested(const std::string& what) {
    return Status::NotImplemented("column " + Quote(c_->name) + " is a nested type (" + what +
                                  "); frocket reads flat schemas only");
  }

  ColumnDescriptor* c_;
  const PhysicalType p_;
};

Status ClassifyColumn(ColumnDescriptor* c) {
  return ColumnClassifier(c).Classify();
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
