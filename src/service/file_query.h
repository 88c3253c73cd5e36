// QueryFiles: `frocket query FILE...` — a query over Parquet files directly, one part per
// file, without a registered dataset or an invoker: the query pipeline run in this thread.
#pragma once

#include <string>
#include <vector>

#include "service/query_pipeline.h"

namespace frocket::service {

struct QueryFilesArgs {
  std::vector<std::string> files;
  std::string group_column;
  std::string time_column;
  std::string query_text;  // "{}" for --empty
  // A group id in two files would be counted twice. Registration checks a sample; here the
  // files are only checked with this set (the caller warns otherwise).
  bool check_unique = false;
};

// The dataset's schema is the first file's; every file must agree on the columns used.
Result<QueryAnswer> QueryFiles(const QueryFilesArgs& args);

}  // namespace frocket::service
