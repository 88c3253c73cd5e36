// Output for people: aligned text tables, numbers with thousands separators, and a query's
// answer (`frocket run --table`) as tables — counts, funnel steps with their conversion,
// aggregations. JSON output stays exact; these round what is noise to a reader.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "common/time_unit.h"

namespace frocket::cli {

// Columns aligned on the widest cell, a rule under the header, trailing spaces trimmed.
void PrintTable(std::ostream& out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows, int indent = 0);

// 1234567 -> "1,234,567"; 6192343.530000001 -> "6,192,343.53"; 0.000123456 -> "0.000123".
std::string FormatForPeople(double v);
// A size: 165687533 -> "165.7 MB (165,687,533 bytes)"; 512 -> "512 bytes".
std::string FormatSize(int64_t bytes);
// A percentage with one decimal: 0.4321 -> "43.2%".
std::string FormatPercent(double fraction);

// A query's response (success or failure) as tables; `stats` says whether its stats are shown.
// A duration in a timestamp unit for people: "850 ms", "42 s", "3m 20s", "2h 05m", "3d 4h";
// the bare number without a known unit.
std::string FormatDuration(double value, std::optional<TimeUnit> unit);

// A query's answer as tables. Times to convert are in `unit`, the timestamps' unit, if known.
void PrintAnswer(std::ostream& out, const nlohmann::ordered_json& response, bool stats,
                 std::optional<TimeUnit> unit = std::nullopt);

}  // namespace frocket::cli
