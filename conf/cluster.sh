#!/usr/bin/env bash
# Builds sandstore and runs a local 3-node cluster in the foreground:
# client ports 6379-6381, raft ports 7379-7381, data in ./data/node{1,2,3}.
# Ctrl-C stops all three cleanly. Any node accepts clients:
#   redis-cli -p 6380 set k v ; redis-cli -p 6381 get k
#
# The nodes authenticate each other: the first run writes a random
# cluster-secret to ./data/cluster-secret (readable by you alone) and every
# run hands it to the nodes through their config text, never on a command
# line (where `ps` would show it to every local user).
#
# The operator's recipes, from another terminal while the cluster runs
# (node N: client port 6378+N, raft port 7378+N, data/nodeN; nodes the
# recipes start run in the background, logging to data/nodeN/sandstore.log):
#   conf/cluster.sh add N            start node N empty and join it (it is
#                                    promoted to voter once caught up)
#   conf/cluster.sh remove N         RAFT.NODE REMOVE N, then stop it
#   conf/cluster.sh replace DEAD NEW remove a dead node (its disk may be
#                                    gone), then add NEW in its place
#   conf/cluster.sh restart          rolling restart: one node at a time,
#                                    each back and caught up before the next
#                                    (a leader hands over before it stops)
#   conf/cluster.sh upgrade          rolling upgrade: rebuild, then restart
#                                    every node on the new binary
#   conf/cluster.sh start-bg         nodes 1-3 in the background
#   conf/cluster.sh stop-all         SIGTERM every live node
#
# Elsewhere (tests/integration/test_cluster_sh.sh runs every verb so):
# SS_CLUSTER_DIR holds data/ (default: the repository), SS_CLUSTER_PORT and
# SS_CLUSTER_RAFT_PORT are the bases (node N: base+N; defaults 6378, 7378),
# SS_CLUSTER_BIN a built binary (then nothing is built: `upgrade` restarts on
# whatever that file holds now). Nodes 1-3 then get a written configuration.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "${SS_CLUSTER_DIR:-$root}"
port_base=${SS_CLUSTER_PORT:-6378}
raft_base=${SS_CLUSTER_RAFT_PORT:-7378}
bin=${SS_CLUSTER_BIN:-$root/build/sandstore}

build() {
  [[ -n ${SS_CLUSTER_BIN:-} ]] && return 0
  (cd "$root" && ./deps/install.sh &&
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
    cmake --build build -j "$(nproc)" --target sandstore >/dev/null)
}

secret_file=data/cluster-secret
ensure_secret() {
  mkdir -p data
  if [[ ! -s $secret_file ]]; then
    (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$secret_file.tmp" &&
      mv "$secret_file.tmp" "$secret_file")
    echo "cluster: generated a cluster secret in $secret_file"
  fi
  secret=$(<"$secret_file")
}

port_of() { echo $((port_base + $1)); }
cli() { redis-cli -p "$(port_of "$1")" "${@:2}"; }

# The live nodes: those whose pidfile names a running process.
live_nodes() {
  local d n
  for d in data/node*; do
    n=${d#data/node}
    [[ -s $d/sandstore.pid ]] && kill -0 "$(<"$d/sandstore.pid")" 2>/dev/null && echo "$n"
  done | sort -n
}

# Node N's configuration: conf/cluster/nodeN.conf for the first three, else
# one written by `add` into data/nodeN/node.conf.
conf_of() {
  if [[ -f data/node$1/node.conf || $1 -gt 3 ]]; then
    echo "data/node$1/node.conf"
  elif [[ $port_base == 6378 && $raft_base == 7378 ]]; then
    echo "$root/conf/cluster/node$1.conf"
  else # a founding node on other ports: its configuration written once
    mkdir -p "data/node$1"
    cat >"data/node$1/node.conf" <<EOF
# Node $1 of a local cluster on client ports $((port_base + 1))-$((port_base + 3)).
node-id $1
bind 127.0.0.1
port $(port_of "$1")
raft-port $((raft_base + $1))
peers 1@127.0.0.1:$((raft_base + 1)),2@127.0.0.1:$((raft_base + 2)),3@127.0.0.1:$((raft_base + 3))
dir data/node$1
EOF
    echo "data/node$1/node.conf"
  fi
}

# Starts node N in the background and waits (bounded) until it answers. What
# it prints outside its log (a crash, a sanitizer report) goes to stderr.log.
start_bg() {
  local n=$1
  mkdir -p "data/node$n"
  local conf
  conf=$(conf_of "$n")
  nohup "$bin" <(cat "$conf"; printf 'cluster-secret "%s"\n' "$secret") \
    --pidfile "data/node$n/sandstore.pid" --logfile "data/node$n/sandstore.log" \
    >>"data/node$n/stderr.log" 2>&1 &
  for _ in $(seq 100); do
    cli "$n" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "cluster: node $n did not start (see data/node$n/sandstore.log)" >&2
  return 1
}

# SIGTERM (a leader hands leadership over first) and a bounded wait for the exit.
stop_node() {
  local pidf=data/node$1/sandstore.pid pid
  [[ -s $pidf ]] || return 0
  pid=$(<"$pidf")
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 300); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  echo "cluster: node $1 did not stop in 30 s" >&2
  return 1
}

