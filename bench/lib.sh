# What the benchmark scripts share: a scratch directory removed at exit, the
# processes they start stopped at exit (SIGTERM, then SIGKILL after 15 s), free
# ports, waiting for a node to answer or a cluster to agree on a leader, and
# the sandstore binary (bench_binary BUILD_DIR ROOT TOOLS...: sets bin).
# Source it, then call bench_init NAME: it sets tmp and pids (append the pid of
# every process started: pids+=($!)); bench_pid, when set, is stopped first;
# bench_keep=1 keeps tmp.

bench_binary() {  # build_dir root tools... ; checks the tools, builds sandstore if missing, sets bin
  local build=$1 root=$2 tool
  shift 2
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "bench: $tool not found" >&2; exit 1; }
  done
  bin="$build/sandstore"
  if [ ! -x "$bin" ]; then
    echo "bench: building sandstore in $build"
    [ -f "$build/CMakeCache.txt" ] || cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$build" --target sandstore -j "$(nproc)" >/dev/null
  fi
}

bench_init() {  # name
  tmp="$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/$1-XXXXXX")"
  pids=() bench_pid="" bench_keep=0
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}

bench_cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [ -n "$bench_pid" ] && kill -TERM "$bench_pid" 2>/dev/null
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 150); do  # bounded: whatever is alive after 15 s is killed
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive -eq 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$bench_keep" = 1 ]; then echo "bench: kept $tmp"; else rm -rf "$tmp"; fi
  exit $rc
}

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_ping() {  # port [redis-cli options...]
  local port=$1
  shift
  for _ in $(seq 300); do
    [ "$(redis-cli -p "$port" "$@" ping 2>/dev/null)" = PONG ] && return 0
    sleep 0.1
  done
  echo "bench: nothing answers PING on port $port" >&2
  exit 1
}

wait_leader() {  # port... ; prints the leader's port once every node names it
  for _ in $(seq 300); do
    local leader="" agree=1 lid="" id
    for p in "$@"; do
      local info
      info="$(redis-cli -p "$p" info raft 2>/dev/null | tr -d '\r')" || true
      id="$(sed -n 's/^raft_leader_id://p' <<<"$info")"
      [ -n "$id" ] && [ "$id" != 0 ] || { agree=0; break; }
      [ -z "$lid" ] && lid=$id
      [ "$id" = "$lid" ] || agree=0
      grep -q '^raft_role:leader' <<<"$info" && leader=$p
    done
    if [ $agree -eq 1 ] && [ -n "$leader" ]; then echo "$leader"; return 0; fi
    sleep 0.1
  done
  echo "bench: no leader among ports $*" >&2
  exit 1
}
