#!/usr/bin/env bash
# bench/restart.sh: how long a sandstore node takes to serve again after a restart,
# with the log compacted behind snapshots and without.
#
# Usage: bench/restart.sh [-n KEYS] [-d BYTES] [-r ROUNDS] [-b BUILD_DIR] [-k]
#   -n KEYS      distinct keys loaded before the restarts (default 1000000)
#   -d BYTES     value size in bytes (default 32)
#   -r ROUNDS    restarts measured per case; each figure is the median (default 3)
#   -b BUILD_DIR where the sandstore binary lives (default build-bench); built
#                with `cmake --build BUILD_DIR --target sandstore` if missing
#   -k           keep the data directory (its path is printed)
# Environment: BENCH_TMPDIR puts the data on another disk (default $TMPDIR or /tmp).
#
# Two single nodes (no peers, raft-fsync always), one after the other, get the
# same KEYS distinct keys (SET key:<n>, pipelined 4000 deep on one connection):
#   snap    default snapshot settings: the log is compacted behind snapshots
#   nosnap  snapshot-threshold 0 and snapshot-threshold-bytes 0: the whole log stays
# Each is stopped with SIGTERM, then restarted ROUNDS times per case; a restart
# is timed from the process start to PING answered ("ping") and to
# raft_last_applied_index back at its value before the restart ("applied"):
#   a  snap as stopped: LevelDB state + the log after the last snapshot
#   b  nosnap as stopped: LevelDB state + the whole log, read at start
#   c  snap with the state directory removed: the state is rebuilt from the snapshot file
#   d  nosnap with the state directory removed: the whole log is replayed
# Cases c and d start from a copy of the stopped directory each round. Every
# restart is checked (DBSIZE = KEYS, first and last key). Prints the medians as a
# table, writes it to bench/results/restart.md (git-ignored) with the command
# line and the load average, and stops and removes everything on exit.
set -eEuo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
keys=1000000 vsize=32 rounds=3 build="$root/build-bench" keep=0
while getopts "n:d:r:b:kh" opt; do
  case $opt in
    n) keys=$OPTARG ;;
    d) vsize=$OPTARG ;;
    r) rounds=$OPTARG ;;
    b) build=$(cd "$OPTARG" 2>/dev/null && pwd || echo "$OPTARG") ;;
    k) keep=1 ;;
    *) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done
invocation="bench/restart.sh -n $keys -d $vsize -r $rounds -b $build"

. "$here/lib.sh"
bench_binary "$build" "$root" redis-cli /usr/bin/python3

tmp="$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/ss-restart-XXXXXX")"
pids=()
stop_pid() {  # pid: SIGTERM, then SIGKILL after 30 s
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 300); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  echo "bench: pid $pid ignored SIGTERM for 30 s; killed" >&2
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  if [ $keep = 1 ]; then echo "bench: kept $tmp"; else rm -rf "$tmp"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'echo "bench: command failed at line $LINENO" >&2' ERR

. "$(dirname "$0")/lib.sh"  # free_port

info() {  # port field
  redis-cli -p "$1" info raft 2>/dev/null | tr -d '\r' | sed -n "s/^$2://p"
}

# Starts the node and prints "pid ping_ms applied_ms": milliseconds from the
# start until PING is answered and until the applied index reaches target. The
# node keeps running (the caller stops it by pid).
cat >"$tmp/start.py" <<'EOF'
import socket, subprocess, sys, time
port, target, errlog = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
cmd = sys.argv[4:]

def request(args):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.sendall(("*%d\r\n" % len(args) + "".join("$%d\r\n%s\r\n" % (len(a), a) for a in args)).encode())
        buf = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                raise OSError("closed")
            buf += chunk
            if buf[:1] in (b"+", b"-") and buf.endswith(b"\r\n"):
                return buf[1:-2].decode()
            if buf[:1] == b"$":
                head, _, rest = buf.partition(b"\r\n")
                if len(rest) >= int(head[1:]) + 2:
                    return rest[:int(head[1:])].decode()
    finally:
        s.close()

t0 = time.monotonic()
proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                        stderr=open(errlog, "ab"), start_new_session=True)
ping = applied = None
deadline = t0 + 900
while time.monotonic() < deadline and applied is None:
    if proc.poll() is not None:
        print(proc.pid, "exited", proc.returncode)
        sys.exit(0)
    try:
        if ping is None and request(["PING"]) == "PONG":
            ping = time.monotonic()
        if ping is not None:
            for line in request(["INFO", "raft"]).splitlines():
                if line.startswith("raft_last_applied_index:") and int(line.split(":")[1]) >= target:
                    applied = time.monotonic()
    except (OSError, ValueError):
        pass
    if applied is None:
        time.sleep(0.005)
if applied is None:
    print(proc.pid, "timeout", -1)
else:
    print(proc.pid, "%.0f" % ((ping - t0) * 1000), "%.0f" % ((applied - t0) * 1000))
EOF

# SET key:<n> <value> for n < keys, pipelined on one connection with a bounded
# number in flight (an unbounded pipe is refused with BUSY once the node's
# queue of proposals is full); prints "ok errors".
cat >"$tmp/load.py" <<'EOF'
import socket, sys
port, keys, vsize = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
BATCH, DEPTH = 1000, 4
s = socket.create_connection(("127.0.0.1", port))
val = b"v" * vsize
buf = b""
ok = errors = 0
def read_replies(count):
    global buf, ok, errors
    while count:
        i = buf.find(b"\r\n")
        if i < 0:
            chunk = s.recv(1 << 20)
            if not chunk:
                raise SystemExit("connection closed")
            buf += chunk
            continue
        line, buf = buf[:i], buf[i + 2:]
        if line == b"+OK":
            ok += 1
        else:
            errors += 1
            if errors <= 3:
                print(line.decode(errors="replace"), file=sys.stderr)
        count -= 1
