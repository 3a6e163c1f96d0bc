#!/usr/bin/python3
"""redis-py (Debian's python3-redis) against a running sandstore cluster.

Usage: SS_LEADER_PORT=P SS_FOLLOWER_PORT=Q /usr/bin/python3 redis_py_check.py
(normally run under cluster.py, which sets both). Runs the same script of mixed
commands through the leader and through a follower, checking every reply
against Redis semantics. Every failed check is printed with its section and
the target, and the run goes on to the next section; exit status 1 if any
check failed, 77 (CTest "skipped") if the redis module is missing.
"""
import os
import sys
import traceback

try:
    import redis
except ImportError:
    print("redis_py_check: no 'redis' module for", sys.executable,
          "(install Debian's python3-redis and run with /usr/bin/python3)")
    sys.exit(77)

failures = []
notes = set()


class Checker:
    def __init__(self, target):
        self.target, self.section = target, ""

    def eq(self, what, got, want):
        if got != want:
            failures.append(f"[{self.target}] {self.section}: {what}: got {got!r}, want {want!r}")

    def true(self, what, cond, detail=""):
        if not cond:
            failures.append(f"[{self.target}] {self.section}: {what} {detail}".rstrip())

    def raises(self, what, fn, exc, text=None):
        try:
            got = fn()
        except exc as e:
            if text and text not in str(e):
                failures.append(f"[{self.target}] {self.section}: {what}: error {e!s:.200} "
                                f"does not mention {text!r}")
            return
        except Exception as e:  # noqa: BLE001 - any other exception is the failure we report
            failures.append(f"[{self.target}] {self.section}: {what}: raised {type(e).__name__}: "
                            f"{e!s:.200}, want {exc.__name__}")
            return
        failures.append(f"[{self.target}] {self.section}: {what}: replied {got!r:.200}, "
                        f"want {exc.__name__}")


def strings(r, c, k):
    c.eq("SET", r.set(k("s"), "v1"), True)
    c.eq("GET", r.get(k("s")), b"v1")
    c.eq("SET NX on existing", r.set(k("s"), "v2", nx=True), None)
    c.eq("SET XX on missing", r.set(k("missing"), "v", xx=True), None)
    c.eq("SET XX on existing", r.set(k("s"), "v2", xx=True), True)
    c.eq("SET GET returns old", r.set(k("s"), "v3", get=True), b"v2")
    c.eq("SET EX", r.set(k("ex"), "x", ex=100), True)
    ttl = r.ttl(k("ex"))
    c.true("TTL after SET EX 100 in (0,100]", 0 < ttl <= 100, f"(got {ttl})")
    c.eq("SET PX", r.set(k("px"), "x", px=50000), True)
    pttl = r.pttl(k("px"))
    c.true("PTTL after SET PX 50000 in (0,50000]", 0 < pttl <= 50000, f"(got {pttl})")
    c.eq("SET KEEPTTL", r.set(k("ex"), "y", keepttl=True), True)
    ttl = r.ttl(k("ex"))
    c.true("TTL kept by SET KEEPTTL", 0 < ttl <= 100, f"(got {ttl})")
    c.eq("SET without KEEPTTL clears TTL", (r.set(k("ex"), "z"), r.ttl(k("ex"))), (True, -1))
    c.eq("SETNX", (r.setnx(k("nx"), "a"), r.setnx(k("nx"), "b"), r.get(k("nx"))), (True, False, b"a"))
    c.eq("GETSET", r.getset(k("nx"), "c"), b"a")
    c.eq("GETDEL", (r.getdel(k("nx")), r.exists(k("nx"))), (b"c", 0))
    c.eq("APPEND", (r.append(k("ap"), "ab"), r.append(k("ap"), "cd"), r.get(k("ap"))), (2, 4, b"abcd"))
    c.eq("STRLEN", r.strlen(k("ap")), 4)
    c.eq("GETRANGE", r.getrange(k("ap"), 1, -2), b"bc")
    c.eq("SETRANGE", (r.setrange(k("ap"), 6, "Z"), r.get(k("ap"))), (7, b"abcd\x00\x00Z"))
    c.eq("GET missing", r.get(k("missing")), None)


