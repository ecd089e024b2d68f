#!/bin/sh
# FUSE mount benchmark (bench/README.md "## FUSE mount"): sequential physmem throughput of
# vmsavedstatefs against a trivial passthrough FUSE daemon over the same plain file, random
# 4 KiB reads per second, and the daemon's peak RSS. Every measurement runs on a fresh
# mount, so the FUSE page cache starts empty; the backing file is warm in the host cache
# for both daemons. Needs root (or fusermount3) and /dev/fuse.
# usage: bench/bench_fs.sh BUILD_DIR [SIZE_MIB] [RUNS]
set -eu
B=$(cd "${1:?usage: bench_fs.sh BUILD_DIR [SIZE_MIB] [RUNS]}" && pwd)
SIZE=${2:-1024}
RUNS=${3:-3}
W=$(mktemp -d /tmp/vmsfs-bench-XXXXXX)
PID=

cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
	for m in "$W"/m*; do
		mountpoint -q "$m" 2>/dev/null && umount -l "$m"
	done
	rm -rf "$W"
}
trap cleanup EXIT INT TERM

# wait_mount DIR: poll with a 20 s deadline (fuse-and-cli.md §3.5: never sleep and hope)
wait_mount() {
	i=0
	while [ "$(stat -f -c %T "$1" 2>/dev/null)" != fuseblk ] &&
		[ "$(stat -f -c %T "$1" 2>/dev/null)" != fuse ]; do
		i=$((i + 1))
		[ $i -gt 2000 ] && { echo "mount of $1 timed out" >&2; exit 1; }
		kill -0 "$PID" 2>/dev/null || { echo "daemon for $1 died" >&2; exit 1; }
		sleep 0.01
	done
}

# start KIND DIR: mount the image with vmsavedstatefs ("vms") or the passthrough ("pt")
start() {
	mkdir -p "$2"
	if [ "$1" = vms ]; then
		"$B/src/fs/vmsavedstatefs" -f -o no_hash${VMS_OPTS:+,$VMS_OPTS} "$W/img.raw" "$2" &
		FILE="$2/physmem"
	else
		"$B/bench/bench_fs_passthrough" "$W/img.raw" "$2" ${PT_OPTS:-} &
		FILE="$2/data"
	fi
	PID=$!
	wait_mount "$2"
}

stop() {
	RSS=$(awk '/VmHWM/ {print $2, $3}' "/proc/$PID/status")
	kill "$PID"
	wait "$PID" || true
	PID=
}

"$B/bench/bench_fs_image" "$W/img.raw" "$SIZE"
cat "$W/img.raw" >/dev/null
echo "image: $SIZE MiB; plain file, no FUSE:"
"$B/bench/bench_fs_reader" seq "$W/img.raw" 1048576

# median of RUNS sequential passes, each on a fresh mount
seq_runs() {
	n=0
	: >"$W/seq"
	while [ $n -lt "$RUNS" ]; do
		start "$1" "$W/m$1$2$n"
		"$B/bench/bench_fs_reader" seq "$FILE" 1048576 | awk '{print $1}' >>"$W/seq"
		stop
		n=$((n + 1))
	done
	printf '%-4s %-10s seq 1 MiB reads, median of %d: %s MiB/s (all: %s); peak RSS %s\n' \
		"$1" "$2" "$RUNS" "$(sort -n "$W/seq" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" \
		"$(tr '\n' ' ' <"$W/seq")" "$RSS"
}

rand_run() {
	start "$1" "$W/m$1r$2$3"
	printf '%-4s %-10s random 4 KiB, 5 s, %d threads: %s; peak RSS %s\n' "$1" "$2" "$3" \
		"$("$B/bench/bench_fs_reader" rand "$FILE" 5 "$3" | awk '{print $1}') reads/s" \
		"$(stop; echo "$RSS")"
}

for kind in pt vms; do
	VMS_OPTS= PT_OPTS= seq_runs $kind cached
	VMS_OPTS=direct_io PT_OPTS=--direct-io seq_runs $kind direct_io
done
for kind in pt vms; do
	for threads in 1 4; do
		VMS_OPTS= PT_OPTS= rand_run $kind cached $threads
		VMS_OPTS=direct_io PT_OPTS=--direct-io rand_run $kind direct_io $threads
	done
done
