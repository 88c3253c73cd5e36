#include "engine/part_result.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <unordered_map>

#include "common/json_fields.h"
#include "common/json_text.h"
#include "common/text.h"
#include "engine/wire_numbers.h"
#include "query/query_parser.h"

namespace frocket::engine {

namespace {

using query::AggregationType;

// Values as hash-map keys: NaN equals NaN, so a NaN value merges across parts.
struct KeyHash {
  size_t operator()(const Value& v) const {
    if (const double* d = std::get_if<double>(&v); d != nullptr && std::isnan(*d)) return 0x7ff8;
    return std::hash<Value>()(v);
  }
};
struct KeyEqual {
  bool operator()(const Value& a, const Value& b) const {
    if (a.index() != b.index()) return false;
    if (const double* x = std::get_if<double>(&a)) {
      double y = std::get<double>(b);
      return (std::isnan(*x) && std::isnan(y)) || *x == y;
    }
    return a == b;
  }
};

// A mean as pandas computes it: the sum divided by the count (in double for float sums).
double Mean(const AggregationResult& r, const AggregationResult::Entry& e) {
  if (r.integer_sums) {
    return static_cast<double>(static_cast<long double>(e.int_sum) / static_cast<long double>(e.n));
  }
  return e.float_sum.value() / static_cast<double>(e.n);
}

// The measure entries are ranked by, as a long double (which holds int64 and double exactly).
long double Measure(const AggregationResult& r, const AggregationResult::Entry& e) {
  switch (r.type) {
    case AggregationType::kSumPerValue:
      return r.integer_sums ? static_cast<long double>(e.int_sum) : e.float_sum.value();
    case AggregationType::kMeanPerValue:
      if (e.n == 0) return -INFINITY;
      return Mean(r, e);
    default:
      return static_cast<long double>(e.rows);
  }
}

Status MergeAggregation(AggregationResult* into, const AggregationResult& other) {
  if (into->type != other.type || into->column != other.column) {
    return Status::Invalid("internal error: merging results of different aggregations");
  }
  into->count += other.count;
  into->approximate |= other.approximate;
  if (other.entries.empty()) return Status::OK();
  std::unordered_map<Value, size_t, KeyHash, KeyEqual> index;
  index.reserve(into->entries.size() + other.entries.size());
  for (size_t i = 0; i < into->entries.size(); ++i) index.emplace(into->entries[i].key, i);
  for (const auto& e : other.entries) {
    auto [it, inserted] = index.emplace(e.key, into->entries.size());
    if (inserted) {
      into->entries.push_back(e);
      continue;
    }
    auto& mine = into->entries[it->second];
    mine.rows += e.rows;
    mine.n += e.n;
    mine.int_sum += e.int_sum;
    mine.float_sum.Add(e.float_sum);
  }
  return Status::OK();
}

Status MergeAggregations(std::optional<std::vector<AggregationResult>>* into,
                         const std::optional<std::vector<AggregationResult>>& other) {
  if (into->has_value() != other.has_value() || (other && (*into)->size() != other->size())) {
    return Status::Invalid("internal error: merging results of different queries");
  }
  if (!other) return Status::OK();
  for (size_t i = 0; i < other->size(); ++i) {
    FROCKET_RETURN_IF_ERROR(MergeAggregation(&(**into)[i], (*other)[i]));
  }
  return Status::OK();
}

Status MergeStep(StepResult* into, const StepResult& other) {
  into->matching_groups += other.matching_groups;
  into->matching_group_rows += other.matching_group_rows;
  if (into->time_to_convert.has_value() != other.time_to_convert.has_value()) {
    return Status::Invalid("cannot merge part results of different queries (time to convert)");
  }
  if (into->time_to_convert) {
    FROCKET_RETURN_IF_ERROR(
        into->time_to_convert->from_previous.Merge(other.time_to_convert->from_previous));
    FROCKET_RETURN_IF_ERROR(
        into->time_to_convert->from_first.Merge(other.time_to_convert->from_first));
  }
  return MergeAggregations(&into->aggregations, other.aggregations);
}

// Groups are disjoint across parts: counts add, and the least ids of all are among the least
// of each part.
Status MergeGroupIds(std::optional<GroupIds>* into, const std::optional<GroupIds>& other) {
  if (into->has_value() != other.has_value() || (other && (*into)->limit != other->limit)) {
    return Status::Invalid("cannot merge part results of different queries (groups)");
  }
  if (!other) return Status::OK();
  GroupIds& g = **into;
  g.count += other->count;
  if (g.size() == 0) g.strings = other->strings;  // a part without ids may not know the kind
  if (other->size() == 0) return Status::OK();
  if (g.strings != other->strings) {
    return Status::Invalid("cannot merge part results of different queries (group id types)");
  }
  auto merge = [&](auto& mine, const auto& theirs) {
    std::remove_reference_t<decltype(mine)> merged;
    merged.reserve(mine.size() + theirs.size());
    std::merge(std::make_move_iterator(mine.begin()), std::make_move_iterator(mine.end()),
               theirs.begin(), theirs.end(), std::back_inserter(merged));
    if (g.limit != query::GroupsOutput::kAll && merged.size() > static_cast<size_t>(g.limit)) {
      merged.resize(static_cast<size_t>(g.limit));
    }
    mine = std::move(merged);
  };
  if (g.strings) {
    merge(g.texts, other->texts);
  } else {
    merge(g.ints, other->ints);
  }
  return Status::OK();
}

// Breakdown buckets in value order, NULL last.
bool BucketLess(const std::optional<Value>& a, const std::optional<Value>& b) {
  if (!a || !b) return a && !b;
  return table::ValueLess(*a, *b);
}

Status MergeBreakdown(std::optional<std::vector<BreakdownBucket>>* into,
                      const std::optional<std::vector<BreakdownBucket>>& other) {
  if (into->has_value() != other.has_value()) {
    return Status::Invalid("cannot merge part results of different queries (breakdown)");
  }
  if (!other) return Status::OK();
  std::vector<BreakdownBucket>& buckets = **into;
  for (const BreakdownBucket& b : *other) {
    auto it = std::lower_bound(buckets.begin(), buckets.end(), b.value,
                               [](const BreakdownBucket& x, const std::optional<Value>& v) {
                                 return BucketLess(x.value, v);
                               });
    if (it == buckets.end() || BucketLess(b.value, it->value)) {
      buckets.insert(it, b);
      continue;
    }
    if (it->sequence.size() != b.sequence.size()) {
      return Status::Invalid("cannot merge part results of different queries (breakdown steps)");
    }
    for (size_t s = 0; s < b.sequence.size(); ++s) {
      FROCKET_RETURN_IF_ERROR(MergeStep(&it->sequence[s], b.sequence[s]));
    }
  }
  return Status::OK();
}

std::string KeyString(const Value& v) {
  switch (v.index()) {
    case 0:
      return std::to_string(std::get<int64_t>(v));
    case 1: {
      double d = std::get<double>(v);
      if (std::isnan(d)) return "NaN";
      if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
      std::string s;
      text::AppendDouble(&s, d);
      return s;
    }
    case 2:
      return std::get<bool>(v) ? "true" : "false";
    default:
      return std::get<std::string>(v);
  }
}

nlohmann::ordered_json Number(__int128 v) {
  if (v >= INT64_MIN && v <= INT64_MAX) return static_cast<int64_t>(v);
  return static_cast<double>(v);
}

nlohmann::ordered_json FloatNumber(double d);

// A value as JSON of its type (a breakdown bucket's value).
nlohmann::ordered_json ValueJson(const Value& v) {
  switch (v.index()) {
    case 0:
      return std::get<int64_t>(v);
    case 1:
      return FloatNumber(std::get<double>(v));
    case 2:
      return std::get<bool>(v);
    default:
      return std::get<std::string>(v);
  }
}

nlohmann::ordered_json FloatNumber(double d) {
  // JSON has no NaN or infinity; Funnel Rocket's serializer would have failed on them.
  if (!std::isfinite(d)) return nullptr;
  return d;
}

nlohmann::ordered_json AggregationJson(AggregationResult r) {
  nlohmann::ordered_json j;
  j["column"] = r.column;
  j["type"] = query::AggregationTypeName(r.type);
  if (r.type == AggregationType::kCount) {
    j["value"] = r.count;
  } else {
    if (r.type == AggregationType::kMeanPerValue) {
      std::erase_if(r.entries, [](const AggregationResult::Entry& e) { return e.n == 0; });
    }
    KeepTop(&r, static_cast<size_t>(r.top));
    nlohmann::ordered_json value = nlohmann::ordered_json::object();
    // Appended, not inserted by key: ordered_json looks keys up linearly, which made a map
    // of a million entries quadratic to build. Keys are distinct values, so already unique.
    auto& entries = value.get_ref<nlohmann::ordered_json::object_t&>();
    entries.reserve(r.entries.size());
    for (const auto& e : r.entries) {
      std::string key = KeyString(e.key);
      switch (r.type) {
        case AggregationType::kSumPerValue:
          entries.emplace_back(std::move(key), r.integer_sums ? Number(e.int_sum)
                                                              : FloatNumber(e.float_sum.value()));
          break;
        case AggregationType::kMeanPerValue:
          entries.emplace_back(std::move(key), FloatNumber(Mean(r, e)));
          break;
        default:
          entries.emplace_back(std::move(key), e.rows);
      }
    }
    j["value"] = std::move(value);
  }
  j["top"] = IsPerValue(r.type) ? nlohmann::ordered_json(r.top) : nlohmann::ordered_json(nullptr);
  j["name"] = r.name ? nlohmann::ordered_json(*r.name) : nlohmann::ordered_json(nullptr);
  if (r.approximate) j["approximate"] = true;
  return j;
}

nlohmann::ordered_json AggregationsJson(const std::optional<std::vector<AggregationResult>>& list) {
  if (!list) return nullptr;
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& r : *list) out.push_back(AggregationJson(r));
  return out;
}

nlohmann::ordered_json StepJson(const StepResult& s) {
  nlohmann::ordered_json j;
  j["matchingGroups"] = s.matching_groups;
  j["matchingGroupRows"] = s.matching_group_rows;
  j["aggregations"] = AggregationsJson(s.aggregations);
  if (s.time_to_convert) {
    j["timeToConvert"] = {{"fromPrevious", s.time_to_convert->from_previous.ResponseJson()},
                          {"fromFirst", s.time_to_convert->from_first.ResponseJson()}};
  }
  return j;
}

// --- wire format ---

nlohmann::json WireKey(const Value& v) {
  switch (v.index()) {
    case 0:
      return {{"i", std::get<int64_t>(v)}};
    case 1:
      return {{"f", WireDouble(std::get<double>(v))}};
    case 2:
      return {{"b", std::get<bool>(v)}};
    default:
      return {{"s", std::get<std::string>(v)}};
  }
}

Result<Value> ReadWireKey(const nlohmann::json& j) {
  if (!j.is_object() || j.size() != 1) return Status::Invalid("bad key in a part result");
  if (j.contains("i") && j["i"].is_number_integer()) return Value(j["i"].get<int64_t>());
  if (j.contains("f")) {
    FROCKET_ASSIGN_OR_RETURN(double d, ReadWireDouble(j["f"]));
    return Value(d);
  }
  if (j.contains("b") && j["b"].is_boolean()) return Value(j["b"].get<bool>());
  if (j.contains("s") && j["s"].is_string()) return Value(j["s"].get<std::string>());
  return Status::Invalid("bad key in a part result: " + JsonText(j));
}

nlohmann::json WireAggregations(const std::optional<std::vector<AggregationResult>>& list) {
  if (!list) return nullptr;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : *list) {
    nlohmann::json j;
    j["column"] = r.column;
    j["type"] = query::AggregationTypeName(r.type);
    j["name"] = r.name ? nlohmann::json(*r.name) : nlohmann::json(nullptr);
    j["top"] = r.top;
    j["integerSums"] = r.integer_sums;
    j["count"] = r.count;
    j["approximate"] = r.approximate;
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& e : r.entries) {
      entries.push_back({WireKey(e.key), e.rows, e.n, WireInt128(e.int_sum),
                         WireDouble(e.float_sum.sum), WireDouble(e.float_sum.compensation)});
    }
    j["entries"] = std::move(entries);
    out.push_back(std::move(j));
  }
  return out;
}

