#!/usr/bin/env bash
# Per-task overhead of cluster mode: an empty query (`--empty`: no column beyond the group id
# and timestamp, nothing to compute) over 100 tiny parts (20,000 rows, generated once under
# bench/data/) with 2 `frocket worker` processes on a private redis-server, so that the time
# is the work queue's own: enqueueing, workers taking tasks and reporting, the invoker
# collecting results.
#
# Phases, each with new workers:
#   self-select on  (FROCKET_WORKER_SELF_SELECT_ENABLED=true, the default): COLD runs, each
#                   with newly started workers (nothing cached: the 200 ms preflight applies),
#                   then RUNS warm runs, then RUNS warm runs traced with `redis-cli monitor`;
#   self-select off (the invoker names each task's part): the same;
#   embedded        the same query on the local invoker (threads, no Redis): COLD new
#                   processes, then RUNS warm runs in one process (`--repeat`).
# Every run is a new `frocket run` process (except embedded warm); its stats JSON is kept.
# The traces give, per task, when its worker wrote ENDED_SUCCESS and when the invoker read
# the result, and per job the time from the slowest task's end to the job's end: what a
# polling invoker (Funnel Rocket's, every 25 ms) would add to. frocket's invoker cannot be
# made to poll (it blocks on the job's events list), so a 25 ms poller is modelled from the
# same traces (see bench/cluster/overhead_report.mjs).
#
# Everything started here is stopped by PID on exit. Results and logs: bench/data/task_overhead/.
# Usage: bench/task_overhead.sh [RUNS [COLD]]   (default 20 warm runs, 3 cold)
#   FROCKET_BENCH_FROCKET   a frocket binary to measure instead of building build/release
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"
cold="${2:-3}"
# shellcheck source=bench/cluster/build.sh
source bench/cluster/build.sh

data=bench/data/activity_20k_100p
out=bench/data/task_overhead
logs=$out/logs
rm -rf "$out"
mkdir -p "$logs"
# shellcheck source=bench/cluster/processes.sh
source bench/cluster/processes.sh
echo "frocket: $frocket; load average at start: $(cut -d" " -f1-3 /proc/loadavg)"

[ -f "$data/part-00099.parquet" ] || "$frocket" generate "$data" --rows 20000 --parts 100 --seed 1
embedded_env=(FROCKET_HOME=bench/data/cluster_home FROCKET_DATASTORE=sqlite FROCKET_INVOKER=local)
env "${embedded_env[@]}" "$frocket" register tiny100 "$data" user_id ts --nopretty \
  >"$out/register-embedded.json" 2>"$logs/register-embedded.err"

start_redis
cluster_env=("${cluster_vars[@]}" FROCKET_HOME=bench/data/cluster_home)
echo "redis-server on 127.0.0.1:$redis_port (pid $redis_pid); logs in $logs"
start_workers 2
env "${cluster_env[@]}" "$frocket" register tiny100 "$data" user_id ts --nopretty \
  >"$out/register-cluster.json" 2>"$logs/register-cluster.err"
stop_workers

# run_cluster FILE SELF_SELECT: one `frocket run` of the empty query.
run_cluster() {
  env "${cluster_env[@]}" FROCKET_WORKER_SELF_SELECT_ENABLED="$2" \
    "$frocket" run tiny100 --empty --nopretty >"$1" 2>>"$logs/runs.err"
}

for phase in self-select-on self-select-off; do
  self_select=$([ "$phase" = self-select-on ] && echo true || echo false)
  dir="$out/$phase"
  mkdir -p "$dir"
  for i in $(seq "$cold"); do
    stop_workers
    start_workers 2
    run_cluster "$dir/cold-$i.json" "$self_select"
  done
  for i in $(seq "$runs"); do run_cluster "$dir/warm-$i.json" "$self_select"; done
  redis-cli -p "$redis_port" monitor >"$dir/monitor.txt" &
  monitor_pid=$!
  helper_pids+=("$monitor_pid")
  sleep 0.2
  for i in $(seq "$runs"); do run_cluster "$dir/traced-$i.json" "$self_select"; done
  sleep 0.2
  kill "$monitor_pid"
  wait "$monitor_pid" || true
  helper_pids=()
  stop_workers
  echo "  $phase: $cold cold, $runs warm, $runs traced runs"
done

mkdir -p "$out/embedded"
for i in $(seq "$cold"); do
  env "${embedded_env[@]}" "$frocket" run tiny100 --empty --nopretty \
    >"$out/embedded/cold-$i.json" 2>>"$logs/runs.err"
done
env "${embedded_env[@]}" "$frocket" run tiny100 --empty --nopretty --repeat $((runs + 1)) \
  >"$out/embedded/repeat.json" 2>"$out/embedded/repeat.err"
echo "  embedded: $cold cold, $runs warm runs"

echo "load average at end: $(cut -d" " -f1-3 /proc/loadavg)"
stop_all
node bench/cluster/overhead_report.mjs "$out"
