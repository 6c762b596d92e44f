#!/usr/bin/env bash
# The main job: install what is missing, build, index the bundled sample
# corpus into build/sample-index and run an example search.
# Usage: scripts/run.sh [QUERY...]     (default query: natural killer cells)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTUDYSEARCH_BUILD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target studysearch_cli
rm -rf build/sample-index
build/app/studysearch index --db build/sample-index corpus/sample/*.jsonl corpus/sample/*.txt
query=("$@"); ((${#query[@]})) || query=(natural killer cells)
echo "\$ studysearch search --db build/sample-index ${query[*]}"
build/app/studysearch search --db build/sample-index --limit 5 "${query[@]}"
echo
echo "\$ studysearch search --db build/sample-index --pem required --json ${query[*]}"
build/app/studysearch search --db build/sample-index --pem required --limit 2 --json "${query[@]}"
