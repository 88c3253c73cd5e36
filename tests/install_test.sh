#!/usr/bin/env bash
# `cmake --install` puts a stripped, working frocket under the prefix.
#   tests/install_test.sh BUILD_DIR
set -euo pipefail
build="$1"
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
bin="$prefix/bin/frocket"
[ -x "$bin" ] || { echo "FAIL: no $bin"; exit 1; }
if readelf -S "$bin" | grep -qE '\.symtab|\.debug_info'; then
  echo "FAIL: $bin is not stripped"; exit 1
fi
version=$("$bin" --version)
[[ "$version" =~ ^frocket\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "FAIL: --version printed '$version'"; exit 1; }
echo "ok: $bin ($version), $(stat -c %s "$bin") bytes, stripped"