def counters(r, c, k):
    c.eq("INCR new", r.incr(k("n")), 1)
    c.eq("INCR", r.incr(k("n")), 2)
    c.eq("INCRBY", r.incrby(k("n"), 40), 42)
    c.eq("DECR", r.decr(k("n")), 41)
    c.eq("DECRBY", r.decrby(k("n"), 50), -9)
    c.eq("GET counter", r.get(k("n")), b"-9")
    c.eq("INCRBYFLOAT", r.incrbyfloat(k("f"), 10.5), 10.5)
    c.eq("INCRBYFLOAT again", r.incrbyfloat(k("f"), 0.1), 10.6)
    c.eq("setup SET", r.set(k("notnum"), "abc"), True)
    c.raises("INCR on non-integer", lambda: r.incr(k("notnum")), redis.ResponseError,
             "not an integer")
    c.eq("setup SET", r.set(k("big"), str(2**63 - 1)), True)
    c.raises("INCR overflow", lambda: r.incr(k("big")), redis.ResponseError, "overflow")


def multi_keys(r, c, k):
    c.eq("MSET", r.mset({k("m1"): "a", k("m2"): "b", k("m3"): "c"}), True)
    c.eq("MGET", r.mget([k("m1"), k("missing"), k("m3")]), [b"a", None, b"c"])
    c.eq("MSETNX refused", r.msetnx({k("m1"): "x", k("m4"): "y"}), False)
    c.eq("MSETNX left nothing", r.mget([k("m1"), k("m4")]), [b"a", None])
    c.eq("EXISTS counts", r.exists(k("m1"), k("m2"), k("missing"), k("m1")), 3)
    c.eq("DEL", r.delete(k("m1"), k("m2"), k("missing")), 2)
    c.eq("TYPE", (r.type(k("m3")), r.type(k("missing"))), (b"string", b"none"))
    c.eq("RENAME", (r.rename(k("m3"), k("m5")), r.get(k("m5")), r.exists(k("m3"))), (True, b"c", 0))


def expiry(r, c, k):
    c.eq("setup SET", r.set(k("e"), "v"), True)
    c.eq("TTL without expiry", r.ttl(k("e")), -1)
    c.eq("TTL missing", r.ttl(k("missing")), -2)
    c.eq("EXPIRE", r.expire(k("e"), 1000), True)
    ttl = r.ttl(k("e"))
    c.true("TTL after EXPIRE 1000 in (990,1000]", 990 < ttl <= 1000, f"(got {ttl})")
    c.eq("EXPIRE missing", r.expire(k("missing"), 10), False)
    c.eq("PERSIST", (r.persist(k("e")), r.ttl(k("e"))), (True, -1))
    c.eq("PEXPIRE", r.pexpire(k("e"), 100000), True)
    pttl = r.pttl(k("e"))
    c.true("PTTL after PEXPIRE in (90000,100000]", 90000 < pttl <= 100000, f"(got {pttl})")
    # A deadline in the past deletes the key at once (no waiting: no timed assertions).
    c.eq("EXPIRE in the past", r.expire(k("e"), -1), True)
    c.eq("expired key is gone", (r.get(k("e")), r.exists(k("e"))), (None, 0))
    c.eq("setup SET", r.set(k("e2"), "v", ex=100), True)
    c.eq("EXPIREAT in the past", r.expireat(k("e2"), 1), True)
    c.eq("EXPIREAT key gone", r.get(k("e2")), None)


