#!/usr/bin/env bash
# Builds sandstore and runs a local 3-node cluster in the foreground:
# client ports 6379-6381, raft ports 7379-7381, data in ./data/node{1,2,3}.
# Ctrl-C stops all three cleanly. Any node accepts clients:
#   redis-cli -p 6380 set k v ; redis-cli -p 6381 get k
set -euo pipefail
cd "$(dirname "$0")/.."

./deps/install.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target sandstore >/dev/null

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
  ./build/sandstore conf/cluster/node$i.conf "$@" > >(sed -u "s/^/[node$i] /") 2>&1 &
  pids+=($!)
done
echo "cluster: nodes on 127.0.0.1:6379 6380 6381 (raft 7379-7381); Ctrl-C to stop"
wait
