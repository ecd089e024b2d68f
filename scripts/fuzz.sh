#!/usr/bin/env bash
# Build every fuzz harness with clang + libFuzzer + ASan/UBSan and run each for a short,
# fixed time over its seed corpus (STYLE.md rule 24). A crash fails the script and leaves the
# reproducer in build-fuzz/crashes/<harness>/: minimize it into fuzz/corpus/<harness>/.
#   scripts/fuzz.sh [SECONDS_PER_HARNESS]   (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
CC=clang cmake -S . -B build-fuzz -DVMS_FUZZ=ON -DVMS_SANITIZE=ON -DVMS_BUILD_FS=OFF \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
mapfile -t targets < <(cmake --build build-fuzz --target help | sed -n 's/^\.\.\. \(fuzz_.*_fuzzer\)$/\1/p' | sort)
[ ${#targets[@]} -gt 0 ] || { echo "no fuzz targets" >&2; exit 1; }
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]}" >/dev/null
failed=0
for t in "${targets[@]}"; do
	name=${t%_fuzzer}
	bin=$(find build-fuzz -name "$t" -type f -perm -u+x | head -n1)
	work=build-fuzz/work/$name crashes=build-fuzz/crashes/$name
	rm -rf "$work" && mkdir -p "$work" "$crashes"
	dict=()
	[ -f "fuzz/dict/$name.dict" ] && dict=(-dict="fuzz/dict/$name.dict")
	if "$bin" -max_total_time="$secs" -max_len=1048576 -rss_limit_mb=2048 -timeout=10 \
		-artifact_prefix="$crashes/" "${dict[@]}" "$work" "fuzz/corpus/$name" \
		>"build-fuzz/$name.log" 2>&1; then
		echo "fuzz $name: $(grep -o 'Done [0-9]* runs' "build-fuzz/$name.log" | tail -n1), no crash"
	else
		echo "fuzz $name: FAILED (see build-fuzz/$name.log, reproducer in $crashes)" >&2
		failed=$((failed + 1))
	fi
done
echo "fuzz: $((${#targets[@]} - failed)) passed, $failed failed"
[ "$failed" = 0 ]
