#include "engine/value_check.h"

#include <algorithm>
#include <cctype>

namespace frocket::engine {

namespace {

// Values further than this (edits, ignoring case) are not offered as what was meant.
constexpr int kMaxDistance = 3;

// Levenshtein distance ignoring ASCII case, or kMaxDistance + 1 once it is certainly larger.
int Distance(std::string_view a, std::string_view b) {
  const size_t diff = a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
  if (diff > static_cast<size_t>(kMaxDistance) || a.size() > 256 || b.size() > 256) {
    return kMaxDistance + 1;
  }
  std::vector<int> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    int diagonal = row[0];
    row[0] = static_cast<int>(i);
    int best = row[0];
    for (size_t j = 1; j <= b.size(); ++j) {
      const int above = row[j];
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
      best = std::min(best, row[j]);
    }
    if (best > kMaxDistance) return kMaxDistance + 1;
  }
  return row[b.size()];
}

void AddClosest(std::vector<std::pair<int, std::string>>* closest, int distance,
                std::string value) {
  if (distance > kMaxDistance) return;
  for (const auto& [d, v] : *closest) {
    if (v == value) return;
  }
  closest->emplace_back(distance, std::move(value));
  std::sort(closest->begin(), closest->end());
  if (closest->size() > ValueCheck::kMaxClosest) closest->resize(ValueCheck::kMaxClosest);
}

void CollectFilters(const query::RowPredicate& p, std::vector<const query::Filter*>* out) {
  for (const auto& f : p.filters) {
    if (f.op == query::Op::kEq && std::holds_alternative<std::string>(f.value)) {
      out->push_back(&f);
    }
  }
}

// The rows [begin, end) are those inside the query's timeframe: rows outside it do not exist
// (DESIGN.md §3), and a part read for a timeframe may hold only some of them.
ValueCheck CheckOne(const table::Part& part, const query::Filter& f, bool whole, int64_t begin,
                    int64_t end) {
  ValueCheck check;
  const table::Column* c = part.FindColumn(f.column);
  if (c == nullptr || c->type != ColumnType::kString) {
    check.checked = false;
    return check;
  }
  const std::string& wanted = std::get<std::string>(f.value);
  if (!c->is_dictionary()) {
    // Every row's value: a value held is usually met early; only an absent one costs a whole
    // pass, and another for the nearest.
    for (int64_t r = begin; r < end && !check.present; ++r) {
      check.present = !c->IsNull(r) && c->encoded.StringAt(r) == wanted;
    }
    if (check.present) return check;
    for (int64_t r = begin; r < end; ++r) {
      if (c->IsNull(r)) continue;
      std::string_view value = c->encoded.StringAt(r);
      AddClosest(&check.closest, Distance(wanted, value), std::string(value));
    }
    return check;
  }
  // Dictionary form: the value's code, then (for part of the part) a row holding it, usually
  // met early; only an absent value costs the values the rows in range hold (a null row's
  // code is the dictionary size) and the nearest of them.
  const parquet::ColumnVector& values = *c->encoded.dictionary;
  const int32_t* codes = c->encoded.codes.as<int32_t>();
  int64_t code = 0;
  while (code < values.length && values.StringAt(code) != wanted) ++code;
  if (code < values.length) {
    check.present =
        whole || std::find(codes + begin, codes + end, static_cast<int32_t>(code)) != codes + end;
    if (check.present) return check;
  }
  std::vector<uint8_t> held;
  if (!whole) {
    held.assign(static_cast<size_t>(values.length) + 1, 0);
    for (int64_t r = begin; r < end; ++r) held[static_cast<size_t>(codes[r])] = 1;
  }
  for (int64_t i = 0; i < values.length; ++i) {
    if (!whole && !held[static_cast<size_t>(i)]) continue;
    std::string_view value = values.StringAt(i);
    AddClosest(&check.closest, Distance(wanted, value), std::string(value));
  }
  return check;
}

std::string Quoted(const std::string& s) {
  return "'" + s + "'";
}

}  // namespace

