// ColumnType: the four column types queries see (Funnel Rocket's INT, FLOAT, BOOL, STRING).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace frocket {

enum class ColumnType { kInt, kFloat, kBool, kString };

inline const char* ColumnTypeName(ColumnType t) {
  switch (t) {
    case ColumnType::kInt:
      return "INT";
    case ColumnType::kFloat:
      return "FLOAT";
    case ColumnType::kBool:
      return "BOOL";
    case ColumnType::kString:
      return "STRING";
  }
  return "?";
}

inline std::optional<ColumnType> ParseColumnType(std::string_view name) {
  if (name == "INT") return ColumnType::kInt;
  if (name == "FLOAT") return ColumnType::kFloat;
  if (name == "BOOL") return ColumnType::kBool;
  if (name == "STRING") return ColumnType::kString;
  return std::nullopt;
}

inline bool IsNumeric(ColumnType t) {
  return t == ColumnType::kInt || t == ColumnType::kFloat;
}

}  // namespace frocket
