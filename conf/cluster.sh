#!/usr/bin/env bash
# Builds sandstore and runs a local 3-node cluster in the foreground:
# client ports 6379-6381, raft ports 7379-7381, data in ./data/node{1,2,3}.
# Ctrl-C stops all three cleanly. Any node accepts clients:
#   redis-cli -p 6380 set k v ; redis-cli -p 6381 get k
#
# The nodes authenticate each other: the first run writes a random
# cluster-secret to ./data/cluster-secret (readable by you alone) and every
# run hands it to the three nodes through their config text, never on a
# command line (where `ps` would show it to every local user).
set -euo pipefail
cd "$(dirname "$0")/.."

./deps/install.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target sandstore >/dev/null

mkdir -p data/node1 data/node2 data/node3
secret_file=data/cluster-secret
if [[ ! -s $secret_file ]]; then
  (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$secret_file.tmp" &&
    mv "$secret_file.tmp" "$secret_file")
  echo "cluster: generated a cluster secret in $secret_file"
fi
secret=$(<"$secret_file")
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
  ./build/sandstore <(cat conf/cluster/node$i.conf; printf 'cluster-secret "%s"\n' "$secret") "$@" \
    > >(sed -u "s/^/[node$i] /") 2>&1 &
  pids+=($!)
done
echo "cluster: nodes on 127.0.0.1:6379 6380 6381 (raft 7379-7381); Ctrl-C to stop"
wait
