#!/usr/bin/env bash
# The embedded mode end to end: the 3-step funnel (pageview → addtocart → purchase) on a
# 20,000,000-row generated dataset in 20 parts, on all cores:
#   first  - a new `frocket run` process right after registration: files in the OS cache,
#            nothing decoded yet (what a user's first query costs);
#   warm   - the same query again in the same process (`--repeat`), parts in memory;
# beside DuckDB running the equivalent SQL over the same Parquet files and over the same
# columns in an in-memory table. Reports peak memory (RSS) of the frocket runs.
# Usage: bench/embedded_funnel.sh [REPETITIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
reps="${1:-5}"
. bench/dataset_20m.sh
query='{"funnel":{"sequence":[{"filter":["event_type","==","pageview"]},{"filter":["event_type","==","addtocart"]},{"filter":["event_type","==","purchase"]}]}}'

echo "frocket first query (new process each time), $reps runs:"
for i in $(seq "$reps"); do
  /usr/bin/time -f "  %e s wall, peak RSS %M KB" "$frocket" run bench20 --string "$query" --nopretty \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);console.log("  job", r.stats.totalTime.toFixed(4), "s; steps", r.funnel.sequence.map(x=>x.matchingGroups+"/"+x.matchingGroupRows).join(" "))})'
done
echo "frocket warm query (--repeat $((reps + 1)) in one process; run 1 is the first):"
/usr/bin/time -f "  peak RSS %M KB" "$frocket" run bench20 --string "$query" --repeat $((reps + 1)) --nopretty >/dev/null
echo "DuckDB:"
node bench/duckdb/funnel.mjs "$data" "$reps"
