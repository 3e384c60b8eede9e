#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# setup.sh - install what bpfrun needs from Debian's packages, then build it
# in place. Safe to run again: only missing packages are installed (with one
# `apt-get update` first), and make rebuilds only what changed.
#
# Usage: scripts/setup.sh [--test]
#   --test  also install what the test suite needs (QEMU tier included)
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
	exec sudo -E "$0" "$@"
fi
cd "$(dirname "$0")/.."

pkgs=(gcc make autoconf automake libtool pkg-config
      libbpfcc libbpfcc-dev libbpf-dev libelf-dev zlib1g-dev libjson-c-dev check
      util-linux bash-completion libmicrohttpd-dev systemtap-sdt-dev)

# Kernel headers: the running kernel's own when Debian has them; otherwise
# Debian's current ones, which bpfrun uses with a warning (see README).
release=$(uname -r)
if [ ! -e "/lib/modules/$release/build" ]; then
	if apt-cache show "linux-headers-$release" >/dev/null 2>&1; then
		pkgs+=("linux-headers-$release")
	else
		pkgs+=("linux-headers-$(dpkg --print-architecture)")
	fi
fi
if [ "${1:-}" = --test ]; then
	pkgs+=(python3 qemu-system-x86 busybox-static cpio kmod)
	# tests/root/metrics.test: a real Prometheus scrapes bpfrun --metrics
	pkgs+=(prometheus)
	# bench/metrics.sh reads the same map as a bcc Python program
	pkgs+=(python3-bpfcc)
	# tests/deb/run.sh: the package build
	pkgs+=(debhelper lintian)
	# scripts/fuzz.sh: clang's libFuzzer runtime (-fsanitize=fuzzer)
	pkgs+=(clang libclang-rt-14-dev)
fi

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${missing[@]}"
fi

[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure
make -j"$(nproc)"
