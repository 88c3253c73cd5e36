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

# The floor of reading the random-order files, which no engine escapes: their group ids and
# timestamps are PLAIN and SNAPPY-compressed, and every byte must be decompressed. Snappy alone
# on the pages of the columns the random-order queries read, summed over the 20 parts, one
# thread, frocket's decoder and Debian's libsnappy (min of 10 each).
cmake --build build/release --target snappy_decompress_bench >/dev/null
for columns in "user_id" "user_id ts event_type"; do
  for f in bench/data/duckdb_random/part-*.parquet; do
    build/release/bench/snappy_decompress_bench "$f" 10 floor $columns
  done | node -e '
    let sum = {};
    require("fs").readFileSync(0, "utf8").trim().split("\n").forEach(line => {
      const r = JSON.parse(line);
      sum[r.engine] = (sum[r.engine] || 0) + r.min_s;
    });
    const ms = s => (1000 * s).toFixed(1) + " ms";
    console.log(`decompression alone, duckdb_random, ${process.argv[1]}: frocket ${ms(sum.frocket)}, ` +
                `libsnappy ${ms(sum.libsnappy)} of one core for the 20 parts`);' "$columns"
done
