// `frocket query FILE... --group-id-column C --timestamp-column C (--string JSON | --file F |
// --empty)`: runs a query over Parquet files directly, one part per file, without a
// registered dataset. Prints Funnel Rocket's response JSON.
#pragma once

#include <string>
#include <vector>

namespace frocket::cli {

struct QueryFilesArgs {
  std::vector<std::string> files;
  std::string group_column;
  std::string time_column;
  std::string query_text;  // "{}" for --empty
  bool pretty = true;
  // A group id in two files would be counted twice. Registration checks a sample; here the
  // files are only checked with this set, and a warning says so otherwise.
  bool check_unique = false;
};

int RunQueryFiles(const QueryFilesArgs& args);

}  // namespace frocket::cli
