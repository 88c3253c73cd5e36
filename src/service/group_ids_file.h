// Group ids as files (DESIGN.md §3b, audiences): every id a query's "groups" asks for, written
// as CSV or Parquet instead of listed in the answer — by `frocket run --groups-out` and by the
// API's /datasets/{name}/groups.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"

namespace frocket::service {

enum class GroupIdsFormat { kCsv, kParquet };

// The query asking for every id: its "groups" with "limit": "all", or {"of": "query",
// "limit": "all"} when it has none. Does nothing to what is not a JSON object (the query's
// parser reports it).
void AskForEveryGroupId(nlohmann::ordered_json* query);
std::string AskForEveryGroupId(const std::string& query_text);

// The ids (a JSON array of integers or strings) as a file of one column named `column`:
// CSV with a header (RFC 4180 quoting), or Parquet (INT64 or UTF-8 strings, snappy). The file
// appears at `path` only once complete; on failure nothing is left there.
Status WriteGroupIds(const nlohmann::ordered_json& ids, GroupIdsFormat format,
                     const std::string& path, const std::string& column);

// The same file's bytes.
Result<std::string> GroupIdsFile(const nlohmann::ordered_json& ids, GroupIdsFormat format,
                                 const std::string& column);

// Parquet when `path` ends in ".parquet", else CSV.
GroupIdsFormat FormatOfPath(const std::string& path);

}  // namespace frocket::service
