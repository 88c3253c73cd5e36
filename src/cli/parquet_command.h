// `frocket parquet schema` and `frocket parquet cat`: print a Parquet file's footer facts
// and its rows, in the JSON representation of DESIGN.md §5.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace frocket::cli {

// Each returns the process exit code; errors go to stderr.
int RunParquetSchema(const std::string& path);
int RunParquetCat(const std::string& path, const std::vector<std::string>& columns,
                  std::optional<int64_t> limit);

}  // namespace frocket::cli
