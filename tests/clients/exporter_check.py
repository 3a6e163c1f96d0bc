#!/usr/bin/python3
"""Debian's prometheus-redis-exporter scrapes a sandstore node as it would a Redis 7.

Usage: SS_LEADER_PORT=P SS_FOLLOWER_PORT=Q /usr/bin/python3 exporter_check.py
(normally under cluster.py). Writes keys (some with a TTL) and runs commands
through the follower, then points the exporter at the follower and checks what
it exports: the node is up, the scrape had no error and the exporter logged
none, and the keys, expiring keys, avg TTL, memory, clients and per-command
counts (calls, failed calls, errors by code) are the numbers the writes imply.
Exit status 1 if any check failed, 77 if the exporter or the redis module is
missing (apt install prometheus-redis-exporter python3-redis).
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

EXPORTER = shutil.which("prometheus-redis-exporter")
if EXPORTER is None:
    print("exporter_check: prometheus-redis-exporter is not installed")
    sys.exit(77)
try:
    import redis
except ImportError:
    print("exporter_check: no 'redis' module for", sys.executable)
    sys.exit(77)

failures = []


def check(what, cond, detail=""):
    if not cond:
        failures.append(f"{what} {detail}".rstrip())
        print("FAIL:", what, detail, flush=True)
    else:
        print("ok:", what, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def metrics(url, deadline):
    """{name{labels}: value} of one scrape, retried until the exporter listens."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:
                text = resp.read().decode()
            break
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)
    out = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, _, value = line.rpartition(" ")
        try:
            out[name] = float(value)
        except ValueError:
            pass
    return out


def main():
    port = int(os.environ["SS_FOLLOWER_PORT"])
    r = redis.Redis(port=port)
    r.flushall()
    for i in range(50):
        r.set(f"plain:{i}", i)
    for i in range(20):
        r.set(f"ttl:{i}", i, ex=3600)
    r.hset("h", mapping={"a": 1, "b": 2})
    for i in range(7):
        r.get(f"plain:{i}")
    try:
        r.incrby("h", 1)
    except redis.ResponseError:
        pass
    # The writes applied here before the exporter looks (a follower applies
    # them after the leader acknowledges).
    deadline = time.time() + 30
    while r.dbsize() != 71 and time.time() < deadline:
        time.sleep(0.1)

    web = free_port()
    log_path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"exporter-{os.getpid()}.log")
    with open(log_path, "w") as log:
        exp = subprocess.Popen([EXPORTER, "-redis.addr", f"redis://127.0.0.1:{port}",
                                "-web.listen-address", f"127.0.0.1:{web}"],
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{web}/metrics"
        m = metrics(url, time.time() + 30)
        # A second scrape: errors the exporter logs once show up by now.
        m = metrics(url, time.time() + 30)
    finally:
        exp.terminate()
        exp.wait(timeout=10)
    with open(log_path) as f:
        log_text = f.read()
    os.unlink(log_path)

    check("the node is up", m.get("redis_up") == 1.0, str(m.get("redis_up")))
    check("the scrape had no error", m.get('redis_exporter_last_scrape_error{err=""}') == 0.0,
          str([k for k in m if k.startswith("redis_exporter_last_scrape_error")]))
    errors = [line for line in log_text.splitlines() if "level=error" in line or "level=warn" in line]
    check("the exporter logged no error", not errors, "\n".join(errors))
    check("keys", m.get('redis_db_keys{db="db0"}') == 71.0, str(m.get('redis_db_keys{db="db0"}')))
    check("expiring keys", m.get('redis_db_keys_expiring{db="db0"}') == 20.0,
          str(m.get('redis_db_keys_expiring{db="db0"}')))
    ttl = m.get('redis_db_avg_ttl_seconds{db="db0"}', 0)
    check("average TTL", 3000 < ttl <= 3600, str(ttl))
    used = m.get("redis_memory_used_bytes", 0)
    check("memory used", used > 1 << 20, str(used))
    check("memory rss", m.get("redis_memory_used_rss_bytes", 0) >= used * 0.5,
          str(m.get("redis_memory_used_rss_bytes")))
    check("memory peak", m.get("redis_memory_used_peak_bytes", 0) >= used * 0.9,
          str(m.get("redis_memory_used_peak_bytes")))
    # redis-py's connection and the exporter's own.
    check("clients", m.get("redis_connected_clients", 0) >= 2, str(m.get("redis_connected_clients")))
    # Writes count where they are applied: on this follower too.
    check("SET calls", m.get('redis_commands_total{cmd="set"}', 0) >= 70,
          str(m.get('redis_commands_total{cmd="set"}')))
    check("GET calls", m.get('redis_commands_total{cmd="get"}') == 7.0,
          str(m.get('redis_commands_total{cmd="get"}')))
    check("INCRBY failed", m.get('redis_commands_failed_calls_total{cmd="incrby"}') == 1.0,
          str(m.get('redis_commands_failed_calls_total{cmd="incrby"}')))
    check("WRONGTYPE counted", m.get('redis_errors_total{err="WRONGTYPE"}') == 1.0,
          str([k for k in m if k.startswith("redis_errors_total")]))
    check("commands processed", m.get("redis_commands_processed_total", 0) >= 80,
          str(m.get("redis_commands_processed_total")))
    check("net input", m.get("redis_net_input_bytes_total", 0) > 1000, str(m.get("redis_net_input_bytes_total")))
    if failures:
        print(f"{len(failures)} checks failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