# Waits (bounded) until node N has applied what node M had committed.
wait_caught_up() {
  local commit applied
  commit=$(cli "$2" info raft | tr -d '\r' | sed -n 's/^raft_commit_index://p')
  for _ in $(seq 600); do
    applied=$(cli "$1" info raft 2>/dev/null | tr -d '\r' | sed -n 's/^raft_last_applied_index://p')
    [[ -n $applied && $applied -ge $commit ]] && return 0
    sleep 0.1
  done
  echo "cluster: node $1 did not catch up" >&2
  return 1
}

any_live_other_than() {
  local n
  for n in $(live_nodes); do [[ $n != "$1" ]] && { echo "$n"; return 0; }; done
  echo "cluster: no other live node" >&2
  return 1
}

# RAFT.NODE REMOVE N through another live node, retried (30 s at most) while
# the cluster has no leader: the node removed may have been the leader, dead;
# a leader just elected refuses until its term's first entry commits.
remove_member() {
  local out=""
  for _ in $(seq 100); do
    out=$(cli "$(any_live_other_than "$1")" raft.node remove "$1" 2>&1) || true
    case $out in
      OK) echo OK; return 0 ;;
      *"is not a member"*) echo "cluster: node $1 is not a member"; return 0 ;;
      *CLUSTERDOWN* | *TRYAGAIN* | *MOVED* | *LOADING* | *"in progress"* | *"Connection refused"* | \
        *"has not committed an entry of its term"*) sleep 0.3 ;;
      *) break ;;
    esac
  done
  echo "cluster: RAFT.NODE REMOVE $1: $out" >&2
  return 1
}

add_node() {
  local n=$1 via
  if [[ -e data/node$n/raft ]]; then
    echo "cluster: data/node$n holds data: a new node starts empty (use a new id)" >&2
    return 1
  fi
  via=$(any_live_other_than "$n")
  mkdir -p "data/node$n"
  cat >"data/node$n/node.conf" <<EOF
# Node $n, added by conf/cluster.sh add: it joins the cluster through node $via.
node-id $n
bind 127.0.0.1
port $(port_of "$n")
raft-port $((raft_base + n))
raft-bootstrap no
dir data/node$n
EOF
  start_bg "$n"
  cli "$n" raft.cluster join "127.0.0.1:$(port_of "$via")"
}

cmd=${1:-start}
case $cmd in
  add)
    ensure_secret; add_node "$2" ;;
  remove)
    ensure_secret
    remove_member "$2"
    stop_node "$2" ;;
  replace)
    ensure_secret
    stop_node "$2" || true
    remove_member "$2"
    add_node "$3" ;;
  restart | upgrade)
    ensure_secret
    [[ $cmd == upgrade ]] && build
    for n in $(live_nodes); do
      echo "cluster: restarting node $n"
      stop_node "$n"
      start_bg "$n"
      wait_caught_up "$n" "$(any_live_other_than "$n")"
    done
    echo "cluster: every node restarted" ;;
  start-bg)
    build
    ensure_secret
    for i in 1 2 3; do start_bg "$i"; done ;;
  stop-all)
    for n in $(live_nodes); do stop_node "$n"; done ;;
  start)
    shift || true
    build
    ensure_secret
    mkdir -p data/node1 data/node2 data/node3
    pids=()
    stop() {
      trap - INT TERM
      echo "cluster: stopping ${pids[*]}"
      kill -TERM "${pids[@]}" 2>/dev/null || true
      wait "${pids[@]}" 2>/dev/null || true
      echo "cluster: stopped"
    }
    trap stop INT TERM
    for i in 1 2 3; do
      ./build/sandstore <(cat conf/cluster/node$i.conf; printf 'cluster-secret "%s"\n' "$secret") \
        --pidfile "data/node$i/sandstore.pid" "$@" > >(sed -u "s/^/[node$i] /") 2>&1 &
      pids+=($!)
    done
    echo "cluster: nodes on 127.0.0.1:6379 6380 6381 (raft 7379-7381); Ctrl-C to stop"
    wait ;;
  *)
    # Directives for the three nodes, as before: conf/cluster.sh --loglevel debug
    exec "$0" start "$@" ;;
esac
