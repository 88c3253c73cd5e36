// Values compared with `==` that no row holds: each part says whether it holds the value
// and, if not, its nearest values (edit distance ignoring case, at most 3); merged, an absent
// value becomes a warning. Expected distances are counted by hand.
#include "engine/value_check.h"

#include <gtest/gtest.h>

#include "engine/part_executor.h"
#include "query/query_parser.h"
#include "support/inline_part.h"

namespace frocket::engine {
namespace {

using testing::InlineColumn;

const std::vector<InlineColumn> kColumns = {
    {"user", ColumnType::kInt}, {"ts", ColumnType::kInt}, {"event", ColumnType::kString}};

std::shared_ptr<table::Part> MakePart(const nlohmann::json& rows, bool dictionary) {
  auto part = testing::PartFromRows(kColumns, rows, "user", "ts", dictionary);
  EXPECT_TRUE(part.ok()) << part.status().message();
  return part.ok() ? *part : nullptr;
}

query::Query Parse(const std::string& text) {
  query::DatasetSchema schema;
  schema.group_id_column = "user";
  schema.timestamp_column = "ts";
  for (const auto& c : kColumns) schema.columns[c.name] = c.type;
  auto q = query::ParseQueryText(text, schema);
  EXPECT_TRUE(q.ok()) << q.status().message();
  return q.ok() ? *q : query::Query{};
}

std::vector<ValueCheck> CheckParts(const std::vector<std::shared_ptr<table::Part>>& parts,
                                   const query::Query& q) {
  std::vector<ValueCheck> merged;
  for (const auto& part : parts) {
    auto r = ExecuteQuery(*part, q);
    EXPECT_TRUE(r.ok()) << r.status().message();
    // As between processes.
    auto wired = FromWireJson(ToWireJson(*r));
    EXPECT_TRUE(wired.ok()) << wired.status().message();
    EXPECT_TRUE(MergeValueChecks(&merged, wired->value_checks).ok());
  }
  return merged;
}

TEST(ValueCheck, AbsentValuesAreNamedWithTheNearestHeld) {
  auto p0 = MakePart(R"([[1, 1, "purchase"], [1, 2, "pageview"]])"_json, true);
  auto p1 = MakePart(R"([[2, 1, "addtocart"], [3, 1, "purchases"]])"_json, true);
  // Conditions: "Purchase" (held ignoring case: 'purchase' at 0, 'purchases' at 1), "view"
  // (held nowhere; 'pageview' is 4 edits away: no nearest value), "pageview" (held). The
  // funnel's "addtocart" is held; its "AddToCard" is 'addtocart' with case and 1 edit.
  const query::Query q = Parse(R"({"query": {"relation": "or", "conditions": [
      {"filter": ["event", "==", "Purchase"]},
      {"filters": [["event", "==", "view"], ["user", ">", 0]]},
      {"filter": ["event", "==", "pageview"]},
      {"filter": ["event", "!=", "Nothing"]}]},
    "funnel": {"sequence": [{"filter": ["event", "==", "addtocart"]},
                            {"filter": ["event", "==", "AddToCard"]}]}})");
  ASSERT_EQ(CheckedFilters(q).size(), 5u);  // the != filter is not checked
  const auto checks = CheckParts({p0, p1}, q);
  ASSERT_EQ(checks.size(), 5u);
  EXPECT_FALSE(checks[0].present);
  EXPECT_EQ(checks[0].closest,
            (std::vector<std::pair<int, std::string>>{{0, "purchase"}, {1, "purchases"}}));
  EXPECT_FALSE(checks[1].present);
  EXPECT_TRUE(checks[1].closest.empty());
  EXPECT_TRUE(checks[2].present);
  EXPECT_TRUE(checks[3].present);
  EXPECT_FALSE(checks[4].present);
  EXPECT_EQ(checks[4].closest, (std::vector<std::pair<int, std::string>>{{1, "addtocart"}}));
  EXPECT_EQ(ValueWarnings(q, checks),
            (std::vector<std::string>{
                "no row holds 'Purchase' in column 'event', so a filter on it matches nothing; "
                "the nearest values are 'purchase', 'purchases'",
                "no row holds 'view' in column 'event', so a filter on it matches nothing",
                "no row holds 'AddToCard' in column 'event', so a filter on it matches nothing; "
                "the nearest values are 'addtocart'"}));
}

