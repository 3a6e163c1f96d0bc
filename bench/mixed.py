#!/usr/bin/python3
"""Mixed pipelined write->read benchmark: SET k v then GET k, in one pipeline.

Usage: mixed.py -p PORT [-c CLIENTS] [-P PIPELINE] [-n COMMANDS] [--procs N]

redis-benchmark runs one command per test, so it cannot interleave writes and
reads of the same key inside one pipeline; this does. Each of CLIENTS
connections sends PIPELINE commands at a time (PIPELINE/2 SET+GET pairs on its
own keys), waits for all replies, and repeats until the clients together have
sent COMMANDS commands. Consecutive batches of one connection alternate the
values, so a GET that does not see the SET just before it (a stale or
reordered read) is caught: every reply is compared byte for byte.

Prints one CSV line like redis-benchmark --csv: "MIXED_SET_GET","<rps>","<avg ms>".
Exits 1 on a wrong reply or a dropped connection. The connections are spread
over --procs processes (default: the CPU count) so that Python is less of a
bottleneck; on a busy machine the client may still cap the figure, so compare
it across systems measured the same way, not with redis-benchmark figures.
"""
import argparse
import multiprocessing as mp
import os
import selectors
import socket
import sys
import time


def resp(*args):
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


def batches(cid, pairs):
    """Two alternating (request, expected reply) batches for one connection."""
    out = []
    for flavour in (b"a", b"b"):
        req, want = [], []
        for i in range(pairs):
            key = b"mixed:%d:%d" % (cid, i)
            val = b"%s-%d-%d" % (flavour, cid, i)
            req += [resp(b"SET", key, val), resp(b"GET", key)]
            want += [b"+OK\r\n", b"$%d\r\n%s\r\n" % (len(val), val)]
        out.append((b"".join(req), b"".join(want)))
    return out


def worker(port, cids, pairs, rounds, start_evt, result_q):
    sel = selectors.DefaultSelector()
    conns = []
    for cid in cids:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.setblocking(False)
        c = {"sock": s, "batches": batches(cid, pairs), "round": 0, "got": bytearray(),
             "sent_at": 0.0, "lat": 0.0}
        conns.append(c)
    start_evt.wait()
    errors = 0

    def send(c):
        req, _ = c["batches"][c["round"] % 2]
        c["sent_at"] = time.perf_counter()
        c["sock"].setblocking(True)
        c["sock"].sendall(req)
        c["sock"].setblocking(False)
        sel.register(c["sock"], selectors.EVENT_READ, c)

    t0 = time.perf_counter()
    for c in conns:
        send(c)
    active = len(conns)
    deadline = time.monotonic() + 600
    while active and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=5):
            c = key.data
            try:
                chunk = c["sock"].recv(1 << 16)
            except BlockingIOError:
                continue
            if not chunk:
                errors += 1
                sel.unregister(c["sock"])
                active -= 1
                continue
            c["got"] += chunk
            _, want = c["batches"][c["round"] % 2]
            if len(c["got"]) < len(want):
                continue
            sel.unregister(c["sock"])
            c["lat"] += time.perf_counter() - c["sent_at"]
            if bytes(c["got"]) != want:
                errors += 1
                if errors == 1:
                    sys.stderr.write(f"mixed: wrong replies: got {bytes(c['got'][:200])!r}, "
                                     f"want {want[:200]!r}\n")
            c["got"] = bytearray()
            c["round"] += 1
            if c["round"] < rounds:
                send(c)
            else:
                active -= 1
    elapsed = time.perf_counter() - t0
    if active:
        errors += active
        sys.stderr.write(f"mixed: {active} connection(s) still waiting after 600s\n")
    result_q.put((elapsed, sum(c["lat"] for c in conns), sum(c["round"] for c in conns), errors))
    for c in conns:
        c["sock"].close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-p", "--port", type=int, required=True)
    ap.add_argument("-c", "--clients", type=int, default=50)
    ap.add_argument("-P", "--pipeline", type=int, default=16, help="commands per batch (even)")
    ap.add_argument("-n", "--commands", type=int, default=100000)
    ap.add_argument("--procs", type=int, default=os.cpu_count() or 1)
    o = ap.parse_args()
    pairs = max(1, o.pipeline // 2)
    rounds = max(1, o.commands // (o.clients * 2 * pairs))
    procs = max(1, min(o.procs, o.clients))
    start_evt, result_q = mp.Event(), mp.Queue()
    workers = [mp.Process(target=worker,
                          args=(o.port, list(range(i, o.clients, procs)), pairs, rounds,
                                start_evt, result_q))
               for i in range(procs)]
    for w in workers:
        w.start()
    time.sleep(0.2)  # let every worker connect before the clock starts
    start_evt.set()
    results = [result_q.get(timeout=700) for _ in workers]
    for w in workers:
        w.join(10)
    elapsed = max(r[0] for r in results)
    batches_done = sum(r[2] for r in results)
    errors = sum(r[3] for r in results)
    commands = batches_done * 2 * pairs
    avg_ms = 1000 * sum(r[1] for r in results) / max(1, batches_done)
    print(f'"MIXED_SET_GET","{commands / elapsed:.2f}","{avg_ms:.3f}"')
    if errors:
        sys.stderr.write(f"mixed: {errors} error(s)\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
