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

std::string FormatDuration(double value, std::optional<TimeUnit> unit) {
  if (!unit) return FormatForPeople(value);
  static constexpr std::pair<TimeUnit, double> kSeconds[] = {{TimeUnit::kDays, 86400},
                                                             {TimeUnit::kSeconds, 1},
                                                             {TimeUnit::kMillis, 1e-3},
                                                             {TimeUnit::kMicros, 1e-6},
                                                             {TimeUnit::kNanos, 1e-9}};
  double seconds = value;
  for (const auto& [u, factor] : kSeconds) {
    if (u == *unit) seconds = value * factor;
  }
  char buf[64];
  auto whole = [](double x) { return static_cast<long long>(x); };
  if (seconds < 1) {
    std::snprintf(buf, sizeof buf, "%.3g ms", seconds * 1000);
  } else if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%.3g s", seconds);
  } else if (seconds < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm %02llds", whole(seconds / 60), whole(seconds) % 60);
  } else if (seconds < 86400) {
    std::snprintf(buf, sizeof buf, "%lldh %02lldm", whole(seconds / 3600),
                  whole(seconds / 60) % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lldd %lldh", whole(seconds / 86400),
                  whole(seconds / 3600) % 24);
  }
  return buf;
}

namespace {

using Json = nlohmann::ordered_json;

// The funnel's steps: groups, rows, conversion, and the median time from the previous step
// when the query asked for times to convert.
void PrintSteps(std::ostream& out, const Json& steps, std::optional<TimeUnit> unit) {
  std::vector<std::vector<std::string>> rows;
  double first = 0, previous = 0;
  bool times = false;
  for (size_t i = 0; i < steps.size(); ++i) {
    const double groups = steps[i].value("matchingGroups", 0.0);
    if (i == 0) first = groups;
    std::string median;
    if (steps[i].contains("timeToConvert")) {
      times = true;
      const auto& from_previous = steps[i]["timeToConvert"]["fromPrevious"];
      median = from_previous.contains("p50")
                   ? FormatDuration(from_previous["p50"].get<double>(), unit)
                   : "-";
    }
    rows.push_back({std::to_string(i + 1), steps[i].value("name", ""), FormatForPeople(groups),
                    FormatForPeople(steps[i].value("matchingGroupRows", 0.0)),
                    i == 0 ? "" : (previous > 0 ? FormatPercent(groups / previous) : "-"),
                    first > 0 ? FormatPercent(groups / first) : "-", median});
    previous = groups;
  }
  std::vector<std::string> header = {"step",          "name",       "groups",     "rows",
                                     "from previous", "from first", "median time"};
  if (!times) {
    header.pop_back();
    for (auto& row : rows) row.pop_back();
  }
  PrintTable(out, header, rows, 2);
}

// A row per breakdown value: its groups at each step, and from the first step to the last.
void PrintBreakdown(std::ostream& out, const Json& breakdown, size_t steps) {
  std::vector<std::string> header = {Cell(breakdown.value("column", Json()))};
  for (size_t i = 0; i < steps; ++i) header.push_back("step " + std::to_string(i + 1));
  header.push_back("first to last");
  std::vector<std::vector<std::string>> rows;
  for (const auto& bucket : breakdown.value("buckets", Json::array())) {
    std::vector<std::string> row = {
        bucket.contains("other") ? "(other " + Cell(bucket.value("values", Json(0))) + ")"
                                 : (bucket["value"].is_null() ? "NULL" : Cell(bucket["value"]))};
    const auto& sequence = bucket.value("sequence", Json::array());
    for (const auto& step : sequence) {
      row.push_back(FormatForPeople(step.value("matchingGroups", 0.0)));
    }
    const double first = sequence.empty() ? 0 : sequence.front().value("matchingGroups", 0.0);
    const double last = sequence.empty() ? 0 : sequence.back().value("matchingGroups", 0.0);
    row.push_back(first > 0 ? FormatPercent(last / first) : "-");
    rows.push_back(std::move(row));
  }
  out << "\n  breakdown by " << Cell(breakdown.value("column", Json())) << " ("
      << Cell(breakdown.value("attribution", Json())) << ")\n";
  PrintTable(out, header, rows, 4);
}

void PrintFunnel(std::ostream& out, const Json& funnel, std::optional<TimeUnit> unit) {
  const auto& steps = funnel.value("sequence", Json::array());
  out << "\nfunnel\n";
  PrintSteps(out, steps, unit);
  for (size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].contains("aggregations") && steps[i]["aggregations"].is_array()) {
      out << "\n  step " << i + 1 << " aggregations\n";
      PrintAggregations(out, steps[i]["aggregations"], 4);
    }
  }
  if (funnel.contains("breakdown") && funnel["breakdown"].is_object()) {
    PrintBreakdown(out, funnel["breakdown"], steps.size());
  }
  if (funnel.contains("endAggregations") && funnel["endAggregations"].is_array()) {
    out << "\n  end aggregations (groups that completed the funnel)\n";
    PrintAggregations(out, funnel["endAggregations"], 4);
  }
}

// The groups asked for: how many, and their first ids or the file they went to.
void PrintGroups(std::ostream& out, const Json& groups) {
  const std::string of = groups.value("of", std::string());
  // Steps are numbered from 1 in tables, from 0 in the query.
  const std::string step = std::to_string(groups.value("step", int64_t{0}) + 1);
  out << "\ngroups "
      << (of == "query"  ? "matching the query"
          : of == "step" ? "reaching step " + step
                         : "dropping off after step " + step)
      << ": " << Cell(groups.value("count", Json(0))) << "\n";
  if (groups.contains("file")) {
    out << "  written to " << Cell(groups["file"]) << "\n";
    return;
  }
  const auto& ids = groups.value("ids", Json::array());
  std::string line;
  for (size_t i = 0; i < ids.size() && i < 10; ++i) line += (i ? ", " : "") + Cell(ids[i]);
  if (ids.size() > 10 || groups.value("truncated", false)) line += ", ...";
  if (!line.empty()) out << "  " << line << "\n";
}

}  // namespace

void PrintAnswer(std::ostream& out, const nlohmann::ordered_json& response, bool stats,
                 std::optional<TimeUnit> unit) {
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
  if (response.contains("funnel")) PrintFunnel(out, response["funnel"], unit);
  if (response.contains("groups")) PrintGroups(out, response["groups"]);
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
