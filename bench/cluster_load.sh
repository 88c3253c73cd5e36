#!/usr/bin/env bash
# Cluster mode under concurrent load, beside embedded mode on the same machine and data.
#
# Starts its own redis-server (free loopback port, no persistence) and 3 `frocket worker`
# processes, generates (once) a 2,000,000-row dataset in 12 parts under bench/data/, and
# registers it both in cluster mode (Redis) and in embedded mode (SQLite, FROCKET_HOME
# bench/data/cluster_home). The embedded answers of three queries (a 3-step funnel, a
# conditions query with aggregations, an empty query) are the reference.
#
# Load: 10 clients at once, each a bash loop of 5 `frocket run` processes one after the
# other (50 queries, the three queries in rotation), all answers checked against the
# reference. The same load runs in cluster mode (work_queue invoker, warm workers: one
# run of each query first) and in embedded mode (every `frocket run` a new process on the
# local invoker, so every query reads its parts from the files), alternating which mode
# goes first. Reports throughput and latency percentiles (client wall time per query and
# stats.totalTime) per run, and the best and median over runs.
#
# Everything started here is stopped by PID on exit. Results and logs: bench/data/cluster_load/.
# Usage: bench/cluster_load.sh [RUNS]   (default 5)
#   FROCKET_BENCH_FROCKET   a frocket binary to measure instead of building build/release
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
# shellcheck source=bench/cluster/build.sh
source bench/cluster/build.sh

clients=10
per_client=5
data=bench/data/activity_2m_12p
out=bench/data/cluster_load
logs=$out/logs
rm -rf "$out"
mkdir -p "$logs"
# shellcheck source=bench/cluster/processes.sh
source bench/cluster/processes.sh
echo "frocket: $frocket; load average at start: $(cut -d" " -f1-3 /proc/loadavg)"

[ -f "$data/part-00011.parquet" ] || "$frocket" generate "$data" --rows 2000000 --parts 12 --seed 1
embedded_env=(FROCKET_HOME=bench/data/cluster_home FROCKET_DATASTORE=sqlite FROCKET_INVOKER=local)

funnel='{"funnel":{"sequence":[{"filter":["event_type","==","pageview"]},{"filter":["event_type","==","addtocart"]},{"filter":["event_type","==","purchase"]}]}}'
# shellcheck disable=SC2016  # $0, $1: the relation's condition references
conditions='{"query":{"conditions":[{"filter":["event_type","==","purchase"],"target":["count",">=",2]},{"filters":[{"column":"event_type","op":"==","value":"addtocart"},{"column":"price","op":">","value":500}]},{"filter":["country","==","US"]}],"relation":"$0 and ($1 or $2)","aggregations":[{"column":"event_type","type":"countPerValue"},{"column":"country","type":"groupsPerValue"},{"column":"browser","type":"sumPerValue","otherColumn":"price"}]}}'
# Sets query_args to the `frocket run` arguments of query $1 (0 funnel, 1 conditions, 2 empty).
set_query_args() {
  case $1 in
    0) query_args=(--string "$funnel") ;;
    1) query_args=(--string "$conditions") ;;
    2) query_args=(--empty) ;;
  esac
}

start_redis
start_workers 3
cluster_env=("${cluster_vars[@]}" FROCKET_HOME=bench/data/cluster_home)
echo "redis-server on 127.0.0.1:$redis_port (pid $redis_pid), workers ${worker_pids[*]}; logs in $logs"

env "${embedded_env[@]}" "$frocket" register load2m "$data" user_id ts --nopretty \
  >"$out/register-embedded.json" 2>"$logs/register-embedded.err"
env "${cluster_env[@]}" "$frocket" register load2m "$data" user_id ts --nopretty \
  >"$out/register-cluster.json" 2>"$logs/register-cluster.err"

# The reference answers, and one cluster run of each query to warm the workers.
for q in 0 1 2; do
  set_query_args $q
  env "${embedded_env[@]}" "$frocket" run load2m "${query_args[@]}" --nopretty \
    >"$out/expected-$q.json" 2>>"$logs/expected.err"
  env "${cluster_env[@]}" "$frocket" run load2m "${query_args[@]}" --nopretty \
    >"$out/warmup-$q.json" 2>>"$logs/warmup.err"
done
# Each query alone, without load: cluster with warm workers, embedded in a new process.
for q in 0 1 2; do
  set_query_args $q
  env "${cluster_env[@]}" "$frocket" run load2m "${query_args[@]}" --nopretty \
    >"$out/alone-cluster-$q.json" 2>>"$logs/warmup.err"
done
node -e '
  const fs = require("fs");
  const read = (f) => JSON.parse(fs.readFileSync(process.argv[1] + "/" + f + ".json"));
  for (const q of [0, 1, 2]) {
    const w = read("warmup-" + q), c = read("alone-cluster-" + q), e = read("expected-" + q);
    console.log("query " + q + " alone: cluster first run " + w.stats.totalTime.toFixed(3) +
      " s (invokeLatency min " + w.stats.worker.invokeLatency.min.toFixed(3) + " s, parts from files " +
      w.stats.worker.cache.source + "/" + w.stats.invoker.totalTasks + "), cluster warm " +
      c.stats.totalTime.toFixed(3) + " s, embedded new process " + e.stats.totalTime.toFixed(3) + " s (totalTime)");
  }' "$out"

# client C DIR ENV...: the C-th client's loop of `frocket run` processes.
client() {
  local c=$1 dir=$2 k q t0 t1 rc child=""
  shift 2
  trap '[ -z "$child" ] || kill "$child" 2>/dev/null; exit 143' TERM
  for k in $(seq 0 $((per_client - 1))); do
    q=$(((c * per_client + k) % 3))
    set_query_args $q
    t0=$EPOCHREALTIME
    env "$@" "$frocket" run load2m "${query_args[@]}" --nopretty >"$dir/c$c-$k.json" 2>"$dir/c$c-$k.err" &
    child=$!
    rc=0
    wait "$child" || rc=$?
    child=""
    t1=$EPOCHREALTIME
    echo "$c $k $q $t0 $t1 $rc" >>"$dir/times.txt"
  done
}

# load MODE RUN ENV...: all clients at once; returns when all are done.
load() {
  local mode=$1 run=$2 c pid
  shift 2
  local dir="$out/$mode/run-$run"
  mkdir -p "$dir"
  for c in $(seq 0 $((clients - 1))); do
    client "$c" "$dir" "$@" &
    helper_pids+=($!)
  done
  for pid in "${helper_pids[@]}"; do wait "$pid"; done
  helper_pids=()
  echo "  $mode run $run: $(wc -l <"$dir/times.txt") queries in $(node -e '
    const l = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((x) => x.split(" ").map(Number));
    console.log((Math.max(...l.map((x) => x[4])) - Math.min(...l.map((x) => x[3]))).toFixed(2));' "$dir/times.txt") s"
}

echo "load: $clients clients x $per_client queries, $runs runs per mode"
for run in $(seq "$runs"); do
  if [ $((run % 2)) -eq 1 ]; then
    load cluster "$run" "${cluster_env[@]}"
    load embedded "$run" "${embedded_env[@]}"
  else
    load embedded "$run" "${embedded_env[@]}"
    load cluster "$run" "${cluster_env[@]}"
  fi
done

echo "load average at end: $(cut -d" " -f1-3 /proc/loadavg)"
stop_all
node bench/cluster/load_report.mjs "$out"
