# Sourced by bench/http_load.sh and bench/meili_load.sh: builds the program and
# the generator into $build (Release), then makes (once, cached) the seeded
# corpus, query set and index of $docs studies with seed $seed.
# Sets: data (folder), db, queries, bin.
http_data() {
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSTUDYSEARCH_BUILD_BENCH=ON >/dev/null
  cmake --build "$build" -j"$(nproc)" --target studysearch_cli studysearch-gen >/dev/null
  local learn=(--learn "$root/data/eval/med/MED.ALL" --learn "$root/corpus/sample/studies.jsonl")
  data="$build/bench-data/http-d$docs-s$seed"
  mkdir -p "$data"
  [ -s "$data/corpus.jsonl" ] || "$build/bench/studysearch-gen" --docs "$docs" --seed "$seed" "${learn[@]}" > "$data/corpus.jsonl"
  [ -s "$data/queries.tsv" ] || "$build/bench/studysearch-gen" --queries 200 --docs "$docs" --seed "$seed" "${learn[@]}" > "$data/queries.tsv"
  if [ ! -f "$data/index.done" ]; then
    rm -rf "$data/index"
    "$build/app/studysearch" index --db "$data/index" "$data/corpus.jsonl"
    touch "$data/index.done"
  fi
  db="$data/index" queries="$data/queries.tsv" bin="$build/app/studysearch"
}
