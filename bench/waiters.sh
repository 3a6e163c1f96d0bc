#!/usr/bin/env bash
# bench/waiters.sh: 10,000 subscribers, then 10,000 clients blocked in BLPOP, on one node:
# the server's RSS per waiting client and the time to serve them all, Redis beside sandstore.
#
# Usage: bench/waiters.sh [-n CLIENTS] [-b BUILD_DIR]
#   -n CLIENTS   waiting connections per case (default 10000; the open-file limit must
#                allow that many for this shell, redis-server and sandstore)
#   -b BUILD_DIR where the sandstore binary lives (default build-bench)
# sandstore runs as the leader of a 3-node cluster (the waiters connect to it;
# the PUBLISH and the pushes are log entries). Runs bench/waiters.py against
# each and prints its CSV: case, clients, RSS before and after (kB), kB per
# client, ms to serve them (the blpop case serves 500 of them). Stops and removes
# everything on exit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
n=10000 build="$root/build-bench"
while getopts "n:b:h" opt; do
  case $opt in
    n) n=$OPTARG ;;
    b) build=$(cd "$OPTARG" 2>/dev/null && pwd || echo "$OPTARG") ;;
    *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done
. "$here/lib.sh"
bench_binary "$build" "$root"

. "$(dirname "$0")/lib.sh"
bench_init ss-waiters
maxc=$((n + 100))

redis_port=$(free_port)
mkdir -p "$tmp/redis"
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$tmp/redis" --save '' --appendonly no \
  --maxclients "$maxc" --logfile "$tmp/redis/redis.log" --daemonize no &
redis_pid=$!
pids+=($redis_pid)
wait_ping "$redis_port"

ports=() rafts=() peers=""
for i in 1 2 3; do
  ports+=("$(free_port)") rafts+=("$(free_port)")
  peers+="${peers:+,}$i@127.0.0.1:${rafts[$((i - 1))]}"
done
declare -A ss_pid
for i in 1 2 3; do
  mkdir -p "$tmp/n$i"
  "$bin" --port "${ports[$((i - 1))]}" --node-id "$i" --raft-port "${rafts[$((i - 1))]}" --peers "$peers" \
    --dir "$tmp/n$i" --maxclients "$maxc" --logfile "$tmp/n$i/sandstore.log" &
  pids+=($!)
  ss_pid[${ports[$((i - 1))]}]=$!
done
for p in "${ports[@]}"; do wait_ping "$p"; done
leader=$(wait_leader "${ports[@]}")

echo "server,case,clients,rss_before_kb,rss_after_kb,kb_per_client,ms"
python3 "$here/waiters.py" "$redis_port" "$redis_pid" "$n" | sed 's/^/redis-7.0,/'
python3 "$here/waiters.py" "$leader" "${ss_pid[$leader]}" "$n" | sed 's/^/sandstore-leader,/'
