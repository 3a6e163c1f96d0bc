#!/usr/bin/env bash
# bench/memory.sh: the resident memory of a sandstore node holding many keys,
# with the record cache at its default size and without it.
#
# Usage: bench/memory.sh [-n KEYS] [-d BYTES] [-b BUILD_DIR] [-s SIZES]
#   -n KEYS      distinct keys loaded (default 1000000)
#   -d BYTES     value size in bytes (default 64)
#   -b BUILD_DIR where the sandstore binary lives (default build-bench); built
#                with `cmake --build BUILD_DIR --target sandstore` if missing
#   -s SIZES     keyspace-cache-size values to measure, comma-separated
#                (default "64mb,0": the default size, then the cache off)
# Environment: BENCH_TMPDIR puts the data on another disk (default $TMPDIR or /tmp).
#
# For each size, one single node (raft-fsync always, default snapshots) gets
# KEYS keys (SET key:<n>, pipelined 4000 deep on one connection), then every key
# is read once with GET (checked) so that the cache holds what reads bring in
# too. Its VmRSS (/proc/PID/status), INFO's used_memory, used_memory_leveldb and
# keyspace_cache_bytes are printed after the load and after the reads, as a
# table; the node is stopped and its data removed before the next size.
set -eEuo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
keys=1000000 vsize=64 build="$root/build-bench" sizes="64mb,0"
while getopts "n:d:b:s:h" opt; do
  case $opt in
    n) keys=$OPTARG ;;
    d) vsize=$OPTARG ;;
    s) sizes=$OPTARG ;;
    b) build=$(cd "$OPTARG" 2>/dev/null && pwd || echo "$OPTARG") ;;
    *) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done
invocation="bench/memory.sh -n $keys -d $vsize -b $build -s $sizes"

. "$here/lib.sh"
bench_binary "$build" "$root" redis-cli /usr/bin/python3

. "$here/lib.sh"
bench_init ss-memory
trap 'echo "bench: command failed at line $LINENO" >&2' ERR

# SET (or GET, checking each value) key:<n> for every n, pipelined.
cat >"$tmp/drive.py" <<'EOF'
import socket, sys
cmd, port, keys, vsize = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
BATCH, DEPTH = 1000, 4
s = socket.create_connection(("127.0.0.1", port))
val = b"v" * vsize
want = b"+OK" if cmd == "SET" else b"$%d" % vsize
buf = b""
ok = errors = 0
def line():
    global buf
    while True:
        i = buf.find(b"\r\n")
        if i >= 0:
            l, buf = buf[:i], buf[i + 2:]
            return l
        chunk = s.recv(1 << 20)
        if not chunk:
            raise SystemExit("connection closed")
        buf += chunk
def read_replies(count):
    global ok, errors
    for _ in range(count):
        l = line()
        good = l == want and (cmd == "SET" or line() == val)
        ok += good
        errors += not good
inflight = []
for start in range(0, keys, BATCH):
    cmds = []
    for n in range(start, min(start + BATCH, keys)):
        k = b"key:%07d" % n
        if cmd == "SET":
            cmds.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(val), val))
        else:
            cmds.append(b"*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n" % (len(k), k))
    s.sendall(b"".join(cmds))
    inflight.append(len(cmds))
    if len(inflight) >= DEPTH:
        read_replies(inflight.pop(0))
for c in inflight:
    read_replies(c)
print(ok, errors)
EOF

info() { redis-cli -p "$1" info "$2" | tr -d '\r' | sed -n "s/^$3://p"; }
mb() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1048576}'; }

rows=()
load_before="$(uptime)"
IFS=, read -r -a size_list <<<"$sizes"
for size in "${size_list[@]}"; do
  port=$(free_port) raft_port=$(free_port)
  d="$tmp/node-$size"
  mkdir -p "$d"
  "$bin" --port "$port" --raft-port "$raft_port" --dir "$d" --raft-fsync always \
    --keyspace-cache-size "$size" --logfile "$d/sandstore.log" &
  pid=$!
  pids+=("$pid")
  wait_ping "$port"
  wait_leader "$port" >/dev/null
  for phase in SET GET; do
    t0=$SECONDS
    out=$(/usr/bin/python3 "$tmp/drive.py" "$phase" "$port" "$keys" "$vsize" 2>&1) || true
    [ "$out" = "$keys 0" ] || { echo "bench: $phase on cache $size failed: $out" >&2; exit 1; }
    rss_kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
    used=$(info "$port" memory used_memory)
    ldb=$(info "$port" memory used_memory_leveldb)
    kc=$(info "$port" stats keyspace_cache_bytes)
    hits=$(info "$port" stats keyspace_cache_hits)
    misses=$(info "$port" stats keyspace_cache_misses)
    row="| $size | after ${phase} of every key ($((SECONDS - t0)) s) | $(mb $((rss_kb * 1024))) | $(mb "$used") | $(mb "$ldb") | $(mb "$kc") | $hits / $misses |"
    echo "bench: $row"
    rows+=("$row")
  done
  kill -TERM "$pid"
  wait "$pid" || true
  rm -rf "$d"
done
load_after="$(uptime)"

echo
echo "\`$invocation\` on $(date -u '+%Y-%m-%d %H:%M UTC'); load before: ${load_before##*average: }, after: ${load_after##*average: }"
echo
echo "| keyspace-cache-size | when | VmRSS MB | used_memory MB | LevelDB MB | cache MB | cache hits / misses |"
echo "|---|---|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
