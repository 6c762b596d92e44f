#!/usr/bin/env bash
# Measures studysearch's ranking on a test collection: builds a fresh index,
# runs every topic, scores the run with studysearch-eval and prints a table.
# See tools/eval/README.md for the metrics and the collection layout.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: tools/evaluate.sh [--build DIR] [all [-- SUITE_OPTIONS...]]
       tools/evaluate.sh [--build DIR] COLLECTION [-- RUN_OPTIONS...]

(none), all     every development collection (MED, Cranfield, SciFact-train) and
                every row of tools/eval/suite.py in one table: plain BM25, the
                candidates, the defaults; by collection and by query length.
                SUITE_OPTIONS go to suite.py (--setting, --grid, --limit, ...).
COLLECTION      med | cranfield | scifact-train   from data/eval/<name> into DIR/eval/<name>/
                or a directory holding corpus.jsonl, topics.tsv and qrels.txt
--build DIR     build directory with app/studysearch and tools/eval/* (default: build)
RUN_OPTIONS     passed to `studysearch run` unchanged, e.g. -- --k1 1.2 --b 0.75

Writes DIR/eval/<name>/{index/,run.txt,run-stats.txt,eval.json}; the index is
rebuilt from scratch every time.
EOF
}

die() {
  echo "evaluate.sh: $*" >&2
  exit 1
}

now() { echo "${EPOCHREALTIME:-$(date +%s.%N)}"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f s", b - a }'; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build"
collection=""
run_options=()
while (($# > 0)); do
  case "$1" in
    --build)
      (($# >= 2)) || die "--build needs a directory"
      build="$2"
      shift 2
      ;;
    --build=*) build="${1#--build=}"; shift ;;
    -h | --help) usage; exit 0 ;;
    --) shift; run_options=("$@"); break ;;
    -*) usage >&2; die "unknown option '$1' (options for studysearch run go after --)" ;;
    *)
      [[ -z $collection ]] || die "one collection at a time (got '$collection' and '$1'); run options go after --"
      collection="$1"
      shift
      ;;
  esac
done
if [[ -z $collection || $collection == all ]]; then
  exec python3 "$root/tools/eval/suite.py" --build "$build" ${run_options[@]+"${run_options[@]}"}
fi

[[ -d $build ]] || die "build directory '$build' not found; configure and build first:
  cmake -S $root -B $build && cmake --build $build"
build="$(cd "$build" && pwd)"
studysearch="$build/app/studysearch"
evaluator="$build/tools/eval/studysearch-eval"
converter="$build/tools/eval/studysearch-collection"
require_binary() {
  [[ -x $1 ]] || die "$1 not found; build it: cmake --build $build --target $2"
}
require_binary "$studysearch" studysearch_cli
require_binary "$evaluator" studysearch-eval

case "$collection" in
  med | cranfield)
    name="$collection"
    source_dir="$root/data/eval/$name"
    [[ -d $source_dir ]] || die "$source_dir not found (the evaluation data is in data/eval/)"
    require_binary "$converter" studysearch-collection
    data_dir="$build/eval/$name"
    "$converter" "$name" "$source_dir" "$data_dir" >/dev/null ||
      die "converting $source_dir failed (message above)"
    origin="$(cd "$source_dir" && pwd)"
    ;;
  scifact-train)
    name="$collection"
    source_dir="$root/data/eval/$name"
    [[ -f $source_dir/corpus.jsonl.gz ]] || die "$source_dir/corpus.jsonl.gz not found (the evaluation data is in data/eval/)"
    data_dir="$build/eval/$name"
    mkdir -p "$data_dir"
    gzip -dc "$source_dir/corpus.jsonl.gz" >"$data_dir/corpus.jsonl"
    cp "$source_dir/topics.tsv" "$source_dir/qrels.txt" "$data_dir/"
    origin="$(cd "$source_dir" && pwd)"
    ;;
  *)
    [[ -d $collection ]] || die "'$collection' is neither med, cranfield, scifact-train, all nor a directory"
    data_dir="$(cd "$collection" && pwd)"
    name="$(basename "$data_dir")"
    origin="$data_dir"
    ;;
esac
for file in corpus.jsonl topics.tsv qrels.txt; do
  [[ -s $data_dir/$file ]] || die "$data_dir/$file is missing or empty (a collection needs corpus.jsonl, topics.tsv, qrels.txt)"
done

work="$build/eval/$name"
mkdir -p "$work"
index="$work/index"
run="$work/run.txt"
stats="$work/run-stats.txt"
rm -rf "$index"

started="$(now)"
if ! "$studysearch" index --db "$index" "$data_dir/corpus.jsonl" >"$work/index.log" 2>&1; then
  cat "$work/index.log" >&2
  die "indexing $data_dir/corpus.jsonl failed (output above, also in $work/index.log)"
fi
indexed="$(now)"
if ! "$studysearch" run --db "$index" --topics "$data_dir/topics.tsv" --limit 1000 \
  --tag studysearch --stats ${run_options[@]+"${run_options[@]}"} >"$run" 2>"$stats"; then
  cat "$stats" >&2
  die "studysearch run failed (options: ${run_options[*]:-none}; output above)"
fi
ran="$(now)"
[[ -s $run ]] || die "studysearch run returned no results at all ($run is empty)"

documents="$(grep -c . "$data_dir/corpus.jsonl" || true)"
topics="$(grep -c . "$data_dir/topics.tsv" || true)"
echo "collection   $name ($origin)"
echo "documents    $documents, topics $topics"
echo "run options  ${run_options[*]:-(defaults)}"
echo "time         index $(elapsed "$started" "$indexed"), run $(elapsed "$indexed" "$ran")"
if [[ -s $stats ]]; then
  echo "run stats    $(tr -s '\n' ' ' <"$stats")"
fi
echo
"$evaluator" "$data_dir/qrels.txt" "$run" || die "scoring $run failed (message above)"
"$evaluator" "$data_dir/qrels.txt" "$run" --per-query --json >"$work/eval.json"
echo
echo "run: $run   per-query scores: $work/eval.json"