def hashes(r, c, k):
    c.eq("HSET", r.hset(k("h"), mapping={"f1": "v1", "f2": "v2"}), 2)
    c.eq("HSET update", r.hset(k("h"), "f1", "v1b"), 0)
    c.eq("HGET", r.hget(k("h"), "f1"), b"v1b")
    c.eq("HGET missing", r.hget(k("h"), "nope"), None)
    c.eq("HMGET", r.hmget(k("h"), ["f1", "nope", "f2"]), [b"v1b", None, b"v2"])
    c.eq("HGETALL", r.hgetall(k("h")), {b"f1": b"v1b", b"f2": b"v2"})
    c.eq("HLEN", r.hlen(k("h")), 2)
    c.eq("HEXISTS", (r.hexists(k("h"), "f2"), r.hexists(k("h"), "no")), (True, False))
    c.eq("HINCRBY", (r.hincrby(k("h"), "n", 5), r.hincrby(k("h"), "n", -7)), (5, -2))
    c.eq("HINCRBYFLOAT", r.hincrbyfloat(k("h"), "fl", 1.5), 1.5)
    c.eq("HSETNX", (r.hsetnx(k("h"), "f1", "x"), r.hsetnx(k("h"), "f3", "x")), (False, True))
    c.eq("HKEYS", sorted(r.hkeys(k("h"))), [b"f1", b"f2", b"f3", b"fl", b"n"])
    c.eq("HVALS count", len(r.hvals(k("h"))), 5)
    c.eq("HDEL", r.hdel(k("h"), "f1", "f2", "nope"), 2)
    c.eq("HSTRLEN", r.hstrlen(k("h"), "f3"), 1)
    c.eq("TYPE hash", r.type(k("h")), b"hash")
    c.eq("setup SET", r.set(k("str"), "x"), True)
    crlf = b"a\r\nb\x00c\r\n"
    c.eq("HSET binary field", r.hset(k("binh"), b"\x00\xff", crlf), 1)
    c.eq("HGET binary field", r.hget(k("binh"), b"\x00\xff"), crlf)
    c.raises("HSET on a string", lambda: r.hset(k("str"), "f", "v"), redis.ResponseError,
             "WRONGTYPE")


def lists(r, c, k):
    c.eq("RPUSH", r.rpush(k("l"), "a", "b", "c"), 3)
    c.eq("LPUSH", r.lpush(k("l"), "z", "y"), 5)
    c.eq("LRANGE all", r.lrange(k("l"), 0, -1), [b"y", b"z", b"a", b"b", b"c"])
    c.eq("LRANGE slice", r.lrange(k("l"), 1, 2), [b"z", b"a"])
    c.eq("LLEN", r.llen(k("l")), 5)
    c.eq("LINDEX", (r.lindex(k("l"), 0), r.lindex(k("l"), -1), r.lindex(k("l"), 99)),
         (b"y", b"c", None))
    c.eq("LSET", (r.lset(k("l"), 1, "Z"), r.lindex(k("l"), 1)), (True, b"Z"))
    c.eq("LPOP", r.lpop(k("l")), b"y")
    c.eq("RPOP", r.rpop(k("l")), b"c")
    c.eq("LPOP count", r.lpop(k("l"), 2), [b"Z", b"a"])
    c.eq("RPOP last empties the key", (r.rpop(k("l")), r.exists(k("l"))), (b"b", 0))
    c.eq("LPOP missing", r.lpop(k("l")), None)
    c.eq("setup RPUSH", r.rpush(k("l2"), "a", "b", "a", "c", "a"), 5)
    c.eq("LREM", r.lrem(k("l2"), 2, "a"), 2)
    c.eq("after LREM", r.lrange(k("l2"), 0, -1), [b"b", b"c", b"a"])
    c.eq("LINSERT", r.linsert(k("l2"), "BEFORE", "c", "x"), 4)
    c.eq("LTRIM", (r.ltrim(k("l2"), 1, 2), r.lrange(k("l2"), 0, -1)), (True, [b"x", b"c"]))
    c.eq("LPOS", r.lpos(k("l2"), "c"), 1)
    c.eq("RPOPLPUSH", (r.rpoplpush(k("l2"), k("l3")), r.lrange(k("l3"), 0, -1)), (b"c", [b"c"]))


def sets(r, c, k):
    c.eq("SADD", r.sadd(k("s1"), "a", "b", "c", "a"), 3)
    c.eq("SADD again", r.sadd(k("s1"), "a", "d"), 1)
    c.eq("SMEMBERS", r.smembers(k("s1")), {b"a", b"b", b"c", b"d"})
    c.eq("SCARD", r.scard(k("s1")), 4)
    c.eq("SISMEMBER", (r.sismember(k("s1"), "a"), r.sismember(k("s1"), "z")), (True, False))
    c.eq("SMISMEMBER", r.smismember(k("s1"), ["a", "z", "d"]), [True, False, True])
    c.eq("SREM", r.srem(k("s1"), "a", "z"), 1)
    c.eq("setup SADD", r.sadd(k("s2"), "c", "d", "e"), 3)
    c.eq("SINTER", r.sinter(k("s1"), k("s2")), {b"c", b"d"})
    c.eq("SUNION", r.sunion(k("s1"), k("s2")), {b"b", b"c", b"d", b"e"})
    c.eq("SDIFF", r.sdiff(k("s1"), k("s2")), {b"b"})
    c.eq("SINTERSTORE", (r.sinterstore(k("s3"), [k("s1"), k("s2")]), r.smembers(k("s3"))),
         (2, {b"c", b"d"}))
    popped = r.spop(k("s3"))
    c.true("SPOP returns a member", popped in (b"c", b"d"), f"(got {popped!r})")
    c.eq("SCARD after SPOP", r.scard(k("s3")), 1)
    c.eq("SMOVE", (r.smove(k("s1"), k("s2"), "b"), r.sismember(k("s2"), "b")), (True, True))
    c.eq("TYPE set", r.type(k("s1")), b"set")
    c.eq("SADD binary", r.sadd(k("bins"), b"\x00", b"\x00\x01", b"\r\n"), 3)
    c.eq("SMEMBERS binary", r.smembers(k("bins")), {b"\x00", b"\x00\x01", b"\r\n"})


