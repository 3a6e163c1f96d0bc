#!/usr/bin/env python3
"""Many waiting clients on one server: N subscribers, then N clients blocked in BLPOP.

Usage: waiters.py PORT PID N
Prints CSV lines: case,clients,rss_before_kb,rss_after_kb,kb_per_client,ms
  subscribe: N connections each SUBSCRIBE ch; ms = one PUBLISH until every
             subscriber has the message
  blpop:     N connections each BLPOP q 0; ms = one RPUSH of S elements
             (S = min(N, 500)) until S clients have their element
Each connection's memory is what the server's RSS grew by, divided by N.
"""
import selectors
import socket
import sys
import time


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cmd(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def read_until(sock, count, timeout=60):
    """Reads until `count` CRLF-terminated lines came (a small reply's lines)."""
    buf = b""
    deadline = time.time() + timeout
    while buf.count(b"\r\n") < count:
        sock.settimeout(max(0.1, deadline - time.time()))
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("connection closed")
        buf += chunk
    return buf


def open_clients(port, n, first, lines):
    socks = []
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(first)
        socks.append(s)
    # replies (subscribe confirmations) are read after all are connected
    for s in socks:
        if lines:
            read_until(s, lines)
        s.setblocking(False)
    return socks


def wait_all(socks, lines_each, timeout=300, want=None):
    sel = selectors.DefaultSelector()
    got = {}
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
        got[s] = b""
    left = len(socks) if want is None else want
    deadline = time.time() + timeout
    while left and time.time() < deadline:
        for key, _ in sel.select(timeout=1):
            s = key.fileobj
            data = s.recv(65536)
            got[s] += data
            if got[s].count(b"\r\n") >= lines_each:
                sel.unregister(s)
                left -= 1
    sel.close()
    if left:
        raise RuntimeError(f"{left} clients never got their reply")


def main():
    port, pid, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    ctl = socket.create_connection(("127.0.0.1", port))

    before = rss_kb(pid)
    subs = open_clients(port, n, cmd("SUBSCRIBE", "ch"), 6)  # *3 $9 subscribe $2 ch :1
    time.sleep(1)
    after = rss_kb(pid)
    t0 = time.time()
    ctl.sendall(cmd("PUBLISH", "ch", "hello"))
    read_until(ctl, 1)
    wait_all(subs, 7)  # *3 $7 message $2 ch $5 hello
    ms = (time.time() - t0) * 1000
    print(f"subscribe,{n},{before},{after},{(after - before) / n:.2f},{ms:.0f}", flush=True)
    for s in subs:
        s.close()
    time.sleep(2)

    before = rss_kb(pid)
    ctl.sendall(cmd("DEL", "q"))
    read_until(ctl, 1)
    waiters = open_clients(port, n, cmd("BLPOP", "q", 0), 0)
    time.sleep(2)
    after = rss_kb(pid)
    served = min(n, 500)
    t0 = time.time()
    ctl.sendall(cmd("RPUSH", "q", *range(served)))
    read_until(ctl, 1)
    wait_all(waiters, 5, want=served)  # *2 $1 q $k elem
    ms = (time.time() - t0) * 1000
    print(f"blpop,{n},{before},{after},{(after - before) / n:.2f},{ms:.0f} for {served}", flush=True)
    for s in waiters:
        s.close()


if __name__ == "__main__":
    main()
