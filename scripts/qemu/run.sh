#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# run.sh - run one command inside a Debian kernel booted under QEMU.
#
# Usage: scripts/qemu/run.sh [OPTIONS] RELEASE COMMAND [ARG...]
#
#   -t SECONDS   kill the guest after SECONDS (default 600) and fail
#   -d DIR       where kernels.sh put kernels/ (default: $BPFRUN_QEMU_DIR,
#                $abs_top_builddir/qemu or ./qemu)
#   -o OUTDIR    keep the scratch directory there (created, must not exist
#                or be empty); default: a temporary one, removed at the end
#   -m MEGS      guest memory (default 2048)
#   -e NAME=VAL  set an environment variable for COMMAND (repeatable)
#   -B DIR       a directory COMMAND needs under /tmp or /run, shown at its
#                own path (repeatable; the working directory, abs_top_builddir
#                and abs_top_srcdir are added by themselves)
#   -v           show the guest's serial console (kernel and init messages)
#   -h, --help   this text
#
# RELEASE is a kernel release kernels.sh fetched (see DIR/kernels/current),
# or a series named there ("6.1", "6.12").
#
# Why: the host kernel has no kprobes; Debian's stock kernels do.  The guest
# boots RELEASE under TCG (`-accel tcg -cpu max`, 2 vCPUs: KVM hangs on these
# machines) with the host's / exported read-only over 9p and chroots into it,
# so COMMAND runs with the host's programs, libraries and build tree, and
# compiles against the host-installed linux-headers-RELEASE that
# /lib/modules/RELEASE/build points at.  Inside the guest:
#   - proc, sysfs, devtmpfs, devpts, tracefs (/sys/kernel/tracing), debugfs
#     (/sys/kernel/debug), bpffs and cgroup2 (/sys/fs/cgroup) are mounted,
#     ext4, xfs and loop are loaded, /tmp, /run and /dev/shm are
#     tmpfs, and lo is up. The host's /tmp and /run are hidden, except the
#     working directory, abs_top_builddir, abs_top_srcdir and the -B
#     directories, bound back at their own paths (read-only), so a tree
#     cloned under /tmp runs too;
#   - the working directory is the caller's;
#   - the environment is PATH, HOME=/root, LANG=C.UTF-8, TERM=dumb,
#     BPFRUN_CACHE_DIR=/tmp/bpfrun-cache (the host root is read-only),
#     BPFRUN_QEMU_OUT=/run/bpfrun-qemu (the writable scratch export, where
#     COMMAND may leave files for the host), BPFRUN_QEMU_KERNEL=RELEASE,
#     abs_top_builddir, abs_top_srcdir and other BPFRUN_* variables of the
#     caller, and those given with -e.
# COMMAND's stdout and stderr are written to the scratch export and streamed
# here to stdout and stderr while it runs.  The guest then powers off.
#
# Exit status: COMMAND's exit status; 124 if the guest was killed at the
# timeout (even if COMMAND had finished: a guest that does not power off is
# a failure); 125 if the guest failed before or around COMMAND (boot, mount,
# QEMU error: the console log is shown); 2 for usage errors.
#
# Needs root (QEMU must read all of / to export it); re-runs itself through
# sudo otherwise.  Installs qemu-system-x86 if QEMU is missing.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$here/common.sh"

usage() { sed -n '4,/^$/{s/^# \{0,1\}//;p}' "$0" | sed '$d'; }

orig_args=("$@")
timeout_s=600
qdir=
outdir=
mem=2048
verbose=
extra_env=()
binds=()
case ${1:-} in --help) usage; exit 0 ;; esac
while getopts ':t:d:o:m:e:B:vh' opt; do
	case $opt in
	B) binds+=("$OPTARG") ;;
	t) timeout_s=$OPTARG ;;
	d) qdir=$OPTARG ;;
	o) outdir=$OPTARG ;;
	m) mem=$OPTARG ;;
	e)
		case $OPTARG in
		[A-Za-z_]*=*) extra_env+=("$OPTARG") ;;
		*) qemu_die "-e needs NAME=VALUE" ;;
		esac
		;;
	v) verbose=1 ;;
	h) usage; exit 0 ;;
	:) qemu_die "-$OPTARG needs an argument (see --help)" ;;
	*) qemu_die "unknown option -$OPTARG (see --help)" ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || qemu_die "need a kernel release and a command (see --help)"
