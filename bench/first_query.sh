#!/usr/bin/env bash
# The first-query suite (issue: the first query, cold and warm): eight queries of the kinds in
# Funnel Rocket's example guide over three 20,000,000-row, 20-part datasets — written by
# DuckDB with its defaults, rows in time order (what users' files look like); the same in
# random order; and frocket's generated files — each:
#   frocket cold - a new `frocket run` process, files in the OS page cache;
#   frocket warm - the same query again in one process (`--repeat`);
# beside DuckDB and ClickHouse (chDB), over the Parquet files and over an in-memory table,
# with every answer checked equal. Prints one table (kept in bench/README.md) and the worst
# ratio; exits non-zero if any answer differs.
# Usage: bench/first_query.sh [REPETITIONS [DATASET...]]   (datasets: duckdb_time duckdb_random
# bench20, the default all three; about 25 minutes a dataset at 5 repetitions)
set -euo pipefail
cd "$(dirname "$0")/.."
reps="${1:-5}"
. bench/dataset_20m.sh
[ -d bench/node_modules/chdb ] || npm install --prefix bench --no-audit --no-fund --silent
node bench/first_query/make_datasets.mjs "$data" bench/data
for name in duckdb_time duckdb_random; do
  "$frocket" register "$name" "bench/data/$name" user_id ts --nopretty >/dev/null
done
shift || true
specs=()
for name in "${@:-duckdb_time duckdb_random bench20}"; do
  for n in $name; do
    if [ "$n" = bench20 ]; then specs+=("bench20:$data"); else specs+=("$n:bench/data/$n"); fi
  done
done
node bench/first_query/suite.mjs "$frocket" "$reps" "${specs[@]}"
