#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan, libraries instrumented
# for coverage) into build-fuzz and runs each for SECONDS (default 60).
#   scripts/fuzz.sh [SECONDS] [TARGET...]
# A crash leaves crash-* in build-fuzz/findings/<target>/; turn each one into
# a case in tests/fuzz_regressions.cpp. New inputs found go to
# build-fuzz/findings/<target>/corpus (the seeds in fuzz/corpus stay small).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(fuzz_jsonl fuzz_atlas fuzz_query)
cxx=${FUZZ_CXX:-clang++-14}
build=$root/build-fuzz

cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSTUDYSEARCH_FUZZ=ON -DSTUDYSEARCH_BUILD_TESTS=OFF -DSTUDYSEARCH_BUILD_BENCH=OFF \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer" >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"

declare -A max_len=([fuzz_jsonl]=4096 [fuzz_atlas]=8192 [fuzz_query]=512)
status=0
for target in "${targets[@]}"; do
  findings=$build/findings/$target
  mkdir -p "$findings/corpus" "$findings/earlier"
  # Artifacts of earlier runs are kept, but not counted again.
  find "$findings" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) \
    -exec mv -t "$findings/earlier" {} +
  log=$findings/run.log
  set +e
  (cd "$findings" && UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=detect_leaks=1 \
     "$build/fuzz/$target" -max_total_time="$seconds" -max_len="${max_len[$target]:-4096}" -timeout=10 \
     -rss_limit_mb=2048 -print_final_stats=1 corpus "$root/fuzz/corpus/$target") > "$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  crashes=$(find "$findings" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  echo "fuzz: $target: ${execs:-?} executions in ${seconds} s, $crashes crashes (exit $rc; log $log)"
  if [[ $rc -ne 0 || $crashes -ne 0 ]]; then
    status=1
    grep -m5 -E 'ERROR|SUMMARY|runtime error' "$log" || true
  fi
done
exit $status
