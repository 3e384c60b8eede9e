#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The Debian packages: built from this tree with dpkg-buildpackage, lintian
# shown, installed on this machine beside Debian's bpfcc-tools,
# libbpf-tools and bpftrace (no file may clash), run from the installed
# paths (printk_sample --version, a tracepoint program through bpfrun, a
# host built with pkg-config against libbpfrun-dev), then removed.
# Usage (root): tests/deb/run.sh
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
fail() { echo "FAIL: deb: $*"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "SKIP: deb: installing packages needs root"; exit 77; }
command -v dpkg-buildpackage >/dev/null || { echo "SKIP: deb: not a Debian system"; exit 77; }
work=$(mktemp -d /tmp/bpfrun-deb.XXXXXX)
ours="bpfrun libbpfrun0 libbpfrun-dev"
cleanup() {
	dpkg -r $ours >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive

# the peers, and what the build needs
peers="bpfcc-tools libbpf-tools bpftrace"
need="debhelper lintian $peers"
missing=$(for p in $need; do dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' || echo "$p"; done)
if [ -n "$missing" ]; then
	apt-get update -q >/dev/null
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing >/dev/null ||
		fail "cannot install $missing"
fi

# a clean copy of the tree: what git tracks, and debian/
src=$work/bpfrun-0.1.0
mkdir -p "$src"
(cd "$top" && { git ls-files 2>/dev/null || find . -type f; } | tar -cf - -T -) | tar -xf - -C "$src" ||
	fail "cannot copy the tree"
(cd "$src" && dpkg-checkbuilddeps) || fail "build dependencies missing (above)"
(cd "$src" && dpkg-buildpackage -us -uc -b -j"$(nproc)") >"$work/build.log" 2>&1 ||
	fail "dpkg-buildpackage: $(tail -20 "$work/build.log")"
for p in $ours; do
	[ -f "$work/${p}_0.1.0_$(dpkg --print-architecture).deb" ] || fail "no package $p"
done
echo "lintian: $(lintian --allow-root "$work"/*.changes 2>&1 | grep -v '^running with root' | grep -c . ) tags"
lintian --allow-root "$work"/*.changes 2>&1 | grep -v '^running with root' | sed 's/^/  /'

# beside the peers: apt refuses a file another package has
apt-get install -y -q "$work"/bpfrun_*.deb "$work"/libbpfrun0_*.deb \
	"$work"/libbpfrun-dev_*.deb >"$work/install.log" 2>&1 ||
	fail "install beside $peers: $(tail -5 "$work/install.log")"
[ "$(dpkg -S /usr/sbin/opensnoop 2>/dev/null | cut -d: -f1)" = libbpf-tools ] ||
	fail "/usr/sbin/opensnoop is not libbpf-tools' any more"
/usr/sbin/opensnoop-bpfrun --version | grep -q '^opensnoop-bpfrun (bpfrun) ' ||
	fail "opensnoop-bpfrun --version"
/usr/sbin/printk_sample --version | grep -q '^printk_sample (bpfrun) 0.1.0$' ||
	fail "printk_sample --version from /usr/sbin"
[ -f /usr/share/bpfrun/programs/printk_sample.c ] || fail "programs not installed"
grep -qx 'ExecStart=/usr/sbin/bpfrun --metrics=${METRICS} $ARGS /etc/bpfrun/metrics/%i.c' \
	/lib/systemd/system/bpfrun-metrics@.service ||
	fail "bpfrun-metrics@.service not installed, or not running /usr/sbin/bpfrun on /etc/bpfrun/metrics/NAME.c"

cat >"$work/count.c" <<'P'
BPF_ARRAY(calls, u64, 1);
TRACEPOINT_PROBE(syscalls, sys_enter_getppid)
{
	int zero = 0;
	u64 *v = calls.lookup(&zero);

	if (v && (bpf_get_current_pid_tgid() >> 32) == FILTER_PID)
		__sync_fetch_and_add(v, 1);
	return 0;
}
P
BPFRUN_CACHE_DIR=$work/cache /usr/sbin/bpfrun -c "/usr/bin/python3 -c 'import os; [os.getppid() for i in range(7)]'" \
	"$work/count.c" >"$work/run.out" 2>"$work/run.err" || fail "bpfrun from /usr/sbin: $(cat "$work/run.err")"
# the -c shell (the same pid, before it execs) makes a call or two of its own
n=$(sed -n 's/^0	\([0-9]*\)$/\1/p' "$work/run.out")
[ -n "$n" ] && [ "$n" -ge 7 ] && [ "$n" -le 9 ] ||
	fail "bpfrun from /usr/sbin: not the 7 calls made: $(cat "$work/run.out")"
cc -o "$work/ver" -x c - $(pkg-config --cflags --libs libbpfrun) <<'P' || fail "no host builds against libbpfrun-dev"
#include <bpfrun.h>
#include <stdio.h>
int main(void) { puts(bpfrun_version()); return 0; }
P
[ "$("$work/ver")" = 0.1.0 ] || fail "a host linked with libbpfrun-dev: $("$work/ver")"
dpkg -r $ours >/dev/null || fail "dpkg -r"
[ ! -e /usr/sbin/printk_sample ] || fail "printk_sample left after dpkg -r"
echo "PASS: deb: built, installed beside $peers, ran from /usr/sbin ($n calls counted for 7 made and the shell's), removed"
