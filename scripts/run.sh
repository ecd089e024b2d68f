#!/usr/bin/env bash
# The main job: install what is missing, build, then show what vmsavedstate sees in a saved
# state — the one given, or a demo saved state the project writes itself (no network):
# info, VP 0's registers, a hexdump of a known address, then the mount: tree, grep, unmount.
#   ./scripts/run.sh [SAVEDSTATE...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/deps.sh
vms_install_deps

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
cli=build/src/cli/vmsavedstate
fs=build/src/fs/vmsavedstatefs

if [ $# -gt 0 ]; then
	inputs=("$@")
	gpa="" # the start of the first chunk, found below
else
	demo_dir=$(mktemp -d)
	build/test/vms_make_demo "$demo_dir/demo.vmrs" >/dev/null
	inputs=("$demo_dir/demo.vmrs")
	gpa=0x100000 # the demo writes a banner there, mapped at VA 0xfffff80000100000
	echo "(no saved state given: using the demo saved state $demo_dir/demo.vmrs)"
fi

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step vmsavedstate info "${inputs[@]}"
"$cli" info "${inputs[@]}"
if [ -z "$gpa" ]; then
	gpa=$("$cli" chunks --json "${inputs[@]}" | grep -o '"gpa":[[:space:]]*"0x[0-9a-f]*"' |
		head -n1 | grep -o '0x[0-9a-f]*')
fi
if ! "$cli" info --json "${inputs[@]}" | grep -q '"vp_count":[[:space:]]*0,'; then
	step vmsavedstate regs "${inputs[@]}" --vp 0
	"$cli" regs "${inputs[@]}" --vp 0
fi
step vmsavedstate read "${inputs[@]}" --gpa "$gpa" --len 64 --hex
"$cli" read "${inputs[@]}" --gpa "$gpa" --len 64 --hex
if [ $# -eq 0 ]; then
	step vmsavedstate xlate "${inputs[@]}" --vp 0 --gva 0xfffff80000100000
	"$cli" xlate "${inputs[@]}" --vp 0 --gva 0xfffff80000100000
fi

if [ -x "$fs" ] && [ -e /dev/fuse ]; then
	mnt=$(mktemp -d)
	step vmsavedstatefs "${inputs[@]}" "$mnt"
	"$fs" "${inputs[@]}" "$mnt"
	trap 'fusermount3 -u "$mnt" 2>/dev/null || true' EXIT
	step find "$mnt" -maxdepth 3
	find "$mnt" -maxdepth 3 | sort
	step "head -c 400 $mnt/layout.json"
	head -c 400 "$mnt/layout.json"; echo
	if [ $# -eq 0 ]; then
		step "grep -a -o 'vmsavedstate demo guest[[:print:]]*' $mnt/physmem"
		grep -a -o 'vmsavedstate demo guest[[:print:]]*' "$mnt/physmem" || true
	else
		step "grep -a -o -m 5 -E '[[:alnum:] (),./:-]{20,}' $mnt/physmem | head -n 5"
		grep -a -o -m 5 -E '[[:alnum:] (),./:-]{20,}' "$mnt/physmem" | head -n 5 || true
	fi
	step fusermount3 -u "$mnt"
	fusermount3 -u "$mnt"
	trap - EXIT
fi
