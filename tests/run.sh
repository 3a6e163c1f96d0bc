#!/usr/bin/env bash
# Runs every sandstore test: installs missing Debian packages, builds, runs CTest.
#
#   tests/run.sh            a normal build (build/) and the whole suite
#   SS_SANITIZE=1 tests/run.sh   the same under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)
#   CI=true tests/run.sh    both of the above, warnings as errors (the optimized build
#                           skips the long fault runs, which the sanitizer build runs),
#                           then every fuzz target for SS_FUZZ_SECONDS (15) with clang,
#                           one per core at a time
#
# Extra arguments go to ctest (e.g. tests/run.sh -R resp -L unit).
set -euo pipefail
cd "$(dirname "$0")/.."

# CI also needs clang for the fuzzers: one apt transaction (one apt-get update)
# on a fresh machine instead of a second one before the fuzzing.
if [[ "${CI:-}" == "true" ]]; then
  SS_DEPS_FUZZ=1 ./deps/install.sh
else
  ./deps/install.sh
fi

jobs=$(nproc 2>/dev/null || echo 2)

run_suite() { # dir, ctest label exclusion ("" for none), extra cmake args...
  local dir=$1 exclude=$2; shift 2
  echo "== configure and build ($dir)"
  cmake -S . -B "$dir" -DSS_WERROR=ON "$@" >/dev/null
  if ! cmake --build "$dir" -j "$jobs" >"$dir/build.log" 2>&1; then
    grep -E 'error|warning' "$dir/build.log" | head -50 || tail -50 "$dir/build.log"
    echo "build failed in $dir (full log: $dir/build.log)"
    return 1
  fi
  echo "== ctest ($dir)"
  local extra=()
  [[ -n "$exclude" ]] && extra=(-LE "$exclude")
  (cd "$dir" && ctest --output-on-failure -j "$jobs" --timeout 600 "${extra[@]}" "${ctest_args[@]}")
}

ctest_args=("$@")
status=0
if [[ "${CI:-}" == "true" ]]; then
  # Every test runs under the sanitizers; the optimized build runs all but the
  # long nemesis runs again, which keeps CI within its 30 minutes on 2 cores
  # (tests/costs.cmake orders the tests so that both cores stay busy).
  run_suite build fault -DCMAKE_BUILD_TYPE=RelWithDebInfo || status=1
  run_suite build-asan "" -DCMAKE_BUILD_TYPE=Debug -DSS_SANITIZE=ON || status=1
  # The corpora were replayed above (label fuzz-corpus, both builds); now each
  # coverage-guided fuzzer runs briefly on top of them (tests/fuzz/README).
  echo "== fuzz (clang, build-fuzz/)"
  SS_DEPS_FUZZ=1 ./deps/install.sh
  tests/fuzz/run.sh -t "${SS_FUZZ_SECONDS:-15}" || status=1
elif [[ -n "${SS_SANITIZE:-}" ]]; then
  run_suite build-asan "" -DCMAKE_BUILD_TYPE=Debug -DSS_SANITIZE=ON || status=1
else
  run_suite build "" -DCMAKE_BUILD_TYPE=RelWithDebInfo || status=1
fi
exit $status
