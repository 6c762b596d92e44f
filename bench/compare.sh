#!/usr/bin/env bash
# Our engine before and after a change, in one run: builds BASE and AFTER
# (git revisions, each in its own worktree: edits in progress do not leak in; Release), indexes
# one generated corpus with each, then times the same queries with both,
# alternating rounds so that load on the machine hits both alike. Prints p50
# and p95 per benchmark (engine/request/class) and after/before ratios.
#
#   bench/compare.sh --base REV [--after REV (HEAD)] [--docs 20000] [--seed 42] [--per-class 200]
#                    [--rounds 3] [--filter REGEX] [--build DIR]
#
#   --build DIR  folder for both builds and the data (default build-compare)
# Needs what bench/run.sh needs (bench/README.md).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
base="" after=HEAD docs=20000 seed=42 per_class=200 rounds=3 filter='^ours/(plain|facets|pem_facets)/' build=build-compare
while [ $# -gt 0 ]; do
  case "$1" in
    --base) base=$2; shift 2 ;;
    --after) after=$2; shift 2 ;;
    --docs) docs=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --per-class) per_class=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --filter) filter=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -n "$base" ] || { echo "compare.sh: --base REV is required" >&2; exit 2; }
case "$build" in /*) ;; *) build="$root/$build" ;; esac
base_sha=$(git -C "$root" rev-parse --verify "$base^{commit}")
after_sha=$(git -C "$root" rev-parse --verify "$after^{commit}")
after_desc=$(git -C "$root" describe --always "$after_sha")
mkdir -p "$build"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

# Builds SRC into DIR (Release, the bench targets only).
build_tree() {
  cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE=Release -DSTUDYSEARCH_BUILD_BENCH=ON -DSTUDYSEARCH_BUILD_TESTS=OFF \
    "${launcher[@]}" > "$2.cmake.log"
  cmake --build "$2" -j"$(nproc)" --target studysearch-gen bench_index bench_search > "$2.build.log"
}
# A detached worktree of REV at DIR (reused when it is already there).
checkout() {
  if [ ! -d "$2" ] || [ "$(git -C "$2" rev-parse HEAD 2>/dev/null)" != "$1" ]; then
    git -C "$root" worktree remove --force "$2" 2>/dev/null || rm -rf "$2"
    git -C "$root" worktree add --detach "$2" "$1" > /dev/null
  fi
}
checkout "$base_sha" "$build/before-src"
checkout "$after_sha" "$build/after-src"
echo "== build before ($base = ${base_sha:0:10}) and after ($after_desc)"
build_tree "$build/before-src" "$build/before"
build_tree "$build/after-src" "$build/after"
bin_of() { dirname "$(find "$1" -name "$2" -type f -perm -u+x | head -n 1)"; }

# One corpus and query set (the after build's generator), one index per build.
gen="$(bin_of "$build/after" studysearch-gen)/studysearch-gen"
learn=(--learn "$root/data/eval/med/MED.ALL" --learn "$root/corpus/sample/studies.jsonl")
corpus="$build/corpus-d$docs-s$seed.jsonl" queries="$build/queries-d$docs-s$seed-q$per_class.tsv"
[ -s "$corpus" ] || "$gen" --docs "$docs" --seed "$seed" "${learn[@]}" > "$corpus"
[ -s "$queries" ] || "$gen" --queries "$per_class" --docs "$docs" --seed "$seed" "${learn[@]}" > "$queries"
for side in before after; do
  work="$build/work-$side"
  rm -rf "$work"
  "$(bin_of "$build/$side" bench_index)/bench_index" --corpus="$corpus" --queries="$queries" --work="$work" \
    --docs="$docs" --seed="$seed" --keep_index --benchmark_filter='^index/ours/' > "$build/index-$side.log"
done

echo "== search: $rounds rounds, each before then after ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
results=()
for ((round = 1; round <= rounds; ++round)); do
  for side in before after; do
    out="$build/search-$side-$round.json"
    "$(bin_of "$build/$side" bench_search)/bench_search" --corpus="$corpus" --queries="$queries" \
      --work="$build/work-$side" --docs="$docs" --seed="$seed" --per_class="$per_class" \
      --benchmark_filter="$filter" --benchmark_out="$out" --benchmark_out_format=json > /dev/null
    results+=("$side=$out")
  done
done
python3 - "$docs" "$seed" "$base" "$after_desc" "${results[@]}" <<'EOF'
import json, sys, statistics, platform
docs, seed, base, after = sys.argv[1:5]
runs = {"before": {}, "after": {}}
for arg in sys.argv[5:]:
    side, path = arg.split("=", 1)
    for b in json.load(open(path))["benchmarks"]:
        runs[side].setdefault(b["name"].split("/iterations")[0], []).append((b["p50_ms"], b["p95_ms"]))
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
print(f"corpus {docs} generated studies, seed {seed}; {cpu}; median over rounds of each round's p50/p95")
print(f"| benchmark | before ({base}) p50 | after ({after}) p50 | after/before p50 | before p95 | after p95 | after/before p95 |")
print("|---|---|---|---|---|---|---|")
for name in sorted(runs["before"]):
    if name not in runs["after"]:
        continue
    b50 = statistics.median(r[0] for r in runs["before"][name]); a50 = statistics.median(r[0] for r in runs["after"][name])
    b95 = statistics.median(r[1] for r in runs["before"][name]); a95 = statistics.median(r[1] for r in runs["after"][name])
    print(f"| {name} | {b50:.3f} | {a50:.3f} | {a50 / b50:.2f} | {b95:.3f} | {a95:.3f} | {a95 / b95:.2f} |")
EOF
