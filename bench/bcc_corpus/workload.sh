#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# What bench/bcc_corpus/run.py makes the system do while a program is
# attached: execs, opens, stats, reads and writes, syncs, signals, a
# chown, a mount, SysV shared memory, a line read by an interactive bash,
# TLS on loopback, threads, name lookups, TCP connections on loopback,
# mallocs and strlens, sleeps and context switches. About three seconds.
tmp=$(mktemp -d)
trap 'umount "$tmp/m" 2>/dev/null; rm -rf "$tmp"' EXIT
# a certificate for the TLS connection below (sslsniff)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-subj /CN=localhost -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
	-days 1 2>/dev/null
mkdir "$tmp/m"
for i in 1 2 3; do
	ls / >/dev/null
	cat /etc/passwd >/dev/null
	stat /etc/hostname >/dev/null
	head -c 65536 /dev/urandom >"$tmp/f"
	dd if="$tmp/f" of="$tmp/g" bs=4k conv=fsync status=none
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
