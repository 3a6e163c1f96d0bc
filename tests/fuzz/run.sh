#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (build-fuzz/) and runs each for a while.
#
#   tests/fuzz/run.sh                 every target for 30 s
#   tests/fuzz/run.sh -t 3600 resp    one target for an hour
#   FUZZ_JOBS=2 tests/fuzz/run.sh ... libFuzzer's fork mode with 2 workers
#
# New inputs go to build-fuzz/corpus/<target>/ (the tree's corpus is read, never
# written); crashes to build-fuzz/crashes/<target>/. Copy a crash into
# tests/fuzz/corpus/<target>/ once it is fixed: the corpus replay in CTest keeps it fixed.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=30
while getopts "t:" opt; do
  case $opt in
    t) seconds=$OPTARG ;;
    *) echo "usage: $0 [-t seconds] [target...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
command -v clang >/dev/null || { echo "fuzz: clang is missing (apt-get install clang)"; exit 1; }
CC=clang cmake -S . -B build-fuzz -DSS_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j "$(nproc)" >build-fuzz/build.log 2>&1 || { tail -40 build-fuzz/build.log; exit 1; }
targets=("$@")
if ((${#targets[@]} == 0)); then
  for f in tests/fuzz/*.cmake; do targets+=("$(basename "$f" .cmake)"); done
fi
status=0
for t in "${targets[@]}"; do
  bin=build-fuzz/tests/fuzz_$t
  [[ -x $bin ]] || { echo "fuzz: no target '$t'"; status=1; continue; }
  mkdir -p "build-fuzz/corpus/$t" "build-fuzz/crashes/$t"
  seeds=tests/fuzz/corpus/$t
  [[ -d $seeds ]] || seeds=
  dict=()
  [[ -f tests/fuzz/$t.dict ]] && dict=(-dict="tests/fuzz/$t.dict")
  echo "== fuzz $t for ${seconds}s"
  if ! "$bin" -max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-30}" -rss_limit_mb=2048 -print_final_stats=1 \
        ${FUZZ_JOBS:+-fork="$FUZZ_JOBS" -ignore_crashes=0} \
        -artifact_prefix="build-fuzz/crashes/$t/" "${dict[@]}" \
        "build-fuzz/corpus/$t" ${seeds:+"$seeds"} 2>"build-fuzz/$t.log"; then
    echo "fuzz: $t found a crash (build-fuzz/$t.log, build-fuzz/crashes/$t/)"
    tail -30 "build-fuzz/$t.log"
    status=1
  fi
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)' "build-fuzz/$t.log" | tr '\n' ' ' || true
  echo
done
exit $status
