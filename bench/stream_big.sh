#!/usr/bin/env bash
# bench/stream_big.sh: commands on a big value, Redis beside one sandstore node.
#
# Usage: bench/stream_big.sh [-w WORKLOAD] [-n ENTRIES] [-k SAMPLES] [-b BUILD_DIR]
#   -w WORKLOAD  stream_big (default: a stream of ENTRIES entries) or
#                big_values (a 100 MB bitmap and a geo set of ENTRIES members)
#   -n ENTRIES   entries loaded before timing (default 1000000)
#   -k SAMPLES   single commands timed per case (default 200)
#   -b BUILD_DIR where the sandstore binary lives (default build-bench)
# Both durable on every write: redis-server --appendonly yes --appendfsync
# always, sandstore --raft-fsync always (a one-member cluster). Runs
# bench/WORKLOAD.py against each (see it for the cases) and prints its CSV
# side by side: median and p99 latency in ms per case, and the load rate.
# Stops and removes everything on exit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
n=1000000 k=200 build="$root/build-bench" workload=stream_big
while getopts "w:n:k:b:h" opt; do
  case $opt in
    w) workload=$OPTARG ;;
    n) n=$OPTARG ;;
    k) k=$OPTARG ;;
    b) build=$(cd "$OPTARG" 2>/dev/null && pwd || echo "$OPTARG") ;;
    *) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done
case $workload in
  stream_big) wargs=(-n "$n") what="Stream of $n entries" ;;
  big_values) wargs=(--geo "$n") what="Bitmap of 100 MB and geo set of $n members" ;;
  *) echo "bench: unknown workload $workload" >&2; exit 2 ;;
esac
. "$here/lib.sh"
bench_binary "$build" "$root"

. "$(dirname "$0")/lib.sh"
bench_init ss-bench

redis_port=$(free_port)
mkdir -p "$tmp/redis"
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$tmp/redis" --appendonly yes \
  --appendfsync always --save '' --logfile "$tmp/redis/redis.log" --daemonize no &
pids+=($!)
ss_port=$(free_port) ss_raft=$(free_port)
mkdir -p "$tmp/single"
"$bin" --port "$ss_port" --raft-port "$ss_raft" --dir "$tmp/single" \
  --raft-fsync always --logfile "$tmp/single/sandstore.log" &
pids+=($!)
wait_ping "$redis_port"
wait_ping "$ss_port"

/usr/bin/python3 "$here/$workload.py" -p "$redis_port" "${wargs[@]}" -k "$k" >"$tmp/redis.csv"
/usr/bin/python3 "$here/$workload.py" -p "$ss_port" "${wargs[@]}" -k "$k" >"$tmp/single.csv"
echo "$what, $k samples per case; ms (median / p99), LOAD rates per second."
echo "Run: bench/stream_big.sh -w $workload -n $n -k $k -b $build ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "| case | redis median | redis p99 | sandstore median | sandstore p99 |"
echo "|---|---:|---:|---:|---:|"
paste -d, "$tmp/redis.csv" "$tmp/single.csv" | tr -d '"' |
  awk -F, '$1 ~ /^LOAD/ { printf "| %s | %s | | %s | |\n", $1, $2, $4; next }
           { printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $5, $6 }'
