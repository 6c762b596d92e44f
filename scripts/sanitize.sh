#!/usr/bin/env bash
# Sanitizer run for CI:
#   1. ASan + UBSan build (build-asan): every CTest test except the browser
#      tests, the crash tests (which SIGKILL processes on purpose and are slow
#      under ASan) and hostile_http (its memory and latency bounds measure the
#      release build; ASan's shadow memory alone exceeds them), leaks
#      detected, first error fatal.
#   2. TSan build (build-tsan): the concurrency test and the indexer's bulk
#      loads (parallel parts). libxapian is not
#      TSan-instrumented, so its internal races are suppressed (tests/tsan.supp).
#   scripts/sanitize.sh [asan|tsan|all]   (default all)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
what=${1:-all}
jobs=${JOBS:-$(nproc)}
start=$SECONDS

if [[ $what == all || $what == asan ]]; then
  cmake -S "$root" -B "$root/build-asan" -DCMAKE_BUILD_TYPE=Debug -DSTUDYSEARCH_SANITIZE=ON -DSTUDYSEARCH_BUILD_BENCH=OFF >/dev/null
  cmake --build "$root/build-asan" -j"$jobs"
  (cd "$root/build-asan" &&
   ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
   ctest --output-on-failure -j"$jobs" -LE 'browser|crash|hostile')
  echo "sanitize: asan+ubsan done after $(( SECONDS - start )) s"
fi

if [[ $what == all || $what == tsan ]]; then
  cmake -S "$root" -B "$root/build-tsan" -DCMAKE_BUILD_TYPE=Debug -DSTUDYSEARCH_TSAN=ON -DSTUDYSEARCH_BUILD_BENCH=OFF >/dev/null
  cmake --build "$root/build-tsan" -j"$jobs" --target concurrency indexer
  TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$root/tests/tsan.supp" \
    "$root/build-tsan/tests/concurrency"
  TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$root/tests/tsan.supp" \
    "$root/build-tsan/tests/indexer" "*bulk*"
  echo "sanitize: tsan done after $(( SECONDS - start )) s"
fi
echo "sanitize: all done in $(( SECONDS - start )) s"
