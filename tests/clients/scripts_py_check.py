#!/usr/bin/python3
"""Applications built on scripts (Debian's python3-redis) against a sandstore cluster.

Usage: SS_LEADER_PORT=P SS_FOLLOWER_PORT=Q /usr/bin/python3 scripts_py_check.py
(normally under cluster.py). Through the follower:
  - a redis-py Lock (its acquire, extend and release are Lua scripts run by
    EVALSHA, loaded on NOSCRIPT) is acquired, extended, refused to a second
    owner, released, and acquired again;
  - a fixed-window rate limiter script holds its limit exactly under 8
    concurrent clients, and a sliding-window one (ZSET + TIME) too.
Exit status 1 if any check failed, 77 if the redis module is missing.
"""
import os
import sys
import threading

try:
    import redis
    from redis.lock import Lock
except ImportError:
    print("scripts_py_check: no 'redis' module for", sys.executable)
    sys.exit(77)

failures = []


def check(what, cond, detail=""):
    if not cond:
        failures.append(f"{what} {detail}".rstrip())
        print("FAIL:", what, detail, flush=True)
    else:
        print("ok:", what, flush=True)


def lock_check(port):
    r = redis.Redis(port=port)
    r.delete("resource")
    lock = Lock(r, "resource", timeout=5)
    check("lock acquired", lock.acquire(blocking=False))
    check("lock owned", lock.owned())
    ttl = r.pttl("resource")
    check("lock has its timeout", 0 < ttl <= 5000, f"pttl={ttl}")
    check("lock extended", lock.extend(10))
    ttl = r.pttl("resource")
    check("extension added to the timeout", 10000 < ttl <= 15000, f"pttl={ttl}")
    check("lock reacquired (timeout reset)", lock.reacquire())
    ttl = r.pttl("resource")
    check("reacquire set the timeout again", 0 < ttl <= 5000, f"pttl={ttl}")
    other = Lock(redis.Redis(port=port), "resource", timeout=5)
    check("a second owner is refused", not other.acquire(blocking=False))
    try:
        other.release()
        check("releasing a lock one does not own raises", False)
    except redis.exceptions.LockError:
        check("releasing a lock one does not own raises", True)
    lock.release()
    check("lock released", r.get("resource") is None)
    check("second owner acquires after release", other.acquire(blocking=False))
    other.release()
    # the scripts redis-py loaded are cluster state now
    for name in ("lua_release", "lua_extend", "lua_reacquire"):
        script = getattr(Lock, name, None)
        if script is not None:
            check(f"{name} is known by sha on the leader",
                  redis.Redis(port=int(os.environ["SS_LEADER_PORT"])).script_exists(script.sha)[0])


FIXED = """
local n = redis.call('incr', KEYS[1])
if n == 1 then redis.call('pexpire', KEYS[1], ARGV[2]) end
if n > tonumber(ARGV[1]) then return 0 end
return 1
"""

SLIDING = """
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('zremrangebyscore', KEYS[1], '-inf', now - tonumber(ARGV[2]))
if redis.call('zcard', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('zadd', KEYS[1], now, ARGV[3])
redis.call('pexpire', KEYS[1], ARGV[2])
return 1
"""


def limiter_check(port, body, key, limit, tries, use_member):
    r = redis.Redis(port=port)
    r.delete(key)
    script = r.register_script(body)
    allowed = [0] * 8
    errors = []

    def client(i):
        c = redis.Redis(port=port)
        s = c.register_script(body)
        for j in range(tries):
            args = [limit, 60000] + ([f"c{i}-{j}"] if use_member else [])
            try:
                allowed[i] += s(keys=[key], args=args)
            except Exception as e:  # noqa: BLE001 - any failure is a failed check
                errors.append(repr(e))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(f"{key}: no client errors", not errors, "; ".join(errors[:3]))
    check(f"{key}: exactly {limit} of {8 * tries} requests allowed", sum(allowed) == limit,
          f"allowed={sum(allowed)} per client={allowed}")
    del script


def main():
    port = int(os.environ["SS_FOLLOWER_PORT"])
    lock_check(port)
    limiter_check(port, FIXED, "rate:fixed", 50, 25, False)
    limiter_check(port, SLIDING, "rate:sliding", 40, 25, True)
    if failures:
        print(f"scripts_py_check: {len(failures)} failed checks", flush=True)
        return 1
    print("scripts_py_check: all checks passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
