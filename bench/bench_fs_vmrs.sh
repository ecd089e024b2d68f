#!/bin/sh
# The mount on a large compressed Hyper-V saved state (issue: "sequential physmem throughput
# through the mount on a large compressed .vmrs ... versus the same bytes as a plain file
# through a trivial passthrough FUSE mount"). Writes a GUEST_MIB guest with vms_make_demo,
# exports its physmem to a raw file (the same bytes), then reads physmem through
# vmsavedstatefs and the raw file through bench_fs_passthrough, each on a fresh mount, with
# the default block cache. Prints MiB/s of each, the ratio and the daemons' peak RSS.
# usage: bench/bench_fs_vmrs.sh BUILD_DIR [GUEST_MIB] [RUNS]
set -eu
B=$(cd "${1:?usage: bench_fs_vmrs.sh BUILD_DIR [GUEST_MIB] [RUNS]}" && pwd)
SIZE=${2:-4096}
RUNS=${3:-3}
W=$(mktemp -d /tmp/vmsfs-vmrs-bench-XXXXXX)
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
	for m in "$W"/m*; do
		mountpoint -q "$m" 2>/dev/null && umount -l "$m"
	done
	rm -rf "$W"
}
trap cleanup EXIT INT TERM

wait_mount() {
	i=0
	until [ "$(stat -f -c %T "$1" 2>/dev/null)" = fuseblk ] ||
		[ "$(stat -f -c %T "$1" 2>/dev/null)" = fuse ]; do
		i=$((i + 1))
		[ $i -gt 2000 ] && { echo "mount of $1 timed out" >&2; exit 1; }
		kill -0 "$PID" 2>/dev/null || { echo "daemon for $1 died" >&2; exit 1; }
		sleep 0.01
	done
}

"$B/test/vms_make_demo" --size-mib "$SIZE" "$W/guest.vmrs"
"$B/src/cli/vmsavedstate" export "$W/guest.vmrs" --format raw -o "$W/guest.raw" -q --no-sidecar
cat "$W/guest.vmrs" "$W/guest.raw" >/dev/null
echo "guest: $SIZE MiB; .vmrs file $(stat -c %s "$W/guest.vmrs") bytes"

run() { # KIND N -> appends MiB/s to $W/KIND, sets RSS
	mkdir -p "$W/m$1$2"
	if [ "$1" = vms ]; then
		"$B/src/fs/vmsavedstatefs" -f -o no_hash "$W/guest.vmrs" "$W/m$1$2" &
		FILE="$W/m$1$2/physmem"
	else
		"$B/bench/bench_fs_passthrough" "$W/guest.raw" "$W/m$1$2" &
		FILE="$W/m$1$2/data"
	fi
	PID=$!
	wait_mount "$W/m$1$2"
	"$B/bench/bench_fs_reader" seq "$FILE" 1048576 | awk '{print $1}' >>"$W/$1"
	RSS=$(awk '/VmHWM/ {print $2, $3}' "/proc/$PID/status")
	kill "$PID"
	wait "$PID" || true
	PID=
}
median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
n=0
while [ $n -lt "$RUNS" ]; do
	run pt $n
	RSS_PT=$RSS
	run vms $n
	RSS_VMS=$RSS
	n=$((n + 1))
done
PT=$(median "$W/pt")
VMS=$(median "$W/vms")
echo "passthrough (raw export): median $PT MiB/s (all: $(tr '\n' ' ' <"$W/pt")); peak RSS $RSS_PT"
echo "vmsavedstatefs (.vmrs):   median $VMS MiB/s (all: $(tr '\n' ' ' <"$W/vms")); peak RSS $RSS_VMS"
awk -v a="$VMS" -v b="$PT" 'BEGIN {printf "ratio: %.2f\n", a / b}'
