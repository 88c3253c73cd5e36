#!/usr/bin/env bash
# The serverless mode, measured here without AWS (which cannot be reached from this machine):
#
# 1. fan-out    N = 100 and 1,000 asynchronous invocations sent to a local endpoint that
#               answers 202 (bench/lambda/sink.mjs): frocket's client (lambda_fanout_bench,
#               one libcurl multi handle) beside Funnel Rocket's way, boto3 with 20 threads
#               (bench/lambda/boto3_fanout.py; skipped with a note if boto3 is missing);
# 2. cold start every invocation in a new `bootstrap` process (bench/lambda/cold_emulator.mjs):
#               ms from exec to the first GET /next, and to the task's result, for COLD
#               queries over one part; then COLD queries over 20 parts, all instances cold;
# 3. a query over 20 parts (2M rows) under the @vercel/fun emulator, cold (a new emulator
#               each time) and RUNS times warm, beside the same query through 2 `frocket
#               worker` processes: min, median and P99 of the query's time; the cost per query
#               from stats.cost, scaled to 100M rows.
#
# Everything started here is stopped by PID on exit. Results and logs: bench/data/lambda/.
# Usage: bench/lambda.sh [RUNS [COLD]]   (default 50 warm runs, 20 cold)
#   FROCKET_BENCH_FROCKET   a frocket binary to measure instead of building build/release
#                           (lambda_fanout_bench, the invoker's client alone, is build/release's)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-50}"
cold="${2:-20}"
# shellcheck source=bench/cluster/build.sh
source bench/cluster/build.sh
cmake --build build/release --target lambda_fanout_bench >/dev/null
fanout=build/release/bench/lambda_fanout_bench

data=bench/data/activity_2m_20p
out=bench/data/lambda
logs=$out/logs
rm -rf "$out"
mkdir -p "$logs"
# shellcheck source=bench/cluster/processes.sh
source bench/cluster/processes.sh
echo "frocket: $frocket; load average at start: $(cut -d" " -f1-3 /proc/loadavg)"
[ -f "$data/part-00019.parquet" ] || "$frocket" generate "$data" --rows 2000000 --parts 20 --seed 5

# await_port LOG: the port a server logged ("listening on 127.0.0.1:PORT").
await_port() {
  for _ in $(seq 200); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$1" | head -n 1)
    [ -n "$port" ] && { echo "$port"; return 0; }
    sleep 0.05
  done
  echo "no server port in $1" >&2
  return 1
}

# ---- 1. fan-out
node bench/lambda/sink.mjs >"$logs/sink.log" 2>&1 &
helper_pids+=($!)
sink="http://127.0.0.1:$(await_port "$logs/sink.log")"
for n in 100 1000; do
  "$fanout" "$sink" "$n" 20 >"$out/fanout-frocket-$n.json"
  if python3 -c 'import boto3' 2>/dev/null; then
    python3 bench/lambda/boto3_fanout.py "$sink" "$n" 20 >"$out/fanout-boto3-$n.json"
  else
    echo '{"skipped": "boto3 is not installed (pip install boto3)"}' >"$out/fanout-boto3-$n.json"
  fi
done
echo "  fan-out done"

# ---- 2. cold starts
start_redis
lambda_env=("${cluster_vars[@]}" FROCKET_INVOKER=aws_lambda FROCKET_HOME="$PWD/$out/home"
  FROCKET_INVOKER_LAMBDA_NAME=frocket FROCKET_LAMBDA_AWS_ACCESS_KEY_ID=AKIDEXAMPLE
  FROCKET_LAMBDA_AWS_SECRET_ACCESS_KEY=secret FROCKET_LOG_LEVEL=warning)
env "${cluster_vars[@]}" FROCKET_INVOKER=local FROCKET_HOME="$PWD/$out/home" "$frocket" register \
  one "$data" user_id ts --pattern part-00000.parquet --nopretty >/dev/null 2>>"$logs/register.err"
env "${cluster_vars[@]}" FROCKET_INVOKER=local FROCKET_HOME="$PWD/$out/home" "$frocket" register \
  act "$data" user_id ts --nopretty >/dev/null 2>>"$logs/register.err"
# Instances take their part at once: no preflight wait for parts cached elsewhere.
env "${lambda_env[@]}" FROCKET_PART_SELECTION_PREFLIGHT_MS=0 \
  node bench/lambda/cold_emulator.mjs "$frocket" >"$logs/cold.log" 2>&1 &
helper_pids+=($!)
cold_endpoint="http://127.0.0.1:$(await_port "$logs/cold.log")"
mkdir -p "$out/cold-one" "$out/cold-20"
for i in $(seq "$cold"); do
  env "${lambda_env[@]}" FROCKET_LAMBDA_AWS_ENDPOINT_URL="$cold_endpoint" "$frocket" run one \
    --file examples/funnel.json --nopretty >"$out/cold-one/$i.json" 2>>"$logs/runs.err"
done
for i in $(seq 5); do
  env "${lambda_env[@]}" FROCKET_LAMBDA_AWS_ENDPOINT_URL="$cold_endpoint" "$frocket" run act \
    --file examples/funnel.json --nopretty >"$out/cold-20/$i.json" 2>>"$logs/runs.err"
done
sleep 0.5
curl -s "$cold_endpoint/timings" >"$out/cold-timings.json"
echo "  cold starts done"

# ---- 3. 20 parts under the @vercel/fun emulator, and through 2 queue workers
fn_dir=$(realpath "$out")/function
mkdir -p "$fn_dir" "$out/fun-cold" "$out/fun-warm" "$out/queue"
ln -sf "$frocket" "$fn_dir/bootstrap"
start_emulator() {
  env "${lambda_env[@]}" XDG_CACHE_HOME="$PWD/$out/fun-cache" \
    node tests/support/lambda_emulator.mjs 0 frocket "$fn_dir" >"$logs/fun-$1.log" 2>&1 &
  emulator_pid=$!
  helper_pids+=("$emulator_pid")
  fun="http://127.0.0.1:$(await_port "$logs/fun-$1.log")"
}
stop_emulator() {
  kill "$emulator_pid" 2>/dev/null || true
  wait "$emulator_pid" || true
  local pid kept=()
  for pid in "${helper_pids[@]}"; do [ "$pid" = "$emulator_pid" ] || kept+=("$pid"); done
  helper_pids=("${kept[@]}")
}
run_fun() {
  env "${lambda_env[@]}" FROCKET_LAMBDA_AWS_ENDPOINT_URL="$fun" "$frocket" run act \
    --file examples/funnel.json --nopretty >"$1" 2>>"$logs/runs.err"
}
for i in $(seq 3); do
  start_emulator "cold-$i"
  run_fun "$out/fun-cold/$i.json"
  stop_emulator
done
start_emulator warm
run_fun "$out/fun-warm/warmup.json"
for i in $(seq "$runs"); do run_fun "$out/fun-warm/$i.json"; done
stop_emulator
echo "  emulator done"
start_workers 2
run_queue() {
  env "${cluster_vars[@]}" FROCKET_HOME="$PWD/$out/home" "$frocket" run act \
    --file examples/funnel.json --nopretty >"$1" 2>>"$logs/runs.err"
}
run_queue "$out/queue/warmup.json"
for i in $(seq "$runs"); do run_queue "$out/queue/$i.json"; done
stop_workers
echo "  queue workers done"

echo "load average at end: $(cut -d" " -f1-3 /proc/loadavg)"
stop_all
node bench/lambda/report.mjs "$out" 2000000
