#!/usr/bin/env bash
# Decode benchmark: frocket's Parquet reader beside DuckDB (one thread each) on the same
# 1,000,000-row user-activity file written by DuckDB, in three codecs. Prints a table of
# min / median seconds and the ratio DuckDB time / frocket time (above 1: frocket faster).
# Usage: bench/parquet_decode.sh [REPETITIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
reps="${1:-15}"
scripts/install-deps bench
[ -d node_modules/@duckdb/node-api ] || npm install --no-audit --no-fund --silent
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFROCKET_BENCH=ON >/dev/null
cmake --build build/release --target parquet_decode_bench >/dev/null
mkdir -p bench/data
results=$(mktemp)
for codec in snappy zstd uncompressed; do
  file="bench/data/activity_1m_$codec.parquet"
  [ -f "$file" ] || node bench/duckdb/make_activity_file.mjs "$file" 1000000 "$codec"
  build/release/bench/parquet_decode_bench "$file" "$reps" | sed "s/^{/{\"codec\":\"$codec\",/" >>"$results"
  node bench/duckdb/decode.mjs "$file" "$reps" | sed "s/^{/{\"codec\":\"$codec\",/" >>"$results"
done
node bench/compare.mjs <"$results"
rm -f "$results"
