#!/bin/sh
# Install what the QEMU part of the test suite needs (docs/formats/qemu.md, "Tests"):
# Debian 12's qemu-system-x86 (QEMU 7.2, the producer of the files we test against) and
# binutils (as, ld, objcopy) to build the bare-metal test guests. zlib1g-dev is for the
# kdump-compressed reader. Idempotent: installs only what is missing.
set -eu

need=""
command -v qemu-system-x86_64 >/dev/null 2>&1 || need="$need qemu-system-x86"
command -v as >/dev/null 2>&1 || need="$need binutils"
command -v objcopy >/dev/null 2>&1 || need="$need binutils"
[ -e /usr/include/zlib.h ] || need="$need zlib1g-dev"

if [ -z "$need" ]; then
	echo "qemu-deps: all present ($(qemu-system-x86_64 --version | head -n 1))"
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "qemu-deps: need root to install:$need" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# --no-install-recommends keeps it to the emulator, firmware and libraries
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $need
echo "qemu-deps: installed:$need ($(qemu-system-x86_64 --version | head -n 1))"