Status Malformed(const Status& problem) {
  return Status::Invalid("malformed part result: " + problem.message());
}

// [key, rows, n, int_sum (text), float_sum, compensation]
Result<AggregationResult::Entry> ReadWireEntry(const nlohmann::json& e) {
  if (!e.is_array() || e.size() != 6) return Status::Invalid("bad entry in a part result");
  AggregationResult::Entry entry;
  auto rows = JsonFields::As<int64_t>(e[1]);
  auto n = JsonFields::As<int64_t>(e[2]);
  auto int_sum = JsonFields::As<std::string>(e[3]);
  if (!rows || !n || !int_sum) return Status::Invalid("bad entry in a part result");
  entry.rows = *rows;
  entry.n = *n;
  FROCKET_ASSIGN_OR_RETURN(entry.key, ReadWireKey(e[0]));
  FROCKET_ASSIGN_OR_RETURN(entry.int_sum, ParseInt128(*int_sum));
  FROCKET_ASSIGN_OR_RETURN(entry.float_sum.sum, ReadWireDouble(e[4]));
  FROCKET_ASSIGN_OR_RETURN(entry.float_sum.compensation, ReadWireDouble(e[5]));
  return entry;
}

Result<AggregationResult> ReadWireAggregation(const nlohmann::json& a) {
  static const std::pair<const char*, AggregationType> kTypes[] = {
      {"count", AggregationType::kCount},
      {"countPerValue", AggregationType::kCountPerValue},
      {"groupsPerValue", AggregationType::kGroupsPerValue},
      {"sumPerValue", AggregationType::kSumPerValue},
      {"meanPerValue", AggregationType::kMeanPerValue}};
  JsonFields f(a);
  AggregationResult r;
  r.column = f.Get<std::string>("column");
  const std::string type = f.Get<std::string>("type");
  const nlohmann::json& name = f.Raw("name");
  if (!name.is_null()) {
    auto text = JsonFields::As<std::string>(name);
    if (!text) f.Fail("member 'name' is not a string");
    r.name = text.value_or("");
  }
  r.top = f.Get<int64_t>("top");
  r.integer_sums = f.Get<bool>("integerSums");
  r.count = f.Get<int64_t>("count");
  r.approximate = f.Get<bool>("approximate");
  const nlohmann::json& entries = f.Raw("entries");
  if (!entries.is_array()) f.Fail("member 'entries' is not an array");
  if (!f.status().ok()) return Malformed(f.status());
  bool known = false;
  for (const auto& [type_name, t] : kTypes) {
    if (type == type_name) r.type = t, known = true;
  }
  if (!known) return Status::Invalid("bad aggregation type in a part result: " + type);
  for (const auto& e : entries) {
    FROCKET_ASSIGN_OR_RETURN(AggregationResult::Entry entry, ReadWireEntry(e));
    r.entries.push_back(std::move(entry));
  }
  return r;
}

