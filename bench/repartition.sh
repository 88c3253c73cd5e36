#!/usr/bin/env bash
# The repartition benchmark (issue: ingest): the 20,000,000-row generated dataset exported as
# users' files look — 20 files by time range, rows in time order, as Parquet and as CSV — then
# partitioned by user into 20 parts by `frocket repartition` and by DuckDB's
# COPY (SELECT *, hash(user_id) % 20 AS p ...) TO ... (PARTITION_BY p), on the same 2 cores:
# wall time, rows/s and peak RSS, min and median of REPS runs (default 3), every output checked.
# Usage: bench/repartition.sh [REPS]   (about 5 minutes a repetition)
set -euo pipefail
cd "$(dirname "$0")/.."
reps="${1:-3}"
. bench/dataset_20m.sh
node bench/repartition/export.mjs "$data" bench/data
work=$(mktemp -d bench/data/repartition-XXXXXX)
trap 'rm -rf "$work"' EXIT
node bench/repartition/run.mjs "$frocket" "$reps" bench/data "$work"
