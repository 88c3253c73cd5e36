#!/usr/bin/env bash
# Load on the API server (`frocket serve`, embedded mode, all cores) with wrk over loopback:
# a mixed workload (bench/api_load.lua: empty query, 3-step funnel, schema) on a
# 2,000,000-row dataset in 12 parts, at 10, 50 and 200 connections, REPS runs of SECONDS each:
# requests/s, p50 and p99 latency, answers other than 200 and socket errors. Then the funnel
# alone at 50 connections, beside the other engine: DuckDB computing the same funnel in SQL
# over the same data loaded in memory (bench/duckdb/funnel.mjs), as queries per second of one
# DuckDB process on all cores; and the same queries in-process (`frocket run --repeat`, no
# HTTP). Last, a run of MEMORY_SECONDS at 50 connections, sampling the server's resident
# memory every 10 s.
# Usage: bench/api_load.sh [REPS] [SECONDS] [MEMORY_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
reps="${1:-3}"
seconds="${2:-10}"
memory_seconds="${3:-120}"
scripts/install-deps bench
command -v wrk >/dev/null || { echo "wrk is missing (Debian package wrk)" >&2; exit 1; }
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFROCKET_BENCH=ON >/dev/null
cmake --build build/release --target frocket >/dev/null
frocket=$root/build/release/src/frocket
data=bench/data/activity_2m_12p
[ -f "$data/part-00011.parquet" ] || "$frocket" generate "$data" --rows 2000000 --parts 12 --seed 1

# The funnel of bench/embedded_funnel.sh, which bench/duckdb/funnel.mjs computes in SQL.
export API_LOAD_FUNNEL='{"funnel":{"sequence":[{"filter":["event_type","==","pageview"]},{"filter":["event_type","==","addtocart"]},{"filter":["event_type","==","purchase"]}]}}'
funnel=$API_LOAD_FUNNEL
work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export FROCKET_HOME="$work/home"
export FROCKET_LOG_LEVEL=warning
"$frocket" register bench "$data" user_id ts --nopretty >/dev/null

# Jobs are not limited here: the load is the point, not the 429s.
FROCKET_ALLOWED_BASEPATHS="$work" FROCKET_APISERVER_MAX_JOBS=100000 "$frocket" serve --port 0 --host 127.0.0.1 >"$work/serve.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 200); do
  port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/serve.log" | sed 's/.*://' || true)
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || { cat "$work/serve.log"; exit 1; }
url="http://127.0.0.1:$port"
curl -sf "$url/datasets/bench/empty-query" >/dev/null  # parts into the memory cache

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$server_pid/status"; }
# wrk's latency in ms ("1.23ms", "850.00us", "1.02s").
to_ms() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
    else { sub(/s$/, "", v); printf "%.3f", v * 1000 } }'
}
# One wrk run: "requests/s p50_ms p99_ms errors".
run_wrk() {  # connections, seconds
  local out
  out=$(wrk -t2 -c"$1" -d"$2"s --timeout 10s --latency -s bench/api_load.lua "$url")
  local rps p50 p99 non200 sock
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
  non200=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  sock=$(awk -F'[ ,]+' '/Socket errors/ {print $4 + $6 + $8 + $10}' <<<"$out")
  echo "$rps $p50 $p99 $(( ${non200:-0} + ${sock:-0} ))"
}
stats() {  # values... -> "min median"
  printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%s %s", v[1], m }'
}

echo "frocket serve, mixed workload (empty query, funnel, schema), $reps runs of ${seconds}s each"
printf '%-12s %-24s %-20s %-20s %s\n' connections "requests/s (max, median)" "p50 ms (min, median)" \
  "p99 ms (min, median)" errors
for c in 10 50 200; do
  rps=(); p50=(); p99=(); errors=0
  for _ in $(seq "$reps"); do
    read -r r a b e <<<"$(run_wrk "$c" "$seconds")"
    rps+=("$r"); p50+=("$a"); p99+=("$b"); errors=$((errors + e))
  done
  read -r rmin rmed <<<"$(stats "${rps[@]}")"
  rmax=$(printf '%s\n' "${rps[@]}" | sort -g | tail -n 1)
  printf '%-12s %-24s %-20s %-20s %s\n' "$c" "$rmax, $rmed" "$(stats "${p50[@]}" | tr ' ' ',')" \
    "$(stats "${p99[@]}" | tr ' ' ',')" "$errors"
done

echo "funnel only, 50 connections, $reps runs of ${seconds}s"
rps=(); p50=(); errors=0
export API_LOAD_MIX=funnel
for _ in $(seq "$reps"); do
  read -r r a b e <<<"$(run_wrk 50 "$seconds")"
  rps+=("$r"); p50+=("$a"); errors=$((errors + e))
done
unset API_LOAD_MIX
rmax=$(printf '%s\n' "${rps[@]}" | sort -g | tail -n 1)
read -r rmin rmed <<<"$(stats "${rps[@]}")"
echo "  frocket serve: $rmax requests/s max, $rmed median; p50 $(stats "${p50[@]}" | tr ' ' ',') ms; errors $errors"
duck=$(node bench/duckdb/funnel.mjs "$data" 10 | grep funnel_in_memory)
dmin=$(sed -E 's/.*"min_s":([0-9.e-]+).*/\1/' <<<"$duck")
dmed=$(sed -E 's/.*"median_s":([0-9.e-]+).*/\1/' <<<"$duck")
echo "  DuckDB in memory: $(awk -v t="$dmin" 'BEGIN {printf "%.1f", 1 / t}') queries/s at its min ($dmin s)," \
  "$(awk -v t="$dmed" 'BEGIN {printf "%.1f", 1 / t}') at its median ($dmed s)"
echo "  ratio (frocket requests/s over HTTP / DuckDB queries/s): $(awk -v a="$rmax" -v t="$dmin" 'BEGIN {printf "%.1f", a * t}') best," \
  "$(awk -v a="$rmed" -v t="$dmed" 'BEGIN {printf "%.1f", a * t}') median"

# The same queries in-process: the engine's time per query (median of 20 warm runs).
in_process() {  # run arguments...
  "$frocket" run bench "$@" --repeat 21 --nopretty 2>&1 >/dev/null |
    awk '/^run [0-9]+:/ && $2 != "1:" {print $3 * 1000}' | sort -g | awk '{v[NR] = $1} END {printf "%.3f", v[int((NR + 1) / 2)]}'
}
echo "in-process (no HTTP), median of 20 warm runs: empty query $(in_process --empty) ms," \
  "funnel $(in_process --string "$funnel") ms"

echo "memory: ${memory_seconds}s at 50 connections, server RSS every 10 s (MB)"
wrk -t2 -c50 -d"${memory_seconds}"s --timeout 10s -s bench/api_load.lua "$url" >"$work/wrk-memory.log" &
wrk_pid=$!
samples=()
sleep 5
while kill -0 "$wrk_pid" 2>/dev/null; do
  samples+=("$(( $(rss_kb) / 1024 ))")
  sleep 10
done
wait "$wrk_pid"
echo "  ${samples[*]}"
echo "  requests: $(awk '/requests in/ {print $1}' "$work/wrk-memory.log"), $(grep -E 'Non-2xx|Socket errors' "$work/wrk-memory.log" || echo 'no errors')"