Result<std::optional<std::vector<AggregationResult>>> ReadWireAggregations(
    const nlohmann::json& j) {
  if (j.is_null()) return std::optional<std::vector<AggregationResult>>();
  if (!j.is_array()) return Status::Invalid("bad aggregations in a part result");
  std::vector<AggregationResult> out;
  for (const auto& a : j) {
    FROCKET_ASSIGN_OR_RETURN(AggregationResult r, ReadWireAggregation(a));
    out.push_back(std::move(r));
  }
  return std::optional<std::vector<AggregationResult>>(std::move(out));
}

nlohmann::json WireStep(const StepResult& s) {
  nlohmann::json j = {{"matchingGroups", s.matching_groups},
                      {"matchingGroupRows", s.matching_group_rows},
                      {"aggregations", WireAggregations(s.aggregations)}};
  if (s.time_to_convert) {
    j["timeToConvert"] = {{"fromPrevious", s.time_to_convert->from_previous.ToWire()},
                          {"fromFirst", s.time_to_convert->from_first.ToWire()}};
  }
  return j;
}

Result<StepResult> ReadWireStep(const nlohmann::json& j) {
  JsonFields f(j);
  StepResult s;
  s.matching_groups = f.Get<int64_t>("matchingGroups");
  s.matching_group_rows = f.Get<int64_t>("matchingGroupRows");
  const nlohmann::json& aggregations = f.Raw("aggregations");
  if (!f.status().ok()) return Malformed(f.status());
  FROCKET_ASSIGN_OR_RETURN(s.aggregations, ReadWireAggregations(aggregations));
  if (f.Has("timeToConvert")) {
    const nlohmann::json& t = f.Raw("timeToConvert");
    if (!t.is_object() || !t.contains("fromPrevious") || !t.contains("fromFirst")) {
      return Status::Invalid("malformed part result: bad time to convert");
    }
    TimeToConvert ttc;
    FROCKET_ASSIGN_OR_RETURN(ttc.from_previous, DurationStats::FromWire(t["fromPrevious"]));
    FROCKET_ASSIGN_OR_RETURN(ttc.from_first, DurationStats::FromWire(t["fromFirst"]));
    s.time_to_convert = std::move(ttc);
  }
  return s;
}

