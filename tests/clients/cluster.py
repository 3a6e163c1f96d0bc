#!/usr/bin/python3
"""Runs a command against a throwaway local sandstore cluster.

Usage:
  cluster.py --binary PATH [--nodes 3] [--fsync always|no] [--timeout S]
             [--ready-timeout S] [--directive NAME VALUE]... [--keep]
             -- COMMAND [ARG...]

Starts --nodes sandstore processes on free loopback ports with data in a fresh
temp dir, waits (bounded) until they agree on a leader, then runs COMMAND with
these variables in its environment:

  SS_LEADER_PORT    client port of the node that was leader at start
  SS_FOLLOWER_PORT  client port of a follower that knows that leader
                    (equal to SS_LEADER_PORT for a one-node cluster)
  SS_PORTS          every client port, comma-separated, node 1 first
  SS_PIDS           every node's process id, in the same order

With --allow-kill, COMMAND may kill nodes with SIGKILL (a failover test): a
node that died of SIGKILL is not counted against the run.

COMMAND's exit status becomes ours, except that the run fails (status 1) when
the cluster never elects a leader, a node dies during the run, a node does not
shut down cleanly on SIGTERM, or a node printed a sanitizer report. Nodes are
always stopped and the temp dir removed (kept with --keep); on failure the
tail of every node's log is printed. Nodes also die with this process (PR_SET_PDEATHSIG), so a
CTest timeout that kills the driver does not leave them behind.

Standard library only: the driver must not depend on the client under test.
"""
import argparse
import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SANITIZER = re.compile(rb"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:")
PR_SET_PDEATHSIG = 1


def log(msg):
    print(f"cluster: {msg}", file=sys.stderr, flush=True)


def free_ports(n):
    """Distinct ports nobody listens on right now (bound together so they differ)."""
    socks, ports = [], []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def die_with_parent():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def command(port, *args, timeout=2.0):
    """One RESP command over a fresh connection; returns the raw reply bytes or None."""
    req = b"*%d\r\n" % len(args) + b"".join(
        b"$%d\r\n%s\r\n" % (len(a), a) for a in (x.encode() for x in args))
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(req)
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
                if data[:1] in (b"+", b"-", b":") and data.endswith(b"\r\n"):
                    break
                if data[:1] == b"$":
                    head, _, rest = data.partition(b"\r\n")
                    if _ and len(rest) >= int(head[1:]) + 2:
                        break
            return data
    except OSError:
        return None


def raft_info(port):
    raw = command(port, "INFO", "raft")
    if not raw or not raw.startswith(b"$"):
        return None
    info = {}
    for line in raw.decode(errors="replace").splitlines():
        k, sep, v = line.partition(":")
        if sep:
            info[k] = v
    return info


