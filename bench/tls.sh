#!/usr/bin/env bash
# bench/tls.sh: what TLS costs, on the client port (sandstore and Redis alike)
# and between the peers of a 3-node sandstore cluster.
#
# Usage: bench/tls.sh [-r ROUNDS] [-n REQUESTS] [-c CLIENTS] [-b BUILD_DIR]
#   -r ROUNDS    rounds of the whole matrix; each figure is the median (default 3)
#   -n REQUESTS  requests per unpipelined run; pipelined runs use 5x (default 20000)
#   -c CLIENTS   concurrent connections (default 50)
#   -b BUILD_DIR where the sandstore binary lives (default build-bench)
#
# One sandstore node (raft-fsync always) and one redis-server 7.0 (appendfsync
# always), each with a plain and a TLS port (certificates made here by the
# openssl CLI, TLSv1.3, tls-auth-clients yes). redis-benchmark SET and GET,
# -r 100000 keys, 3-byte values, pipeline 1 and 16, plain then --tls on each
# system, every round. Then the same cases against the leader of two 3-node
# clusters on loopback (raft-fsync always, election-timeout 5000), one with tls-cluster no, one with
# tls-cluster yes (mutual TLS between the peers): through the leader's plain
# port, and through its TLS port (TLS on both sides). Prints the medians and
# TLS/plain ratios; stops and removes everything on exit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
rounds=3 n=20000 clients=50 build="$root/build-bench"
while getopts "r:n:c:b:h" opt; do
  case $opt in
    r) rounds=$OPTARG ;;
    n) n=$OPTARG ;;
    c) clients=$OPTARG ;;
    b) build=$(cd "$OPTARG" 2>/dev/null && pwd || echo "$OPTARG") ;;
    *) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done
. "$here/lib.sh"
bench_binary "$build" "$root" redis-server redis-benchmark redis-cli openssl /usr/bin/python3

. "$(dirname "$0")/lib.sh"
bench_init ss-bench-tls

# ------------------------------------------------------------- certificates
(
  cd "$tmp"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=bench-ca
  printf 'subjectAltName=IP:127.0.0.1\n' >san.cnf
  openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile san.cnf
  openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=client
  openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 2
) >/dev/null 2>&1
tls_server=(--tls-cert-file "$tmp/server.crt" --tls-key-file "$tmp/server.key" --tls-ca-cert-file "$tmp/ca.crt")
tls_client=(--tls --cacert "$tmp/ca.crt" --cert "$tmp/client.crt" --key "$tmp/client.key")

# -------------------------------------------------------------------- start
rp=$(free_port) rtp=$(free_port)
mkdir -p "$tmp/redis"
redis-server --port "$rp" --tls-port "$rtp" "${tls_server[@]}" --bind 127.0.0.1 --dir "$tmp/redis" \
  --appendonly yes --appendfsync always --save '' --logfile "$tmp/redis/redis.log" --daemonize no &
pids+=($!)
sp=$(free_port) stp=$(free_port) sr=$(free_port)
mkdir -p "$tmp/single"
"$bin" --port "$sp" --tls-port "$stp" "${tls_server[@]}" --raft-port "$sr" --dir "$tmp/single" \
  --raft-fsync always --logfile "$tmp/single/sandstore.log" &
pids+=($!)
for p in "$rp" "$sp"; do
  for _ in $(seq 300); do [ "$(redis-cli -p "$p" set warm 1 2>/dev/null)" = OK ] && break; sleep 0.1; done
done
echo "bench: redis :$rp (TLS :$rtp), sandstore :$sp (TLS :$stp), data in $tmp"

# Two 3-node clusters: peers in plain TCP, and peers in mutual TLS. Every node
# has a plain and a TLS client port; the leader's are measured (found again
# before each run: on a loaded machine an election may move it). A long
# election timeout keeps elections rare on an overloaded machine.
declare -A cl_ports=() cl_tports=()
start_cluster() {  # name peer-tls(yes|no)
  local name=$1 peer_tls=$2 i peers="" ports=() tports=() rports=()
  for i in 1 2 3; do ports+=("$(free_port)") tports+=("$(free_port)") rports+=("$(free_port)"); done
  for i in 1 2 3; do peers+="${peers:+,}$i@127.0.0.1:${rports[$((i - 1))]}"; done
  for i in 1 2 3; do
    mkdir -p "$tmp/$name$i"
    "$bin" --port "${ports[$((i - 1))]}" --tls-port "${tports[$((i - 1))]}" "${tls_server[@]}" \
      --node-id "$i" --raft-port "${rports[$((i - 1))]}" --peers "$peers" --cluster-secret bench-secret \
      --tls-cluster "$peer_tls" --dir "$tmp/$name$i" --raft-fsync always \
      --election-timeout 5000 --heartbeat-interval 200 --logfile "$tmp/$name$i/sandstore.log" &
    pids+=($!)
  done
  for i in 0 1 2; do wait_ping "${ports[$i]}"; done
  cl_ports[$name]="${ports[*]}" cl_tports[$name]="${tports[*]}"
}
find_leader() {  # name plain-system tls-system: points both at the leader's ports
  local ports=(${cl_ports[$1]}) tports=(${cl_tports[$1]}) leader i
  leader=$(wait_leader "${ports[@]}")
  for i in 0 1 2; do
    if [ "${ports[$i]}" = "$leader" ]; then port[$2]=$leader port[$3]=${tports[$i]}; fi
  done
}
start_cluster plain no
start_cluster peertls yes
grep -q "(mutual TLS)" "$tmp/peertls1/sandstore.log" || { echo "bench: peers are not in TLS" >&2; exit 1; }
echo "bench: clusters up, data in $tmp"