case $timeout_s in '' | *[!0-9]*) qemu_die "-t needs a number of seconds" ;; esac
case $mem in '' | *[!0-9]*) qemu_die "-m needs a number of MiB" ;; esac

qemu_need_root "${orig_args[@]}"
command -v qemu-system-x86_64 >/dev/null 2>&1 || qemu_need_pkgs qemu-system-x86

release=$1
shift
qdir=${qdir:-$(qemu_default_dir)}
kernels=$qdir/kernels
# Accept a series name as listed in kernels/current.
if [ ! -d "$kernels/$release" ] && [ -f "$kernels/current" ]; then
	r=$(awk -v s="$release" '$1 == s { print $2; exit }' "$kernels/current")
	[ -n "$r" ] && release=$r
fi
kdir=$kernels/$release
if [ ! -f "$kdir/vmlinuz" ] || [ ! -f "$kdir/initramfs.cpio.gz" ]; then
	qemu_die "kernel $release not found in $kernels: run scripts/qemu/kernels.sh $qdir"
fi
if [ "$(cat "$kdir/initramfs.init" 2>/dev/null)" != "$(sha256sum "$here/guest-init.sh" | cut -d' ' -f1)" ]; then
	qemu_die "the initramfs of $release was built from another scripts/qemu/guest-init.sh: run scripts/qemu/kernels.sh $qdir"
fi
[ -e "/lib/modules/$release/build" ] ||
	qemu_log "warning: /lib/modules/$release/build is missing: BPF programs will not compile in the guest"

