#!/usr/bin/env bash
# CTest wrapper of the browser test (tests/CMakeLists.txt: browser_search).
#   run.sh STUDYSEARCH_BINARY SOURCE_DIR WORK_DIR
# Installs playwright-core into WORK_DIR, indexes corpus/sample and the hostile
# fixtures, starts `studysearch serve --port 0`, runs test.mjs against it (its
# screenshots go to WORK_DIR/screens), always stops the server.
set -euo pipefail
bin=$1 src=$2 work=$3

mkdir -p "$work"
cp "$src/tests/browser/package.json" "$src/tests/browser/test.mjs" "$src/tests/support/chromium.mjs" "$work/"
cd "$work"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
npm install --no-audit --no-fund --loglevel=error

# The index: the sample corpus, or a few records of our own if it is missing.
db="$work/index"
rm -rf "$db"
shopt -s nullglob
inputs=("$src"/corpus/sample/*.jsonl "$src"/corpus/sample/*.txt)
if [ ${#inputs[@]} -eq 0 ]; then
  echo "browser test: corpus/sample is empty; using built-in records"
  cat > "$work/fallback.jsonl" <<'JSONL'
{"id":"smith-2019-exercise-fatigue","title":"Exercise and fatigue","authors":["A Smith"],"journal":"Journal of Translational Medicine","year":2019,"doi":"10.1186/example.1","summary":"Two-day CPET: fatigue and reduced workload on the second day.","pem":"required","evidence_level":"E2","design":"case-control"}
{"id":"jones-2020-sleep-fatigue","title":"Sleep and fatigue","authors":["B Jones"],"journal":"Sleep Medicine","year":2020,"summary":"Unrefreshing sleep and fatigue were common.","pem":"not_required","design":"cohort"}
{"id":"lee-2021-nk-cells","title":"Natural killer cells","authors":["C Lee"],"journal":"Frontiers in Immunology","year":2021,"summary":"NK cell function was lower in patients with fatigue and PEM.","pem":"required"}
{"id":"kim-2018-fatigue-scales","title":"Fatigue scales compared","authors":["D Kim"],"journal":"Fatigue","year":2018,"summary":"Fatigue questionnaires differ in what they measure.","pem":"unclear"}
{"id":"doe-2022-orthostatic","title":"Orthostatic intolerance","authors":["E Doe"],"journal":"Frontiers in Immunology","year":2022,"summary":"Tilt testing found frequent orthostatic intolerance.","pem":"not_required"}
JSONL
  inputs=("$work/fallback.jsonl")
fi
# Plus hostile records (tests/browser/hostile.jsonl): markup in every text
# field and javascript:/data: sources must show as text, never run or link.
inputs+=("$src/tests/browser/hostile.jsonl")
"$bin" index --db "$db" "${inputs[@]}"

log="$work/server.log"
: > "$log"   # exists before the server opens it: the first sed below must not race its start
"$bin" serve --db "$db" --port 0 2> "$log" &
server_pid=$!
stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
}
trap stop_server EXIT

port=""
for _ in $(seq 200); do
  port=$(sed -n 's|^studysearch: serving .* on http://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p' "$log")
  [ -n "$port" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "browser test: the server exited:"; cat "$log"; exit 1
  fi
  sleep 0.05
done
if [ -z "$port" ]; then echo "browser test: the server did not start:"; cat "$log"; exit 1; fi

BASE_URL="http://127.0.0.1:$port" OUT_DIR="$work" node test.mjs
