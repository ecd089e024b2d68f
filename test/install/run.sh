#!/usr/bin/env bash
# Install the library into a staging prefix, then build a consumer against it twice: with
# CMake's find_package and with pkg-config (STYLE.md rule 25). Run the consumer.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build}" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cmake --install "$build" --prefix "$stage/usr" >/dev/null
cmake -S "$here/consumer" -B "$stage/consumer" -DCMAKE_PREFIX_PATH="$stage/usr" >/dev/null
cmake --build "$stage/consumer" >/dev/null
LD_LIBRARY_PATH="$stage/usr/lib:$stage/usr/lib/x86_64-linux-gnu" "$stage/consumer/consumer"
pcdir=$(dirname "$(find "$stage/usr" -name vmsavedstate.pc | head -n1)")
export PKG_CONFIG_PATH="$pcdir"
sed -i "s|^prefix=.*|prefix=$stage/usr|" "$pcdir/vmsavedstate.pc"
cc -std=c11 -Wall -Werror "$here/consumer/consumer.c" -o "$stage/consumer_pc" \
	$(pkg-config --cflags --libs vmsavedstate)
LD_LIBRARY_PATH="$stage/usr/lib:$stage/usr/lib/x86_64-linux-gnu" "$stage/consumer_pc"
test -f "$stage/usr/include/vmsavedstate/vmsavedstate.h"
test ! -e "$stage/usr/include/vmsavedstate/backend.h"
echo "install: 2 passed, 0 failed"
