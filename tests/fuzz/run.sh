#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (build-fuzz/) and runs each for a while.
#
#   tests/fuzz/run.sh                 every target for 30 s, as many at once as there are cores
#   tests/fuzz/run.sh -t 3600 resp    one target for an hour
#   tests/fuzz/run.sh -j 1 ...        one target at a time
#   FUZZ_JOBS=2 tests/fuzz/run.sh ... libFuzzer's fork mode with 2 workers (then one
#                                     target at a time unless -j says otherwise)
#
# Each target runs single-threaded for its whole -t seconds; -j only decides how
# many run side by side (CI: two on two cores, so 11 targets take 6 x 15 s).
# New inputs go to build-fuzz/corpus/<target>/ (the tree's corpus is read, never
# written); crashes to build-fuzz/crashes/<target>/. Copy a crash into
# tests/fuzz/corpus/<target>/ once it is fixed: the corpus replay in CTest keeps it fixed.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=30
cores=$(nproc 2>/dev/null || echo 1)
parallel=$((cores / ${FUZZ_JOBS:-1}))
((parallel >= 1)) || parallel=1
while getopts "t:j:" opt; do
  case $opt in
    t) seconds=$OPTARG ;;
    j) parallel=$OPTARG ;;
    *) echo "usage: $0 [-t seconds] [-j parallel] [target...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
command -v clang >/dev/null || { echo "fuzz: clang is missing (apt-get install clang)"; exit 1; }
targets=("$@")
if ((${#targets[@]} == 0)); then
  for f in tests/fuzz/*.cmake; do targets+=("$(basename "$f" .cmake)"); done
fi
CC=clang cmake -S . -B build-fuzz -DSS_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# Only the fuzzers themselves (the replay binaries and the server are the other
# builds' business: CTest replays the corpora there).
build=()
for t in "${targets[@]}"; do
  [[ -f tests/fuzz/$t.cmake ]] && build+=(--target "fuzz_$t")
done
if ((${#build[@]} > 0)); then
  cmake --build build-fuzz -j "$cores" "${build[@]}" >build-fuzz/build.log 2>&1 || { tail -40 build-fuzz/build.log; exit 1; }
fi

# One target: its log in build-fuzz/<t>.log, its verdict and stats in build-fuzz/<t>.out.
fuzz_one() {
  local t=$1 bin=build-fuzz/tests/fuzz_$1 out=build-fuzz/$1.out
  {
    echo "== fuzz $t for ${seconds}s"
    mkdir -p "build-fuzz/corpus/$t" "build-fuzz/crashes/$t"
    local seeds=tests/fuzz/corpus/$t
    [[ -d $seeds ]] || seeds=
    local dict=()
    [[ -f tests/fuzz/$t.dict ]] && dict=(-dict="tests/fuzz/$t.dict")
    local rc=0
    "$bin" -max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-30}" -rss_limit_mb=2048 -print_final_stats=1 \
      ${FUZZ_JOBS:+-fork="$FUZZ_JOBS" -ignore_crashes=0} \
      -artifact_prefix="build-fuzz/crashes/$t/" "${dict[@]}" \
      "build-fuzz/corpus/$t" ${seeds:+"$seeds"} 2>"build-fuzz/$t.log" || rc=1
    if ((rc)); then
      echo "fuzz: $t found a crash (build-fuzz/$t.log, build-fuzz/crashes/$t/)"
      tail -30 "build-fuzz/$t.log"
    fi
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)' "build-fuzz/$t.log" | tr '\n' ' ' || true
    echo
    return $rc
  } >"$out" 2>&1
}

status=0
running=0
ran=()
for t in "${targets[@]}"; do
  if [[ ! -x build-fuzz/tests/fuzz_$t ]]; then
    echo "fuzz: no target '$t'"
    status=1
    continue
  fi
  if ((running >= parallel)); then
    wait -n || status=1
    running=$((running - 1))
  fi
  fuzz_one "$t" &
  running=$((running + 1))
  ran+=("$t")
done
while ((running > 0)); do
  wait -n || status=1
  running=$((running - 1))
done
for t in "${ran[@]}"; do
  cat "build-fuzz/$t.out"
done
exit $status
