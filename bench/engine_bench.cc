// Engine benchmark: queries over one in-memory part of the user-activity file written by
// DuckDB (1,000,000 rows, 40,000 users, rows in timestamp order, users interleaved), one
// thread. The part is loaded once; only query execution is timed (the warm path of a worker
// with the part in its memory cache). bench/duckdb/engine.mjs runs the same queries in DuckDB
// over the same rows held in an in-memory table.
// Usage: engine_bench FILE [REPETITIONS] [QUERY...] — QUERY: a JSON query to time instead of
// the built-in ones (named by position).
// Prints one JSON line per query: {"engine":"frocket","query",...,"min_s","median_s","rows"}.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "bench_timer.h"
#include "engine/part_executor.h"
#include "query/query_parser.h"
#include "storage/local_file_source.h"
#include "table/part_loader.h"

using namespace frocket;

namespace {

struct BenchQuery {
  const char* name;
  const char* json;
};

// Keep in sync with bench/duckdb/engine.mjs, which holds the equivalent SQL.
const BenchQuery kQueries[] = {
    {"funnel_3_steps",
     R"json({"funnel": {"sequence": [
           {"filter": ["event_type", "==", "pageview"]},
           {"filter": ["event_type", "==", "addtocart"]},
           {"filter": ["event_type", "==", "purchase"]}]}})json"},
    {"conditions_3_with_aggregations",
     R"json({"query": {
           "conditions": [
             {"filter": ["event_type", "==", "purchase"], "target": ["count", ">=", 2]},
             {"filters": [{"column": "event_type", "op": "==", "value": "addtocart"},
                          {"column": "price", "op": ">", "value": 500}]},
             {"filter": ["country", "==", "US"]}],
           "relation": "$0 and ($1 or $2)",
           "aggregations": [
             {"column": "event_type", "type": "countPerValue"},
             {"column": "country", "type": "groupsPerValue"},
             {"column": "browser", "type": "sumPerValue", "otherColumn": "price"}]}})json"},
};

// The response as a flat list — group and row counts, then each aggregation's entries as
// key, value — which bench/duckdb/engine.mjs produces the same way from SQL.
void Flatten(const nlohmann::ordered_json& step, std::vector<std::string>* out) {
  out->push_back(step["matchingGroups"].dump());
  out->push_back(step["matchingGroupRows"].dump());
  if (step["aggregations"].is_null()) return;
  for (const auto& a : step["aggregations"]) {
    for (auto it = a["value"].begin(); it != a["value"].end(); ++it) {
      out->push_back(it.key());
      out->push_back(it.value().dump());
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: engine_bench FILE [REPETITIONS] [QUERY...]\n";
    return 2;
  }
  const int reps = argc > 2 ? std::stoi(argv[2]) : 20;
  auto source = LocalFileSource::Open(argv[1]);
  if (!source.ok()) return std::cerr << source.status().message() << "\n", 1;
  auto file = parquet::ParquetFile::Open(std::shared_ptr<ByteSource>(std::move(*source)));
  if (!file.ok()) return std::cerr << file.status().message() << "\n", 1;
  query::DatasetSchema schema;
  schema.group_id_column = "user_id";
  schema.timestamp_column = "ts";
  for (const auto& c : (*file)->schema().columns()) {
    if (auto t = table::QueryTypeOf(c)) schema.columns[c.name] = *t;
  }
  auto part = table::LoadPart(
      **file, {"user_id", "ts", "event_type", "country", "browser", "price"}, "user_id", "ts");
  if (!part.ok()) return std::cerr << part.status().message() << "\n", 1;
  const int64_t rows = (*part)->num_rows();

  std::vector<std::string> names;
  std::vector<BenchQuery> queries(std::begin(kQueries), std::end(kQueries));
  if (argc > 3) {
    queries.clear();
    for (int a = 3; a < argc; ++a) names.push_back("query_" + std::to_string(a - 2));
    for (int a = 3; a < argc; ++a) queries.push_back({names[a - 3].c_str(), argv[a]});
  }
  for (const BenchQuery& bq : queries) {
    auto q = query::ParseQueryText(bq.json, schema);
    if (!q.ok()) return std::cerr << bq.name << ": " << q.status().message() << "\n", 1;
    nlohmann::ordered_json response;
    auto run = [&] {
      auto r = engine::ExecuteQuery(**part, *q);
      if (!r.ok()) throw std::runtime_error(r.status().message());
      response = engine::ResponseJson(*r);
    };
    run();  // first run computes what the part caches (value codes, rows by group)
    bench::Timing t = bench::Repeat(reps, run);
    std::vector<std::string> flat;
    if (response["funnel"].is_null()) {
      Flatten(response["query"], &flat);
    } else {
      for (const auto& step : response["funnel"]["sequence"]) Flatten(step, &flat);
    }
    std::printf(
        "{\"engine\":\"frocket\",\"query\":\"%s\",\"min_s\":%.6f,\"median_s\":%.6f,"
        "\"rows\":%lld,\"result\":%s}\n",
        bq.name, t.min_s, t.median_s, static_cast<long long>(rows),
        nlohmann::json(flat).dump().c_str());
  }
  return 0;
}
