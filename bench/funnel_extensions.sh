#!/usr/bin/env bash
# The funnel extensions (DESIGN.md §3b) on the 20,000,000-row generated dataset in 20 parts,
# warm: the 3-step funnel plain, with a one-day window, with an exclusion, in strict order,
# broken down by country, with times to convert, and the ids of all its buyers — each beside
# the plain funnel and beside DuckDB's SQL for the same answer over an in-memory table.
# Usage: bench/funnel_extensions.sh [REPETITIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
reps="${1:-5}"
. bench/dataset_20m.sh
node bench/duckdb/funnel_extensions.mjs "$frocket" bench20 "$data" "$reps"

# The buyers' ids written to a file by a new process (the parts loaded first), and by DuckDB
# from the Parquet files.
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
query='{"funnel": {"sequence": [{"filter": ["event_type", "==", "pageview"]}, {"filter": ["event_type", "==", "addtocart"]}, {"filter": ["event_type", "==", "purchase"]}]}, "groups": {"of": "step", "step": 2}}'
/usr/bin/time -f "frocket run --groups-out buyers.csv, new process: %e s wall" \
  "$frocket" run bench20 --string "$query" --groups-out "$out/buyers.csv" --nopretty >/dev/null
echo "frocket buyers: $(($(wc -l < "$out/buyers.csv") - 1)) ids"
