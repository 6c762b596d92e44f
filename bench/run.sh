#!/usr/bin/env bash
# The whole benchmark suite: build (Release), generate a corpus and query set
# (cached by docs + seed + learn files + generator), measure indexing and
# searching for our engine and both baselines, write bench/RESULTS.md.
#
#   bench/run.sh [--docs 100000] [--seed 42] [--build build-bench] [--per-class 300]
#                [--heavy-per-class 40] [--bench-only] [--report bench/RESULTS.md]
#
#   --build DIR          CMake build folder (relative to the repository root), configured Release
#   --per-class N        queries timed per benchmark (ours, Xapian)
#   --heavy-per-class N  queries timed per FTS5 benchmark (its OR queries are the slow ones)
#   --bench-only         configure only bench/ (a small wrapper project): for measuring
#                        the baselines while the engine does not build
#   --report FILE        where the report goes (relative to the repository root)
# Needs cmake, a C++20 compiler, libxapian-dev, libsqlite3-dev, libbenchmark-dev,
# nlohmann-json3-dev, python3 and /usr/bin/time. See bench/README.md.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
docs=100000 seed=42 build=build-bench per_class=300 heavy=40 bench_only=0 report=bench/RESULTS.md
while [ $# -gt 0 ]; do
  case "$1" in
    --docs) docs=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --per-class) per_class=$2; shift 2 ;;
    --heavy-per-class) heavy=$2; shift 2 ;;
    --bench-only) bench_only=1; shift ;;
    --report) report=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$build" in /*) ;; *) build="$root/$build" ;; esac
case "$report" in /*) ;; *) report="$root/$report" ;; esac
command -v /usr/bin/time >/dev/null || { echo "run.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }

started=$(date +%s)
load=$(cut -d' ' -f1-3 /proc/loadavg)  # other work on the machine skews every number
data="$build/bench-data"
out="$build/bench-results/d$docs-s$seed"
rm -rf "$out"
mkdir -p "$data" "$out"
commands="$out/commands.txt"
: > "$commands"
run() {  # echo a command into the results, then run it
  echo "$*" >> "$commands"
  "$@"
}

echo "== build ($build)"
if [ "$bench_only" = 1 ]; then
  src="$build/bench-only-src"
  mkdir -p "$src"
  cat > "$src/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.22)
project(studysearch_bench_only LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
add_compile_options(-Wall -Wextra)
include("$root/bench/benchmarks.cmake")
EOF
  run cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release > "$out/cmake.log"
else
  run cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSTUDYSEARCH_BUILD_BENCH=ON > "$out/cmake.log"
fi
run cmake --build "$build" -j"$(nproc)" --target studysearch-gen bench_index bench_search

gen="$build/studysearch-gen"
[ -x "$gen" ] || gen=$(find "$build" -name studysearch-gen -type f -perm -u+x | head -n 1)
bin=$(dirname "$gen")
learn=(--learn "$root/data/eval/med/MED.ALL")
[ -f "$root/corpus/sample/studies.jsonl" ] && learn+=(--learn "$root/corpus/sample/studies.jsonl")

# The cache key covers everything the generated text depends on.
key=$( { cat "$gen"; for ((i = 1; i < ${#learn[@]}; i += 2)); do cat "${learn[$i]}"; done; } | md5sum | cut -c1-10)
corpus="$data/corpus-d$docs-s$seed-$key.jsonl"
queries="$data/queries-d$docs-s$seed-q$per_class-$key.tsv"
work="$data/work-d$docs-s$seed-$key"
echo "== corpus ($corpus)"
generate() {  # generate FILE ARGS...: run the generator unless FILE is cached
  local file=$1; shift
  echo "$gen $* > $file" >> "$commands"
  if [ ! -s "$file" ]; then
    "$gen" "$@" > "$file.tmp"
    mv "$file.tmp" "$file"
  fi
}
generate "$corpus" --docs "$docs" --seed "$seed" "${learn[@]}"
generate "$queries" --queries "$per_class" --docs "$docs" --seed "$seed" "${learn[@]}"

commit=$(git -C "$root" describe --always --dirty 2>/dev/null || true)
export STUDYSEARCH_BENCH_COMMIT="${commit:-uncommitted}"
common=(--corpus="$corpus" --queries="$queries" --work="$work" --docs="$docs" --seed="$seed")

# One process per engine, so that getrusage / time -v give each engine's peak RSS.
echo "== indexing"
for engine in ours xapian fts5; do
  name=$engine; [ "$engine" = fts5 ] && name=fts5.db
  run /usr/bin/time -v -o "$out/index-$engine.time" "$bin/bench_index" "${common[@]}" --keep_index \
    --benchmark_filter="^index/$name/" --benchmark_out="$out/index-$engine.json" --benchmark_out_format=json
done
echo "== searching"
for engine in ours xapian fts5; do
  run /usr/bin/time -v -o "$out/search-$engine.time" "$bin/bench_search" "${common[@]}" \
    --per_class="$per_class" --heavy_per_class="$heavy" \
    --benchmark_filter="^$engine/" --benchmark_out="$out/search-$engine.json" --benchmark_out_format=json
done

cat > "$out/meta.json" <<EOF
{"docs": $docs, "seed": $seed, "per_class": $per_class, "heavy_per_class": $heavy,
 "commit": "$STUDYSEARCH_BENCH_COMMIT", "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
 "cpu": "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')", "cores": $(nproc),
 "corpus_bytes": $(stat -c %s "$corpus"), "seconds": $(( $(date +%s) - started )), "load_before": "$load",
 "paths": {"CORPUS": "$corpus", "QUERIES": "$queries", "WORK": "$work", "OUT": "$out", "BUILD": "$build", "ROOT": "$root"},
 "invocation": "bench/run.sh --docs $docs --seed $seed --build ${build#$root/} --per-class $per_class --heavy-per-class $heavy$([ "$bench_only" = 1 ] && echo ' --bench-only')"}
EOF
python3 "$root/bench/report.py" "$out" "$report"
echo "== done in $(( $(date +%s) - started )) s: $report (raw results in $out)"
