# shellcheck shell=bash disable=SC2034
# Sourced by the cluster benchmarks: sets $frocket to the binary to measure — the one named
# by FROCKET_BENCH_FROCKET, or build/release's, built first like the other benchmarks do.
if [ -n "${FROCKET_BENCH_FROCKET:-}" ]; then
  frocket=$(realpath "$FROCKET_BENCH_FROCKET")
else
  cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFROCKET_BENCH=ON >/dev/null
  cmake --build build/release --target frocket >/dev/null
  frocket="$PWD/build/release/src/frocket"
fi
