// GenerateActivityDataset: a synthetic website-activity dataset, partitioned by user, for
// demos, tests and benchmarks (`frocket generate`).
//
// Columns: user_id (int64), ts (int64, epoch milliseconds over three months from
// 2026-08-01), event_type (pageview, click, search, addtocart, purchase, campaign_click), url,
// browser, country, device, sku and price (on product events), campaign_id (on campaign
// clicks), goal_value (on purchases), is_mobile. About one user per 25 rows, with skewed
// activity; sessions follow a shopping funnel in which buyers have mostly added to cart first.
// Each part holds a disjoint set of users, its rows in timestamp order. The same seed gives
// the same files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace frocket::cli {

struct GeneratorOptions {
  int64_t rows = 1000000;
  int parts = 4;
  uint64_t seed = 1;
  int threads = 0;  // 0: all cores
};

struct GeneratedPart {
  std::string path;
  int64_t rows = 0;
  int64_t users = 0;
};

// Rows a generated part may hold at most.
inline constexpr int64_t kMaxRowsPerPart = 50'000'000;

// Writes part-00000.parquet ... into out_dir (created with its parents if missing).
Result<std::vector<GeneratedPart>> GenerateActivityDataset(const std::string& out_dir,
                                                           const GeneratorOptions& options);

}  // namespace frocket::cli
