#!/usr/bin/env bash
# Decode benchmark: frocket's Parquet reader beside DuckDB (one thread each) on the same
# 1,000,000-row user-activity file written by DuckDB, in three codecs. Prints a table of
# min / median seconds and the ratio DuckDB time / frocket time (above 1: frocket faster).
# Then snappy decompression alone on the same SNAPPY pages: frocket's decoder beside Debian's
# libsnappy (ratio libsnappy time / frocket time).
# Usage: bench/parquet_decode.sh [REPETITIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
reps="${1:-15}"
scripts/install-deps bench
[ -d node_modules/@duckdb/node-api ] || npm install --no-audit --no-fund --silent
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFROCKET_BENCH=ON >/dev/null
cmake --build build/release --target parquet_decode_bench snappy_decompress_bench >/dev/null
mkdir -p bench/data
results=$(mktemp)
for codec in snappy zstd uncompressed; do
  file="bench/data/activity_1m_$codec.parquet"
  [ -f "$file" ] || node bench/duckdb/make_activity_file.mjs "$file" 1000000 "$codec"
  build/release/bench/parquet_decode_bench "$file" "$reps" | sed "s/^{/{\"codec\":\"$codec\",/" >>"$results"
  node bench/duckdb/decode.mjs "$file" "$reps" | sed "s/^{/{\"codec\":\"$codec\",/" >>"$results"
done
snappy_file=bench/data/activity_1m_snappy.parquet
for query in "funnel_columns user_id ts event_type" all_columns; do
  build/release/bench/snappy_decompress_bench "$snappy_file" "$reps" $query |
    sed 's/^{/{"codec":"snappy pages alone",/' >>"$results"
done
node bench/compare.mjs <"$results"
rm -f "$results"
