#!/usr/bin/env bash
# Install what is missing, build, and run the whole suite twice: a release build with
# warnings as errors, then everything again under ASan+UBSan. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
vms_install_deps
if [ -x scripts/qemu-deps.sh ]; then scripts/qemu-deps.sh; fi

jobs=$(nproc)
run_suite() {
	local dir=$1
	shift
	cmake -S . -B "$dir" -DVMS_WERROR=ON "$@" >/dev/null
	cmake --build "$dir" -j"$jobs"
	ctest --test-dir "$dir" --output-on-failure -j"$jobs"
}

echo "== release build + tests"
run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo

echo "== ASan+UBSan build + tests"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DVMS_SANITIZE=ON

echo "== install test"
test/install/run.sh build

echo "== short libFuzzer runs over every harness"
scripts/fuzz.sh "${VMS_FUZZ_SECONDS:-15}"

echo "== format check (clang-format --dry-run --Werror)"
scripts/format.sh --check
echo "format: 1 passed, 0 failed"
