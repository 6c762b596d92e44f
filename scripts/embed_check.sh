#!/usr/bin/env bash
# Installs studysearch into a temporary prefix, builds examples/embed against
# the installed CMake package (and checks the pkg-config file), and runs it on
# an index of the sample corpus. Usage: scripts/embed_check.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
prefix="$(mktemp -d)"; trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
cmake -S examples/embed -B "$prefix/embed-build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$prefix/embed-build" -j"$(nproc)" >/dev/null
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs studysearch >/dev/null
"$prefix/bin/studysearch" index --db "$prefix/index" corpus/sample/*.jsonl corpus/sample/*.txt 2>/dev/null
"$prefix/embed-build/embed_example" "$prefix/index" "natural killer"
echo "embed_check: installed package builds and runs"
