#!/usr/bin/env bash
# bench/run.sh: sandstore against Redis, with both made durable on every write.
#
# Usage: bench/run.sh [-r ROUNDS] [-n REQUESTS] [-c CLIENTS] [-b BUILD_DIR]
#   -r ROUNDS    rounds of the whole matrix; each figure is the median (default 3)
#   -n REQUESTS  requests per unpipelined run; pipelined runs use 5x (default 20000)
#   -c CLIENTS   concurrent connections (default 50)
#   -b BUILD_DIR where the sandstore binary lives (default build-bench); built
#                with `cmake --build BUILD_DIR --target sandstore` if missing
#   -f           also measure the cluster through a follower (column "follower")
#   -k CASES     only these cases, comma-separated (e.g. "EVALSHA P1,EVALSHA P16");
#                -k none skips the table (with -g: only the sweep)
#   -g           also sweep pipeline depth (1, 4, 16, 64 at -c clients) and client
#                count (1, 4, 16, 64 at pipeline 1) for SET and GET on redis,
#                single and cluster, and draw throughput and p99 latency as
#                bench/results/sweep-set.png and sweep-get.png (needs gnuplot:
#                apt-get install gnuplot-nox); data in bench/results/sweep.dat
# Environment: BENCH_TMPDIR puts the data dirs on another disk (default $TMPDIR or /tmp).
#
# Systems, all on free loopback ports in one temp dir, running side by side:
#   redis    redis-server --appendonly yes --appendfsync always --save ''
#   single   one sandstore node, raft-fsync always (a one-member cluster)
#   cluster  three sandstore nodes, raft-fsync always, measured through the leader
# Cases: redis-benchmark SET and GET (-r 100000 keys, 3-byte values), pipeline
# 1 and 16, plus MIXED: bench/mixed.py sending SET k / GET k pairs pipelined 16
# deep (the write->read ordering path; every reply is checked); EVALSHA: a
# small write script (INCRBY of a random counter:N key, loaded with SCRIPT LOAD first)
# run by redis-benchmark as EVALSHA, pipeline 1 and 16. Each round runs
# every case on redis, then single, then cluster, so slow drift on this shared
# machine hits all three alike. Prints the medians and the ratio to Redis as a
# table, writes it to bench/results/latest.md (git-ignored) with the command
# lines and the load average, and stops and removes everything on exit. With
# -g the report also gives the p50/p99 latency of one client's SET at
# pipeline 1 on each system (redis-benchmark's own percentiles).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
rounds=3 n=20000 clients=50 build="$root/build-bench" via_follower=0 only="" sweep=0
while getopts "r:n:c:b:k:fgh" opt; do
  case $opt in
    r) rounds=$OPTARG ;;
    n) n=$OPTARG ;;
    c) clients=$OPTARG ;;
    f) via_follower=1 ;;
    g) sweep=1 ;;
    k) only=$OPTARG ;;
    b) build=$(cd "$OPTARG" 2>/dev/null && pwd || echo "$OPTARG") ;;
    *) sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done
invocation="bench/run.sh -r $rounds -n $n -c $clients -b $build"
[ $via_follower = 0 ] || invocation+=" -f"
[ -z "$only" ] || invocation+=" -k '$only'"
[ $sweep = 0 ] || invocation+=" -g"

tools=(redis-server redis-benchmark redis-cli /usr/bin/python3)
[ $sweep = 0 ] || tools+=(gnuplot)
. "$here/lib.sh"
bench_binary "$build" "$root" "${tools[@]}"

. "$(dirname "$0")/lib.sh"
bench_init ss-bench
trap 'echo "bench: command failed at line $LINENO" >&2' ERR

# ---------------------------------------------------------------- start
redis_port=$(free_port)
mkdir -p "$tmp/redis"
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$tmp/redis" --appendonly yes \
  --appendfsync always --save '' --logfile "$tmp/redis/redis.log" --daemonize no &
pids+=($!)

single_port=$(free_port) single_raft=$(free_port)
mkdir -p "$tmp/single"
"$bin" --port "$single_port" --raft-port "$single_raft" --dir "$tmp/single" \
  --raft-fsync always --logfile "$tmp/single/sandstore.log" &
pids+=($!)

cports=() craft=() peers=""
for i in 1 2 3; do
  cports+=("$(free_port)")
  craft+=("$(free_port)")
  peers+="${peers:+,}$i@127.0.0.1:${craft[$((i - 1))]}"
done
for i in 1 2 3; do
  mkdir -p "$tmp/node$i"
  "$bin" --port "${cports[$((i - 1))]}" --raft-port "${craft[$((i - 1))]}" --dir "$tmp/node$i" \
    --node-id "$i" --peers "$peers" --raft-fsync always --logfile "$tmp/node$i/sandstore.log" &
  pids+=($!)
done

