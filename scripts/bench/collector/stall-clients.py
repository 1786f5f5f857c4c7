#!/usr/bin/env python3
"""Holds stalled connections against a collector while a benchmark runs (issue 22): BODIES
connections send a complete request head with a Content-Length and one body byte, then nothing;
HEADS connections send half a request head, then nothing. No token, from many loopback source
addresses (127.0.0.2-127.0.0.251), so no per-address limit helps. A connection the collector cuts
off (a 408, or closed) is opened again at once. Prints how many it holds and reopened; stops on
SIGTERM.
  stall-clients.py HOST PORT BODIES HEADS"""
import selectors
import signal
import socket
import ssl
import sys
import time

host, port, bodies, heads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
BODY = b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 4000\r\n\r\nt"
BODY_API = b"POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
HEAD = b"POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Le"
running = True


def stop(*_):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
sel = selectors.DefaultSelector()
reopened = 0
failed = 0


def open_one(i):
    global failed
    src = "127.0.0.%d" % (2 + i % 250)
    try:
        raw = socket.create_connection((host, port), timeout=5, source_address=(src, 0))
        s = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        if i < bodies:
            s.sendall(BODY if i % 2 == 0 else BODY_API)
        else:
            s.sendall(HEAD)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, i)
    except (OSError, ssl.SSLError):
        failed += 1
        pending.append(i)


pending = list(range(bodies + heads))
last = time.time()
while running:
    todo, pending = pending, []
    for i in todo:
        if not running:
            break
        open_one(i)
    for key, _ in sel.select(timeout=0.2):
        s, i = key.fileobj, key.data
        try:
            data = s.recv(4096)
        except ssl.SSLWantReadError:
            continue
        except (OSError, ssl.SSLError):
            data = b""
        sel.unregister(s)
        s.close()
        reopened += 1
        pending.append(i)
    if time.time() - last > 5:
        print("stall-clients: holding %d, reopened %d, failed opens %d" % (len(sel.get_map()), reopened, failed), file=sys.stderr, flush=True)
        last = time.time()
print("stall-clients: holding %d, reopened %d, failed opens %d" % (len(sel.get_map()), reopened, failed), file=sys.stderr, flush=True)
