#!/usr/bin/env bash
# Runs ioredis_check.js (or the check named by $1, e.g. bullmq_check.js), installing its npm dependencies (package-lock.json)
# into tests/clients/node_modules first when they are missing (CI starts from a
# clean clone). Exit 77 (CTest "skipped") when node or npm is not installed.
# Usage (under cluster.py, which sets SS_LEADER_PORT / SS_FOLLOWER_PORT):
#   tests/clients/cluster.py --binary build/sandstore -- tests/clients/run_node.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "run_node: $tool not installed; skipping"; exit 77; }
done
if [ ! -f "$here/node_modules/ioredis/package.json" ] || [ ! -f "$here/node_modules/bullmq/package.json" ]; then
  echo "run_node: installing npm dependencies into $here/node_modules"
  # Two concurrent ctest runs may both get here: npm ci is not safe to run twice
  # at once in one folder, so serialise on a lock file.
  ( flock -w 300 9 || { echo "run_node: npm lock busy"; exit 1; }
    { [ -f "$here/node_modules/ioredis/package.json" ] && [ -f "$here/node_modules/bullmq/package.json" ]; } ||
      (cd "$here" && timeout 240 npm ci --no-audit --no-fund --loglevel=error)
  ) 9>"${TMPDIR:-/tmp}/sandstore-npm-install-$(id -u).lock"
fi
exec node "$here/${1:-ioredis_check.js}"
