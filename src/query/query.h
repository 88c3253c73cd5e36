// Query: a validated and expanded Funnel Rocket query (DESIGN.md §3). Every shorthand of the
// JSON language is resolved and every default made explicit, so the engine never guesses.
//
// Sequences carry the funnel extensions of DESIGN.md §3b: step names, conversion windows and
// gaps, exclusion steps, held-constant columns and order modes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/column_type.h"
#include "common/value.h"

namespace frocket::query {

enum class Op { kEq, kNe, kGt, kGe, kLt, kLe, kContains, kNotContains, kRegex };

const char* OpName(Op op);

// A literal from the query: JSON integers stay exact, other numbers are doubles.
using Literal = Value;

struct Filter {
  std::string column;
  Op op = Op::kEq;
  Literal value;
};

// Filters that must all match in the same row.
struct RowPredicate {
  std::vector<Filter> filters;
};

struct Target {
  enum class Type { kCount, kSum };
  Type type = Type::kCount;
  std::string column;  // kSum only
  Op op = Op::kGe;     // a numeric comparison
  Literal value = int64_t{1};
};

struct SequenceStep {
  RowPredicate predicate;
  // Shown with the step's funnel results (DESIGN.md §3b): unique in its sequence.
  std::optional<std::string> name;
  // false: an exclusion step — no row matching it between its neighbouring steps' rows.
  bool row_found = true;
  // A positive step after the first: at most this long after the previous positive step's row,
  // in timestamp units (an integer for INT timestamp columns).
  std::optional<Literal> max_gap;
};

enum class SequenceOrder { kOrdered, kStrict, kAny };

const char* SequenceOrderName(SequenceOrder order);

struct Sequence {
  std::vector<SequenceStep> steps;
  // Conversion window: last row's timestamp minus the first's, at most this (timestamp units,
  // an integer for INT timestamp columns).
  std::optional<Literal> max_duration;
  SequenceOrder order = SequenceOrder::kOrdered;
  std::vector<std::string> hold_constant;  // columns equal and non-NULL over a chain

  // The steps to reach (exclusion steps left out), in order.
  std::vector<const SequenceStep*> PositiveSteps() const;
  // Whether any extension of DESIGN.md §3b beyond step names is used: without them, the greedy
  // earliest chain of §3 decides.
  bool HasConstraints() const;
};

struct Condition {
  enum class Kind { kRows, kSequence };
  Kind kind = Kind::kRows;
  std::optional<std::string> name;
  // kRows: the row predicate (from "filter" or "filters"), its target and includeZero.
  RowPredicate predicate;
  bool predicate_was_single = true;  // "filter" rather than "filters", for the expanded JSON
  Target target;
  bool include_zero = false;
  // kSequence
  Sequence sequence;
};

// The relation between conditions, as a tree.
struct Relation {
  enum class Kind { kCondition, kNot, kAnd, kOr };
  Kind kind = Kind::kCondition;
  int condition = 0;               // kCondition
  std::vector<Relation> operands;  // kNot: one; kAnd/kOr: two or more
};

enum class AggregationType { kCount, kCountPerValue, kGroupsPerValue, kSumPerValue, kMeanPerValue };

const char* AggregationTypeName(AggregationType t);
inline bool IsPerValue(AggregationType t) {
  return t != AggregationType::kCount;
}

struct Aggregation {
  std::string column;
  AggregationType type = AggregationType::kCount;
  std::optional<std::string> other_column;  // kSumPerValue, kMeanPerValue
  std::optional<std::string> name;
  int64_t top = 10;  // per-value types only
};

// The funnel per value of a column (DESIGN.md §3b), taken from a row of each group's chain.
struct Breakdown {
  std::string column;
  enum class Attribution { kFirstStep, kLastStep, kStep };
  Attribution attribution = Attribution::kFirstStep;
  int64_t step = 0;  // kStep: a positive step, counted from 0
  int64_t top = 10;  // values kept; the rest are summed into one "other" bucket
};

struct Funnel {
  Sequence sequence;
  std::optional<Breakdown> breakdown;
  // Per step after the first, the distribution of its chain row's time from the previous
  // step's and from the first step's (DESIGN.md §3b).
  bool time_to_convert = false;
  std::optional<std::vector<Aggregation>> step_aggregations;
  std::optional<std::vector<Aggregation>> end_aggregations;
};

// Bounds in the timestamp column's unit: int64_t when given as JSON integers (exact even for
// nanoseconds), double otherwise.
struct Timeframe {
  std::optional<Literal> from;  // inclusive
  std::optional<Literal> to;    // exclusive
};

// Groups as output (audiences, DESIGN.md §3b): the ids of the groups matching the query,
// reaching a funnel step, or dropping off after one.
struct GroupsOutput {
  enum class Of { kQuery, kStep, kDropOff };
  Of of = Of::kQuery;
  int64_t step = 0;      // kStep, kDropOff: a positive funnel step, from 0
  int64_t limit = 1000;  // ids listed (the least first); kAll: every one
  static constexpr int64_t kAll = -1;
};

struct Query {
  std::optional<Timeframe> timeframe;
  std::vector<Condition> conditions;
  std::optional<Relation> relation;  // set iff there are conditions
  std::string relation_text;         // as expanded ("$0 and $1"), for the expanded JSON
  std::optional<std::vector<Aggregation>> aggregations;
  std::optional<Funnel> funnel;
  std::optional<GroupsOutput> groups;

  // Every column the query reads (without the group id and timestamp columns).
  std::vector<std::string> UsedColumns() const;
  // Whether answering needs the rows' timestamps: a timeframe or a sequence (as a condition
  // or the funnel). Other queries are answered from rows in any order.
  bool UsesTime() const;
};

}  // namespace frocket::query
