#!/usr/bin/env bash
# Install the Debian 12 packages the build, the tests and the demo need (idempotent: only
# what is missing is installed). Sourced by run.sh and test.sh; runs as root.
set -euo pipefail

vms_deps_packages=(build-essential cmake pkg-config libfuse3-dev fuse3 libcjson-dev
	libcriterion-dev zlib1g-dev clang libclang-rt-14-dev clang-format xxd gdb python3)

vms_install_deps() {
	local missing=()
	for p in "${vms_deps_packages[@]}" "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$p")
	done
	if ((${#missing[@]})); then
		echo "installing: ${missing[*]}" >&2
		local sudo=""
		[ "$(id -u)" = 0 ] || sudo=sudo
		$sudo apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
			"${missing[@]}" >/dev/null
	fi
}
