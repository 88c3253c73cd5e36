#include "query/query_parser.h"

#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "common/json_parse.h"
#include "common/json_text.h"
#include "common/text.h"
#include "common/time_unit.h"
#include "query/relation.h"

namespace frocket::query {

namespace {

using json = nlohmann::json;

std::optional<Op> ParseOp(const std::string& s) {
  static const std::map<std::string, Op> kOps = {{"==", Op::kEq},
                                                 {"!=", Op::kNe},
                                                 {">", Op::kGt},
                                                 {">=", Op::kGe},
                                                 {"<", Op::kLt},
                                                 {"<=", Op::kLe},
                                                 {"contains", Op::kContains},
                                                 {"not contains", Op::kNotContains},
                                                 {"regex", Op::kRegex}};
  auto it = kOps.find(s);
  if (it == kOps.end()) return std::nullopt;
  return it->second;
}

bool IsComparison(Op op) {
  return op == Op::kEq || op == Op::kNe || op == Op::kGt || op == Op::kGe || op == Op::kLt ||
         op == Op::kLe;
}

bool IsValidIdentifier(const std::string& s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Edit distance, to suggest the key a typo meant.
size_t Distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (std::tolower(a[i - 1]) == std::tolower(b[j - 1]) ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// A numeric literal exactly: long double holds every int64 and every double.
long double NumberValue(const Literal& v) {
  if (const int64_t* i = std::get_if<int64_t>(&v)) return static_cast<long double>(*i);
  return std::get<double>(v);
}

// A number as JSON writes it, without the ".0" of a whole double (a timestamp).
std::string WholeNumberText(double v) {
  if (v == std::floor(v) && std::fabs(v) < 9e18) return std::to_string(static_cast<int64_t>(v));
  return JsonText(json(v));
}

std::string Describe(const json& v) {
  std::string s = JsonText(v);
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

class Parser {
 public:
  Parser(const DatasetSchema& schema, const ParseOptions& options)
      : schema_(schema), options_(options) {}

  Query Parse(const json& root) {
    Query q;
    if (!root.is_object()) {
      Error("", "a query must be a JSON object, got " + Describe(root));
      return q;
    }
    CheckKeys(root, "", {"timeframe", "query", "funnel", "groups"});
    if (root.contains("timeframe")) q.timeframe = ParseTimeframe(root["timeframe"], "timeframe");
    if (root.contains("query")) ParseQueryBlock(root["query"], "query", &q);
    if (root.contains("funnel")) q.funnel = ParseFunnel(root["funnel"], "funnel");
    if (root.contains("groups")) q.groups = ParseGroups(root["groups"], "groups", q.funnel);
    return q;
  }

  const std::vector<QueryError>& errors() const { return errors_; }

 private:
  void Error(const std::string& path, const std::string& message) {
    errors_.push_back({path, message});
  }
  // Whether the array is over its size limit (reported; its elements are then not parsed).
  bool TooMany(const json& array, size_t limit, const std::string& path, const char* what) {
    if (array.size() <= limit) return false;
    Error(path, "at most " + std::to_string(limit) + " " + what + " are allowed, got " +
                    std::to_string(array.size()));
    return true;
  }
  static std::string Join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }
  static std::string Index(const std::string& path, size_t i) {
    return path + "[" + std::to_string(i) + "]";
  }

  // Unknown keys are errors; the message suggests the allowed key the typo is closest to.
  void CheckKeys(const json& obj, const std::string& path,
                 std::initializer_list<const char*> allowed) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      const std::string& key = it.key();
      bool ok = false;
      std::string best;
      size_t best_distance = SIZE_MAX;
      std::string list;
      for (const char* a : allowed) {
        if (key == a) ok = true;
        size_t d = Distance(key, a);
        if (d < best_distance) best_distance = d, best = a;
        list += (list.empty() ? "" : ", ") + std::string(a);
      }
      if (ok) continue;
      std::string message = "unknown key '" + key + "'";
      if (best_distance <= 2) message += " (did you mean '" + best + "'?)";
      message += "; expected one of: " + list;
      Error(Join(path, key), message);
    }
  }

  std::optional<std::string> GetString(const json& obj, const char* key, const std::string& path,
                                       bool required) {
    if (!obj.contains(key)) {
      if (required) Error(Join(path, key), "is required");
      return std::nullopt;
    }
    const json& v = obj[key];
    if (!v.is_string()) {
      Error(Join(path, key), "expected a string, got " + Describe(v));
      return std::nullopt;
    }
    return v.get<std::string>();
  }

  std::optional<Timeframe> ParseTimeframe(const json& v, const std::string& path) {
    if (!v.is_object()) {
      Error(path, "expected an object with 'from' and/or 'to', got " + Describe(v));
      return std::nullopt;
    }
    CheckKeys(v, path, {"from", "to"});
    Timeframe t;
    for (const char* key : {"from", "to"}) {
      if (v.contains(key))
        ParseTimeBound(v[key], Join(path, key), key == std::string("from") ? &t.from : &t.to);
    }
    if (t.from && t.to && !(NumberValue(*t.to) > NumberValue(*t.from))) {
      Error(Join(path, "to"), "must be greater than 'from' ('to' is exclusive, 'from' inclusive)");
      return t;
    }
    CheckTimeScale(v, t.from, schema_.min_timestamp, Join(path, "from"), "earliest");
    CheckTimeScale(v, t.to, schema_.max_timestamp, Join(path, "to"), "latest");
    return t;
  }

  // A bound: a number >= 0 in the timestamp column's unit, whole unless the column is
  // FLOAT (Funnel Rocket took whole numbers only), or an ISO-8601 date or date-time,
  // converted to that unit.
  void ParseTimeBound(const json& x, const std::string& path, std::optional<Literal>* bound) {
    if (x.is_string()) {
      auto instant = ParseIsoTime(x.get<std::string>());
      if (!instant.ok()) {
        Error(path, instant.status().message());
        return;
      }
      if (!schema_.timestamp_unit) {
        Error(path, "the unit of timestamp column '" + schema_.timestamp_column +
                        "' is not known (its Parquet type declares none and no timestamps were "
                        "seen at registration), so a date cannot be converted; give a number");
        return;
      }
      if (auto units = InstantToUnits(*instant, *schema_.timestamp_unit)) {
        *bound = *units;
      } else {
        *bound = InstantToDouble(*instant, *schema_.timestamp_unit);
      }
      time_bounds_from_dates_.insert(path);
      return;
    }
    if (options_.expanded && x.is_number()) {
      if (x.is_number_integer() && !x.is_number_unsigned()) {
        *bound = x.get<int64_t>();
      } else if (x.is_number_unsigned() && x.get<uint64_t>() <= INT64_MAX) {
        *bound = static_cast<int64_t>(x.get<uint64_t>());
      } else {
        *bound = x.get<double>();
      }
      return;
    }
    if (x.is_number_integer()) {
      if (x.is_number_unsigned() ? x.get<uint64_t>() > INT64_MAX : x.get<int64_t>() < 0) {
        Error(path, x.is_number_unsigned() ? "is too large, got " + Describe(x)
                                           : "must not be negative, got " + Describe(x));
        return;
      }
      *bound = x.get<int64_t>();
      return;
    }
    if (x.is_number_float()) {
      double d = x.get<double>();
      if (d < 0) {
        Error(path, "must not be negative, got " + Describe(x));
      } else if (d == std::floor(d) && d < 9.2e18) {
        *bound = static_cast<int64_t>(d);
      } else if (schema_.TypeOf(schema_.timestamp_column) == ColumnType::kFloat) {
        *bound = d;  // a FLOAT timestamp column holds parts of its unit
      } else {
        Error(path, "must be a whole number (column '" + schema_.timestamp_column +
                        "' holds whole numbers of its unit) or an ISO-8601 date, got " +
                        Describe(x));
      }
      return;
    }
    Error(path,
          "expected a number in the timestamp column's unit or an ISO-8601 date "
          "(\"2024-01-31\", \"2024-01-31T12:00:00Z\"), got " +
              Describe(x));
  }

  // Funnel Rocket refused a bound with another number of digits than the dataset's
  // timestamps: the classic mistake of seconds for milliseconds. A factor of 1000 (three
  // digits or more) is refused here; a smaller difference is a legitimate bound.
  void CheckTimeScale(const json& v, const std::optional<Literal>& bound,
                      const std::optional<double>& dataset_value, const std::string& path,
                      const char* which) {
    if (!bound || !dataset_value || time_bounds_from_dates_.count(path)) return;
    auto digits = [](long double x) {
      std::string s = std::to_string(static_cast<long long>(std::fabs(std::truncl(x))));
      return static_cast<int>(s.size());
    };
    int given = digits(NumberValue(*bound));
    int dataset = digits(*dataset_value);
    if (std::abs(given - dataset) < 3) return;
    std::string unit = schema_.timestamp_unit
                           ? std::string(" (") + TimeUnitName(*schema_.timestamp_unit) + ")"
                           : "";
    Error(path, Describe(v[path.substr(path.rfind('.') + 1)]) + " has " + std::to_string(given) +
                    " digits, but the dataset's " + which + " timestamp, " +
                    WholeNumberText(*dataset_value) + ", has " + std::to_string(dataset) +
                    ": give it in the unit of column '" + schema_.timestamp_column + "'" + unit +
                    ", or as an ISO-8601 date");
  }

  void ParseQueryBlock(const json& v, const std::string& path, Query* q) {
    if (!v.is_object()) {
      Error(path, "expected an object, got " + Describe(v));
      return;
    }
    CheckKeys(v, path, {"relation", "conditions", "aggregations"});
    if (v.contains("conditions")) {
      const json& c = v["conditions"];
      std::string cpath = Join(path, "conditions");
      if (!c.is_array()) {
        Error(cpath, "expected an array of conditions, got " + Describe(c));
      } else if (!TooMany(c, kMaxConditions, cpath, "conditions")) {
        for (size_t i = 0; i < c.size(); ++i) {
          q->conditions.push_back(ParseCondition(c[i], Index(cpath, i)));
        }
      }
    }
    ParseRelationField(v, path, q);
    if (v.contains("aggregations")) {
      q->aggregations = ParseAggregations(v["aggregations"], Join(path, "aggregations"));
    }
  }

  void ParseRelationField(const json& v, const std::string& path, Query* q) {
    std::string rpath = Join(path, "relation");
    std::optional<std::string> text = GetString(v, "relation", path, false);
    if (q->conditions.empty()) {
      // Funnel Rocket refused these too ("Relation cannot be an empty string").
      if (text) Error(rpath, "relates conditions, but the query has none");
      return;
    }
    std::string relation = text ? *text : "and";
    if (relation.size() > kMaxRelationBytes && !options_.expanded) {
      Error(rpath, "at most " + std::to_string(kMaxRelationBytes) +
                       " characters are allowed, got " + std::to_string(relation.size()));
      return;
    }
    std::string trimmed = relation;
    trimmed.erase(0, trimmed.find_first_not_of(" \t\n\r"));
    trimmed.erase(trimmed.find_last_not_of(" \t\n\r") + 1);
    std::string lower = Lower(trimmed);
    if (lower.empty()) {
      Error(rpath, "must not be empty");
      return;
    }
    if (lower == "and" || lower == "or" || lower == "&&" || lower == "||") {
      std::string op = (lower == "and" || lower == "&&") ? " and " : " or ";
      relation.clear();
      for (size_t i = 0; i < q->conditions.size(); ++i) {
        relation += (i ? op : "") + ("$" + std::to_string(i));
      }
    }
    std::vector<std::optional<std::string>> names;
    for (const auto& c : q->conditions) names.push_back(c.name);
    auto parsed = ParseRelation(relation, names);
    if (!parsed.ok()) {
      Error(rpath, parsed.status().message());
      return;
    }
    q->relation = std::move(*parsed);
    q->relation_text = RelationToString(*q->relation);
  }

  Condition ParseCondition(const json& v, const std::string& path) {
    Condition c;
    if (!v.is_object()) {
      Error(path, "expected a condition object, got " + Describe(v));
      return c;
    }
    c.name = GetString(v, "name", path, false);
    if (c.name && c.name->empty()) c.name.reset();  // "" means unnamed, as in Funnel Rocket
    if (c.name) CheckConditionName(*c.name, Join(path, "name"));
    int kinds = v.contains("filter") + v.contains("filters") + v.contains("sequence");
    if (kinds != 1) {
      // Unknown keys first: a misspelt "filter" is the likely cause, and worth naming.
      CheckKeys(v, path,
                {"name", "filter", "filters", "sequence", "target", "includeZero", "maxDuration",
                 "order", "holdConstant"});
      Error(path, kinds == 0 ? "a condition needs one of 'filter', 'filters' or 'sequence'"
                             : "a condition takes only one of 'filter', 'filters' and 'sequence'");
      return c;
    }
    if (v.contains("sequence")) {
      CheckKeys(v, path, {"name", "sequence", "maxDuration", "order", "holdConstant"});
      c.kind = Condition::Kind::kSequence;
      c.sequence = ParseSequence(v, path);
      return c;
    }
    CheckKeys(v, path, {"name", "filter", "filters", "target", "includeZero"});
    c.kind = Condition::Kind::kRows;
    c.predicate_was_single = v.contains("filter");
    c.predicate = ParsePredicate(v, path);
    if (v.contains("target")) {
      c.target = ParseTarget(v["target"], Join(path, "target"));
    }
    std::optional<bool> include_zero;
    if (v.contains("includeZero")) {
      if (!v["includeZero"].is_boolean()) {
        Error(Join(path, "includeZero"),
              "expected true or false, got " + Describe(v["includeZero"]));
      } else {
        include_zero = v["includeZero"].get<bool>();
      }
    }
    c.include_zero = ResolveIncludeZero(c.target, include_zero, Join(path, "includeZero"));
    return c;
  }

  void CheckConditionName(const std::string& name, const std::string& path) {
    if (!IsValidIdentifier(name)) {
      Error(path,
            "'" + name + "' is not a valid name (a letter, then letters, digits or underscores)");
      return;
    }
    // "and" and "or" alone are relations of their own ("all conditions", "any condition").
    std::string lower = Lower(name);
    if (lower == "and" || lower == "or") {
      Error(path, "'" + name + "' is a relation operator and cannot name a condition");
      return;
    }
    // As in Funnel Rocket, names differing only in case are different names; a relation
    // that cannot tell them apart says so (see ParseRelation).
    if (!condition_names_.insert(name).second) {
      Error(path, "condition name '" + name + "' is not unique");
    }
  }

  // Funnel Rocket's includeZero rules: a count target may include groups with no matching
  // row where that is meaningful; "count == 0" must.
  bool ResolveIncludeZero(const Target& t, std::optional<bool> given, const std::string& path) {
    if (t.type != Target::Type::kCount) {
      if (given && *given) Error(path, "applies only to count targets");
      return false;
    }
    const int64_t* value = std::get_if<int64_t>(&t.value);
    if (value == nullptr) return given.value_or(false);  // the target already has an error
    std::string target = std::string("count ") + OpName(t.op) + " " + std::to_string(*value);
    if (given && *given) {
      if (t.op == Op::kGt) {
        Error(path, "cannot be true for target '" + target + "', which never matches zero");
      } else if (t.op == Op::kLt && *value == 0) {
        Error(path, "cannot be true for target '" + target + "', which matches nothing");
      } else if ((t.op == Op::kNe && *value == 0) ||
                 ((t.op == Op::kEq || t.op == Op::kGe) && *value != 0)) {
        Error(path, "cannot be true for target '" + target + "', which excludes zero");
      }
      return true;
    }
    if (t.op == Op::kEq && *value == 0) {
      if (given && !*given) {
        Error(path, "cannot be false for target 'count == 0'");
      }
      return true;
    }
    return false;
  }

  RowPredicate ParsePredicate(const json& v, const std::string& path) {
    RowPredicate p;
    if (v.contains("filter")) {
      if (auto f = ParseFilter(v["filter"], Join(path, "filter"))) p.filters.push_back(*f);
      return p;
    }
    const json& fs = v["filters"];
    std::string fpath = Join(path, "filters");
    if (!fs.is_array() || fs.empty()) {
      Error(fpath, "expected a non-empty array of filters, got " + Describe(fs));
      return p;
    }
    if (TooMany(fs, kMaxFilters, fpath, "filters")) return p;
    for (size_t i = 0; i < fs.size(); ++i) {
      if (auto f = ParseFilter(fs[i], Index(fpath, i))) p.filters.push_back(*f);
    }
    return p;
  }

  std::optional<Filter> ParseFilter(const json& v, const std::string& path) {
    json column, op, value;
    std::string column_path = Join(path, "column");
    std::string op_path = Join(path, "op");
    std::string value_path = Join(path, "value");
    if (v.is_array()) {
      if (v.size() != 3) {
        Error(path, "a filter array is [column, operator, value], got " + Describe(v));
        return std::nullopt;
      }
      column = v[0], op = v[1], value = v[2];
      column_path = Index(path, 0), op_path = Index(path, 1), value_path = Index(path, 2);
    } else if (v.is_object()) {
      CheckKeys(v, path, {"column", "op", "value"});
      bool complete = true;
      for (const char* key : {"column", "op", "value"}) {
        if (!v.contains(key)) {
          Error(Join(path, key), "is required");
          complete = false;
        }
      }
      if (!complete) return std::nullopt;
      column = v["column"], op = v["op"], value = v["value"];
    } else {
      Error(path, "expected a filter ([column, operator, value] or an object), got " + Describe(v));
      return std::nullopt;
    }
    Filter f;
    bool ok = true;
    if (!column.is_string()) {
      Error(column_path, "expected a column name, got " + Describe(column));
      ok = false;
    } else {
      f.column = column.get<std::string>();
    }
    std::optional<Op> parsed_op;
    if (!op.is_string() || !(parsed_op = ParseOp(op.get<std::string>()))) {
      Error(op_path, "unknown operator " + Describe(op) +
                         "; expected one of ==, !=, >, >=, <, <=, contains, not contains, regex");
      ok = false;
    } else {
      f.op = *parsed_op;
    }
    if (!ok) return std::nullopt;

    std::optional<ColumnType> type = schema_.TypeOf(f.column);
    if (!type) {
      Error(column_path, "no column '" + f.column + "' in the dataset" + Suggest(f.column));
      return std::nullopt;
    }
    bool op_fits =
        (*type == ColumnType::kString) ||
        (*type == ColumnType::kBool ? (f.op == Op::kEq || f.op == Op::kNe) : IsComparison(f.op));
    if (!op_fits) {
      Error(op_path, std::string("operator '") + OpName(f.op) + "' does not apply to " +
                         ColumnTypeName(*type) + " column '" + f.column + "'");
      return std::nullopt;
    }
    auto literal = ValueFor(*type, value, value_path, "column '" + f.column + "'");
    if (!literal) return std::nullopt;
    f.value = *literal;
    if (f.op == Op::kRegex) {
      RE2 re(std::get<std::string>(f.value), RE2::Quiet);
      if (!re.ok()) {
        Error(value_path, "invalid regular expression: " + re.error());
        return std::nullopt;
      }
    }
    return f;
  }

  // A literal of the type a column of `type` needs; reports an error otherwise.
  std::optional<Literal> ValueFor(ColumnType type, const json& v, const std::string& path,
                                  const std::string& what) {
    switch (type) {
      case ColumnType::kInt:
        if (v.is_number_integer() && (!v.is_number_unsigned() || v.get<uint64_t>() <= INT64_MAX)) {
          return Literal(v.get<int64_t>());
        }
        // Compared numerically, as Funnel Rocket did where it saw an INT column with NULLs
        // as FLOAT (and an integer beyond int64, which no INT value reaches, likewise).
        if (v.is_number()) return Literal(v.get<double>());
        Error(path, "expected a number for INT " + what + ", got " + Describe(v));
        return std::nullopt;
      case ColumnType::kFloat:
        if (v.is_number_integer() && (!v.is_number_unsigned() || v.get<uint64_t>() <= INT64_MAX)) {
          return Literal(v.get<int64_t>());
        }
        if (v.is_number()) return Literal(v.get<double>());
        Error(path, "expected a number for FLOAT " + what + ", got " + Describe(v));
        return std::nullopt;
      case ColumnType::kBool:
        if (v.is_boolean()) return Literal(v.get<bool>());
        Error(path, "expected true or false for BOOL " + what + ", got " + Describe(v));
        return std::nullopt;
      case ColumnType::kString:
        if (v.is_string()) return Literal(v.get<std::string>());
        Error(path, "expected a string for STRING " + what + ", got " + Describe(v));
        return std::nullopt;
    }
    return std::nullopt;
  }

  std::string Suggest(const std::string& column) const {
    std::string best;
    size_t best_distance = SIZE_MAX;
    for (const auto& [name, type] : schema_.columns) {
      size_t d = Distance(column, name);
      if (d < best_distance) best_distance = d, best = name;
    }
    if (best_distance <= 2) return " (did you mean '" + best + "'?)";
    return "";
  }

  Target ParseTarget(const json& v, const std::string& path) {
    Target t;
    json type, column, op, value;
    std::string type_path = Join(path, "type"), column_path = Join(path, "column"),
                op_path = Join(path, "op"), value_path = Join(path, "value");
    bool has_column = false;
    if (v.is_array()) {
      if (v.size() == 3) {
        type = v[0], op = v[1], value = v[2];
        type_path = Index(path, 0), op_path = Index(path, 1), value_path = Index(path, 2);
      } else if (v.size() == 4) {
        type = v[0], column = v[1], op = v[2], value = v[3];
        has_column = true;
        type_path = Index(path, 0), column_path = Index(path, 1), op_path = Index(path, 2),
        value_path = Index(path, 3);
      } else {
        Error(path,
              "a target array is [\"count\", operator, value] or [\"sum\", column, "
              "operator, value], got " +
                  Describe(v));
        return t;
      }
    } else if (v.is_object()) {
      CheckKeys(v, path, {"type", "column", "op", "value"});
      for (const char* key : {"type", "op", "value"}) {
        if (!v.contains(key)) Error(Join(path, key), "is required");
      }
      if (!v.contains("type") || !v.contains("op") || !v.contains("value")) return t;
      type = v["type"], op = v["op"], value = v["value"];
      if (v.contains("column")) column = v["column"], has_column = true;
    } else {
      Error(path, "expected a target (an array or an object), got " + Describe(v));
      return t;
    }
    if (type == "count") {
      t.type = Target::Type::kCount;
      if (has_column) Error(column_path, "a count target takes no column");
    } else if (type == "sum") {
      t.type = Target::Type::kSum;
      if (!has_column || !column.is_string()) {
        Error(column_path, "a sum target needs the numeric column to sum");
      } else {
        t.column = column.get<std::string>();
        auto ctype = schema_.TypeOf(t.column);
        if (!ctype) {
          Error(column_path, "no column '" + t.column + "' in the dataset" + Suggest(t.column));
        } else if (!IsNumeric(*ctype)) {
          Error(column_path, "a sum target needs a numeric column, but '" + t.column + "' is " +
                                 ColumnTypeName(*ctype));
        }
      }
    } else {
      Error(type_path, "unknown target type " + Describe(type) + "; expected \"count\" or \"sum\"");
      return t;
    }
    std::optional<Op> parsed_op;
    if (!op.is_string() || !(parsed_op = ParseOp(op.get<std::string>())) ||
        !IsComparison(*parsed_op)) {
      Error(op_path, "a target operator is one of ==, !=, >, >=, <, <=; got " + Describe(op));
    } else {
      t.op = *parsed_op;
    }
    if (t.type == Target::Type::kCount) {
      if (value.is_number_unsigned() && value.get<uint64_t>() > INT64_MAX) {
        Error(value_path, "is more than the largest count, " + std::to_string(INT64_MAX) +
                              ", got " + Describe(value));
        t.value = 0.0;
      } else if (value.is_number_integer() &&
                 (value.is_number_unsigned() || value.get<int64_t>() >= 0)) {
        t.value = value.get<int64_t>();
      } else {
        Error(value_path,
              "expected a non-negative integer for a count target, got " + Describe(value));
        t.value = 0.0;  // marks the value as invalid for ResolveIncludeZero
      }
    } else if (value.is_number_integer() &&
               (!value.is_number_unsigned() || value.get<uint64_t>() <= INT64_MAX)) {
      t.value = value.get<int64_t>();
    } else if (value.is_number()) {
      t.value = value.get<double>();
    } else {
      Error(value_path, "expected a number for a sum target, got " + Describe(value));
    }
    return t;
  }

  // A step's name: shown in results, so not empty, not overlong, not repeated.
  void CheckStepName(const std::string& name, const std::string& path, const Sequence& earlier) {
    if (name.empty() || name.size() > kMaxStepNameBytes || !text::IsValidUtf8(name)) {
      Error(path, "a step name is 1 to " + std::to_string(kMaxStepNameBytes) +
                      " bytes of UTF-8, got " + Describe(json(name)));
      return;
    }
    for (const SequenceStep& step : earlier.steps) {
      if (step.name == name) Error(path, "step name '" + name + "' is not unique in the sequence");
    }
  }

  // A duration (DESIGN.md §3b): a number >= 0 in the timestamp column's unit, or a string
  // "<number><unit>" with unit ms, s, m, h, d or w, converted to it. Whole for INT timestamps.
  std::optional<Literal> ParseDuration(const json& v, const std::string& path) {
    const bool float_times = schema_.TypeOf(schema_.timestamp_column) == ColumnType::kFloat;
    const std::string unit_name =
        schema_.timestamp_unit ? TimeUnitName(*schema_.timestamp_unit) : "its unit";
    auto whole_or_error = [&](long double units,
                              const std::string& given) -> std::optional<Literal> {
      if (!(units >= 0) || units > 9.2e18L) {
        Error(path, "a duration is a number >= 0 of reasonable size, got " + given);
        return std::nullopt;
      }
      if (units == std::floor(units)) return static_cast<int64_t>(units);
      if (float_times) return static_cast<double>(units);
      Error(path, given + " is not a whole number of " + unit_name + ", the unit of column '" +
                      schema_.timestamp_column + "' (which holds whole numbers)");
      return std::nullopt;
    };
    if (v.is_number()) {
      if (v.is_number_integer() && !v.is_number_unsigned() && v.get<int64_t>() < 0) {
        Error(path, "a duration must not be negative, got " + Describe(v));
        return std::nullopt;
      }
      if (v.is_number_integer()) {
        if (v.is_number_unsigned() && v.get<uint64_t>() > INT64_MAX) {
          Error(path, "is too large, got " + Describe(v));
          return std::nullopt;
        }
        return v.get<int64_t>();
      }
      return whole_or_error(v.get<double>(), Describe(v));
    }
    static const RE2 kDuration(R"(\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h|d|w)\s*)");
    std::string number, unit;
    if (!v.is_string() || !RE2::FullMatch(v.get<std::string>(), kDuration, &number, &unit)) {
      Error(path,
            "expected a duration: a number in the timestamp column's unit, or a string such as "
            "\"90s\", \"30m\", \"12h\", \"7d\" or \"2w\" (units ms, s, m, h, d, w), got " +
                Describe(v));
      return std::nullopt;
    }
    if (!schema_.timestamp_unit) {
      Error(path, "the unit of timestamp column '" + schema_.timestamp_column +
                      "' is not known, so " + Describe(v) +
                      " cannot be converted; give a number in the column's unit");
      return std::nullopt;
    }
    static const std::map<std::string, long double> kSeconds = {
        {"ms", 0.001L}, {"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}, {"w", 604800}};
    static const std::map<TimeUnit, long double> kPerSecond = {{TimeUnit::kDays, 1.0L / 86400},
                                                               {TimeUnit::kSeconds, 1},
                                                               {TimeUnit::kMillis, 1e3L},
                                                               {TimeUnit::kMicros, 1e6L},
                                                               {TimeUnit::kNanos, 1e9L}};
    // In exact steps where possible: "7d" in milliseconds is 604800000, not 604799999.99.
    long double units = std::strtold(number.c_str(), nullptr) * kSeconds.at(unit) *
                        kPerSecond.at(*schema_.timestamp_unit);
    long double rounded = std::roundl(units);
    if (std::fabs(units - rounded) < 1e-9L * std::max(1.0L, rounded)) units = rounded;
    return whole_or_error(units, Describe(v));
  }

  // The options a sequence's owner (a sequence condition or the funnel) may carry.
  void ParseSequenceOptions(const json& owner, const std::string& path, Sequence* s) {
    if (owner.contains("maxDuration")) {
      s->max_duration = ParseDuration(owner["maxDuration"], Join(path, "maxDuration"));
    }
    if (owner.contains("order")) {
      const json& order = owner["order"];
      static const std::map<std::string, SequenceOrder> kOrders = {
          {"ordered", SequenceOrder::kOrdered},
          {"strict", SequenceOrder::kStrict},
          {"any", SequenceOrder::kAny}};
      auto it = order.is_string() ? kOrders.find(order.get<std::string>()) : kOrders.end();
      if (it == kOrders.end()) {
        Error(Join(path, "order"),
              "expected \"ordered\", \"strict\" or \"any\", got " + Describe(order));
      } else {
        s->order = it->second;
      }
    }
    if (owner.contains("holdConstant")) {
      const std::string hpath = Join(path, "holdConstant");
      const json& hold = owner["holdConstant"];
      if (!hold.is_array() || hold.empty()) {
        Error(hpath, "expected a non-empty array of column names, got " + Describe(hold));
        return;
      }
      if (TooMany(hold, kMaxFilters, hpath, "columns")) return;
      for (size_t i = 0; i < hold.size(); ++i) {
        const std::string cpath = Index(hpath, i);
        if (!hold[i].is_string()) {
          Error(cpath, "expected a column name, got " + Describe(hold[i]));
          continue;
        }
        const std::string column = hold[i].get<std::string>();
        if (!schema_.TypeOf(column)) {
          Error(cpath, "no column '" + column + "' in the dataset" + Suggest(column));
        } else if (column == schema_.timestamp_column) {
          Error(cpath,
                "the timestamp column cannot be held constant: a chain's timestamps "
                "increase step by step");
        } else if (std::find(s->hold_constant.begin(), s->hold_constant.end(), column) !=
                   s->hold_constant.end()) {
          Error(cpath, "column '" + column + "' is listed twice");
        } else {
          s->hold_constant.push_back(column);
        }
      }
    }
  }

  Sequence ParseSequence(const json& owner, const std::string& path) {
    Sequence s;
    const json& steps = owner["sequence"];
    std::string spath = Join(path, "sequence");
    ParseSequenceOptions(owner, path, &s);
    if (!steps.is_array() || steps.empty()) {
      Error(spath, "expected a non-empty array of steps, got " + Describe(steps));
      return s;
    }
    if (TooMany(steps, kMaxSteps, spath, "steps")) return s;
    const bool any_order = s.order == SequenceOrder::kAny;
    for (size_t i = 0; i < steps.size(); ++i) {
      std::string step_path = Index(spath, i);
      const json& step = steps[i];
      SequenceStep st;
      if (!step.is_object()) {
        Error(step_path,
              "expected a step object with 'filter' or 'filters', got " + Describe(step));
        continue;
      }
      CheckKeys(step, step_path, {"name", "filter", "filters", "rowFound", "maxGap"});
      st.name = GetString(step, "name", step_path, false);
      if (st.name) CheckStepName(*st.name, Join(step_path, "name"), s);
      if (step.contains("filter") == step.contains("filters")) {
        Error(step_path, "a step needs exactly one of 'filter' and 'filters'");
        continue;
      }
      st.predicate = ParsePredicate(step, step_path);
      if (step.contains("rowFound")) {
        const std::string rpath = Join(step_path, "rowFound");
        const json& rf = step["rowFound"];
        if (!rf.is_boolean()) {
          Error(rpath, "expected true or false, got " + Describe(rf));
        } else if (!rf.get<bool>()) {
          st.row_found = false;
          if (i == 0) {
            Error(rpath,
                  "the first step cannot be an exclusion: an exclusion forbids rows "
                  "after the step before it");
          } else if (any_order) {
            Error(rpath, "exclusion steps need an order between steps; order \"any\" has none");
          }
        }
      }
      if (step.contains("maxGap")) {
        const std::string gpath = Join(step_path, "maxGap");
        if (!st.row_found) {
          Error(gpath,
                "an exclusion step has no gap of its own (its neighbours' gap is set on "
                "the next positive step)");
        } else if (s.PositiveSteps().empty()) {
          Error(gpath,
                "the first step has no previous step to be a gap from; use maxDuration "
                "for the whole sequence");
        } else if (any_order) {
          Error(gpath,
                "a gap is from the previous step in time; order \"any\" has none (use "
                "maxDuration)");
        } else {
          st.max_gap = ParseDuration(step["maxGap"], gpath);
        }
      }
      s.steps.push_back(std::move(st));
    }
    return s;
  }

  std::optional<std::vector<Aggregation>> ParseAggregations(const json& v,
                                                            const std::string& path) {
    const json* list = &v;
    std::string lpath = path;
    if (v.is_object()) {
      CheckKeys(v, path, {"columns"});
      if (!v.contains("columns")) {
        Error(Join(path, "columns"), "is required");
        return std::nullopt;
      }
      list = &v["columns"];
      lpath = Join(path, "columns");
    }
    if (!list->is_array()) {
      Error(lpath, "expected an array of aggregations, got " + Describe(*list));
      return std::nullopt;
    }
    if (TooMany(*list, kMaxAggregations, lpath, "aggregations")) return std::nullopt;
    std::vector<Aggregation> out;
    std::set<std::string> names;
    for (size_t i = 0; i < list->size(); ++i) {
      std::string apath = Index(lpath, i);
      const json& a = (*list)[i];
      if (!a.is_object()) {
        Error(apath, "expected an aggregation object, got " + Describe(a));
        continue;
      }
      CheckKeys(a, apath, {"column", "type", "name", "otherColumn", "top"});
      Aggregation agg;
      auto column = GetString(a, "column", apath, true);
      if (!column) continue;
      agg.column = *column;
      bool column_ok = true;
      if (!schema_.TypeOf(agg.column)) {
        Error(Join(apath, "column"),
              "no column '" + agg.column + "' in the dataset" + Suggest(agg.column));
        column_ok = false;
      }
      agg.name = GetString(a, "name", apath, false);
      if (agg.name && agg.name->empty()) agg.name.reset();  // "" means unnamed, as in Funnel Rocket
      if (agg.name) {
        if (!IsValidIdentifier(*agg.name)) {
          Error(Join(apath, "name"), "'" + *agg.name +
                                         "' is not a valid name (a letter, then letters, "
                                         "digits or underscores)");
        } else if (!names.insert(*agg.name).second) {
          Error(Join(apath, "name"),
                "aggregation name '" + *agg.name + "' is not unique in " + lpath);
        }
      }
      if (a.contains("top")) {
        const json& top = a["top"];
        if (!top.is_number_integer() || top.get<int64_t>() < 1) {
          Error(Join(apath, "top"), "expected a positive integer, got " + Describe(top));
        } else if (top.get<int64_t>() > kMaxTop) {
          Error(Join(apath, "top"),
                "at most " + std::to_string(kMaxTop) + " entries are kept, got " + Describe(top));
        } else {
          agg.top = top.get<int64_t>();
        }
      } else {
        agg.top = options_.default_top;
      }
      std::optional<std::string> type = GetString(a, "type", apath, false);
      agg.other_column = GetString(a, "otherColumn", apath, false);
      if (!type) {
        // The default set: count, countPerValue, groupsPerValue.
        if (agg.name) {
          Error(Join(apath, "name"),
                "an aggregation without a type expands to three "
                "aggregations, so it cannot take a name");
        }
        if (agg.other_column) {
          Error(Join(apath, "otherColumn"), "applies only to sumPerValue and meanPerValue");
        }
        if (a.contains("top") && !column_ok) continue;
        for (AggregationType t : {AggregationType::kCount, AggregationType::kCountPerValue,
                                  AggregationType::kGroupsPerValue}) {
          Aggregation e = agg;
          e.type = t;
          out.push_back(e);
        }
        continue;
      }
      static const std::map<std::string, AggregationType> kTypes = {
          {"count", AggregationType::kCount},
          {"countPerValue", AggregationType::kCountPerValue},
          {"groupsPerValue", AggregationType::kGroupsPerValue},
          {"sumPerValue", AggregationType::kSumPerValue},
          {"meanPerValue", AggregationType::kMeanPerValue}};
      auto it = kTypes.find(*type);
      if (it == kTypes.end()) {
        Error(Join(apath, "type"), "unknown aggregation type '" + *type +
                                       "'; expected one of count, countPerValue, "
                                       "groupsPerValue, sumPerValue, meanPerValue");
        continue;
      }
      agg.type = it->second;
      bool needs_other =
          agg.type == AggregationType::kSumPerValue || agg.type == AggregationType::kMeanPerValue;
      if (needs_other && !agg.other_column) {
        Error(Join(apath, "otherColumn"),
              "is required for " + *type + " (the numeric column to sum or average)");
      } else if (!needs_other && agg.other_column) {
        Error(Join(apath, "otherColumn"), "applies only to sumPerValue and meanPerValue");
      } else if (needs_other) {
        auto otype = schema_.TypeOf(*agg.other_column);
        if (!otype) {
          Error(Join(apath, "otherColumn"), "no column '" + *agg.other_column + "' in the dataset" +
                                                Suggest(*agg.other_column));
        } else if (!IsNumeric(*otype)) {
          Error(Join(apath, "otherColumn"), "must be a numeric column, but '" + *agg.other_column +
                                                "' is " + ColumnTypeName(*otype));
        }
      }
      if (agg.type == AggregationType::kCount && a.contains("top")) {
        Error(Join(apath, "top"), "applies only to per-value aggregations");
      }
      out.push_back(agg);
    }
    // An aggregation without a type is three: the limit holds for what runs.
    if (out.size() > kMaxAggregations) {
      Error(lpath, "at most " + std::to_string(kMaxAggregations) +
                       " aggregations are allowed, got " + std::to_string(out.size()) +
                       " (an aggregation without a type counts as three)");
      return std::nullopt;
    }
    // Funnel Rocket treats an empty list as no aggregations (and leaves them out of the answer).
    if (out.empty()) return std::nullopt;
    return out;
  }

  std::optional<GroupsOutput> ParseGroups(const json& v, const std::string& path,
                                          const std::optional<Funnel>& funnel) {
    if (!v.is_object()) {
      Error(path, "expected an object such as {\"of\": \"query\"}, got " + Describe(v));
      return std::nullopt;
    }
    GroupsOutput g;
    const json& of = v.contains("of") ? v["of"] : json();
    if (of == "query") {
      g.of = GroupsOutput::Of::kQuery;
      CheckKeys(v, path, {"of", "limit"});
    } else if (of == "step" || of == "dropOff") {
      g.of = of == "step" ? GroupsOutput::Of::kStep : GroupsOutput::Of::kDropOff;
      CheckKeys(v, path, {"of", "step", "limit"});
      const size_t positive = funnel ? funnel->sequence.PositiveSteps().size() : 0;
      // Dropping off after the last step is not possible: there is no step after it.
      const size_t steps = g.of == GroupsOutput::Of::kStep ? positive : positive - 1;
      const json& step = v.contains("step") ? v["step"] : json();
      if (!funnel) {
        Error(Join(path, "of"), "groups of a funnel step need a funnel");
      } else if (!step.is_number_integer() ||
                 (!step.is_number_unsigned() && step.get<int64_t>() < 0) ||
                 step.get<uint64_t>() >= steps) {
        Error(Join(path, "step"),
              steps == 0 ? "the funnel has no step that groups can drop off after (only one)"
                         : "expected a step index from 0 to " + std::to_string(steps - 1) +
                               " (positive steps, counted from 0" +
                               (g.of == GroupsOutput::Of::kDropOff ? ", the last excluded" : "") +
                               "), got " + Describe(step));
      } else {
        g.step = step.get<int64_t>();
      }
    } else {
      Error(Join(path, "of"), "expected \"query\", \"step\" or \"dropOff\", got " + Describe(of));
      return std::nullopt;
    }
    if (v.contains("limit")) {
      const json& limit = v["limit"];
      if (limit == "all") {
        g.limit = GroupsOutput::kAll;
      } else if (limit.is_number_integer() &&
                 (limit.is_number_unsigned()
                      ? limit.get<uint64_t>() <= kMaxGroupsLimit
                      : limit.get<int64_t>() >= 0 && limit.get<int64_t>() <= kMaxGroupsLimit)) {
        g.limit = limit.get<int64_t>();
      } else {
        Error(Join(path, "limit"), "expected an integer from 0 to " +
                                       std::to_string(kMaxGroupsLimit) + ", or \"all\", got " +
                                       Describe(limit));
      }
    }
    return g;
  }

  std::optional<Breakdown> ParseBreakdown(const json& v, const std::string& path, const Funnel& f) {
    if (!v.is_object()) {
      Error(path, "expected an object with 'column' and optionally 'attribution' and 'top', got " +
                      Describe(v));
      return std::nullopt;
    }
    CheckKeys(v, path, {"column", "attribution", "top"});
    Breakdown b;
    b.top = options_.default_top;
    auto column = GetString(v, "column", path, true);
    if (!column) return std::nullopt;
    b.column = *column;
    if (!schema_.TypeOf(b.column)) {
      Error(Join(path, "column"),
            "no column '" + b.column + "' in the dataset" + Suggest(b.column));
    }
    if (f.sequence.order == SequenceOrder::kAny) {
      Error(path,
            "a breakdown takes its value from a step's row of the chain; order \"any\" has "
            "no chain");
    }
    if (v.contains("attribution")) {
      const std::string apath = Join(path, "attribution");
      const json& a = v["attribution"];
      const size_t positive = f.sequence.PositiveSteps().size();
      if (a == "firstStep") {
        b.attribution = Breakdown::Attribution::kFirstStep;
      } else if (a == "lastStep") {
        b.attribution = Breakdown::Attribution::kLastStep;
      } else if (a.is_number_integer() &&
                 (a.is_number_unsigned()
                      ? a.get<uint64_t>() < positive
                      : a.get<int64_t>() >= 0 &&
                            static_cast<uint64_t>(a.get<int64_t>()) < positive)) {
        b.attribution = Breakdown::Attribution::kStep;
        b.step = a.get<int64_t>();
      } else {
        Error(apath, "expected \"firstStep\", \"lastStep\" or a step index from 0 to " +
                         std::to_string(positive == 0 ? 0 : positive - 1) +
                         " (positive steps, counted from 0), got " + Describe(a));
      }
    }
    if (v.contains("top")) {
      const json& top = v["top"];
      const bool in_range =
          top.is_number_unsigned()
              ? top.get<uint64_t>() >= 1 && top.get<uint64_t>() <= static_cast<uint64_t>(kMaxTop)
              : top.is_number_integer() && top.get<int64_t>() >= 1 && top.get<int64_t>() <= kMaxTop;
      if (!in_range) {
        Error(Join(path, "top"), "expected an integer from 1 to " + std::to_string(kMaxTop) +
                                     ", got " + Describe(top));
      } else {
        b.top = top.get<int64_t>();
      }
    }
    return b;
  }

  std::optional<Funnel> ParseFunnel(const json& v, const std::string& path) {
    if (!v.is_object()) {
      Error(path, "expected an object, got " + Describe(v));
      return std::nullopt;
    }
    CheckKeys(v, path,
              {"sequence", "maxDuration", "order", "holdConstant", "timeToConvert", "breakdown",
               "stepAggregations", "endAggregations"});
    Funnel f;
    if (!v.contains("sequence")) {
      Error(Join(path, "sequence"), "is required");
      return std::nullopt;
    }
    f.sequence = ParseSequence(v, path);
    if (v.contains("timeToConvert")) {
      const std::string tpath = Join(path, "timeToConvert");
      const json& t = v["timeToConvert"];
      if (!t.is_boolean()) {
        Error(tpath, "expected true or false, got " + Describe(t));
      } else if (t.get<bool>() && f.sequence.order == SequenceOrder::kAny) {
        Error(tpath,
              "time to convert is from the previous step in time; order \"any\" has no "
              "previous step");
      } else {
        f.time_to_convert = t.get<bool>();
      }
    }
    if (v.contains("breakdown"))
      f.breakdown = ParseBreakdown(v["breakdown"], Join(path, "breakdown"), f);
    if (v.contains("stepAggregations")) {
      f.step_aggregations =
          ParseAggregations(v["stepAggregations"], Join(path, "stepAggregations"));
    }
    if (v.contains("endAggregations")) {
      f.end_aggregations = ParseAggregations(v["endAggregations"], Join(path, "endAggregations"));
    }
    return f;
  }

  const DatasetSchema& schema_;
  const ParseOptions& options_;
  std::vector<QueryError> errors_;
  std::set<std::string> condition_names_;
  std::set<std::string> time_bounds_from_dates_;
};

json LiteralJson(const Literal& v) {
  return std::visit([](const auto& x) { return json(x); }, v);
}

nlohmann::ordered_json FilterJson(const Filter& f) {
  nlohmann::ordered_json j;
  j["column"] = f.column;
  j["op"] = OpName(f.op);
  j["value"] = LiteralJson(f.value);
  return j;
}

void PutPredicate(nlohmann::ordered_json& j, const RowPredicate& p, bool single) {
  if (single && p.filters.size() == 1) {
    j["filter"] = FilterJson(p.filters[0]);
  } else {
    j["filters"] = nlohmann::ordered_json::array();
    for (const auto& f : p.filters) j["filters"].push_back(FilterJson(f));
  }
}

nlohmann::ordered_json SequenceJson(const Sequence& s) {
  nlohmann::ordered_json steps = nlohmann::ordered_json::array();
  for (const auto& step : s.steps) {
    nlohmann::ordered_json j;
    if (step.name) j["name"] = *step.name;
    PutPredicate(j, step.predicate, step.predicate.filters.size() == 1);
    if (!step.row_found) j["rowFound"] = false;
    if (step.max_gap) j["maxGap"] = LiteralJson(*step.max_gap);
    steps.push_back(std::move(j));
  }
  return steps;
}

// A sequence's steps and the options beside them, into its owner's JSON. Options at their
// defaults are left out, so a Funnel Rocket query expands as it always did.
void PutSequence(nlohmann::ordered_json& owner, const Sequence& s) {
  owner["sequence"] = SequenceJson(s);
  if (s.max_duration) owner["maxDuration"] = LiteralJson(*s.max_duration);
  if (s.order != SequenceOrder::kOrdered) owner["order"] = SequenceOrderName(s.order);
  if (!s.hold_constant.empty()) owner["holdConstant"] = s.hold_constant;
}

nlohmann::ordered_json AggregationsJson(const std::vector<Aggregation>& list) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& a : list) {
    nlohmann::ordered_json j;
    j["column"] = a.column;
    j["type"] = AggregationTypeName(a.type);
    if (a.other_column) j["otherColumn"] = *a.other_column;
    if (a.name) j["name"] = *a.name;
    if (IsPerValue(a.type)) j["top"] = a.top;
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace

const char* OpName(Op op) {
  switch (op) {
    case Op::kEq:
      return "==";
    case Op::kNe:
      return "!=";
    case Op::kGt:
      return ">";
    case Op::kGe:
      return ">=";
    case Op::kLt:
      return "<";
    case Op::kLe:
      return "<=";
    case Op::kContains:
      return "contains";
    case Op::kNotContains:
      return "not contains";
    case Op::kRegex:
      return "regex";
  }
  return "?";
}

const char* SequenceOrderName(SequenceOrder order) {
  switch (order) {
    case SequenceOrder::kOrdered:
      return "ordered";
    case SequenceOrder::kStrict:
      return "strict";
    case SequenceOrder::kAny:
      return "any";
  }
  return "?";
}

std::vector<const SequenceStep*> Sequence::PositiveSteps() const {
  std::vector<const SequenceStep*> out;
  for (const SequenceStep& step : steps) {
    if (step.row_found) out.push_back(&step);
  }
  return out;
}

bool Sequence::HasConstraints() const {
  if (max_duration || order != SequenceOrder::kOrdered || !hold_constant.empty()) return true;
  return std::any_of(steps.begin(), steps.end(),
                     [](const SequenceStep& step) { return !step.row_found || step.max_gap; });
}

const char* AggregationTypeName(AggregationType t) {
  switch (t) {
    case AggregationType::kCount:
      return "count";
    case AggregationType::kCountPerValue:
      return "countPerValue";
    case AggregationType::kGroupsPerValue:
      return "groupsPerValue";
    case AggregationType::kSumPerValue:
      return "sumPerValue";
    case AggregationType::kMeanPerValue:
      return "meanPerValue";
  }
  return "?";
}

std::vector<std::string> Query::UsedColumns() const {
  std::set<std::string> used;
  auto add_predicate = [&](const RowPredicate& p) {
    for (const auto& f : p.filters) used.insert(f.column);
  };
  auto add_aggregations = [&](const std::optional<std::vector<Aggregation>>& list) {
    if (!list) return;
    for (const auto& a : *list) {
      used.insert(a.column);
      if (a.other_column) used.insert(*a.other_column);
    }
  };
  for (const auto& c : conditions) {
    add_predicate(c.predicate);
    if (c.target.type == Target::Type::kSum) used.insert(c.target.column);
    for (const auto& s : c.sequence.steps) add_predicate(s.predicate);
    used.insert(c.sequence.hold_constant.begin(), c.sequence.hold_constant.end());
  }
  add_aggregations(aggregations);
  if (funnel) {
    for (const auto& s : funnel->sequence.steps) add_predicate(s.predicate);
    used.insert(funnel->sequence.hold_constant.begin(), funnel->sequence.hold_constant.end());
    if (funnel->breakdown) used.insert(funnel->breakdown->column);
    add_aggregations(funnel->step_aggregations);
    add_aggregations(funnel->end_aggregations);
  }
  return {used.begin(), used.end()};
}

bool Query::UsesTime() const {
  if (timeframe || funnel) return true;
  return std::any_of(conditions.begin(), conditions.end(),
                     [](const Condition& c) { return c.kind == Condition::Kind::kSequence; });
}

Result<Query> ParseQuery(const nlohmann::json& json, const DatasetSchema& schema,
                         const ParseOptions& options, std::vector<QueryError>* errors) {
  Parser parser(schema, options);
  Query q = parser.Parse(json);
  if (errors != nullptr) *errors = parser.errors();
  if (parser.errors().empty()) return q;
  std::string message;
  for (const auto& e : parser.errors()) {
    if (!message.empty()) message += "; ";
    message += (e.path.empty() ? "query" : e.path) + ": " + e.message;
  }
  return Status::Invalid(message);
}

Result<Query> ParseQueryText(std::string_view text, const DatasetSchema& schema,
                             const ParseOptions& options, std::vector<QueryError>* errors) {
  auto parsed = ParseJson(text);
  if (!parsed.ok()) return Status::Invalid("malformed JSON: " + parsed.status().message());
  return ParseQuery(*parsed, schema, options, errors);
}

nlohmann::ordered_json AttributionJson(const Breakdown& b) {
  switch (b.attribution) {
    case Breakdown::Attribution::kFirstStep:
      return "firstStep";
    case Breakdown::Attribution::kLastStep:
      return "lastStep";
    case Breakdown::Attribution::kStep:
      break;
  }
  return b.step;
}

void PutGroupsOf(nlohmann::ordered_json& j, const GroupsOutput& g) {
  switch (g.of) {
    case GroupsOutput::Of::kQuery:
      j["of"] = "query";
      return;
    case GroupsOutput::Of::kStep:
      j["of"] = "step";
      break;
    case GroupsOutput::Of::kDropOff:
      j["of"] = "dropOff";
      break;
  }
  j["step"] = g.step;
}

nlohmann::ordered_json ToExpandedJson(const Query& q) {
  nlohmann::ordered_json root = nlohmann::ordered_json::object();
  if (q.timeframe) {
    nlohmann::ordered_json t = nlohmann::ordered_json::object();
    if (q.timeframe->from) t["from"] = LiteralJson(*q.timeframe->from);
    if (q.timeframe->to) t["to"] = LiteralJson(*q.timeframe->to);
    root["timeframe"] = t;
  }
  if (!q.conditions.empty() || q.aggregations) {
    nlohmann::ordered_json query = nlohmann::ordered_json::object();
    if (!q.conditions.empty()) {
      query["relation"] = q.relation_text;
      nlohmann::ordered_json conditions = nlohmann::ordered_json::array();
      for (const auto& c : q.conditions) {
        nlohmann::ordered_json j;
        if (c.name) j["name"] = *c.name;
        if (c.kind == Condition::Kind::kSequence) {
          PutSequence(j, c.sequence);
        } else {
          PutPredicate(j, c.predicate, c.predicate_was_single);
          nlohmann::ordered_json t;
          t["type"] = c.target.type == Target::Type::kCount ? "count" : "sum";
          if (c.target.type == Target::Type::kSum) t["column"] = c.target.column;
          t["op"] = OpName(c.target.op);
          t["value"] = LiteralJson(c.target.value);
          j["target"] = t;
          j["includeZero"] = c.include_zero;
        }
        conditions.push_back(std::move(j));
      }
      query["conditions"] = conditions;
    }
    if (q.aggregations) query["aggregations"] = AggregationsJson(*q.aggregations);
    root["query"] = query;
  }
  if (q.funnel) {
    nlohmann::ordered_json f;
    PutSequence(f, q.funnel->sequence);
    if (q.funnel->time_to_convert) f["timeToConvert"] = true;
    if (const auto& b = q.funnel->breakdown) {
      nlohmann::ordered_json bj;
      bj["column"] = b->column;
      bj["attribution"] = AttributionJson(*b);
      bj["top"] = b->top;
      f["breakdown"] = bj;
    }
    if (q.funnel->step_aggregations) {
      f["stepAggregations"] = AggregationsJson(*q.funnel->step_aggregations);
    }
    if (q.funnel->end_aggregations) {
      f["endAggregations"] = AggregationsJson(*q.funnel->end_aggregations);
    }
    root["funnel"] = f;
  }
  if (q.groups) {
    nlohmann::ordered_json g;
    PutGroupsOf(g, *q.groups);
    g["limit"] = q.groups->limit == GroupsOutput::kAll ? nlohmann::ordered_json("all")
                                                       : nlohmann::ordered_json(q.groups->limit);
    root["groups"] = g;
  }
  return root;
}

}  // namespace frocket::query