nlohmann::ordered_json GroupsJson(const GroupIds& groups, const query::GroupsOutput& spec) {
  nlohmann::ordered_json j;
  query::PutGroupsOf(j, spec);
  j["count"] = groups.count;
  nlohmann::ordered_json ids = nlohmann::ordered_json::array();
  if (groups.strings) {
    for (const std::string& id : groups.texts) ids.push_back(id);
  } else {
    for (int64_t id : groups.ints) ids.push_back(id);
  }
  j["ids"] = std::move(ids);
  j["truncated"] = static_cast<int64_t>(groups.size()) < groups.count;
  return j;
}

nlohmann::ordered_json BreakdownJson(std::vector<BreakdownBucket> buckets,
                                     const query::Breakdown& breakdown) {
  // Ranked by the first step's groups, then by value (NULL last).
  std::stable_sort(buckets.begin(), buckets.end(), [](const auto& a, const auto& b) {
    const int64_t ga = a.sequence.empty() ? 0 : a.sequence[0].matching_groups;
    const int64_t gb = b.sequence.empty() ? 0 : b.sequence[0].matching_groups;
    if (ga != gb) return ga > gb;
    return BucketLess(a.value, b.value);
  });
  nlohmann::ordered_json j;
  j["column"] = breakdown.column;
  j["attribution"] = query::AttributionJson(breakdown);
  j["values"] = static_cast<int64_t>(buckets.size());
  auto steps_json = [](const std::vector<StepResult>& steps) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const StepResult& s : steps) {
      nlohmann::ordered_json step = StepJson(s);
      step.erase("aggregations");  // a bucket has no aggregations of its own
      out.push_back(std::move(step));
    }
    return out;
  };
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  const auto top = static_cast<size_t>(std::max<int64_t>(breakdown.top, 0));
  for (size_t i = 0; i < buckets.size() && i < top; ++i) {
    nlohmann::ordered_json b;
    b["value"] = buckets[i].value ? ValueJson(*buckets[i].value) : nlohmann::ordered_json();
    b["sequence"] = steps_json(buckets[i].sequence);
    list.push_back(std::move(b));
  }
  if (buckets.size() > top) {
    // The rest, summed: merging buckets is merging their counts and distributions.
    BreakdownBucket other = buckets[top];
    for (size_t i = top + 1; i < buckets.size(); ++i) {
      for (size_t s = 0; s < other.sequence.size() && s < buckets[i].sequence.size(); ++s) {
        (void)MergeStep(&other.sequence[s], buckets[i].sequence[s]);  // same query: cannot fail
      }
    }
    nlohmann::ordered_json b;
    b["other"] = true;
    b["values"] = static_cast<int64_t>(buckets.size() - top);
    b["sequence"] = steps_json(other.sequence);
    list.push_back(std::move(b));
  }
  j["buckets"] = std::move(list);
  return j;
}

