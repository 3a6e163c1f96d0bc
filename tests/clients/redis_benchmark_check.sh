#!/usr/bin/env bash
# redis-benchmark's whole default suite (no -t: PING, SET, GET, INCR, LPUSH,
# RPUSH, LPOP, RPOP, SADD, HSET, SPOP, ZADD, ZPOPMIN, LPUSH+LRANGE_100..600,
# MSET), unpipelined and with -P 16, through the leader and through a
# follower. redis-benchmark exits on the first error reply, so each run must
# exit 0 and print no error. Exit 77 (CTest "skipped") without redis-benchmark.
# Usage (under cluster.py, which sets SS_LEADER_PORT / SS_FOLLOWER_PORT):
#   tests/clients/cluster.py --binary build/sandstore -- tests/clients/redis_benchmark_check.sh
# BENCH_N overrides the request count per test (default 2000).
set -uo pipefail
command -v redis-benchmark >/dev/null || { echo "redis_benchmark_check: redis-benchmark not installed; skipping"; exit 77; }
: "${SS_LEADER_PORT:?run under cluster.py}" "${SS_FOLLOWER_PORT:?run under cluster.py}"
n="${BENCH_N:-2000}"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
failed=0
for target in leader follower; do
  port=$SS_LEADER_PORT
  [ "$target" = follower ] && port=$SS_FOLLOWER_PORT
  for pipeline in 1 16; do
    cmd=(redis-benchmark -h 127.0.0.1 -p "$port" -n "$n" -c 50 -P "$pipeline" -q)
    echo "== $target (port $port), -P $pipeline: ${cmd[*]}"
    # A stuck server must not hang CI: bound each suite.
    timeout 240 "${cmd[@]}" >"$out" 2>&1 </dev/null
    rc=$?
    # -q prints progress with carriage returns; keep only the final lines.
    tr '\r' '\n' <"$out" | grep -v '^[[:space:]]*$' | grep -v 'rps=' | sed 's/^/   /'
    tests=$(grep -o 'requests per second' "$out" | wc -l)
    if [ $rc -ne 0 ]; then
      echo "FAILED: $target -P $pipeline: redis-benchmark exited with status $rc after $tests test(s)"
      failed=1
    elif grep -qiE 'error|ERR |WRONGTYPE|MOVED|CLUSTERDOWN|TRYAGAIN|BUSY' "$out"; then
      echo "FAILED: $target -P $pipeline: error in the output"
      failed=1
    elif [ "$tests" -lt 20 ]; then
      # redis-benchmark 7.0 runs 20: PING_INLINE PING_MBULK SET GET INCR LPUSH RPUSH
      # LPOP RPOP SADD HSET SPOP ZADD ZPOPMIN, LPUSH for LRANGE, LRANGE_100/300/500/600, MSET
      echo "FAILED: $target -P $pipeline: only $tests test(s) reported a result"
      failed=1
    fi
  done
done
[ $failed -eq 0 ] && echo "redis-benchmark: default suite passed through leader and follower, -P 1 and 16"
exit $failed
