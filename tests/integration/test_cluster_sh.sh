#!/usr/bin/env bash
# conf/cluster.sh's operator verbs run live, in a temporary directory on free
# ports: start-bg, add (join, promoted once caught up), remove (a founding
# node), replace (a node killed with its disk gone, by a new id), restart and
# upgrade (rolling), stop-all; every write acknowledged before is read back
# from every live node at the end. Usage: test_cluster_sh.sh <sandstore binary>.
set -euo pipefail
bin=$1
script="$(cd "$(dirname "$0")/../.." && pwd)/conf/cluster.sh"
command -v redis-cli >/dev/null || { echo "redis-cli missing: skipped"; exit 77; }

tmp=$(mktemp -d /tmp/ss-cluster-sh-XXXXXX)
cp "$bin" "$tmp/sandstore"
export SS_CLUSTER_DIR=$tmp SS_CLUSTER_BIN=$tmp/sandstore

# Two bases whose ports base+1..base+6 nobody listens on, in 30000-32700:
# above the C harness's ports (20000-30000), below the kernel's ephemeral
# range. Each port is claimed for the life of this script by an flock on
# /tmp/sandstore-test-ports/PORT, as the C harness's h_free_port does, so a
# test running beside this one (another shell test, or a C test) never takes
# it while a node is down for a restart. A port taken by something that does
# not claim ports fails the test loudly, never wrongly.
ports_dir=/tmp/sandstore-test-ports
mkdir -p "$ports_dir" 2>/dev/null && chmod 1777 "$ports_dir" 2>/dev/null || true
claims=() # fds holding the flocks: held until this script exits
in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
claim() { # port: false if another process holds it
  local fd
  exec {fd}<>"$ports_dir/$1" || return 1
  if ! flock -n "$fd"; then exec {fd}>&-; return 1; fi
  claims+=("$fd")
}
release_last() { # n: gives up the last n claims
  local i
  for ((i = 0; i < $1; i++)); do
    exec {claims[-1]}>&-
    unset 'claims[-1]'
  done
}
picked=
pick_base() { # sets picked to a base whose six ports are free and now ours
  local b p n
  for _ in $(seq 50); do
    b=$((30000 + RANDOM % 2700)); n=0
    for p in $(seq $((b + 1)) $((b + 6))); do
      in_use "$p" && break
      claim "$p" || break
      n=$((n + 1))
    done
    ((n == 6)) && { picked=$b; return 0; }
    release_last "$n"
  done
  rm -rf "$tmp"
  fail "no six free ports in 30000-32700"
}
fail() { echo "FAIL: $*"; exit 1; }
pick_base; export SS_CLUSTER_PORT=$picked
pick_base; export SS_CLUSTER_RAFT_PORT=$picked

cs() { "$script" "$@"; }
port() { echo $((SS_CLUSTER_PORT + $1)); }
cli() { timeout 10 redis-cli -p "$(port "$1")" "${@:2}" 2>&1 | tr -d '\r'; }

sanitizer_marks='ERROR: AddressSanitizer|ERROR: LeakSanitizer|SUMMARY: AddressSanitizer|SUMMARY: UndefinedBehaviorSanitizer|runtime error:'
status=1
finish() {
  cs stop-all >/dev/null 2>&1 || true
  for f in "$tmp"/data/node*/sandstore.pid; do # whatever did not stop
    [[ -s $f ]] && kill -9 "$(<"$f")" 2>/dev/null || true
  done
  # A node's sanitizer report (ASan, LeakSanitizer at its exit, UBSan) fails
  # the test, printed whole: sandstore's own log never holds these words.
  for l in "$tmp"/data/node*/stderr.log "$tmp"/stderr-*.log; do
    [[ -s $l ]] || continue
    if grep -qE "$sanitizer_marks" "$l"; then
      echo "FAIL: sanitizer report in $l:"; cat "$l"; status=1 scan_failed=1
    fi
  done
  if [[ $status != 0 ]]; then
    for l in "$tmp"/data/node*/sandstore.log; do echo "--- $l"; tail -30 "$l"; done
  fi
  rm -rf "$tmp"
  [[ -z ${scan_failed:-} ]] || exit 1 # the test's own status said pass
}
trap finish EXIT

# Waits (60 s at most, ends as soon as it holds) until node N's INFO raft has the line.
wait_info() {
  for _ in $(seq 600); do
    cli "$1" info raft | grep -qx "$2" && return 0
    sleep 0.1
  done
  fail "node $1 never showed $2: $(cli "$1" info raft | grep -E 'voters|learners|leader_id')"
}
# A write through node N, retried while there is no leader (bounded).
put() {
  local out
  for _ in $(seq 200); do
    out=$(cli "$1" set "$2" "$3")
    [[ $out == OK ]] && return 0
    sleep 0.1
  done
  fail "SET $2 through node $1: $out"
}
written=()
write_some() { # node, tag
  for i in $(seq 10); do put "$1" "k-$2-$i" "v-$2-$i"; written+=("k-$2-$i"); done
}

cs start-bg
write_some 1 start
wait_info 1 raft_voters:3

out=$(cs add 4)
[[ $out == *OK* ]] || fail "add 4: $out"
wait_info 4 raft_voters:4
write_some 4 added

cs remove 1 >/dev/null
wait_info 2 raft_voters:3
cli 1 ping | grep -q PONG && fail "node 1 still answers after remove"
write_some 3 removed

# Node 2 dies with its disk; node 5 takes its place.
kill -9 "$(<"$tmp/data/node2/sandstore.pid")"
cp "$tmp/data/node2/stderr.log" "$tmp/stderr-node2.log" 2>/dev/null || true # scanned at the end
rm -rf "$tmp/data/node2"
out=$(cs replace 2 5)
[[ $out == *OK* ]] || fail "replace 2 5: $out"
wait_info 5 raft_voters:3
wait_info 3 raft_voters:3
write_some 5 replaced

out=$(cs restart)
[[ $out == *"every node restarted"* ]] || fail "restart: $out"
write_some 3 restarted
cp "$bin" "$tmp/sandstore.new" && mv "$tmp/sandstore.new" "$tmp/sandstore" # the "new" binary
out=$(cs upgrade)
[[ $out == *"every node restarted"* ]] || fail "upgrade: $out"
write_some 4 upgraded

for n in 3 4 5; do
  wait_info "$n" raft_voters:3
  for k in "${written[@]}"; do
    v=$(cli "$n" get "$k")
    [[ $v == "v-${k#k-}" ]] || fail "node $n: GET $k = '$v'"
  done
done
echo "cluster.sh: add, remove, replace, restart, upgrade: ${#written[@]} writes read back from nodes 3, 4, 5"
status=0
