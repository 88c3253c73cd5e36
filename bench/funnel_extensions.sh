#!/usr/bin/env bash
# The funnel extensions (DESIGN.md §3b) on the 20,000,000-row generated dataset in 20 parts,
# warm: the 3-step funnel plain, with a one-day window, with an exclusion, in strict order,
# broken down by country, with times to convert, and the ids of all its buyers — each beside
# the plain funnel and beside DuckDB's SQL for the same answer over an in-memory table. Then
# the buyers exported to CSV through the API of a warm server (`frocket serve`), beside the
# plain funnel through the same API.
# Usage: bench/funnel_extensions.sh [REPETITIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
reps="${1:-5}"
. bench/dataset_20m.sh
node bench/duckdb/funnel_extensions.mjs "$frocket" bench20 "$data" "$reps"

# The buyers' ids written to a file by a new process (the parts loaded first), and by DuckDB
# from the Parquet files.
out=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$out"
}
trap cleanup EXIT
query='{"funnel": {"sequence": [{"filter": ["event_type", "==", "pageview"]}, {"filter": ["event_type", "==", "addtocart"]}, {"filter": ["event_type", "==", "purchase"]}]}, "groups": {"of": "step", "step": 2}}'
/usr/bin/time -f "frocket run --groups-out buyers.csv, new process: %e s wall" \
  "$frocket" run bench20 --string "$query" --groups-out "$out/buyers.csv" --nopretty >/dev/null
echo "frocket buyers: $(($(wc -l < "$out/buyers.csv") - 1)) ids"

# The export through the API, warm: `reps` + 1 requests each (the first, which loads the parts,
# left out), timed by curl; the CSV compared with the file of --groups-out.
port=5391
FROCKET_ALLOWED_BASEPATHS="$(pwd)/$data" FROCKET_LOG_LEVEL=warning \
  "$frocket" serve --port "$port" --host 127.0.0.1 &
server_pid=$!
for _ in $(seq 100); do curl -sf "localhost:$port/datasets" >/dev/null && break; sleep 0.1; done
curl -sf "localhost:$port/datasets" >/dev/null || { echo "frocket serve did not start" >&2; exit 1; }
plain='{"funnel": {"sequence": [{"filter": ["event_type", "==", "pageview"]}, {"filter": ["event_type", "==", "addtocart"]}, {"filter": ["event_type", "==", "purchase"]}]}}'
timed() {  # path, body, output file: the warm requests' seconds into $out/times
  : >"$out/times"
  for _ in $(seq 0 "$reps"); do
    curl -sf -o "$3" -w '%{time_total}\n' -X POST "localhost:$port$1" \
      -H 'Content-Type: application/json' -d "$2" >>"$out/times"
  done
}
stats() {  # min and median of the warm times
  tail -n "$reps" "$out/times" | sort -n |
    awk '{t[NR] = $1} END {printf "%.4f %.4f", t[1], t[int((NR + 1) / 2)]}'
}
timed /datasets/bench20/query "$plain" "$out/plain.json"
read -r plain_min plain_median <<<"$(stats)"
timed '/datasets/bench20/groups?format=csv' "$query" "$out/api.csv"
read -r csv_min csv_median <<<"$(stats)"
cmp -s "$out/api.csv" "$out/buyers.csv" && same=yes || same=no
echo "API, warm: plain funnel $plain_min / $plain_median s; buyers to CSV $csv_min / $csv_median s" \
  "(min / median of $reps), $(awk -v a="$csv_min" -v b="$plain_min" 'BEGIN {printf "%.2f", a / b}')x" \
  "the plain funnel (min);" \
  "same file as --groups-out: $same"