def zsets(r, c, k):
    c.eq("ZADD", r.zadd(k("z"), {"a": 1, "b": 2, "c": 3}), 3)
    c.eq("ZADD update", r.zadd(k("z"), {"a": 4}), 0)
    c.eq("ZADD CH", r.zadd(k("z"), {"a": 5, "d": 0}, ch=True), 2)
    c.eq("ZADD NX", r.zadd(k("z"), {"a": 100}, nx=True), 0)
    c.eq("ZRANGE", r.zrange(k("z"), 0, -1), [b"d", b"b", b"c", b"a"])
    c.eq("ZRANGE WITHSCORES", r.zrange(k("z"), 0, 1, withscores=True), [(b"d", 0.0), (b"b", 2.0)])
    c.eq("ZREVRANGE", r.zrevrange(k("z"), 0, 0), [b"a"])
    c.eq("ZSCORE", (r.zscore(k("z"), "a"), r.zscore(k("z"), "zz")), (5.0, None))
    c.eq("ZINCRBY", r.zincrby(k("z"), 2.5, "b"), 4.5)
    c.eq("ZRANK", (r.zrank(k("z"), "b"), r.zrevrank(k("z"), "b")), (2, 1))
    c.eq("ZCARD", r.zcard(k("z")), 4)
    c.eq("ZCOUNT", r.zcount(k("z"), 1, "+inf"), 3)
    c.eq("ZRANGEBYSCORE", r.zrangebyscore(k("z"), "(3", "+inf"), [b"b", b"a"])
    c.eq("ZRANGEBYSCORE LIMIT", r.zrangebyscore(k("z"), "-inf", "+inf", start=1, num=2),
         [b"c", b"b"])
    c.eq("ZREM", r.zrem(k("z"), "c", "zz"), 1)
    c.eq("ZPOPMIN", r.zpopmin(k("z")), [(b"d", 0.0)])
    c.eq("ZPOPMAX", r.zpopmax(k("z")), [(b"a", 5.0)])
    c.eq("ZADD INCR", r.zadd(k("z"), {"b": 0.5}, incr=True), 5.0)
    c.eq("ZADD float score", (r.zadd(k("z2"), {"x": 1.25}), r.zscore(k("z2"), "x")), (1, 1.25))
    c.eq("TYPE zset", r.type(k("z")), b"zset")


