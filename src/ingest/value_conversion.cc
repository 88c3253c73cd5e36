#include "ingest/value_conversion.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "common/text.h"
#include "common/time_unit.h"

namespace frocket::ingest {

bool ParseInt64Text(std::string_view text, int64_t* out) {
  // Only the integer's own decimal form: "007", "+7" and "-0" are text, not 7 and 0 — two
  // ids that differ as text must not become one number.
  const size_t digits = text.starts_with('-') ? 1 : 0;
  if (text.size() <= digits || (text[digits] == '0' && text.size() > digits + 1) || text == "-0") {
    return false;
  }
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

bool ParseDoubleText(std::string_view text, double* out) {
  if (text.empty()) return false;
  const char* begin = text.data();
  const char* end = begin + text.size();
  if (*begin == '+') ++begin;
  if (begin == end) return false;
  auto [ptr, ec] = std::from_chars(begin, end, *out, std::chars_format::general);
  return ec == std::errc() && ptr == end;
}

bool ParseBoolText(std::string_view text, bool* out) {
  auto equals = [&](std::string_view word) {
    if (text.size() != word.size()) return false;
    for (size_t i = 0; i < text.size(); ++i) {
      if ((text[i] | 0x20) != word[i]) return false;
    }
    return true;
  };
  if (equals("true")) {
    *out = true;
    return true;
  }
  if (equals("false")) {
    *out = false;
    return true;
  }
  return false;
}

bool ParseTimeText(std::string_view text, parquet::TimeUnit unit, int64_t* out) {
  // Every accepted form starts with YYYY-MM-DD: a cheap test before the full parse.
  if (text.size() < 10 || text[4] != '-' || text[7] != '-') return false;
  auto instant = ParseIsoTime(text);
  if (!instant.ok()) return false;
  const frocket::TimeUnit u = unit == parquet::TimeUnit::kMillis  ? frocket::TimeUnit::kMillis
                              : unit == parquet::TimeUnit::kNanos ? frocket::TimeUnit::kNanos
                                                                  : frocket::TimeUnit::kMicros;
  auto units = InstantToUnits(*instant, u);
  if (!units) return false;
  *out = *units;
  return true;
}

namespace {

std::string Shown(std::string_view text) {
  constexpr size_t kMax = 40;
  std::string shown = text::Escaped(text.substr(0, kMax));
  if (text.size() > kMax) shown += "...";
  return "'" + shown + "'";
}

std::string CellShown(const Cell& cell) {
  switch (cell.kind) {
    case CellKind::kNull:
      return "NULL";
    case CellKind::kBool:
      return cell.integer ? "true" : "false";
    case CellKind::kInt:
      return std::to_string(cell.integer);
    case CellKind::kDouble: {
      std::string s;
      if (std::isfinite(cell.real)) {
        text::AppendDouble(&s, cell.real);
      } else {
        s = std::isnan(cell.real) ? "NaN" : (cell.real > 0 ? "Infinity" : "-Infinity");
      }
      return s;
    }
    case CellKind::kText:
      return Shown(cell.text);
  }
  return "?";
}

bool Fail(const Cell& cell, const IngestColumn& column, std::string* reason) {
  *reason = CellShown(cell) + " is not " +
            (column.kind == ColumnKind::kInt64 ? std::string("an ") : std::string("a ")) +
            ColumnKindName(column.kind, column.unit);
  return false;
}

// Doubles that are whole numbers within int64 convert to integers exactly.
bool WholeDouble(double d, int64_t* out) {
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || d != std::trunc(d)) {
    return false;
  }
  *out = static_cast<int64_t>(d);
  return true;
}

bool ToInteger(const Cell& cell, const IngestColumn& column, ConvertedValue* out,
               std::string* reason) {
  switch (cell.kind) {
    case CellKind::kInt:
      out->integer = cell.integer;
      return true;
    case CellKind::kDouble:
      if (WholeDouble(cell.real, &out->integer)) return true;
      break;
    case CellKind::kText:
      if (ParseInt64Text(cell.text, &out->integer)) return true;
      // ISO-8601 text fits a timestamp column, in its unit (exactly, or not at all).
      if (column.kind == ColumnKind::kTimestamp &&
          ParseTimeText(cell.text, column.unit, &out->integer)) {
        return true;
      }
      break;
    default:
      break;
  }
  return Fail(cell, column, reason);
}

}  // namespace

bool ConvertCell(const Cell& cell, const IngestColumn& column, ConvertedValue* out,
                 std::string* scratch, std::string* reason) {
  out->is_null = cell.kind == CellKind::kNull;
  if (out->is_null) return true;
  switch (column.kind) {
    case ColumnKind::kInt64:
    case ColumnKind::kTimestamp:
      return ToInteger(cell, column, out, reason);
    case ColumnKind::kDouble:
      if (cell.kind == CellKind::kInt) {
        out->real = static_cast<double>(cell.integer);
        return true;
      }
      if (cell.kind == CellKind::kDouble) {
        out->real = cell.real;
        return true;
      }
      if (cell.kind == CellKind::kText && ParseDoubleText(cell.text, &out->real)) return true;
      return Fail(cell, column, reason);
    case ColumnKind::kBool: {
      bool b = false;
      if (cell.kind == CellKind::kBool) {
        out->integer = cell.integer;
        return true;
      }
      if (cell.kind == CellKind::kText && ParseBoolText(cell.text, &b)) {
        out->integer = b ? 1 : 0;
        return true;
      }
      return Fail(cell, column, reason);
    }
    case ColumnKind::kString:
      if (cell.kind == CellKind::kText) {
        if (!cell.utf8_checked && !text::IsValidUtf8(cell.text)) {
          *reason = "invalid UTF-8";
          return false;
        }
        out->text = cell.text;
        return true;
      }
      *scratch = CellShown(cell);
      out->text = *scratch;
      return true;
  }
  return Fail(cell, column, reason);
}

}  // namespace frocket::ingest