Result<GroupIds> ReadWireGroupIds(const nlohmann::json& j) {
  JsonFields g(j);
  GroupIds groups;
  groups.count = g.Get<int64_t>("count");
  groups.limit = g.Get<int64_t>("limit");
  groups.strings = g.Get<bool>("strings");
  const nlohmann::json& ids = g.Raw("ids");
  if (!ids.is_array()) g.Fail("member 'ids' is not an array");
  if (!g.status().ok()) return Malformed(g.status());
  for (const auto& id : ids) {
    // Strictly ascending: group ids are distinct.
    if (groups.strings) {
      if (!id.is_string()) return Status::Invalid("malformed part result: a group id");
      const std::string& text = id.get_ref<const std::string&>();
      if (!groups.texts.empty() && !(groups.texts.back() < text)) {
        return Status::Invalid("malformed part result: group ids out of order");
      }
      groups.texts.push_back(text);
    } else {
      auto v = JsonFields::As<int64_t>(id);
      if (!v) return Status::Invalid("malformed part result: a group id");
      if (!groups.ints.empty() && !(groups.ints.back() < *v)) {
        return Status::Invalid("malformed part result: group ids out of order");
      }
      groups.ints.push_back(*v);
    }
  }
  if (groups.limit < query::GroupsOutput::kAll ||
      static_cast<int64_t>(groups.size()) > groups.count ||
      (groups.limit != query::GroupsOutput::kAll &&
       static_cast<int64_t>(groups.size()) > groups.limit)) {
    return Status::Invalid("malformed part result: more group ids than counted");
  }
  return groups;
}

}  // namespace

