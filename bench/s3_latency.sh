#!/usr/bin/env bash
# Query latency over S3 on loopback: the 3-step funnel on a 20,000,000-row dataset in 20 parts
# (bench/embedded_funnel.sh's), stored in an s3rver, read by the embedded mode on all cores:
#   first     - a new process, disk cache emptied: every byte the query needs is fetched;
#   disk hit  - a new process, disk cache kept from the run before: nothing is fetched;
#   memory    - the query again in the same process (`--repeat`): parts already decoded;
# beside the same files on local disk (frocket, and DuckDB's SQL over them: DuckDB's S3
# extension, httpfs, cannot be downloaded on this machine). Requests go through
# tests/storage/flaky_proxy.mjs as a plain proxy, which counts the bytes and GETs fetched;
# with DELAY_MS > 0 it holds each request that long, as a distant S3's latency would.
# Usage: bench/s3_latency.sh [REPETITIONS] [DELAY_MS]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
reps="${1:-5}"
delay_ms="${2:-0}"
scripts/install-deps bench
if [ ! -d node_modules/@duckdb/node-api ] || [ ! -d node_modules/s3rver ]; then
  npm install --no-audit --no-fund --silent
fi
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFROCKET_BENCH=ON >/dev/null
cmake --build build/release --target frocket >/dev/null
frocket=$root/build/release/src/frocket
data=bench/data/activity_20m
[ -f "$data/part-00019.parquet" ] || "$frocket" generate "$data" --rows 20000000 --parts 20 --seed 1
query='{"funnel":{"sequence":[{"filter":["event_type","==","pageview"]},{"filter":["event_type","==","addtocart"]},{"filter":["event_type","==","purchase"]}]}}'

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Waits for "listening on 127.0.0.1:PORT" in a log; prints PORT.
await_port() {
  for _ in $(seq 200); do
    port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$1" 2>/dev/null | head -n 1 | sed 's/.*://')
    if [ -n "$port" ]; then echo "$port"; return; fi
    sleep 0.05
  done
  echo "no server in $1:" >&2; cat "$1" >&2; exit 1
}

mkdir -p "$work/s3"
NODE_OPTIONS=--openssl-legacy-provider node node_modules/s3rver/bin/s3rver.js -d "$work/s3" \
  -a 127.0.0.1 -p 0 --silent --configure-bucket bench >"$work/s3rver.log" 2>&1 &
pids+=($!)
s3_port=$(await_port "$work/s3rver.log")
node tests/storage/flaky_proxy.mjs --upstream "http://127.0.0.1:$s3_port" --match '^NEVER$' \
  --count 0 --delay-ms "$delay_ms" >"$work/proxy.log" 2>&1 &
pids+=($!)
proxy_port=$(await_port "$work/proxy.log")
for f in "$data"/*.parquet; do
  curl -sf -o /dev/null -T "$f" "http://127.0.0.1:$s3_port/bench/ds/$(basename "$f")"
done

export FROCKET_HOME="$work/home"
export FROCKET_S3_AWS_ENDPOINT_URL="http://127.0.0.1:$proxy_port"
export FROCKET_S3_AWS_ACCESS_KEY_ID=S3RVER FROCKET_S3_AWS_SECRET_ACCESS_KEY=S3RVER
export FROCKET_S3_AWS_REGION=us-east-1
"$frocket" register s3ds s3://bench/ds/ user_id ts --nopretty >/dev/null 2>&1
"$frocket" register local "$data" user_id ts --nopretty >/dev/null 2>&1

# Bytes, GETs and HEADs the proxy passed on since line $1 of its log: "BYTES GETS HEADS".
fetched_since() {
  tail -n +"$(($1 + 1))" "$work/proxy.log" |
    awk '/^done GET/ {bytes += $(NF - 1); gets++} /^done HEAD/ {heads++}
         END {printf "%d %d %d", bytes, gets, heads}'
}
# One new process: wall seconds, then the steps' counts as a check.
run_once() {
  local start end out
  start=$(date +%s.%N)
  out=$("$frocket" run "$1" --string "$query" --nopretty 2>/dev/null)
  end=$(date +%s.%N)
  steps=$(node -e 'const r=JSON.parse(process.argv[1]);console.log(r.funnel.sequence.map(x=>x.matchingGroups).join("/"))' "$out")
  echo "$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.4f", b - a}') $steps"
}
summary() {  # label, then one number per line on stdin: min and median
  sort -g | awk -v label="$1" '{v[NR]=$1} END {printf "  %-34s min %.4f s  median %.4f s  (%d runs)\n", label, v[1], v[int((NR+1)/2)], NR}'
}

# A new process over S3: prints its time and what it fetched, appends its time to file $2.
run_s3() {  # label, times file
  local mark t steps bytes gets heads
  mark=$(wc -l <"$work/proxy.log")
  read -r t steps <<<"$(run_once s3ds)"
  sleep 0.3  # the proxy logs an answer's end a moment after passing it on
  read -r bytes gets heads <<<"$(fetched_since "$mark")"
  echo "  $1 $t s  fetched $bytes bytes in $gets GETs, $heads HEADs  (steps $steps)"
  echo "$t" >>"$2"
}

echo "S3 over loopback, proxy delay ${delay_ms} ms per request; $reps runs each"
: >"$work/first"; : >"$work/disk"; : >"$work/local_first"
for i in $(seq "$reps"); do
  rm -rf "$FROCKET_HOME/disk-cache"
  run_s3 "first    " "$work/first"
  run_s3 "disk hit " "$work/disk"
  read -r t steps <<<"$(run_once local)"
  echo "  local     $t s  (steps $steps)"
  echo "$t" >>"$work/local_first"
done
"$frocket" run s3ds --string "$query" --repeat $((reps + 1)) --nopretty 2>&1 >/dev/null |
  awk '/^run [0-9]+:/ && $2 != "1:" {print $3}' >"$work/memory"
"$frocket" run local --string "$query" --repeat $((reps + 1)) --nopretty 2>&1 >/dev/null |
  awk '/^run [0-9]+:/ && $2 != "1:" {print $3}' >"$work/local_memory"
total=$(du -cb "$data"/*.parquet | tail -n 1 | cut -f1)
echo "dataset: $total bytes in 20 parts; the funnel's columns (user_id, ts, event_type):"
node bench/duckdb/column_bytes.mjs "$data" user_id ts event_type
echo "summary (whole-process wall time for new processes; job time for --repeat):"
summary "S3 first run (new process)" <"$work/first"
summary "S3 disk-cache hit (new process)" <"$work/disk"
summary "S3 memory-cache hit (same process)" <"$work/memory"
summary "local files first run (new process)" <"$work/local_first"
summary "local files warm (same process)" <"$work/local_memory"
echo "DuckDB over the same files on local disk:"
node bench/duckdb/funnel.mjs "$data" "$reps"
