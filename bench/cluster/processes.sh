# shellcheck shell=bash disable=SC2034,SC2154  # uses $frocket and $logs of the caller
# Sourced by the cluster benchmarks: a private redis-server and `frocket worker` processes,
# all started by this shell and stopped by PID (never by name) when it exits.
#
# Requires: $frocket (the binary), $logs (a directory for server and worker logs).
# Provides: start_redis, start_workers N, stop_workers, stop_all; after start_redis,
# $redis_port and cluster_vars (the FROCKET_* variables of cluster mode, as `env` arguments);
# helper_pids: other background processes of the caller (load clients, redis-cli monitor),
# stopped first.

redis_pid=""
redis_port=""
cluster_vars=()
worker_pids=()
helper_pids=()

# Starts redis-server on a free loopback port (persistence off), retrying other ports when
# the one picked is taken.
start_redis() {
  local port dir
  dir=$(realpath "$logs")  # redis-server changes to --dir before opening --logfile
  for _ in $(seq 20); do
    port=$((20000 + RANDOM % 20000))
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
      --dir "$dir" --logfile "$dir/redis.log" &
    redis_pid=$!
    for _ in $(seq 100); do
      if [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ]; then
        redis_port=$port
        cluster_vars=(FROCKET_DATASTORE=redis FROCKET_INVOKER=work_queue FROCKET_REDIS_HOST=127.0.0.1
          FROCKET_REDIS_PORT="$port")
        return 0
      fi
      kill -0 "$redis_pid" 2>/dev/null || break  # could not bind: try another port
      sleep 0.05
    done
    kill "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
    redis_pid=""
  done
  echo "cannot start redis-server (see $logs/redis.log)" >&2
  return 1
}

# start_workers N [VAR=VALUE...]: N workers, each logging to $logs/worker-K.log.
start_workers() {
  local n=$1 k
  shift
  for k in $(seq "$n"); do
    env "${cluster_vars[@]}" "$@" "$frocket" worker >"$logs/worker-$k.log" 2>&1 &
    worker_pids+=($!)
  done
  # A worker is ready once it logged that it waits for tasks.
  for k in $(seq "$n"); do
    for _ in $(seq 100); do
      grep -q "waiting for tasks" "$logs/worker-$k.log" 2>/dev/null && break
      sleep 0.05
    done
  done
}

# Workers finish the task in hand and stop within a second of SIGTERM (their BRPOP timeout).
stop_workers() {
  local pid
  for pid in "${worker_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${worker_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  worker_pids=()
}

stop_all() {
  local pid
  for pid in "${helper_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${helper_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  helper_pids=()
  stop_workers
  if [ -n "$redis_pid" ]; then
    kill "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
    redis_pid=""
  fi
}

trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