def pipelines(r, c, k):
    p = r.pipeline(transaction=False)
    for i in range(100):
        p.set(k(f"p{i}"), f"v{i}")
    for i in range(100):
        p.get(k(f"p{i}"))
    p.incr(k("pc")).incr(k("pc")).get(k("pc"))
    p.rpush(k("pl"), "a", "b").lrange(k("pl"), 0, -1)
    out = p.execute()
    c.eq("pipelined SETs", out[:100], [True] * 100)
    c.eq("pipelined GETs see the SETs before them", out[100:200],
         [f"v{i}".encode() for i in range(100)])
    c.eq("pipelined INCR/INCR/GET", out[200:203], [1, 2, b"2"])
    c.eq("pipelined RPUSH then LRANGE", out[203:], [2, [b"a", b"b"]])
    # A long pipeline of writes each followed by a read of the same key: every
    # read must see the write just before it (the write->read ordering path).
    # Kept short: through a follower each pair costs tens of ms today.
    p = r.pipeline(transaction=False)
    for i in range(500):
        p.set(k(f"o{i % 50}"), f"w{i}").get(k(f"o{i % 50}"))
    for i in range(1000):
        p.incr(k("oc"))
    out = p.execute()
    c.eq("500 pipelined SET/GET pairs read their own write",
         out[1:1000:2], [f"w{i}".encode() for i in range(500)])
    c.eq("1000 pipelined INCRs in order", out[1000:], list(range(1, 1001)))
    # An error in the middle of a pipeline answers that command only.
    c.eq("setup SET", r.set(k("pstr"), "x"), True)
    p = r.pipeline(transaction=False)
    p.set(k("pa"), "1").lpush(k("pstr"), "x").get(k("pa"))
    out = p.execute(raise_on_error=False)
    c.eq("pipeline before the error", out[0], True)
    c.true("pipeline error is WRONGTYPE",
           isinstance(out[1], redis.ResponseError) and "WRONGTYPE" in str(out[1]),
           f"(got {out[1]!r})")
    c.eq("pipeline after the error", out[2], b"1")


def transactions(r, c, k):
    p = r.pipeline(transaction=True)
    p.set(k("t"), "1").incr(k("t")).get(k("t")).rpush(k("tl"), "a").lrange(k("tl"), 0, -1)
    c.eq("MULTI/EXEC", p.execute(), [True, 2, b"2", 1, [b"a"]])
    # A runtime error inside EXEC fails that command only; the others apply.
    c.eq("setup SET", r.set(k("tstr"), "x"), True)
    p = r.pipeline(transaction=True)
    p.set(k("t2"), "a").lpush(k("tstr"), "x").set(k("t3"), "b")
    out = p.execute(raise_on_error=False)
    c.eq("EXEC with runtime error: first", out[0], True)
    c.true("EXEC with runtime error: WRONGTYPE", isinstance(out[1], redis.ResponseError)
           and "WRONGTYPE" in str(out[1]), f"(got {out[1]!r})")
    c.eq("EXEC with runtime error: third", out[2], True)
    c.eq("EXEC with runtime error: writes applied", r.mget([k("t2"), k("t3")]), [b"a", b"b"])
    # An unknown command while queueing aborts the whole transaction (EXECABORT).
    conn = r.connection_pool.get_connection("MULTI")
    try:
        conn.send_command("MULTI")
        c.eq("MULTI", conn.read_response(), b"OK")
        conn.send_command("SET", k("t4"), "v")
        c.eq("queued", conn.read_response(), b"QUEUED")
        conn.send_command("NOSUCHCOMMAND", "x")
        c.raises("unknown command in MULTI", conn.read_response, redis.ResponseError)
        conn.send_command("EXEC")
        # redis-py turns the -EXECABORT prefix into its own exception class.
        c.raises("EXEC after a queueing error", conn.read_response,
                 redis.exceptions.ExecAbortError)
    finally:
        r.connection_pool.release(conn)
    c.eq("aborted transaction wrote nothing", r.exists(k("t4")), 0)
    watch(r, c, k)


def watch(r, c, k):
    """WATCH with Redis semantics, or sandstore's explicit refusal (a documented gap)."""
    c.eq("setup SET", r.set(k("w"), "0"), True)
    try:
        r.execute_command("WATCH", k("w"))
    except redis.ResponseError as e:
        if "not supported" in str(e):
            notes.add(f"WATCH refused: {e}")
            return
        raise
    with r.pipeline(transaction=True) as p:
        p.watch(k("w"))
        c.eq("setup SET", r.set(k("w"), "changed"), True)  # another connection from the pool
        p.multi()
        p.set(k("w"), "mine")
        c.raises("EXEC after a watched key changed", p.execute, redis.WatchError)
    c.eq("watched key keeps the other write", r.get(k("w")), b"changed")
    with r.pipeline(transaction=True) as p:
        p.watch(k("w"))
        p.multi()
        p.set(k("w"), "mine")
        c.eq("EXEC with an untouched watched key", p.execute(), [True])
    c.eq("watched write applied", r.get(k("w")), b"mine")