TEST(ValueCheck, PartsInPlainFormAreLookedUpRowByRow) {
  // Plain form, NULLs skipped: "Purchase" is held by the second part only; "buy" by none,
  // and "by" (1 edit: delete u) and "bye" (2: u to y, y to e) are its nearest, "purchase" far.
  auto dictionary = MakePart(R"([[1, 1, "purchase"], [1, 2, "bye"]])"_json, true);
  auto plain = MakePart(R"([[2, 1, null], [2, 2, "Purchase"], [3, 1, "by"]])"_json, false);
  const query::Query q = Parse(R"({"query": {"conditions": [
      {"filter": ["event", "==", "Purchase"]}, {"filter": ["event", "==", "buy"]}]}})");
  const auto checks = CheckParts({dictionary, plain}, q);
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_TRUE(checks[0].checked);
  EXPECT_TRUE(checks[0].present);
  EXPECT_FALSE(checks[1].present);
  EXPECT_EQ(checks[1].closest, (std::vector<std::pair<int, std::string>>{{1, "by"}, {2, "bye"}}));
  EXPECT_EQ(ValueWarnings(q, checks),
            (std::vector<std::string>{
                "no row holds 'buy' in column 'event', so a filter on it matches nothing; the "
                "nearest values are 'by', 'bye'"}));
}

TEST(ValueCheck, HeldInAnyPartIsHeld) {
  auto p0 = MakePart(R"([[1, 1, "purchase"]])"_json, true);
  auto p1 = MakePart(R"([[2, 1, "Purchase"]])"_json, true);
  const query::Query q = Parse(R"({"query": {"conditions": [
      {"filter": ["event", "==", "Purchase"]}]}})");
  const auto checks = CheckParts({p0, p1}, q);
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_TRUE(checks[0].present);
  EXPECT_TRUE(ValueWarnings(q, checks).empty());
}

TEST(ValueCheck, OnlyRowsInsideTheTimeframeHoldValues) {
  // Rows outside the timeframe [2, 4) do not exist (DESIGN.md §3): "purchase" at ts 1 and
  // "Refund" at ts 5 are not held, so neither is a nearest value either; "pageview" at ts 3 is
  // held, and "refunds" at ts 2 is 'Refund' with case and 1 edit. The same in both forms.
  for (const bool dictionary : {true, false}) {
    auto part = MakePart(R"([[1, 1, "purchase"], [1, 3, "pageview"], [2, 5, "Refund"],
                             [2, 2, "refunds"], [3, 3, null]])"_json,
                         dictionary);
    const query::Query q = Parse(R"({"timeframe": {"from": 2, "to": 4}, "query": {"conditions": [
        {"filter": ["event", "==", "purchase"]}, {"filter": ["event", "==", "Refund"]},
        {"filter": ["event", "==", "pageview"]}]}})");
    const auto checks = CheckParts({part}, q);
    ASSERT_EQ(checks.size(), 3u);
    EXPECT_FALSE(checks[0].present) << dictionary;
    EXPECT_TRUE(checks[0].closest.empty()) << dictionary;
    EXPECT_FALSE(checks[1].present) << dictionary;
    EXPECT_EQ(checks[1].closest, (std::vector<std::pair<int, std::string>>{{1, "refunds"}}))
        << dictionary;
    EXPECT_TRUE(checks[2].present) << dictionary;
    EXPECT_EQ(ValueWarnings(q, checks),
              (std::vector<std::string>{
                  "no row holds 'purchase' in column 'event', so a filter on it matches "
                  "nothing",
                  "no row holds 'Refund' in column 'event', so a filter on it matches nothing; "
                  "the nearest values are 'refunds'"}))
        << dictionary;
  }
}

}  // namespace
}  // namespace frocket::engine
