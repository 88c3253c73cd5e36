# Sourced by the benchmarks on the 20,000,000-row generated dataset in 20 parts: builds frocket
# (release, with the benchmarks), generates the dataset once under bench/data/activity_20m and
# registers it as bench20 in bench/data/home. Sets $frocket and $data.
scripts/install-deps bench
[ -d node_modules/@duckdb/node-api ] || npm install --no-audit --no-fund --silent
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFROCKET_BENCH=ON >/dev/null
cmake --build build/release --target frocket >/dev/null
frocket=build/release/src/frocket
data=bench/data/activity_20m
export FROCKET_HOME=bench/data/home
[ -f "$data/part-00019.parquet" ] || "$frocket" generate "$data" --rows 20000000 --parts 20 --seed 1
"$frocket" register bench20 "$data" user_id ts --nopretty >/dev/null
