#include "cli/text_table.h"

#include <cmath>
#include <cstdio>
#include <iterator>

namespace frocket::cli {

namespace {

std::string WithSeparators(const std::string& digits) {
  std::string out;
  size_t start = digits[0] == '-' ? 1 : 0;
  out = digits.substr(0, start);
  for (size_t i = start; i < digits.size(); ++i) {
    if (i > start && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Cell(const nlohmann::ordered_json& v) {
  if (v.is_number()) return FormatForPeople(v.get<double>());
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

void PrintAggregations(std::ostream& out, const nlohmann::ordered_json& list, int indent) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  for (const auto& a : list) {
    std::string title =
        a.value("column", std::string("?")) + " " + a.value("type", std::string("?")) +
        (a.contains("name") && a["name"].is_string() ? " (" + a["name"].get<std::string>() + ")"
                                                     : "");
    const auto& value = a.contains("value") ? a["value"] : nlohmann::ordered_json();
    if (!value.is_object()) {
      out << pad << title << ": " << Cell(value) << "\n";
      continue;
    }
    out << pad << title << (value.empty() ? ": no values" : "") << "\n";
    std::vector<std::vector<std::string>> rows;
    for (auto it = value.begin(); it != value.end(); ++it) rows.push_back({it.key(), Cell(*it)});
    if (!rows.empty()) {
      const std::string type = a.value("type", std::string());
      const char* measure = type == "groupsPerValue" ? "groups"
                            : type == "sumPerValue"  ? "sum"
                            : type == "meanPerValue" ? "mean"
                                                     : "rows";
      PrintTable(out, {"value", measure}, rows, indent + 2);
    }
    if (a.value("approximate", false)) out << pad << "  (approximate)\n";
  }
}

}  // namespace

void PrintTable(std::ostream& out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows, int indent) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& r : rows) {
    for (size_t c = 0; c < r.size() && c < width.size(); ++c) {
      width[c] = std::max(width[c], r[c].size());
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s(static_cast<size_t>(indent), ' ');
    for (size_t c = 0; c < header.size(); ++c) {
      std::string cell = c < cells.size() ? cells[c] : "";
      s += cell;
      if (c + 1 < header.size()) s += std::string(width[c] - cell.size() + 2, ' ');
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    out << s << "\n";
  };
  line(header);
  std::vector<std::string> rule;
  for (size_t w : width) rule.push_back(std::string(w, '-'));
  line(rule);
  for (const auto& r : rows) line(r);
}

std::string FormatForPeople(double v) {
  if (!std::isfinite(v)) return std::isnan(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity");
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e18) {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
    return WithSeparators(buf);
  }
  if (std::fabs(v) >= 1) {
    std::snprintf(buf, sizeof(buf), "%.2f", v);
    std::string s = buf;
    size_t dot = s.find('.');
    std::string frac = s.substr(dot);
    while (frac.size() > 1 && frac.back() == '0') frac.pop_back();
    if (frac == ".") frac.clear();
    return WithSeparators(s.substr(0, dot)) + frac;
  }
  std::snprintf(buf, sizeof(buf), "%.3g", v);
  return buf;
}

std::string FormatSize(int64_t bytes) {
  const std::string exact = WithSeparators(std::to_string(bytes)) + " bytes";
  if (bytes < 1000) return exact;
  static const char* kUnits[] = {"kB", "MB", "GB", "TB", "PB"};
  double v = static_cast<double>(bytes) / 1000;
  size_t unit = 0;
  while (v >= 999.95 && unit + 1 < std::size(kUnits)) v /= 1000, ++unit;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f %s", v, kUnits[unit]);
  return std::string(buf) + " (" + exact + ")";
}

std::string FormatPercent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f%%", fraction * 100);
  return buf;
}

void PrintAnswer(std::ostream& out, const nlohmann::ordered_json& response, bool stats) {
  if (!response.value("success", false)) {
    out << "failed: " << response.value("errorMessage", std::string("(no message)")) << "\n";
    return;
  }
  if (response.contains("query")) {
    const auto& q = response["query"];
    out << "matching groups: " << Cell(q.value("matchingGroups", nlohmann::ordered_json(0)))
        << ", their rows: " << Cell(q.value("matchingGroupRows", nlohmann::ordered_json(0)))
        << "\n";
    if (q.contains("aggregations") && q["aggregations"].is_array()) {
      out << "\naggregations\n";
      PrintAggregations(out, q["aggregations"], 2);
    }
  }
  if (response.contains("funnel")) {
    const auto& steps = response["funnel"].value("sequence", nlohmann::ordered_json::array());
    out << "\nfunnel\n";
    std::vector<std::vector<std::string>> rows;
    double first = 0, previous = 0;
    for (size_t i = 0; i < steps.size(); ++i) {
      const double groups = steps[i].value("matchingGroups", 0.0);
      if (i == 0) first = groups;
      rows.push_back({std::to_string(i + 1), FormatForPeople(groups),
                      FormatForPeople(steps[i].value("matchingGroupRows", 0.0)),
                      i == 0 ? "" : (previous > 0 ? FormatPercent(groups / previous) : "-"),
                      first > 0 ? FormatPercent(groups / first) : "-"});
      previous = groups;
    }
    PrintTable(out, {"step", "groups", "rows", "from previous", "from first"}, rows, 2);
    for (size_t i = 0; i < steps.size(); ++i) {
      if (steps[i].contains("aggregations") && steps[i]["aggregations"].is_array()) {
        out << "\n  step " << i + 1 << " aggregations\n";
        PrintAggregations(out, steps[i]["aggregations"], 4);
      }
    }
    const auto& funnel = response["funnel"];
    if (funnel.contains("endAggregations") && funnel["endAggregations"].is_array()) {
      out << "\n  end aggregations (groups that completed the funnel)\n";
      PrintAggregations(out, funnel["endAggregations"], 4);
    }
  }
  if (response.contains("warnings")) {
    out << "\n";
    for (const auto& w : response["warnings"]) out << "warning: " << Cell(w) << "\n";
  }
  if (stats && response.contains("stats")) {
    const auto& s = response["stats"];
    out << "\ntime: " << FormatForPeople(std::round(s.value("totalTime", 0.0) * 1000) / 1000)
        << " s";
    if (s.contains("invoker")) {
      out << ", tasks: " << Cell(s["invoker"].value("totalTasks", nlohmann::ordered_json(0)));
    }
    if (s.contains("worker")) {
      out << ", rows scanned: "
          << Cell(s["worker"].value("scannedRows", nlohmann::ordered_json(0)));
    }
    out << "\n";
  }
}

}  // namespace frocket::cli
