// The funnel against a brute-force reference (DESIGN.md §3 and §3b, "Chains"): a group
// reaches step i iff some rows r1..ri of it, r_j matching step j, have strictly increasing
// timestamps. The reference enumerates every chain of small random groups — few distinct
// timestamps, so ties are common — and the engine, which finds the greedy earliest chain in
// one pass, must agree on every step's group count, over parts merged as between processes.
// A failure prints the smallest failing case found (the seed, its rows and its steps).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "engine/part_executor.h"
#include "query/query_parser.h"
#include "support/inline_part.h"

namespace frocket::testing {
namespace {

using nlohmann::json;

struct Row {
  int64_t user = 0;
  int64_t ts = 0;
  int64_t ev = 0;
};

struct Case {
  std::vector<std::vector<Row>> parts;  // every user in exactly one part
  std::vector<int64_t> steps;           // step j matches rows with ev == steps[j]
  size_t rows() const {
    size_t n = 0;
    for (const auto& p : parts) n += p.size();
    return n;
  }
  std::string Describe() const {
    std::ostringstream out;
    out << "steps (ev ==):";
    for (int64_t s : steps) out << " " << s;
    for (size_t p = 0; p < parts.size(); ++p) {
      out << "\npart " << p << " [user, ts, ev]:";
      for (const Row& r : parts[p]) out << " [" << r.user << "," << r.ts << "," << r.ev << "]";
    }
    return out.str();
  }
};

Case RandomCase(uint32_t seed, int max_users, int max_rows_per_user) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int64_t>(rng() % static_cast<uint32_t>(n)); };
  Case c;
  c.parts.resize(1 + static_cast<size_t>(pick(3)));
  const int64_t users = 1 + pick(max_users);
  const int64_t distinct_ts = 1 + pick(5);  // few timestamps: ties everywhere
  for (int64_t u = 0; u < users; ++u) {
    auto& part = c.parts[static_cast<size_t>(pick(static_cast<int>(c.parts.size())))];
    const int64_t n = pick(max_rows_per_user + 1);
    for (int64_t i = 0; i < n; ++i)
      part.push_back({u, 1000 + pick(static_cast<int>(distinct_ts)), pick(4)});
  }
  const int64_t steps = 1 + pick(4);
  for (int64_t s = 0; s < steps; ++s) c.steps.push_back(pick(4));
  return c;
}

// The deepest step a user reaches: by trying every chain, depth first.
size_t ReferenceDepth(const std::vector<Row>& rows, const std::vector<int64_t>& steps,
                      size_t step = 0, int64_t after = INT64_MIN) {
  if (step == steps.size()) return step;
  size_t best = step;
  for (const Row& r : rows) {
    if (r.ev == steps[step] && (step == 0 || r.ts > after)) {
      best = std::max(best, ReferenceDepth(rows, steps, step + 1, r.ts));
      if (best == steps.size()) break;
    }
  }
  return best;
}

// Per step, the users reaching it, by the reference.
std::vector<int64_t> ReferenceCounts(const Case& c) {
  std::vector<int64_t> counts(c.steps.size(), 0);
  for (const auto& part : c.parts) {
    std::map<int64_t, std::vector<Row>> by_user;
    for (const Row& r : part) by_user[r.user].push_back(r);
    for (const auto& [user, rows] : by_user) {
      const size_t depth = ReferenceDepth(rows, c.steps);
      for (size_t s = 0; s < depth; ++s) ++counts[s];
    }
  }
  return counts;
}

// Per step, the groups the engine says reach it; empty with a failure message on error.
std::vector<int64_t> EngineCounts(const Case& c, std::string* error) {
  const std::vector<InlineColumn> columns = {
      {"user", ColumnType::kInt}, {"ts", ColumnType::kInt}, {"ev", ColumnType::kInt}};
  query::DatasetSchema schema(
      "user", "ts",
      {{"user", ColumnType::kInt}, {"ts", ColumnType::kInt}, {"ev", ColumnType::kInt}});
  json sequence = json::array();
  for (int64_t s : c.steps) sequence.push_back({{"filter", {"ev", "==", s}}});
  auto q = query::ParseQuery(json{{"funnel", {{"sequence", sequence}}}}, schema);
  if (!q.ok()) {
    *error = q.status().message();
    return {};
  }
  std::optional<engine::PartResult> merged;
  for (const auto& rows : c.parts) {
    if (rows.empty()) continue;  // a part holds at least one row
    json table = json::array();
    for (const Row& r : rows) table.push_back({r.user, r.ts, r.ev});
    auto part = PartFromRows(columns, table, "user", "ts", true);
    if (!part.ok()) {
      *error = part.status().message();
      return {};
    }
    auto result = engine::ExecuteQuery(**part, *q);
    if (!result.ok()) {
      *error = result.status().message();
      return {};
    }
    auto wired = engine::FromWireJson(engine::ToWireJson(*result));
    if (!wired.ok()) {
      *error = wired.status().message();
      return {};
    }
    if (!merged) {
      merged = std::move(*wired);
    } else if (Status s = engine::Merge(&*merged, *wired); !s.ok()) {
      *error = s.message();
      return {};
    }
  }
  if (!merged) return std::vector<int64_t>(c.steps.size(), 0);
  const json response = json::parse(engine::ResponseJson(*merged, *q).dump());
  std::vector<int64_t> counts;
  for (const json& step : response.at("funnel").at("sequence")) {
    counts.push_back(step.at("matchingGroups").get<int64_t>());
  }
  return counts;
}

TEST(FunnelReference, TheEngineFindsAChainIffOneExists) {
  constexpr uint32_t kCases = 20000;
  std::optional<Case> smallest;
  std::string smallest_report;
  int failures = 0;
  int64_t deep = 0;  // cases where some group reached step 2 or further: not trivial ones
  for (uint32_t seed = 1; seed <= kCases; ++seed) {
    const Case c = RandomCase(seed, 30, 12);
    std::string error;
    const std::vector<int64_t> got = EngineCounts(c, &error);
    const std::vector<int64_t> want = ReferenceCounts(c);
    deep += want.size() > 1 && want[1] > 0;
    if (got == want && error.empty()) continue;
    ++failures;
    if (!smallest || c.rows() < smallest->rows()) {
      smallest = c;
      std::ostringstream report;
      report << "seed " << seed << (error.empty() ? "" : ": error " + error) << "\nengine:";
      for (int64_t n : got) report << " " << n;
      report << "\nreference:";
      for (int64_t n : want) report << " " << n;
      report << "\n" << c.Describe();
      smallest_report = report.str();
    }
  }
  EXPECT_EQ(failures, 0) << "the smallest failing case:\n" << smallest_report;
  EXPECT_GT(deep, kCases / 4) << "the random cases should often reach past the first step";
}

}  // namespace
}  // namespace frocket::testing
