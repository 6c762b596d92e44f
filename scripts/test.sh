#!/usr/bin/env bash
# Builds everything (library, CLI, server, tests, benchmarks, tools) and runs
# every test: the Catch2 programs and scripts under ctest (including the
# headless-browser test), the installed-package embed example, and the
# sanitizer runs. Installs missing Debian packages first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
jobs="$(nproc)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTUDYSEARCH_BUILD_TESTS=ON -DSTUDYSEARCH_BUILD_BENCH=ON
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"
scripts/embed_check.sh build
if [[ -x scripts/sanitize.sh ]]; then
  scripts/sanitize.sh
fi
