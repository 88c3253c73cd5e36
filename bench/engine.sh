#!/usr/bin/env bash
# Engine benchmark: frocket's executor over one in-memory part of 1,000,000 rows (40,000
# users, rows in timestamp order, users interleaved) beside DuckDB running the same queries
# as SQL over the same rows in an in-memory table; one thread each. Also measures group
# ordinals by hash against by sort.
# Usage: bench/engine.sh [REPETITIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
reps="${1:-30}"
scripts/install-deps bench
[ -d node_modules/@duckdb/node-api ] || npm install --no-audit --no-fund --silent
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFROCKET_BENCH=ON >/dev/null
cmake --build build/release --target engine_bench group_ordinals_bench >/dev/null
mkdir -p bench/data
file=bench/data/activity_1m_snappy.parquet
[ -f "$file" ] || node bench/duckdb/make_activity_file.mjs "$file" 1000000 snappy
results=$(mktemp)
build/release/bench/engine_bench "$file" "$reps" >>"$results"
node bench/duckdb/engine.mjs "$file" "$((reps / 3 + 1))" >>"$results"
node bench/compare.mjs <"$results"
rm -f "$results"
build/release/bench/group_ordinals_bench "$file" "$reps"