inflight = []
for start in range(0, keys, BATCH):
    cmds = []
    for n in range(start, min(start + BATCH, keys)):
        k = b"key:%07d" % n
        cmds.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(val), val))
    s.sendall(b"".join(cmds))
    inflight.append(len(cmds))
    if len(inflight) >= DEPTH:
        read_replies(inflight.pop(0))
for c in inflight:
    read_replies(c)
print(ok, errors)
EOF

port=$(free_port) raft_port=$(free_port)
declare -A opts=(
  [snap]=""
  [nosnap]="--snapshot-threshold 0 --snapshot-threshold-bytes 0"
)
declare -A target=() figures=()

node_cmd() {  # dir config -> the command line words
  # shellcheck disable=SC2086
  echo "$bin --port $port --raft-port $raft_port --dir $1 --raft-fsync always --logfile $1/sandstore.log ${opts[$2]}"
}

dir_mb() { du -sk "$@" 2>/dev/null | awk '{s += $1} END {printf "%.1f", s / 1024}'; }

describe() {  # dir config -> one line of figures about what is on disk
  local d=$1
  printf 'log %s..%s, raft/ %s MB, snapshots/ %s MB, state %s MB' \
    "$(info "$port" raft_log_first_index)" "$(info "$port" raft_log_last_index)" \
    "$(dir_mb "$d/raft")" "$(dir_mb "$d/snapshots")" "$(dir_mb "$d"/state*)"
}

check_data() {  # case
  local n first last
  n=$(redis-cli -p "$port" dbsize | tr -d '\r')
  first=$(redis-cli -p "$port" exists key:0000000 | tr -d '\r')
  last=$(redis-cli -p "$port" exists "$(printf 'key:%07d' $((keys - 1)))" | tr -d '\r')
  if [ "$n" != "$keys" ] || [ "$first" != 1 ] || [ "$last" != 1 ]; then
    echo "bench: case $1: data not intact after restart (dbsize $n, first $first, last $last)" >&2
    exit 1
  fi
}

load_node() {  # config
  local d="$tmp/$1"
  mkdir -p "$d"
  # shellcheck disable=SC2046
  $(node_cmd "$d" "$1") 2>>"$d/stderr.log" &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 300); do [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done
  local t0=$SECONDS out
  out=$(/usr/bin/python3 "$tmp/load.py" "$port" "$keys" "$vsize" 2>&1) || true
  [ "$out" = "$keys 0" ] || { echo "bench: load into $1 failed: $out" >&2; exit 1; }
  # Let a snapshot being built finish: what is on disk at the stop is what is measured.
  for _ in $(seq 600); do [ "$(info "$port" raft_snapshot_in_progress)" != 1 ] && break; sleep 0.1; done
  target[$1]=$(info "$port" raft_last_applied_index)
  figures[$1]="$(describe "$d"), $(info "$port" raft_snapshots_taken) snapshots taken"
  echo "bench: $1: $keys keys loaded in $((SECONDS - t0)) s; applied ${target[$1]}; ${figures[$1]}"
  stop_pid "$pid"
  wait "$pid" 2>/dev/null || true
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

declare -A ping_ms=() applied_ms=()
measure() {  # case config wipe_state
  local c=$1 cfg=$2 d="$tmp/$2"
  if [ "$3" = 1 ]; then
    d="$tmp/scratch"
    rm -rf "$d"
    cp -a "$tmp/$cfg" "$d"
    rm -rf "$d"/state* "$d/STATE"
  fi
  local res pid p a
  # shellcheck disable=SC2046
  res=$(/usr/bin/python3 "$tmp/start.py" "$port" "${target[$cfg]}" "$d/stderr.log" $(node_cmd "$d" "$cfg"))
  read -r pid p a <<<"$res"
  pids+=("$pid")
  if [ "$p" = exited ] || [ "$p" = timeout ]; then
    echo "bench: case $c: the node $p ($a); see $d/sandstore.log" >&2
    tail -5 "$d/sandstore.log" >&2 || true
    exit 1
  fi
  check_data "$c"
  stop_pid "$pid"
  ping_ms[$c]+="$p " applied_ms[$c]+="$a "
  printf 'bench: case %s round %d: ping %6d ms, applied %6d ms\n' "$c" "$round" "$p" "$a"
}

echo "bench: $keys keys of $vsize B, data in $tmp"
load_before="$(uptime)"
load_node snap
load_node nosnap
for ((round = 1; round <= rounds; round++)); do
  measure a snap 0
  measure b nosnap 0
  measure c snap 1
  measure d nosnap 1
done
load_after="$(uptime)"

declare -A what=(
  [a]="snapshots on (default), as stopped"
  [b]="snapshot-threshold 0: whole log on disk"
  [c]="snapshots on, state dir removed: load snapshot"
  [d]="snapshot-threshold 0, state dir removed: replay log"
)
mkdir -p "$here/results"
report="$here/results/restart.md"
{
  echo "## Restart time, $keys keys of $vsize B, single node (median of $rounds)"
  echo
  echo "\`$invocation\` on $(date -u '+%Y-%m-%d %H:%M UTC'); load before: ${load_before##*average: }, after: ${load_after##*average: }"
  echo
  echo "| case | to PING (ms) | to applied (ms) | on disk at start |"
  echo "|---|---:|---:|---|"
  for c in a b c d; do
    case $c in a | c) cfg=snap ;; *) cfg=nosnap ;; esac
    echo "| $c: ${what[$c]} | $(median <<<"${ping_ms[$c]}") | $(median <<<"${applied_ms[$c]}") | ${figures[$cfg]} |"
  done
} >"$report"
echo
cat "$report"
