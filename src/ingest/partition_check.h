// CheckPartitioning: verifies a dataset directory's partitioning completely — every group id
// in exactly one part — by reading every part's group ids. For a directory written by
// `frocket repartition` it also checks each id is in the part its hash names (so that
// appends land right), each part's row count and row order against _report.json, and that
// no other Parquet file sits among the parts.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"

namespace frocket::ingest {

// `group_column`: needed when the directory has no _report.json; else empty or the report's.
// The answer's "ok" says whether the partitioning holds; "problems" lists the first few
// violations, "problemCount" all of them.
Result<nlohmann::json> CheckPartitioning(const std::string& dir, const std::string& group_column,
                                         const std::string& time_column);

}  // namespace frocket::ingest