void KeepTop(AggregationResult* r, size_t limit) {
  auto better = [r](const AggregationResult::Entry& a, const AggregationResult::Entry& b) {
    long double ma = Measure(*r, a), mb = Measure(*r, b);
    if (ma != mb) return ma > mb;
    return table::ValueLess(a.key, b.key);
  };
  if (r->entries.size() > limit) {
    std::partial_sort(r->entries.begin(), r->entries.begin() + static_cast<ptrdiff_t>(limit),
                      r->entries.end(), better);
    r->entries.resize(limit);
  } else {
    std::sort(r->entries.begin(), r->entries.end(), better);
  }
}

Status Merge(PartResult* into, const PartResult& other) {
  FROCKET_RETURN_IF_ERROR(MergeStep(&into->query, other.query));
  FROCKET_RETURN_IF_ERROR(MergeGroupIds(&into->groups, other.groups));
  if (into->funnel && other.funnel) {
    FROCKET_RETURN_IF_ERROR(MergeBreakdown(&into->funnel->breakdown, other.funnel->breakdown));
  }
  if (into->funnel.has_value() != other.funnel.has_value() ||
      (other.funnel && into->funnel->sequence.size() != other.funnel->sequence.size())) {
    return Status::Invalid("internal error: merging results of different queries");
  }
  if (other.funnel) {
    for (size_t i = 0; i < other.funnel->sequence.size(); ++i) {
      FROCKET_RETURN_IF_ERROR(MergeStep(&into->funnel->sequence[i], other.funnel->sequence[i]));
    }
    FROCKET_RETURN_IF_ERROR(
        MergeAggregations(&into->funnel->end_aggregations, other.funnel->end_aggregations));
  }
  FROCKET_RETURN_IF_ERROR(MergeValueChecks(&into->value_checks, other.value_checks));
  into->scanned_rows += other.scanned_rows;
  into->scanned_groups += other.scanned_groups;
  return Status::OK();
}

nlohmann::ordered_json ResponseJson(const PartResult& merged) {
  return ResponseJson(merged, query::Query());
}

nlohmann::ordered_json ResponseJson(const PartResult& merged, const query::Query& query) {
  nlohmann::ordered_json j;
  j["query"] = StepJson(merged.query);
  if (merged.funnel) {
    nlohmann::ordered_json f;
    f["sequence"] = nlohmann::ordered_json::array();
    // Positive steps only: exclusion steps are not reached, they constrain (DESIGN.md §3b).
    std::vector<const query::SequenceStep*> steps;
    if (query.funnel) steps = query.funnel->sequence.PositiveSteps();
    for (size_t i = 0; i < merged.funnel->sequence.size(); ++i) {
      nlohmann::ordered_json step;
      // The step's name first, as the query gave it (DESIGN.md §3b); none: Funnel Rocket's.
      if (i < steps.size() && steps[i]->name) step["name"] = *steps[i]->name;
      step.update(StepJson(merged.funnel->sequence[i]));
      f["sequence"].push_back(std::move(step));
    }
    f["endAggregations"] = AggregationsJson(merged.funnel->end_aggregations);
    if (merged.funnel->breakdown && query.funnel && query.funnel->breakdown) {
      f["breakdown"] = BreakdownJson(*merged.funnel->breakdown, *query.funnel->breakdown);
    }
    j["funnel"] = std::move(f);
  }
  if (merged.groups && query.groups) j["groups"] = GroupsJson(*merged.groups, *query.groups);
  DropAbsentMembers(&j);
  return j;
}

