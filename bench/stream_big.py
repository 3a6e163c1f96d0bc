#!/usr/bin/python3
"""Commands on a big stream: latency per command once a stream holds N entries.

Usage: stream_big.py -p PORT [-n ENTRIES] [-k SAMPLES] [--key KEY]

Loads ENTRIES entries into KEY with XADD pipelined 1000 deep (explicit IDs
1-0, 2-0, ... and one 100-byte field, as a job queue's events would be),
creates a consumer group, then times SAMPLES single commands of each kind,
one at a time, on the full stream: XADD (appending), XLEN, XRANGE of 10 at
the head, in the middle and at the tail, XREVRANGE COUNT 10, XREADGROUP
COUNT 10 then XACK of what it read, XPENDING summary, XINFO STREAM, XDEL of
one entry in the middle, and XTRIM MAXLEN ~ N (which removes nothing: the
cost of deciding). Every reply is checked for an error.

Prints one CSV line per case: "case","median ms","p99 ms", then the load
time as "LOAD entries/s","<entries per second>". The figure includes the network and,
on sandstore, Raft (log append, commit, apply); compare it with Redis
measured the same way, on the same machine.
"""
import argparse
import socket
import sys
import time


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.f = self.s.makefile("rb")

    def read(self):
        line = self.f.readline()
        if not line:
            sys.exit("connection closed")
        t = line[:1]
        if t == b"-":
            sys.exit("error reply: %r" % line)
        if t == b"$":
            n = int(line[1:-2])
            return None if n < 0 else self.f.read(n + 2)[:-2]
        if t == b"*":
            n = int(line[1:-2])
            return None if n < 0 else [self.read() for _ in range(n)]
        if t == b":":
            return int(line[1:-2])
        return line[1:-2]

    def cmd(self, *args):
        self.s.sendall(resp(*args))
        return self.read()

    def pipeline(self, cmds):
        self.s.sendall(b"".join(resp(*c) for c in cmds))
        return [self.read() for _ in cmds]


def timed(c, samples, make):
    lat = []
    for i in range(samples):
        args = make(i)
        t0 = time.perf_counter()
        c.cmd(*args)
        lat.append((time.perf_counter() - t0) * 1000.0)
    lat.sort()
    return lat[len(lat) // 2], lat[min(len(lat) - 1, int(len(lat) * 0.99))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-p", "--port", type=int, required=True)
    ap.add_argument("-n", "--entries", type=int, default=1000000)
    ap.add_argument("-k", "--samples", type=int, default=200)
    ap.add_argument("--key", default="bigstream")
    o = ap.parse_args()
    c = Conn(o.port)
    key, n = o.key, o.entries
    c.cmd("DEL", key)
    value = b"x" * 100
    t0 = time.perf_counter()
    batch = 1000
    for start in range(1, n + 1, batch):
        c.pipeline([("XADD", key, "%d-0" % i, "payload", value) for i in range(start, min(n, start + batch - 1) + 1)])
    load = time.perf_counter() - t0
    if c.cmd("XLEN", key) != n:
        sys.exit("XLEN is not %d" % n)
    c.cmd("XGROUP", "CREATE", key, "g", "0")
    mid = n // 2
    next_id = [n + 1]

    def xadd(i):
        next_id[0] += 1
        return ("XADD", key, "%d-0" % next_id[0], "payload", value)

    cases = [
        ("XADD", xadd),
        ("XLEN", lambda i: ("XLEN", key)),
        ("XRANGE head 10", lambda i: ("XRANGE", key, "-", "+", "COUNT", 10)),
        ("XRANGE middle 10", lambda i: ("XRANGE", key, "%d" % (mid + i), "+", "COUNT", 10)),
        ("XREVRANGE tail 10", lambda i: ("XREVRANGE", key, "+", "-", "COUNT", 10)),
        ("XREADGROUP 10", lambda i: ("XREADGROUP", "GROUP", "g", "c", "COUNT", 10, "STREAMS", key, ">")),
        ("XACK 10", lambda i: ("XACK", key, "g", *["%d-0" % (i * 10 + j + 1) for j in range(10)])),
        ("XPENDING summary", lambda i: ("XPENDING", key, "g")),
        ("XINFO STREAM", lambda i: ("XINFO", "STREAM", key)),
        ("XDEL middle", lambda i: ("XDEL", key, "%d-0" % (mid + 1000 + i))),
        ("XTRIM MAXLEN ~ N", lambda i: ("XTRIM", key, "MAXLEN", "~", n)),
    ]
    for name, make in cases:
        med, p99 = timed(c, o.samples, make)
        print('"%s","%.3f","%.3f"' % (name, med, p99))
    print('"LOAD entries/s","%.0f"' % (n / load))


if __name__ == "__main__":
    main()