def binary(r, c, k):
    every_byte = bytes(range(256))
    c.eq("SET every byte value", r.set(k("bin"), every_byte), True)
    c.eq("GET every byte value", r.get(k("bin")), every_byte)
    crlf = b"a\r\nb\x00c\r\n$3\r\n*1\r\n"
    c.eq("setup SET", r.set(k(b"key\x00\r\n\xff"), crlf), True)
    c.eq("binary key and value", r.get(k(b"key\x00\r\n\xff")), crlf)
    c.eq("RPUSH binary", r.rpush(k("binl"), b"\x00", b"\r\n", b""), 3)
    c.eq("LRANGE binary", r.lrange(k("binl"), 0, -1), [b"\x00", b"\r\n", b""])
    c.eq("ZADD binary", r.zadd(k("binz"), {b"\xff\x00": 1}), 1)
    c.eq("ZSCORE binary", r.zscore(k("binz"), b"\xff\x00"), 1.0)
    c.eq("empty value", (r.set(k("empty"), b""), r.get(k("empty")), r.strlen(k("empty"))),
         (True, b"", 0))
    for size in (100 << 10, 1 << 20):  # Redis takes values up to 512 MB
        big = os.urandom(size)
        c.eq(f"SET {size} random bytes", r.set(k("big"), big), True)
        c.eq(f"GET {size} random bytes back", r.get(k("big")) == big, True)


SECTIONS = [strings, counters, multi_keys, expiry, hashes, lists, sets, zsets, pipelines,
            transactions, binary]


def here(e):
    """The line of this script that raised e."""
    lines = [f.lineno for f in traceback.extract_tb(e.__traceback__) if f.filename == __file__]
    return lines[-1] if lines else "?"


def run(target, port):
    r = redis.Redis(host="127.0.0.1", port=port, socket_timeout=20, socket_connect_timeout=5)
    c = Checker(target)
    prefix = f"py:{target}:".encode()

    def k(name):
        return prefix + (name if isinstance(name, bytes) else name.encode())

    c.section = "PING"
    c.eq("PING", r.ping(), True)
    for section in SECTIONS:
        c.section = section.__name__
        before = len(failures)
        try:
            section(r, c, k)
        except Exception as e:  # noqa: BLE001 - report and go on to the next section
            failures.append(f"[{target}] {section.__name__}: stopped by "
                            f"{type(e).__name__}: {e!s:.300} (at line {here(e)})")
        print(f"redis-py {target:8} {section.__name__:12} "
              f"{'ok' if len(failures) == before else 'FAILED'}", flush=True)
    r.close()


def main():
    leader, follower = os.environ.get("SS_LEADER_PORT"), os.environ.get("SS_FOLLOWER_PORT")
    if not leader or not follower:
        print("redis_py_check: set SS_LEADER_PORT and SS_FOLLOWER_PORT (see cluster.py)")
        return 2
    print(f"redis-py {redis.__version__}: leader port {leader}, follower port {follower}")
    run("leader", int(leader))
    run("follower", int(follower))
    # What one node wrote, every other node reads back (linearizable reads).
    a = redis.Redis(port=int(leader), socket_timeout=20)
    b = redis.Redis(port=int(follower), socket_timeout=20)
    c = Checker("cross")
    c.section = "leader->follower"
    try:
        c.eq("setup SET", a.set("py:cross", "from-leader"), True)
        c.eq("follower reads the leader's write", b.get("py:cross"), b"from-leader")
        c.eq("setup SET", b.set("py:cross", "from-follower"), True)
        c.eq("leader reads the follower's write", a.get("py:cross"), b"from-follower")
        c.eq("follower sees keys written via leader", b.get("py:leader:s"), b"v3")
        # Every node reads what every node wrote.
        ports = [int(p) for p in os.environ.get("SS_PORTS", "").split(",") if p]
        nodes = [redis.Redis(port=p, socket_timeout=20) for p in ports]
        for i, w in enumerate(nodes):
            c.eq(f"SET via node {i + 1}", w.set("py:every", f"from-{i + 1}"), True)
            for j, rd in enumerate(nodes):
                c.eq(f"node {j + 1} reads node {i + 1}'s write", rd.get("py:every"),
                     f"from-{i + 1}".encode())
    except Exception as e:  # noqa: BLE001
        failures.append(f"[cross] stopped by {type(e).__name__}: {e}")
    for n in sorted(notes):
        print("note:", n)
    if failures:
        print(f"\n{len(failures)} failed check(s):")
        for f in failures:
            print("  " + f)
        return 1
    print("redis-py: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
