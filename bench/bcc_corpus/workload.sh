#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# What bench/bcc_corpus/run.py makes the system do while a program is
# attached: execs, opens, stats, reads and writes, syncs, signals,
# a chown, threads, name lookups, TCP connections on loopback, mallocs and
# strlens, sleeps and context switches. About two seconds.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in 1 2 3; do
	ls / >/dev/null
	cat /etc/passwd >/dev/null
	stat /etc/hostname >/dev/null
	head -c 65536 /dev/urandom >"$tmp/f"
	dd if="$tmp/f" of="$tmp/g" bs=4k conv=fsync status=none
	sync
	chown 65534 "$tmp/g"	# a capability check (CAP_CHOWN)
	kill -0 $$
	/bin/sh -c 'exit 3'
	/usr/bin/python3.11 - <<'PY'
import socket, threading, time, ctypes
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
PY
	sleep 0.2
done
