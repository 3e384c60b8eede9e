#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# What bench/bcc_corpus/run.py makes the system do while a program is
# attached: execs, opens, stats, reads and writes, syncs, signals, a
# chown, a mount, SysV shared memory, a line read by an interactive bash,
# TLS on loopback, threads, name lookups, TCP connections on loopback,
# mallocs and strlens, sleeps and context switches, a file descriptor
# passed over a unix socket, TCP retransmissions,
# a write to a terminal ($BCC_CORPUS_TTY), I/O on ext4 and xfs where the
# kernel has them, an OOM kill in a memory cgroup where there is one, and on a small
# machine (the QEMU guests) huge pages asked for past what is free. About five
# seconds.
tmp=$(mktemp -d)
trap 'umount "$tmp/m" "$tmp/ext4" "$tmp/xfs" 2>/dev/null; rm -rf "$tmp"' EXIT
# SYNs a listener drops, its accept queue full: each client sends its SYN
# again a second later (tcpretrans)
/usr/bin/python3.11 - <<'PY' &
import socket, time
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(0)
first = socket.create_connection(srv.getsockname())
more = []
for i in range(3):
    c = socket.socket(); c.setblocking(False)
    c.connect_ex(srv.getsockname()); more.append(c)
time.sleep(1.5)
PY
retrans=$!
# ext4 and xfs on loop devices, where the kernel has them (ext4dist,
# ext4slower, xfsdist, xfsslower; mkfs.xfs makes nothing under 300 MiB)
fsdirs=
for fs in ext4:32M:-F xfs:300M:-f; do
	IFS=: read -r t size force <<<"$fs"
	grep -qw "$t" /proc/filesystems && command -v "mkfs.$t" >/dev/null || continue
	if mkdir "$tmp/$t" && truncate -s "$size" "$tmp/$t.img" &&
		"mkfs.$t" -q "$force" "$tmp/$t.img" >/dev/null 2>&1 &&
		mount -o loop "$tmp/$t.img" "$tmp/$t" 2>/dev/null; then
		fsdirs="$fsdirs $tmp/$t"
	fi
done
mkdir "$tmp/m"	# a tmpfs mounted and unmounted below (mountsnoop)
for i in 1 2 3; do
	ls / >/dev/null
	cat /etc/passwd >/dev/null
	stat /etc/hostname >/dev/null
	head -c 65536 /dev/urandom >"$tmp/f"
	dd if="$tmp/f" of="$tmp/g" bs=4k conv=fsync status=none
	for d in $fsdirs; do
		dd if="$tmp/f" of="$d/g" bs=4k conv=fsync status=none
		cat "$d/g" >/dev/null
		rm "$d/g"
	done
	# a terminal written with write() and writev() (bcc 0.26's ttysnoop
	# sees only the second on 6.x: write() is ITER_UBUF there)
	if [ -n "${BCC_CORPUS_TTY:-}" ]; then
		echo bcc-corpus >"$BCC_CORPUS_TTY"
		/usr/bin/python3.11 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
os.writev(fd, [b"bcc-corpus ", b"writev\n"])' "$BCC_CORPUS_TTY"
	fi
	sync
	chown 65534 "$tmp/g"	# a capability check (CAP_CHOWN)
	mount -t tmpfs bcc-corpus "$tmp/m" && umount "$tmp/m"
	id=$(ipcmk -M 4096 | grep -o '[0-9]*$') && ipcrm -m "$id"	# SysV shm
	# a line read by an interactive bash (readline: bashreadline)
	printf 'true bcc-corpus\nexit\n' | script -qfc 'bash --norc -i' /dev/null >/dev/null
	# TLS on loopback through libssl (SSL_write, SSL_read: sslsniff)
	port=$((20000 + RANDOM % 10000))
	timeout 3 openssl s_server -quiet -accept "127.0.0.1:$port" \
		-cert "$tmp/cert.pem" -key "$tmp/key.pem" </dev/null >/dev/null 2>&1 &
	sleep 0.3
	echo bcc-corpus | timeout 2 openssl s_client -quiet -connect "127.0.0.1:$port" >/dev/null 2>&1
	kill %% 2>/dev/null
	kill -0 $$
	/bin/sh -c 'exit 3'
	/usr/bin/python3.11 - <<'PY'
import socket, threading, time, ctypes, os
socket.getaddrinfo("localhost", 80)
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen()
port = srv.getsockname()[1]
def serve():
    c, _ = srv.accept(); c.sendall(b"x" * 3000); c.close()
t = threading.Thread(target=serve); t.start()
c = socket.create_connection(("127.0.0.1", port)); c.recv(4096); c.close()
t.join(); srv.close()
libc = ctypes.CDLL("libc.so.6")
for n in (100, 2000, 30000):
    libc.free(libc.malloc(n))
libc.strlen(b"bcc corpus")
# a file descriptor passed over a unix socket (SCM_RIGHTS: sofdsnoop)
a, b = socket.socketpair()
socket.send_fds(a, [b"fd"], [0])
for fd in socket.recv_fds(b, 16, 1)[1]:
    os.close(fd)
PY
	sleep 0.2
done
# an OOM kill: a process over its memory cgroup's 16 MiB (oomkill), where
# cgroup2 has the memory controller
cg=/sys/fs/cgroup/bcc-corpus.$$
if grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null &&
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control && mkdir "$cg"; then
	echo 16M >"$cg/memory.max"
	echo 0 >"$cg/memory.swap.max" 2>/dev/null
	# (in a subshell: its "Killed" is not the workload's output)
	(sh -c 'echo $$ >"$1/cgroup.procs" && exec /usr/bin/python3.11 -c "b = b\"x\" * (64 << 20)"' \
		sh "$cg") 2>/dev/null
	rmdir "$cg"
fi
# a small machine (the QEMU guests' 2 GiB): huge pages asked for past what
# is free, so that the asking process reclaims page cache itself (drsnoop).
# A huge page allocation never calls the OOM killer: it may fail, no more.
# Page cache to reclaim first: LLVM's libraries, a few hundred MiB.
total=$(awk '$1 == "MemTotal:" { print int($2 / 1024) }' /proc/meminfo)
if [ "$total" -le 4096 ] && [ -w /proc/sys/vm/nr_hugepages ]; then
	cat /usr/lib/x86_64-linux-gnu/libLLVM-*.so.1 >/dev/null 2>&1
	free=$(awk '$1 == "MemFree:" { print int($2 / 1024) }' /proc/meminfo)
	old=$(cat /proc/sys/vm/nr_hugepages)
	# 64 MiB past what is free: the rest of the page cache (the
	# compiler's libraries) stays for the next program's compile
	echo $(((free + 64) / 2)) >/proc/sys/vm/nr_hugepages
	echo "$old" >/proc/sys/vm/nr_hugepages
fi
wait "$retrans"