# ------------------------------------------------------------------ measure
declare -A port=([redis]=$rp [redis+tls]=$rtp [sandstore]=$sp [sandstore+tls]=$stp)
systems=(redis redis+tls sandstore sandstore+tls cluster peertls peertls+tls)
cases=("SET P1" "SET P16" "GET P1" "GET P16")
declare -A rps=()
one_run() {  # case system
  local t=${1% *} pipe=${1#* P} reqs=$n extra=()
  [ "$pipe" -gt 1 ] && reqs=$((n * 5))
  [[ $2 == *+tls ]] && extra=("${tls_client[@]}")
  case $2 in
    cluster*) find_leader plain cluster cluster+tls ;;
    peertls*) find_leader peertls peertls peertls+tls ;;
  esac
  local out
  out=$(timeout 600 redis-benchmark -h 127.0.0.1 -p "${port[$2]}" "${extra[@]}" -t "${t,,}" -n "$reqs" \
        -c "$clients" -P "$pipe" -r 100000 -d 3 --csv 2>&1 </dev/null) ||
    { echo "bench: $1 on $2: redis-benchmark failed: $out" >&2; exit 1; }
  if grep -qiE '(^|[^a-z])err|error' <<<"$out"; then echo "bench: $1 on $2: $out" >&2; exit 1; fi
  result=$(grep -v '^"test"' <<<"$out" | tail -1 | cut -d, -f2 | tr -d '"')
  [[ "$result" =~ ^[0-9.]+$ ]] || { echo "bench: $1 on $2: no figure in: $out" >&2; exit 1; }
}
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

load_before="$(uptime)"
for ((round = 1; round <= rounds; round++)); do
  for c in "${cases[@]}"; do
    for s in "${systems[@]}"; do
      one_run "$c" "$s"
      rps["$c|$s"]+="$result "
      printf 'bench: round %d/%d %-8s %-14s %12.0f req/s\n' "$round" "$rounds" "$c" "$s" "$result"
    done
  done
done
load_after="$(uptime)"

echo
echo "bench/tls.sh -r $rounds -n $n -c $clients; medians in requests/s"
printf '| %-8s | %10s | %10s | %6s | %10s | %14s | %6s |\n' case redis redis+tls ratio sandstore sandstore+tls ratio
printf '|%s|\n' "----------|------------|------------|--------|------------|----------------|--------"
for c in "${cases[@]}"; do
  declare -A m=()
  for s in "${systems[@]}"; do m[$s]=$(median <<<"${rps["$c|$s"]}"); done
  printf '| %-8s | %10.0f | %10.0f | %6.2f | %10.0f | %14.0f | %6.2f |\n' "$c" "${m[redis]}" "${m[redis+tls]}" \
    "$(awk -v a="${m[redis+tls]}" -v b="${m[redis]}" 'BEGIN{print a/b}')" "${m[sandstore]}" "${m[sandstore+tls]}" \
    "$(awk -v a="${m[sandstore+tls]}" -v b="${m[sandstore]}" 'BEGIN{print a/b}')"
done
echo
echo "3-node cluster, through the leader: peers plain, peers in mutual TLS (tls-cluster yes), and"
echo "peers in mutual TLS with the client on the leader's TLS port (TLS on both sides)"
printf '| %-8s | %10s | %12s | %6s | %14s | %6s |\n' case cluster peer-tls ratio both-tls ratio
printf '|%s|\n' "----------|------------|--------------|--------|----------------|--------"
for c in "${cases[@]}"; do
  declare -A m=()
  for s in "${systems[@]}"; do m[$s]=$(median <<<"${rps["$c|$s"]}"); done
  printf '| %-8s | %10.0f | %12.0f | %6.2f | %14.0f | %6.2f |\n' "$c" "${m[cluster]}" "${m[peertls]}" \
    "$(awk -v a="${m[peertls]}" -v b="${m[cluster]}" 'BEGIN{print a/b}')" "${m[peertls+tls]}" \
    "$(awk -v a="${m[peertls+tls]}" -v b="${m[cluster]}" 'BEGIN{print a/b}')"
done
echo "load before: $load_before"
echo "load after:  $load_after"
