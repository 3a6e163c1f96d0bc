#!/usr/bin/python3
"""Celery (Debian's python3-celery) with its Redis broker and result backend on
a follower of a running sandstore cluster, across a kill -9 of the leader.

Usage (under cluster.py --allow-kill, which sets SS_LEADER_PORT,
SS_FOLLOWER_PORT, SS_PORTS and SS_PIDS):
  /usr/bin/python3 celery_check.py

1. A worker (`celery -A celery_check worker -P threads`, a subprocess) fetches
   jobs from the follower with BRPOP (kombu's Redis transport: LPUSH, BRPOP,
   MULTI/EXEC pipelines, the unacked ZSET/HASH, PUBLISH for the control
   fanout); the result backend stores each result with SET and PUBLISH inside
   MULTI and the caller waits for it with SUBSCRIBE.
2. 120 tasks are sent and every result is fetched with result.get and checked;
   then a group, a chord, a task with a countdown and a control ping.
3. 80 more are sent, the leader is killed with SIGKILL once some of them are
   done, and every task must still complete with the right result. Celery's
   delivery is at least once: a send whose reply was lost with the leader is
   retried, so a task may run twice, but every result acknowledged to the
   caller must be right.
Exit status 1 on any failure, 77 (CTest "skipped") when celery is missing.
"""
import os
import signal
import subprocess
import sys
import threading
import time

try:
    from celery import Celery, chord, group
except ImportError:
    print("celery_check: no 'celery' module for", sys.executable,
          "(install Debian's python3-celery and run with /usr/bin/python3)")
    sys.exit(77)

URL = "redis://127.0.0.1:%s/0" % os.environ.get("SS_FOLLOWER_PORT", "6379")

app = Celery("celery_check", broker=URL, backend=URL)
app.conf.update(
    task_serializer="json", result_serializer="json", accept_content=["json"],
    # A lost connection (the leader died under the follower) is retried, not fatal.
    broker_connection_retry=True, broker_connection_max_retries=None,
    broker_transport_options={"visibility_timeout": 10},
    result_backend_transport_options={"retry_policy": {"timeout": 20.0}},
    worker_prefetch_multiplier=1, task_acks_late=False, worker_hijack_root_logger=False,
)


@app.task(name="celery_check.mul")
def mul(x, y):
    return {"product": x * y, "args": [x, y]}


@app.task(name="celery_check.total")
def total(results):
    return sum(r["product"] for r in results)


def features(failures):
    """A group, a chord (the backend's RPUSH/LLEN/LRANGE counter in MULTI), a countdown
    (ETA: the unacked hash and ZSET) and the control fanout (PUBLISH/SUBSCRIBE pidbox)."""
    got = group(mul.s(i, i + 7) for i in range(10))().get(timeout=20)
    if got != [want(i) for i in range(10)]:
        failures.append(f"group: got {got!r}")
    got = chord((mul.s(i, i + 7) for i in range(10)), total.s())().get(timeout=20)
    if got != sum(want(i)["product"] for i in range(10)):
        failures.append(f"chord: got {got!r}")
    got = mul.apply_async((3, 4), countdown=1).get(timeout=20)
    if got != {"product": 12, "args": [3, 4]}:
        failures.append(f"countdown: got {got!r}")
    got = app.control.ping(timeout=2)
    if [list(r.values()) for r in got] != [[{"ok": "pong"}]]:
        failures.append(f"control ping: got {got!r}")


def want(i):
    return {"product": i * (i + 7), "args": [i, i + 7]}


def send(i, deadline):
    """apply_async, retried while the cluster elects a new leader."""
    while True:
        try:
            return mul.apply_async((i, i + 7), retry=True,
                                   retry_policy={"max_retries": 20, "interval_start": 0.2,
                                                 "interval_step": 0.5, "interval_max": 1.0})
        except Exception as e:  # noqa: BLE001 - any transport error during failover
            if time.monotonic() > deadline:
                raise
            print(f"celery_check: send {i} failed ({type(e).__name__}: {e}); retrying",
                  flush=True)
            time.sleep(0.5)


def failed(res):
    try:
        return res.state == "FAILURE"
    except Exception:  # noqa: BLE001 - the backend read itself met the election
        return False


