#!/bin/busybox sh
# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=dash
#
# PID 1 of the QEMU guest booted by scripts/qemu/run.sh.  kernels.sh copies
# this file into each kernel's busybox initramfs as /init.
#
# It loads the 9p/virtio modules listed in /lib/modules/order, mounts the
# host's / (9p tag "hostroot", read-only) on /host and the run's scratch
# directory (9p tag "scratch", writable) on /host/run/bpfrun-qemu, mounts the
# pseudo filesystems a tracer needs inside that tree, puts back the host's
# directories under /tmp and /run that run.sh lists in the scratch's
# "binds" (a build tree there would be hidden by the guest's own), and runs
# /run/bpfrun-qemu/cmd.sh (written by run.sh) chrooted into the host root.
# The command's stdout, stderr and exit code go to files in the scratch
# export, where run.sh reads them; the serial console only carries boot
# diagnostics.  The guest then powers off.
#
# Everything here is busybox: the initramfs has nothing else.

/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1

say() { echo "bpfrun-guest: $*"; }

OUT=/host/run/bpfrun-qemu
out_mounted=

# Never return: PID 1 exiting would panic the kernel, and a guest stuck in a
# shell would only end at run.sh's timeout.  poweroff -f skips init scripts.
halt_guest() {
	sync
	umount "$OUT" 2>/dev/null
	poweroff -f
	sleep 5
	say "poweroff failed"
	echo o >/proc/sysrq-trigger
}

die() {
	say "FATAL: $*"
	# Leave the reason where run.sh looks first, if the export is mounted.
	[ -n "$out_mounted" ] && echo "$*" >"$OUT/guest-error"
	halt_guest
}

say "kernel $(uname -r) up, loading modules"
if [ -s /lib/modules/order ]; then
	while read -r m; do
		insmod "/lib/modules/$m.ko" || die "insmod $m failed"
	done </lib/modules/order
fi

# msize: bigger 9p messages make reading libLLVM & co. much faster than the
# 8 KiB default.  512000 is the largest the 6.1 virtio transport accepts.
# cache=loose on the read-only root: the host tree does not change while the
# guest runs, so page-cached reads are safe and save 9p round trips.
NINEP="trans=virtio,version=9p2000.L,msize=512000"
mkdir -p /host /lower
mount -t 9p -o "$NINEP,ro,cache=loose" hostroot /host ||
	die "cannot mount the host root (9p tag hostroot)"
# A second view of the host's root, taken before /tmp and /run are covered
# below (a virtio 9p channel takes only one mount: a bind, not a remount).
mount -o bind /host /lower || die "cannot bind the host root on /lower"

# The host root is read-only: give the guest its own /proc, /sys, /dev,
# a writable /tmp and /run, and the tracing filesystems.
mount -t proc proc /host/proc || die "mount /proc"
mount -t sysfs sysfs /host/sys || die "mount /sys"
mount -t devtmpfs devtmpfs /host/dev || die "mount /dev"
mkdir -p /host/dev/pts /host/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /host/dev/pts
mount -t tmpfs -o mode=1777 tmpfs /host/dev/shm
mount -t tmpfs -o mode=1777 tmpfs /host/tmp || die "mount /tmp"
mount -t tmpfs -o mode=755 tmpfs /host/run || die "mount /run"
mkdir -p "$OUT"
mount -t 9p -o "$NINEP" scratch "$OUT" ||
	die "cannot mount the scratch export (9p tag scratch)"
out_mounted=1
# Trees of the host under /tmp or /run that the command needs, one
# absolute path a line: back at their own paths, over the guest's tmpfs.
if [ -s "$OUT/binds" ]; then
	while IFS= read -r d; do
		mkdir -p "/host$d" && mount -o bind "/lower$d" "/host$d" ||
			die "cannot bind the host's $d into the guest"
	done <"$OUT/binds"
fi
mount -t tracefs tracefs /host/sys/kernel/tracing || die "mount tracefs"
mount -t debugfs debugfs /host/sys/kernel/debug || die "mount debugfs"
mount -t bpf bpf /host/sys/fs/bpf 2>/dev/null || say "note: no bpffs"
# as a systemd machine has it: memory cgroups (the bcc corpus's OOM kill)
mount -t cgroup2 cgroup2 /host/sys/fs/cgroup 2>/dev/null || say "note: no cgroup2"

ip link set lo up || die "ip link set lo up"
hostname bpfrun-qemu

[ -f "$OUT/cmd.sh" ] || die "no cmd.sh in the scratch export"
say "running the command"
# env -i: the command gets only what run.sh wrote into cmd.sh.  stdout and
# stderr append to files run.sh created empty, so run.sh can stream them
# while the command runs.
env -i /bin/chroot /host /bin/bash /run/bpfrun-qemu/cmd.sh \
	</dev/null >>"$OUT/stdout" 2>>"$OUT/stderr"
rc=$?
echo "$rc" >"$OUT/rc"
say "command exited $rc, powering off"
halt_guest
