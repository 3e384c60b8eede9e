#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Build tests/embed/host.c against a `make install DESTDIR=DIR` copy of
# libbpfrun through pkg-config alone, and run a tracepoint program with it
# (root). Checks that the library exports only bpfrun_* names, that the
# host's own pr_err is not called, that nothing reaches stderr but through
# the host's print function, that no signal action changed, that a readable
# cancel fd ends a compile with -EINTR, and the count the program made.
# Usage: tests/embed/run.sh DESTDIR PREFIX
set -uo pipefail
dest=$1 prefix=${2:-/usr/local}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/bpfrun-embed.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: embed: $*"; exit 1; }

lib=$dest$prefix/lib/libbpfrun.so
[ -e "$lib" ] || fail "no $lib"
others=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^bpfrun_')
[ -z "$others" ] || fail "libbpfrun.so exports more than bpfrun_*: $others"

export PKG_CONFIG_PATH=$dest$prefix/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
flags=$(pkg-config --cflags --libs libbpfrun) || fail "pkg-config does not know libbpfrun"
# shellcheck disable=SC2086
gcc -Wall -Werror -o "$work/host" "$here/host.c" $flags || fail "host does not build with: $flags"

[ "$(id -u)" = 0 ] || { echo "SKIP: embed: running the host needs root"; exit 77; }
cat >"$work/count.c" <<'P'
BPF_ARRAY(counts, u64, 1);
TRACEPOINT_PROBE(syscalls, sys_enter_getppid)
{
	int zero = 0;
	u64 *v = counts.lookup(&zero);

	if (v && (bpf_get_current_pid_tgid() >> 32) == HOST_PID)
		__sync_fetch_and_add(v, 1);
	return 0;
}
P
# the host's pid is only known once it runs: a wrapper execs it
cat >"$work/run" <<P
#!/bin/sh
sed -i "s/HOST_PID/\$\$/" "$work/count.c"
exec "$work/host" "$work/count.c" 1234
P
chmod +x "$work/run"
LD_LIBRARY_PATH=$dest$prefix/lib BPFRUN_CACHE_DIR=$work/cache "$work/run" \
	>"$work/out" 2>"$work/err"
rc=$?
[ "$rc" = 0 ] || fail "host exit $rc: $(cat "$work/out" "$work/err")"
grep -q "host: counted 1234 of 1234" "$work/out" || fail "wrong count: $(cat "$work/out")"
grep -q "host-log\[2\]: kernel headers" "$work/out" || fail "no info through the print function: $(cat "$work/out")"
[ ! -s "$work/err" ] || fail "the library wrote to stderr: $(cat "$work/err")"
echo "PASS: embed: a host built with pkg-config alone ran a program and counted 1234"