wait_ping "$redis_port"
wait_ping "$single_port"
wait_leader "$single_port" >/dev/null
for p in "${cports[@]}"; do wait_ping "$p"; done
cluster_port=$(wait_leader "${cports[@]}")
echo "bench: redis :$redis_port, single :$single_port, cluster leader :$cluster_port (nodes ${cports[*]}), data in $tmp"

# ---------------------------------------------------------------- measure
declare -A port=([redis]=$redis_port [single]=$single_port [cluster]=$cluster_port)
systems=(redis single cluster)
if [ $via_follower = 1 ]; then
  for p in "${cports[@]}"; do [ "$p" != "$cluster_port" ] && port[follower]=$p && break; done
  systems+=(follower)
fi
cases=("SET P1" "SET P16" "GET P1" "GET P16" "MIXED P16" "EVALSHA P1" "EVALSHA P16")
if [ "$only" = none ]; then
  cases=()
elif [ -n "$only" ]; then
  IFS=, read -r -a cases <<<"$only"
fi
script_body="return redis.call('incrby', KEYS[1], ARGV[1])"
declare -A rps=()     # "case|system" -> space-separated figures, one per round
declare -A cmdline=() # case -> the command used (port shown as PORT)

one_run() {  # case system -> sets $result to the rps figure
  local name=${1% *} pipe=${1#* P} p=${port[$2]} reqs=$n
  [ "$pipe" -gt 1 ] && reqs=$((n * 5))
  if [ "$name" = MIXED ]; then
    local cmd=(/usr/bin/python3 "$here/mixed.py" -p "$p" -c "$clients" -P "$pipe" -n "$reqs")
  elif [ "$name" = EVALSHA ]; then
    local sha
    sha=$(redis-cli -h 127.0.0.1 -p "$p" script load "$script_body")
    [[ "$sha" =~ ^[0-9a-f]{40}$ ]] || { echo "bench: SCRIPT LOAD on $2 answered: $sha" >&2; exit 1; }
    local cmd=(redis-benchmark -h 127.0.0.1 -p "$p" -n "$reqs" -c "$clients" -P "$pipe" -r 100000 --csv
               EVALSHA "$sha" 1 "counter:__rand_int__" 1)
  else
    local t=${name,,}
    local cmd=(redis-benchmark -h 127.0.0.1 -p "$p" -t "$t" -n "$reqs" -c "$clients" -P "$pipe"
               -r 100000 -d 3 --csv)
  fi
  cmdline[$1]="${cmd[*]/#$p/PORT}"
  run_cmd "$1 on $2" "${cmd[@]}"
}

# Runs one benchmark command (what, then the command): sets $result to its
# requests per second and $p50, $p99 to its latency percentiles in ms (empty
# when the tool prints none), from the last line of redis-benchmark's CSV.
run_cmd() {
  local what=$1 out
  shift
  # In the background and waited for, so that a signal reaches the trap at once
  # instead of after the benchmark finishes.
  timeout 600 "$@" >"$tmp/run.out" 2>&1 </dev/null &
  bench_pid=$!
  local rc=0
  wait "$bench_pid" || rc=$?
  bench_pid=""
  out="$(cat "$tmp/run.out")"
  if [ $rc -ne 0 ]; then
    echo "bench: $what failed (status $rc): $out" >&2
    exit 1
  fi
  if grep -qiE '(^|[^a-z])err|error' <<<"$out"; then
    echo "bench: $what got an error reply: $out" >&2
    exit 1
  fi
  # CSV: "test","rps","avg","min","p50","p95","p99","max"; the last data line.
  local line
  line=$(grep -v '^"test"' <<<"$out" | tail -1 | tr -d '"')
  result=$(cut -d, -f2 <<<"$line")
  p50=$(cut -s -d, -f5 <<<"$line")
  p99=$(cut -s -d, -f7 <<<"$line")
  [[ "$result" =~ ^[0-9.]+$ ]] || { echo "bench: $what: no figure in: $out" >&2; exit 1; }
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

load_before="$(uptime)"
for ((round = 1; round <= rounds; round++)); do
  for c in "${cases[@]}"; do
    for s in "${systems[@]}"; do
      one_run "$c" "$s"
      v=$result
      rps["$c|$s"]+="$v "
      printf 'bench: round %d/%d %-9s %-8s %12.0f req/s\n' "$round" "$rounds" "$c" "$s" "$v"
    done
  done
done
load_after="$(uptime)"

# ---------------------------------------------------------------- sweep
# Throughput and p99 against pipeline depth, then against client count, for
# SET and GET on each system; one line of sweep.dat per point, then the plots.
depths=(1 4 16 64) fanout=(1 4 16 64)
if [ $sweep = 1 ]; then
  mkdir -p "$here/results"
  dat="$here/results/sweep.dat"
  echo "# test system axis x rps p50_ms p99_ms   ($(date -u '+%Y-%m-%d %H:%M UTC'))" >"$dat"
  sweep_one() {  # test system axis pipeline clients
    local p=${port[$2]} reqs=$n x=$4
    [ "$3" = clients ] && x=$5
    [ "$4" -gt 1 ] && reqs=$((n * 5))
    [ "$5" -lt 4 ] && reqs=$((n / 4))  # one client at pipeline 1 is slow: keep it short
    run_cmd "sweep $1 -P $4 -c $5 on $2" redis-benchmark -h 127.0.0.1 -p "$p" -t "${1,,}" -n "$reqs" \
      -c "$5" -P "$4" -r 100000 -d 3 --csv
    echo "$1 $2 $3 $x $result ${p50:-0} ${p99:-0}" >>"$dat"
    printf 'bench: sweep %-3s %-8s %-8s %3s %12.0f req/s  p99 %s ms\n' "$1" "$2" "$3" "$x" "$result" "$p99"
  }
  for t in SET GET; do
    for s in redis single cluster; do
      for d in "${depths[@]}"; do sweep_one "$t" "$s" pipeline "$d" "$clients"; done
      for k in "${fanout[@]}"; do sweep_one "$t" "$s" clients 1 "$k"; done
    done
  done
  for t in SET GET; do
    gnuplot -e "dat='$dat'; test='$t'; out='$here/results/sweep-${t,,}.png'; clients=$clients" \
      "$here/sweep.gp"
  done
  load_after="$(uptime)"
fi

# ---------------------------------------------------------------- report
mkdir -p "$here/results"
report="$here/results/latest.md"
{
  echo "# sandstore vs Redis, fsync on every write ($(date -u '+%Y-%m-%d %H:%M UTC'))"
  echo
  echo "Median of $rounds rounds, requests per second; ratio = sandstore / Redis."
  echo "$clients clients; SET/GET: $n requests unpipelined, $((n * 5)) with -P 16."
  echo
  declare -A title=([single]="single" [cluster]="cluster (leader)" [follower]="cluster (follower)")
  head="| case | redis |" rule="|---|---:|"
  for s in "${systems[@]:1}"; do head+=" ${title[$s]} | $s/redis |"; rule+="---:|---:|"; done
  echo "$head"
  echo "$rule"
  for c in "${cases[@]}"; do
    r=$(median <<<"${rps["$c|redis"]}")
    line="| $c | $(printf '%.0f' "$r") |"
    for s in "${systems[@]:1}"; do
      v=$(median <<<"${rps["$c|$s"]}")
      line+=$(awk -v r="$r" -v v="$v" 'BEGIN { printf " %.0f | %.3f |", v, (r ? v / r : 0) }')
    done
    echo "$line"
  done
  if [ $sweep = 1 ]; then
    echo
    echo "One client's SET at pipeline 1 (redis-benchmark's percentiles, ms; ratio = Redis / sandstore):"
    echo
    echo "| system | p50 | p99 | redis/system p50 | redis/system p99 |"
    echo "|---|---:|---:|---:|---:|"
    for s in redis single cluster; do
      awk -v s="$s" '$1 == "SET" && $3 == "clients" && $4 == 1 { v[$2 " 50"] = $6; v[$2 " 99"] = $7 }
        END { a = v[s " 50"]; b = v[s " 99"]
              printf "| %s | %.3f | %.3f | %.2f | %.2f |\n", s, a, b, a ? v["redis 50"] / a : 0,
                     b ? v["redis 99"] / b : 0 }' "$dat"
    done
    echo
    echo "Sweep (bench/results/sweep.dat): pipeline ${depths[*]} at $clients clients, clients ${fanout[*]} at pipeline 1;"
    echo "plots bench/results/sweep-set.png, bench/results/sweep-get.png."
  fi
  echo
  echo "Every round's figures (req/s):"
  echo
  for c in "${cases[@]}"; do
    for s in "${systems[@]}"; do echo "- $c $s: ${rps["$c|$s"]}"; done
  done
  echo
  echo "Run: \`$invocation\` ($("$bin" --version 2>/dev/null | head -1), $(redis-server --version | cut -d' ' -f1-3))"
  echo
  echo "Commands (PORT = each system's port):"
  echo
  for c in "${cases[@]}"; do echo "- $c: \`${cmdline[$c]:-}\`"; done
  echo
  echo "Systems: redis-server --appendonly yes --appendfsync always --save ''; sandstore --raft-fsync always"
  echo "(single: one node; cluster: 3 nodes on this machine, measured through the leader${port[follower]:+, and through a follower that proxies to it})."
  echo "Data dir filesystem: $(df -T "$tmp" | awk 'NR == 2 {print $2}'); CPUs: $(nproc)."
  echo "Load before: $load_before"
  echo "Load after:  $load_after"
} >"$report"
echo
cat "$report"
echo
echo "bench: wrote $report"