def collect(pending, deadline, on_progress=None):
    """result.get for every (i, AsyncResult), retried until deadline. Returns the wrong
    results (failures) and the tasks left without a result (i, reason)."""
    wrong, missing, done = [], [], 0
    for i, res in pending:
        got = None
        while True:
            try:
                got = res.get(timeout=max(1.0, deadline - time.monotonic()), interval=0.1)
                break
            except Exception as e:  # noqa: BLE001 - timeouts, connection errors, TRYAGAIN
                # FAILURE: the worker stored the error its result write met (TRYAGAIN).
                if time.monotonic() > deadline or failed(res):
                    missing.append((i, f"{res.id}: {type(e).__name__}: {e}"))
                    break
                print(f"celery_check: get {i} failed ({type(e).__name__}: {e}); retrying",
                      flush=True)
                time.sleep(0.5)
        if got is not None and got != want(i):
            wrong.append(f"task {i}: got {got!r}, want {want(i)!r}")
        done += 1
        if on_progress:
            on_progress(done)
    return wrong, missing


class Worker:
    """The celery worker, restarted when it exits, as systemd's Restart=always would: a
    write whose outcome the leader's death left unknown answers -TRYAGAIN (README), and
    kombu's Redis transport treats any error reply as unrecoverable (it reconnects only
    after connection errors)."""

    def __init__(self, argv, cwd, env):
        self.argv, self.cwd, self.env = argv, cwd, env
        self.restarts, self.stopping = 0, False
        self.proc = self._spawn()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _spawn(self):
        return subprocess.Popen(self.argv, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL)

    def _watch(self):
        while not self.stopping and self.restarts < 5:
            self.proc.wait()
            if self.stopping:
                return
            self.restarts += 1
            print(f"celery_check: the worker exited with {self.proc.returncode}; restarting it",
                  flush=True)
            time.sleep(0.5)
            if not self.stopping:
                self.proc = self._spawn()

    def stop(self):
        self.stopping = True
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.thread.join(5)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ, PYTHONPATH=here + os.pathsep + os.environ.get("PYTHONPATH", ""))
    argv = [sys.executable, "-m", "celery", "-A", "celery_check", "worker", "-P", "threads",
            "-c", "4", "--without-gossip", "--without-mingle", "--without-heartbeat",
            "-l", "WARNING", "-n", "ss_check@%h"]
    worker = Worker(argv, here, env)
    failures = []
    try:
        deadline = time.monotonic() + 25
        first = [(i, send(i, deadline)) for i in range(120)]
        wrong, missing = collect(first, deadline)
        failures += wrong + [f"task {i}: no result: {why}" for i, why in missing]
        features(failures)
        print(f"celery_check: {len(first)} tasks, a group, a chord, a countdown and a "
              "control ping through the follower, "
              f"{len(failures)} failures", flush=True)

        pids = [int(p) for p in os.environ.get("SS_PIDS", "").split(",") if p]
        ports = os.environ.get("SS_PORTS", "").split(",")
        leader_port = os.environ.get("SS_LEADER_PORT")
        victim = pids[ports.index(leader_port)] if leader_port in ports and pids else None

        deadline = time.monotonic() + 20
        second = [(i, send(i, deadline)) for i in range(120, 200)]

        def kill_leader(done):
            if done == 20 and victim and victim != os.getpid():
                print(f"celery_check: killing the leader (pid {victim}) after {done} results",
                      flush=True)
                os.kill(victim, signal.SIGKILL)
        wrong, missing = collect(second, deadline, kill_leader)
        failures += wrong
        # A task whose ack or result write met the leader's death may be lost (-TRYAGAIN:
        # outcome unknown; Celery acknowledges before running): the caller sends it again,
        # once, and that result must then arrive and be right.
        if missing:
            print(f"celery_check: {len(missing)} task(s) without a result after the leader's "
                  f"death, sent again: {missing}", flush=True)
            deadline = time.monotonic() + 15
            again = [(i, send(i, deadline)) for i, _ in missing]
            wrong, missing = collect(again, deadline)
            failures += wrong + [f"task {i}: no result after a resend: {why}"
                                 for i, why in missing]
        print(f"celery_check: {len(second)} tasks across the leader's death, "
              f"{len(failures)} failures", flush=True)
    finally:
        worker.stop()
    if worker.restarts:
        print(f"celery_check: the worker exited {worker.restarts} time(s) and was restarted "
              "(see the README: a write whose leader changed answers -TRYAGAIN, which "
              "kombu treats as unrecoverable)", flush=True)
    for f in failures[:30]:
        print("FAIL:", f)
    if failures:
        print(f"celery_check: {len(failures)} failures")
        return 1
    print("celery_check: ok (200 tasks, every result right)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