std::vector<const query::Filter*> CheckedFilters(const query::Query& query) {
  std::vector<const query::Filter*> out;
  for (const auto& c : query.conditions) {
    if (c.kind == query::Condition::Kind::kRows) {
      CollectFilters(c.predicate, &out);
    } else {
      for (const auto& step : c.sequence.steps) CollectFilters(step.predicate, &out);
    }
  }
  if (query.funnel) {
    for (const auto& step : query.funnel->sequence.steps) CollectFilters(step.predicate, &out);
  }
  return out;
}

std::vector<ValueCheck> CheckValues(const table::Part& part, const query::Query& query,
                                    int64_t begin, int64_t end) {
  // Without a timeframe the part is whole: its dictionaries hold what its rows hold.
  const bool whole = !query.timeframe && begin == 0 && end == part.num_rows();
  std::vector<ValueCheck> out;
  for (const query::Filter* f : CheckedFilters(query)) {
    out.push_back(CheckOne(part, *f, whole, begin, end));
  }
  return out;
}

Status MergeValueChecks(std::vector<ValueCheck>* into, const std::vector<ValueCheck>& other) {
  if (into->empty()) {
    *into = other;
    return Status::OK();
  }
  if (into->size() != other.size()) {
    return Status::Invalid("internal error: merging value checks of different queries");
  }
  for (size_t i = 0; i < other.size(); ++i) {
    ValueCheck& mine = (*into)[i];
    mine.checked &= other[i].checked;
    mine.present |= other[i].present;
    for (const auto& [d, v] : other[i].closest) AddClosest(&mine.closest, d, v);
  }
  return Status::OK();
}

std::vector<std::string> ValueWarnings(const query::Query& query,
                                       const std::vector<ValueCheck>& checks) {
  std::vector<std::string> out;
  const auto filters = CheckedFilters(query);
  for (size_t i = 0; i < checks.size() && i < filters.size(); ++i) {
    const ValueCheck& c = checks[i];
    if (!c.checked || c.present) continue;
    const query::Filter& f = *filters[i];
    std::string warning = "no row holds " + Quoted(std::get<std::string>(f.value)) + " in column " +
                          Quoted(f.column) + ", so a filter on it matches nothing";
    if (!c.closest.empty()) {
      warning += "; the nearest values are ";
      for (size_t k = 0; k < c.closest.size(); ++k) {
        warning += (k ? ", " : "") + Quoted(c.closest[k].second);
      }
    }
    if (std::find(out.begin(), out.end(), warning) == out.end()) out.push_back(warning);
  }
  return out;
}

nlohmann::json ValueChecksToWire(const std::vector<ValueCheck>& checks) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : checks) {
    nlohmann::json closest = nlohmann::json::array();
    for (const auto& [d, v] : c.closest) closest.push_back({d, v});
    out.push_back({c.checked, c.present, closest});
  }
  return out;
}

Result<std::vector<ValueCheck>> ValueChecksFromWire(const nlohmann::json& json) {
  auto bad = [] { return Status::Invalid("bad value checks in a part result"); };
  if (!json.is_array()) return bad();
  std::vector<ValueCheck> out;
  for (const auto& c : json) {
    if (!c.is_array() || c.size() != 3 || !c[0].is_boolean() || !c[1].is_boolean() ||
        !c[2].is_array()) {
      return bad();
    }
    ValueCheck check;
    check.checked = c[0].get<bool>();
    check.present = c[1].get<bool>();
    for (const auto& e : c[2]) {
      if (!e.is_array() || e.size() != 2 || !e[0].is_number_integer() || !e[1].is_string()) {
        return bad();
      }
      check.closest.emplace_back(e[0].get<int>(), e[1].get<std::string>());
    }
    out.push_back(std::move(check));
  }
  return out;
}

}  // namespace frocket::engine