class Node:
    def __init__(self, node_id, port, raft_port, root):
        self.id, self.port, self.raft_port = node_id, port, raft_port
        self.dir = os.path.join(root, f"node{node_id}")
        self.log_path = os.path.join(self.dir, "stderr.log")
        self.proc = None

    def start(self, binary, peers, fsync, directives):
        os.makedirs(self.dir, exist_ok=True)
        args = [binary, "--port", str(self.port), "--raft-port", str(self.raft_port),
                "--dir", self.dir, "--raft-fsync", fsync, "--loglevel", "notice"]
        if peers:
            args += ["--node-id", str(self.id), "--peers", peers]
        for name, value in directives:
            args += ["--" + name, value]
        self.logf = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.logf,
                                     stderr=subprocess.STDOUT, preexec_fn=die_with_parent)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, grace):
        """SIGTERM, then SIGKILL after grace seconds; returns the exit status."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                log(f"node {self.id} ignored SIGTERM for {grace}s; killing it")
                self.proc.kill()
                self.proc.wait()
                self.logf.close()
                return -9
        self.logf.close()
        return self.proc.returncode

    def log_bytes(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()
        except OSError:
            return b""


def wait_for_leader(nodes, deadline):
    """(leader, follower) once a leader exists that every node names; None on timeout."""
    while time.monotonic() < deadline:
        if not all(n.alive() for n in nodes):
            return None
        infos = [raft_info(n.port) for n in nodes]
        if all(infos):
            leaders = [n for n, i in zip(nodes, infos) if i.get("raft_role") == "leader"]
            if len(leaders) == 1:
                lid = str(leaders[0].id) if len(nodes) > 1 else infos[0].get("raft_leader_id")
                if all(i.get("raft_leader_id") == lid for i in infos):
                    followers = [n for n in nodes if n is not leaders[0]]
                    return leaders[0], (followers[0] if followers else leaders[0])
        time.sleep(0.1)
    return None


def killed_on_purpose(node, opts):
    """A node the command killed with SIGKILL, when --allow-kill lets it."""
    return opts.allow_kill and node.proc is not None and node.proc.poll() == -signal.SIGKILL


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--nodes", type=int, default=3)
    ap.add_argument("--fsync", default="always", choices=["always", "no"])
    ap.add_argument("--timeout", type=float, default=300, help="bound on COMMAND")
    ap.add_argument("--ready-timeout", type=float, default=30)
    ap.add_argument("--directive", nargs=2, action="append", default=[],
                    metavar=("NAME", "VALUE"), help="passed to every node as --NAME VALUE")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--allow-kill", action="store_true",
                    help="COMMAND may SIGKILL nodes (SS_PIDS); those deaths are expected")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    opts = ap.parse_args()
    cmd = opts.cmd[1:] if opts.cmd[:1] == ["--"] else opts.cmd
    if not cmd:
        ap.error("no command to run")
    if not os.access(opts.binary, os.X_OK):
        log(f"no sandstore binary at {opts.binary}")
        return 1

    root = tempfile.mkdtemp(prefix="ss-clients-")
    nodes, failed = [], False
    # A CTest timeout or Ctrl-C must still stop the nodes: turn signals into exceptions.
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda s, f: (_ for _ in ()).throw(KeyboardInterrupt()))
    status = 1
    try:
        # A port picked free can be taken before the node binds it (another test
        # starting at the same moment): a node that dies at start-up gets the
        # whole cluster restarted on new ports, a bounded number of times.
        for attempt in range(3):
            ports = free_ports(2 * opts.nodes)
            gen = os.path.join(root, f"try{attempt}")
            nodes = [Node(i + 1, ports[2 * i], ports[2 * i + 1], gen) for i in range(opts.nodes)]
            peers = (",".join(f"{n.id}@127.0.0.1:{n.raft_port}" for n in nodes)
                     if opts.nodes > 1 else "")
            for n in nodes:
                n.start(opts.binary, peers, opts.fsync, opts.directive)
            found = wait_for_leader(nodes, time.monotonic() + opts.ready_timeout)
            if found or all(n.alive() for n in nodes):
                break
            died = [n for n in nodes if not n.alive()]
            log(f"node(s) {[n.id for n in died]} exited at start-up; retrying on new ports")
            for n in died:
                sys.stderr.write(n.log_bytes().decode(errors="replace")[-2000:])
            for n in nodes:
                n.stop(grace=15)
        if not found:
            log(f"no agreed leader within {opts.ready_timeout}s "
                f"(alive: {[n.id for n in nodes if n.alive()]})")
            failed = True
            return 1
        leader, follower = found
        env = dict(os.environ, SS_LEADER_PORT=str(leader.port),
                   SS_FOLLOWER_PORT=str(follower.port),
                   SS_PORTS=",".join(str(n.port) for n in nodes),
                   SS_PIDS=",".join(str(n.proc.pid) for n in nodes))
        log(f"{opts.nodes} node(s) up in {root}: leader node {leader.id} port {leader.port}, "
            f"follower node {follower.id} port {follower.port}")
        try:
            status = subprocess.run(cmd, env=env, timeout=opts.timeout).returncode
        except subprocess.TimeoutExpired:
            log(f"command still running after {opts.timeout}s; stopped it")
            status = 1
        dead = [n.id for n in nodes if not n.alive() and not killed_on_purpose(n, opts)]
        if dead:
            log(f"node(s) {dead} died during the run")
            status = 1
        return status
    except KeyboardInterrupt:
        log("interrupted")
        failed = True
        return 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for n in nodes:
            was_alive = n.alive()
            code = n.stop(grace=15)
            if code != 0 and not (not was_alive and killed_on_purpose(n, opts)):
                log(f"node {n.id} exited with status {code}"
                    + (" on SIGTERM" if was_alive else " before the end of the run"))
                failed = True
            text = n.log_bytes()
            if SANITIZER.search(text):
                log(f"node {n.id} printed a sanitizer report:")
                sys.stderr.write(text.decode(errors="replace"))
                failed = True
        if failed or status != 0 or opts.keep:
            for n in nodes:
                lines = n.log_bytes().decode(errors="replace").splitlines()
                log(f"--- node {n.id} log, last 30 of {len(lines)} lines ({n.log_path}) ---")
                for line in lines[-30:]:
                    sys.stderr.write(f"[node{n.id}] {line}\n")
        if opts.keep:
            log(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
        if failed:
            os._exit(1)


if __name__ == "__main__":
    sys.exit(main())
