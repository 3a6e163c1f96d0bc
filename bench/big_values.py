#!/usr/bin/python3
"""Commands on a big bitmap and a big geo set: latency per command once loaded.

Usage: big_values.py -p PORT [--bitmap-mb MB] [--geo N] [-k SAMPLES]

Loads a bitmap of MB megabytes (SETRANGE of 64 KiB random-looking chunks,
pipelined, so it is MB * 2^23 bits with about half of them set), and a geo
set of N members spread over the globe (GEOADD pipelined 1000 deep, 100
members per command). Then times SAMPLES single commands of each kind, one
at a time: SETBIT and GETBIT at random offsets, BITCOUNT of a 1 MB range and
of the whole bitmap, BITPOS of the first clear bit, BITFIELD GET/INCRBY, and
GEOADD of one member, GEOPOS, GEODIST, GEOSEARCH BYRADIUS 50 km COUNT 10
around a random point and BYBOX 200 km, and ZCARD. Every reply is checked
for an error (stream_big.py's Conn).

Prints one CSV line per case: "case","median ms","p99 ms", then the load
rates as "LOAD bitmap MB/s" and "LOAD geo members/s".
"""
import argparse
import random
import time

from stream_big import Conn, timed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-p", "--port", type=int, required=True)
    ap.add_argument("--bitmap-mb", type=int, default=100)
    ap.add_argument("--geo", type=int, default=1000000)
    ap.add_argument("-k", "--samples", type=int, default=100)
    o = ap.parse_args()
    c = Conn(o.port)
    rnd = random.Random(7)
    c.cmd("DEL", "bm", "geo")

    chunk = 64 * 1024
    chunks = o.bitmap_mb * 1024 * 1024 // chunk
    pattern = bytes(rnd.getrandbits(8) for _ in range(chunk))
    t0 = time.perf_counter()
    for base in range(0, chunks, 16):
        c.pipeline([("SETRANGE", "bm", (base + i) * chunk, pattern) for i in range(min(16, chunks - base))])
    load_bm = time.perf_counter() - t0

    t0 = time.perf_counter()
    member = 0
    while member < o.geo:
        cmds = []
        for _ in range(10):
            if member >= o.geo:
                break
            args = ["GEOADD", "geo"]
            for _ in range(min(100, o.geo - member)):
                args += ["%.6f" % rnd.uniform(-179.9, 179.9), "%.6f" % rnd.uniform(-85, 85), "m%d" % member]
                member += 1
            cmds.append(args)
        c.pipeline(cmds)
    load_geo = time.perf_counter() - t0

    bits = o.bitmap_mb * 8 * 1024 * 1024
    k = o.samples

    def point():
        return ["%.6f" % rnd.uniform(-170, 170), "%.6f" % rnd.uniform(-80, 80)]

    cases = [
        ("SETBIT", lambda i: ("SETBIT", "bm", rnd.randrange(bits), i & 1)),
        ("GETBIT", lambda i: ("GETBIT", "bm", rnd.randrange(bits))),
        ("BITCOUNT 1MB", lambda i: ("BITCOUNT", "bm", rnd.randrange(o.bitmap_mb) << 20,
                                    (rnd.randrange(o.bitmap_mb) << 20) + (1 << 20) - 1)),
        ("BITCOUNT all", lambda i: ("BITCOUNT", "bm")),
        ("BITPOS 0", lambda i: ("BITPOS", "bm", 0)),
        ("BITFIELD", lambda i: ("BITFIELD", "bm", "GET", "u32", rnd.randrange(bits - 32),
                                "INCRBY", "i16", rnd.randrange(bits - 16), 1)),
        ("GEOADD", lambda i: ["GEOADD", "geo"] + point() + ["new%d" % i]),
        ("GEOPOS", lambda i: ("GEOPOS", "geo", "m%d" % rnd.randrange(o.geo))),
        ("GEODIST", lambda i: ("GEODIST", "geo", "m%d" % rnd.randrange(o.geo), "m%d" % rnd.randrange(o.geo), "km")),
        ("GEOSEARCH 50km", lambda i: ["GEOSEARCH", "geo", "FROMLONLAT"] + point() +
         ["BYRADIUS", 50, "km", "ASC", "COUNT", 10]),
        ("GEOSEARCH box", lambda i: ["GEOSEARCH", "geo", "FROMLONLAT"] + point() + ["BYBOX", 200, 200, "km"]),
        ("ZCARD", lambda i: ("ZCARD", "geo")),
    ]
    for name, make in cases:
        med, p99 = timed(c, k, make)
        print('"%s","%.3f","%.3f"' % (name, med, p99))
    print('"LOAD bitmap MB/s","%.1f"' % (o.bitmap_mb / load_bm))
    print('"LOAD geo members/s","%.0f"' % (o.geo / load_geo))


if __name__ == "__main__":
    main()