# The guest overmounts these with its own filesystems: a cwd there would
# not be the caller's. /tmp and /run are tmpfs in the guest, and the trees
# under them it needs are bound back (guest-init.sh): the -B directories,
# the working directory, and the build and source trees of `make check`.
case $PWD/ in
/proc/* | /sys/* | /dev/*)
	qemu_die "the working directory $PWD is hidden inside the guest (/proc, /sys and /dev are the guest's own)"
	;;
esac
for d in ${binds[@]+"${binds[@]}"}; do
	[ -d "$d" ] || qemu_die "-B $d: not a directory"
done
bind_list=()
for d in ${binds[@]+"${binds[@]}"} "$PWD" "${abs_top_builddir:-}" "${abs_top_srcdir:-}"; do
	[ -n "$d" ] && [ -d "$d" ] || continue
	d=$(cd "$d" && pwd -P)
	case $d in *$'\n'*) qemu_die "$d: a path with a newline cannot be passed to the guest" ;; esac
	case $d/ in
	/run/bpfrun-qemu/*) qemu_die "$d is under /run/bpfrun-qemu, the guest's scratch export" ;;
	/tmp/?* | /run/?*) bind_list+=("$d") ;;
	esac
done

# Scratch directory: the guest's writable 9p export.
tmp_scratch=
if [ -n "$outdir" ]; then
	mkdir -p "$outdir"
	[ -z "$(ls -A "$outdir")" ] || qemu_die "$outdir is not empty"
	scratch=$(cd "$outdir" && pwd)
else
	mkdir -p "$qdir"
	scratch=$(mktemp -d "$qdir/run.XXXXXX")
	tmp_scratch=$scratch
fi

# cmd.sh, run by bash chrooted into the host root.  printf %q quotes for
# bash, which reads it back exactly.
{
	echo '# generated by scripts/qemu/run.sh'
	echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
	echo 'export HOME=/root LANG=C.UTF-8 TERM=dumb'
	echo 'export BPFRUN_CACHE_DIR=/tmp/bpfrun-cache BPFRUN_QEMU_OUT=/run/bpfrun-qemu'
	printf 'export BPFRUN_QEMU_KERNEL=%q\n' "$release"
	for n in abs_top_builddir abs_top_srcdir $(compgen -v BPFRUN_); do
		case $n in BPFRUN_CACHE_DIR | BPFRUN_QEMU_*) continue ;; esac
		[ -n "${!n+set}" ] && printf 'export %s=%q\n' "$n" "${!n}"
	done
	for kv in ${extra_env[@]+"${extra_env[@]}"}; do
		printf 'export %s=%q\n' "${kv%%=*}" "${kv#*=}"
	done
	printf 'cd %q || { echo "run.sh (guest): cannot cd to %q" >&2; exit 125; }\n' "$PWD" "$PWD"
	printf 'exec'
	printf ' %q' "$@"
	printf '\n'
} >"$scratch/cmd.sh"
# Created empty here and appended to by the guest, so that they can be
# streamed without tail seeing truncations.
: >"$scratch/stdout"
: >"$scratch/stderr"
: >"$scratch/console.log"
# Outer directories first, and none inside another: a bind of a tree hides
# what was bound inside its path before.
: >"$scratch/binds"
if [ ${#bind_list[@]} -gt 0 ]; then
	printf '%s\n' "${bind_list[@]}" | LC_ALL=C sort -u | awk '
		{ for (i = 1; i <= n; i++) if (index($0 "/", kept[i] "/") == 1) next
		  kept[++n] = $0; print }' >"$scratch/binds"
fi

append="console=ttyS0,115200 panic=-1 rdinit=/init"
[ -n "$verbose" ] || append="$append quiet"

qemu_cmd=(
	qemu-system-x86_64
	-accel tcg -cpu max -smp 2 -m "$mem"
	-nodefaults -no-user-config -display none -no-reboot
	-kernel "$kdir/vmlinuz" -initrd "$kdir/initramfs.cpio.gz"
	-append "$append"
	-serial "file:$scratch/console.log"
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$scratch,mount_tag=scratch,security_model=none,multidevs=remap"
)

qpid=
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
		kill "$qpid" 2>/dev/null || true
	fi
	if [ -n "$tmp_scratch" ]; then rm -rf "$tmp_scratch"; fi
}
trap cleanup EXIT
trap 'qemu_log "interrupted"; exit 130' INT TERM

start=$(date +%s)
# timeout(1) sends TERM at the limit and KILL 10 s later.
timeout -k 10 "$timeout_s" "${qemu_cmd[@]}" </dev/null >"$scratch/qemu.log" 2>&1 &
qpid=$!

# Copy what was appended to a scratch file since the last call to fd $2.
# Offsets are kept in `offset` (no subshell: the output must not be captured).
declare -A offset=()
stream() {
	local f=$scratch/$1 fd=$2 size off=${offset[$1]:-0}
	size=$(stat -c %s "$f")
	if [ "$size" -gt "$off" ]; then
		tail -c +"$((off + 1))" "$f" | head -c "$((size - off))" >&"$fd"
		offset[$1]=$size
	fi
}
stream_all() {
	stream stdout 1
	stream stderr 2
	if [ -n "$verbose" ]; then stream console.log 2; fi
}
while kill -0 "$qpid" 2>/dev/null; do
	sleep 1
	stream_all
done
qrc=0
wait "$qpid" || qrc=$?
qpid=
stream_all
elapsed=$(($(date +%s) - start))

show_console() {
	echo "---- guest console (last 40 lines of $scratch/console.log) ----"
	tail -n 40 "$scratch/console.log"
	if [ -s "$scratch/qemu.log" ]; then
		echo "---- QEMU ----"
		cat "$scratch/qemu.log"
	fi
	echo "----"
} >&2

if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	if [ -f "$scratch/rc" ]; then
		what="the command had exited $(cat "$scratch/rc") but the guest did not power off"
	else
		what="the command did not finish"
	fi
	qemu_log "FAIL: guest $release killed at the ${timeout_s} s timeout: $what"
	[ -n "$verbose" ] || show_console
	[ -n "$tmp_scratch" ] || qemu_log "scratch directory kept: $scratch"
	exit 124
fi
if [ ! -f "$scratch/rc" ]; then
	msg="no exit status came back"
	[ -f "$scratch/guest-error" ] && msg="$msg: $(cat "$scratch/guest-error")"
	qemu_log "FAIL: guest $release: $msg (QEMU exited $qrc after ${elapsed} s)"
	[ -n "$verbose" ] || show_console
	exit 125
fi
rc=$(cat "$scratch/rc")
case $rc in '' | *[!0-9]*) qemu_log "FAIL: bad exit status '$rc' from the guest"; exit 125 ;; esac
if [ "$qrc" != 0 ]; then
	qemu_log "warning: QEMU exited $qrc"
	[ -n "$verbose" ] || show_console
fi
qemu_log "guest $release: command exited $rc (${elapsed} s from boot to power-off)"
exit "$rc"
