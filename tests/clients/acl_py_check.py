#!/usr/bin/python3
"""redis-py (Debian's python3-redis) and ACL users against a running sandstore cluster.

Usage: SS_LEADER_PORT=P SS_FOLLOWER_PORT=Q /usr/bin/python3 acl_py_check.py
(normally run under cluster.py). Through the follower, then the leader: a user
made with redis-py's acl_setuser, logged in with Redis(username=, password=),
refused with NoPermissionError where its rules say so (keys, admin commands,
membership), acl_getuser/acl_whoami/acl_users/acl_log/acl_dryrun answering what
redis-py parses; the user deleted through the other node. Exit status 1 if any
check failed, 77 if the redis module is missing.
"""
import os
import sys
import time

try:
    import redis
except ImportError:
    print("acl_py_check: no 'redis' module for", sys.executable)
    sys.exit(77)

failures = []


def check(target, what, cond, detail=""):
    if not cond:
        failures.append(f"[{target}] {what} {detail}".rstrip())


def retry(fn, tries=100):
    """fn() again while the cluster elects (TRYAGAIN, CLUSTERDOWN)."""
    for _ in range(tries):
        try:
            return fn()
        except redis.ResponseError as e:
            if not str(e).startswith(("TRYAGAIN", "CLUSTERDOWN")):
                raise
        time.sleep(0.1)
    return fn()


def denied(fn):
    try:
        fn()
    except redis.exceptions.NoPermissionError as e:
        return str(e)
    except redis.ResponseError as e:
        return "not NoPermissionError: " + str(e)
    return None


def refused_login(port, name, password):
    """Whether the login is refused with WRONGPASS (redis-py 4.3 raises a
    ResponseError for it, later versions an AuthenticationError)."""
    try:
        redis.Redis(port=port, username=name, password=password).ping()
    except (redis.exceptions.AuthenticationError, redis.ResponseError) as e:
        return "WRONGPASS" in str(e) or isinstance(e, redis.exceptions.AuthenticationError)
    return False


def run(target, port, other_port):
    admin = redis.Redis(port=port, decode_responses=True)
    name = f"py_{target}"
    ok = retry(lambda: admin.acl_setuser(name, enabled=True, passwords=["+py-pw"], keys=["py:*"],
                                         channels=["py.*"], commands=["+@all", "-@admin", "-@dangerous", "-del"]))
    check(target, "acl_setuser", ok is True, repr(ok))
    user = admin.acl_getuser(name)
    check(target, "acl_getuser flags", "on" in user["flags"], repr(user))
    check(target, "acl_getuser keys", user["keys"] == ["~py:*"] or user["keys"] == "~py:*", repr(user["keys"]))
    check(target, "acl_users", name in admin.acl_users())
    check(target, "acl_dryrun", admin.execute_command("ACL DRYRUN", name, "GET", "py:1") == "OK")

    c = redis.Redis(port=port, username=name, password="py-pw", decode_responses=True)
    check(target, "acl_whoami", c.acl_whoami() == name)
    check(target, "set allowed key", retry(lambda: c.set("py:1", "v")) is True)
    check(target, "get allowed key", c.get("py:1") == "v")
    e = denied(lambda: c.get("other"))
    check(target, "key outside the pattern", e and "keys used as arguments" in e, repr(e))
    for cmd in (("DEL", "py:1"), ("FLUSHALL",), ("CONFIG", "SET", "maxclients", "100"), ("RAFT.NODE", "LIST"),
                ("SHUTDOWN",), ("ACL", "SETUSER", "x")):
        e = denied(lambda: c.execute_command(*cmd))
        check(target, " ".join(cmd), e and "no permissions to run" in e, repr(e))
    e = denied(lambda: c.publish("elsewhere", "m"))
    check(target, "publish outside the channels", e and "channels" in e, repr(e))
    pipe = c.pipeline(transaction=True)
    pipe.set("py:2", "a")
    pipe.delete("py:2")
    try:
        pipe.execute()
        check(target, "MULTI with a denied command", False, "EXEC succeeded")
    except (redis.exceptions.NoPermissionError, redis.exceptions.ExecAbortError, redis.ResponseError):
        pass
    check(target, "wrong password", refused_login(port, name, "wrong"))
    log = admin.acl_log(count=5)
    check(target, "acl_log", any(entry.get("username") == name for entry in log), repr(log[:1]))

    # deleted through the other node: nobody logs in as it any more, anywhere
    other = redis.Redis(port=other_port, decode_responses=True)
    check(target, "acl_deluser", retry(lambda: other.acl_deluser(name)) == 1)
    # AUTH takes a read barrier: a deletion acknowledged through the other
    # node counts here at once (no read first; CI once saw a follower one
    # entry behind log it in before AUTH had the barrier)
    check(target, "deleted user", refused_login(port, name, "py-pw"), "still logs in")


def main():
    leader = int(os.environ["SS_LEADER_PORT"])
    follower = int(os.environ.get("SS_FOLLOWER_PORT", leader))
    for target, port, other in (("follower", follower, leader), ("leader", leader, follower)):
        try:
            run(target, port, other)
        except Exception as e:  # a check that blew up is a failure, the rest still runs
            failures.append(f"[{target}] {type(e).__name__}: {e}")
    for f in failures:
        print("FAIL", f)
    print(f"acl_py_check: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
