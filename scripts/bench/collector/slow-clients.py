#!/usr/bin/env python3
"""Holds N slow connections open against a collector while a benchmark runs: a quarter send a TLS
handshake record byte by byte, the rest a request head or body after the handshake. Each sends one
byte every half second and opens again when the collector cuts it off. Stops on SIGTERM.
  slow-clients.py HOST PORT N TOKEN"""
import signal
import socket
import ssl
import sys
import time

host, port, n, token = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
scripts = [
    b"\x16\x03\x01\x3f\xff" + b"\0" * 16383,
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nUser-Agent: " + b"x" * 2000 + b"\r\n\r\n",
    b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 4000\r\n\r\n" + b"token=" + b"a" * 3994,
    ("POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: 100000\r\n\r\n{" % token).encode() + b" " * 99999,
]
running = True


def stop(*_):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
conns = [None] * n
pos = [0] * n
reopened = 0


def open_conn(i):
    raw = socket.create_connection((host, port), timeout=2)
    if i % 4 == 0:
        return raw
    return ctx.wrap_socket(raw, server_hostname="127.0.0.1")


while running:
    for i in range(n):
        if not running:
            break
        try:
            if conns[i] is None or pos[i] >= len(scripts[i % 4]):
                if conns[i] is not None:
                    conns[i].close()
                    reopened += 1
                conns[i] = open_conn(i)
                pos[i] = 0
            conns[i].send(scripts[i % 4][pos[i]:pos[i] + 1])
            pos[i] += 1
        except (OSError, ssl.SSLError):
            if conns[i] is not None:
                try:
                    conns[i].close()
                except OSError:
                    pass
            conns[i] = None
            reopened += 1
    time.sleep(0.5)
print("slow clients: %d connections, %d times cut off and reopened" % (n, reopened), file=sys.stderr)