nlohmann::json ToWireJson(const PartResult& r) {
  nlohmann::json j;
  j["query"] = WireStep(r.query);
  if (r.funnel) {
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& s : r.funnel->sequence) steps.push_back(WireStep(s));
    j["funnel"] = {{"sequence", steps},
                   {"endAggregations", WireAggregations(r.funnel->end_aggregations)}};
    if (r.funnel->breakdown) {
      nlohmann::json buckets = nlohmann::json::array();
      for (const BreakdownBucket& b : *r.funnel->breakdown) {
        nlohmann::json bucket_steps = nlohmann::json::array();
        for (const StepResult& s : b.sequence) bucket_steps.push_back(WireStep(s));
        buckets.push_back({{"value", b.value ? WireKey(*b.value) : nlohmann::json()},
                           {"sequence", std::move(bucket_steps)}});
      }
      j["funnel"]["breakdown"] = std::move(buckets);
    }
  } else {
    j["funnel"] = nullptr;
  }
  if (r.groups) {
    const GroupIds& g = *r.groups;
    j["groups"] = {{"count", g.count},
                   {"limit", g.limit},
                   {"strings", g.strings},
                   {"ids", g.strings ? nlohmann::json(g.texts) : nlohmann::json(g.ints)}};
  }
  j["valueChecks"] = ValueChecksToWire(r.value_checks);
  j["scannedRows"] = r.scanned_rows;
  j["scannedGroups"] = r.scanned_groups;
  return j;
}

Result<PartResult> FromWireJson(const nlohmann::json& j) {
  JsonFields fields(j);
  PartResult r;
  const nlohmann::json& query = fields.Raw("query");
  const nlohmann::json& f = fields.Raw("funnel");
  const nlohmann::json& checks = fields.Raw("valueChecks");
  r.scanned_rows = fields.Get<int64_t>("scannedRows");
  r.scanned_groups = fields.Get<int64_t>("scannedGroups");
  if (!fields.status().ok()) return Malformed(fields.status());
  FROCKET_ASSIGN_OR_RETURN(r.query, ReadWireStep(query));
  if (!f.is_null()) {
    JsonFields funnel_fields(f);
    const nlohmann::json& sequence = funnel_fields.Raw("sequence");
    const nlohmann::json& end = funnel_fields.Raw("endAggregations");
    if (!sequence.is_array()) funnel_fields.Fail("member 'sequence' is not an array");
    if (!funnel_fields.status().ok()) return Malformed(funnel_fields.status());
    FunnelResult funnel;
    for (const auto& s : sequence) {
      FROCKET_ASSIGN_OR_RETURN(StepResult step, ReadWireStep(s));
      funnel.sequence.push_back(std::move(step));
    }
    FROCKET_ASSIGN_OR_RETURN(funnel.end_aggregations, ReadWireAggregations(end));
    if (funnel_fields.Has("breakdown")) {
      const nlohmann::json& buckets = funnel_fields.Raw("breakdown");
      if (!buckets.is_array()) return Status::Invalid("malformed part result: bad breakdown");
      funnel.breakdown.emplace();
      for (const auto& b : buckets) {
        if (!b.is_object() || !b.contains("value") || !b.contains("sequence") ||
            !b["sequence"].is_array() || b["sequence"].size() != funnel.sequence.size()) {
          return Status::Invalid("malformed part result: bad breakdown bucket");
        }
        BreakdownBucket bucket;
        if (!b["value"].is_null()) {
          FROCKET_ASSIGN_OR_RETURN(Value v, ReadWireKey(b["value"]));
          bucket.value = std::move(v);
        }
        for (const auto& s : b["sequence"]) {
          FROCKET_ASSIGN_OR_RETURN(StepResult step, ReadWireStep(s));
          bucket.sequence.push_back(std::move(step));
        }
        if (!funnel.breakdown->empty() &&
            !BucketLess(funnel.breakdown->back().value, bucket.value)) {
          return Status::Invalid("malformed part result: breakdown buckets out of order");
        }
        funnel.breakdown->push_back(std::move(bucket));
      }
    }
    r.funnel = std::move(funnel);
  }
  FROCKET_ASSIGN_OR_RETURN(r.value_checks, ValueChecksFromWire(checks));
  if (fields.Has("groups")) {
    FROCKET_ASSIGN_OR_RETURN(r.groups, ReadWireGroupIds(fields.Raw("groups")));
  }
  return r;
}

}  // namespace frocket::engine
