#!/usr/bin/env bash
# Two builds of frocket side by side — the previous commit's and this one's, say — taking
# turns on the same data in one run, so that the machine's noise falls on both alike:
#   engine  engine_bench's queries over one in-memory part (the file of bench/engine.sh);
#   first   the 3-step funnel of bench/embedded_funnel.sh in a new process (20M rows, 20 parts);
#   warm    the same funnel again in one process (--repeat);
#   api     the funnel through `frocket serve` with wrk, 50 connections, 5 s (2M rows, 12 parts).
# Prints min and median per build and the ratio new/old of each (below 1: the new is faster).
# Each build directory needs src/frocket and bench/engine_bench (-DFROCKET_BENCH=ON).
# Usage: bench/ab.sh OLD_BUILD_DIR NEW_BUILD_DIR [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: bench/ab.sh OLD_BUILD_DIR NEW_BUILD_DIR [ROUNDS]" >&2; exit 2; }
old=$(cd "$1" && pwd)
new=$(cd "$2" && pwd)
rounds="${3:-5}"
for b in "$old" "$new"; do
  for f in src/frocket bench/engine_bench; do
    [ -x "$b/$f" ] || { echo "$b/$f is missing (build with -DFROCKET_BENCH=ON)" >&2; exit 1; }
  done
done
command -v wrk >/dev/null || { echo "wrk is missing (Debian package wrk)" >&2; exit 1; }
scripts/install-deps bench
[ -d node_modules/@duckdb/node-api ] || npm install --no-audit --no-fund --silent
one=bench/data/activity_1m_snappy.parquet
big=bench/data/activity_20m
small=bench/data/activity_2m_12p
[ -f "$one" ] || node bench/duckdb/make_activity_file.mjs "$one" 1000000 snappy
[ -f "$big/part-00019.parquet" ] || "$new/src/frocket" generate "$big" --rows 20000000 --parts 20 --seed 1
[ -f "$small/part-00011.parquet" ] || "$new/src/frocket" generate "$small" --rows 2000000 --parts 12 --seed 1
funnel='{"funnel":{"sequence":[{"filter":["event_type","==","pageview"]},{"filter":["event_type","==","addtocart"]},{"filter":["event_type","==","purchase"]}]}}'
work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export FROCKET_LOG_LEVEL=warning FROCKET_ALLOWED_BASEPATHS="*" FROCKET_APISERVER_MAX_JOBS=100000
for side in old new; do
  bin=$([ $side = old ] && echo "$old" || echo "$new")/src/frocket
  FROCKET_HOME="$work/$side" "$bin" register big "$big" user_id ts --nopretty >/dev/null
  FROCKET_HOME="$work/$side" "$bin" register bench "$small" user_id ts --nopretty >/dev/null
done
record() { echo "$1 $2 $3" >>"$work/samples"; }  # metric, side, seconds

serve_rps() {  # build, home -> requests/s of the funnel at 50 connections for 5 s
  FROCKET_HOME="$2" "$1/src/frocket" serve --port 0 --host 127.0.0.1 >"$work/serve.log" 2>&1 &
  server_pid=$!
  local port=""
  for _ in $(seq 200); do
    port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/serve.log" | sed 's/.*://' || true)
    [ -n "$port" ] && break
    sleep 0.05
  done
  [ -n "$port" ] || { cat "$work/serve.log" >&2; exit 1; }
  curl -sf "http://127.0.0.1:$port/datasets/bench/empty-query" >/dev/null
  API_LOAD_FUNNEL=$funnel API_LOAD_MIX=funnel wrk -t2 -c50 -d5s --timeout 10s \
    -s bench/api_load.lua "http://127.0.0.1:$port" | awk '/Requests\/sec/ {print $2}'
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

for round in $(seq "$rounds"); do
  echo "round $round of $rounds" >&2
  # Alternate which build goes first.
  order="old new"
  [ $((round % 2)) -eq 0 ] && order="new old"
  for side in $order; do
    build=$([ $side = old ] && echo "$old" || echo "$new")
    home="$work/$side"
    "$build/bench/engine_bench" "$one" 10 |
      sed -E 's/.*"query":"([^"]+)".*"min_s":([0-9.e-]+).*/\1 \2/' |
      while read -r q t; do record "engine:$q" $side "$t"; done
    start=$(date +%s.%N)
    FROCKET_HOME=$home "$build/src/frocket" run big --string "$funnel" --nopretty >/dev/null
    record first $side "$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.4f", b - a}')"
    FROCKET_HOME=$home "$build/src/frocket" run big --string "$funnel" --repeat 6 --nopretty 2>&1 >/dev/null |
      awk '/^run [0-9]+:/ && $2 != "1:" {print $3}' | while read -r t; do record warm $side "$t"; done
    rps=$(serve_rps "$build" "$home")
    record api $side "$(awk -v r="$rps" 'BEGIN {printf "%.6f", 1 / r}')"
  done
done

echo "metric (seconds; api: 1 / requests per second)   old min / median   new min / median   new/old min, median"
awk '{ v[$1 " " $2] = v[$1 " " $2] " " $3; m[$1] = 1 }
  function stat(list, which,   a, n, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    if (which == "min") return a[1]
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  END {
    for (k in m) {
      om = stat(v[k " old"], "min"); od = stat(v[k " old"], "median")
      nm = stat(v[k " new"], "min"); nd = stat(v[k " new"], "median")
      printf "%-44s %9.4f / %-9.4f %9.4f / %-9.4f %6.3f, %.3f\n", k, om, od, nm, nd, nm / om, nd / od
    }
  }' "$work/samples" | sort
