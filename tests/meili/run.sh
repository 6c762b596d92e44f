#!/usr/bin/env bash
# CTest wrapper of the Meilisearch-dialect tests (tests/CMakeLists.txt: meili_api, meili_browser).
#   run.sh STUDYSEARCH_BINARY SOURCE_DIR WORK_DIR api|browser
# Installs the pinned npm packages from the committed lockfiles (npm ci):
# tests/meili (meilisearch client, playwright-core) and app/web/instantsearch
# (the demo page's widgets). Indexes corpus/sample, starts `studysearch serve`
# instances on free ports, runs api.test.mjs (node:test) or browser.test.mjs,
# and always stops the servers.
set -euo pipefail
bin=$1 src=$2 mode=$4
work=$3/$mode   # one folder per mode: ctest -j may run both at once

mkdir -p "$work/test" "$work/page"
cp "$src/tests/meili/package.json" "$src/tests/meili/package-lock.json" "$src/tests/meili/"*.mjs "$src/tests/support/chromium.mjs" "$work/test/"
cp "$src/app/web/instantsearch/package.json" "$src/app/web/instantsearch/package-lock.json" "$work/page/"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
(cd "$work/test" && npm ci --no-audit --no-fund --loglevel=error)
if [ "$mode" = browser ]; then (cd "$work/page" && npm ci --no-audit --no-fund --loglevel=error); fi

db="$work/index"
rm -rf "$db"
"$bin" index --db "$db" --quiet "$src"/corpus/sample/*.jsonl

pids=()
stop_servers() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_servers EXIT

# start_server NAME ARGS...: serve on a free port; sets $port.
start_server() {
  local name=$1; shift
  local log="$work/$name.log"
  : > "$log"   # exists before the server opens it: the first sed below must not race its start
  "$bin" serve --db "$db" --port 0 "$@" 2> "$log" &
  pids+=($!)
  port=""
  for _ in $(seq 200); do
    port=$(sed -n 's|^studysearch: serving .* on http://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p' "$log")
    [ -n "$port" ] && return 0
    if ! kill -0 "${pids[-1]}" 2>/dev/null; then echo "meili test: server $name exited:"; cat "$log"; exit 1; fi
    sleep 0.05
  done
  echo "meili test: server $name did not start:"; cat "$log"; exit 1
}

cd "$work/test"
if [ "$mode" = api ]; then
  printf 'test-search-key\n' > "$work/search.key"
  origin="http://127.0.0.1:9"   # any origin string will do: node's fetch sends it as given
  start_server api --cors-origin "$origin"; api=$port
  start_server keyed --search-key-file "$work/search.key"; keyed=$port
  BASE_URL="http://127.0.0.1:$api" KEYED_URL="http://127.0.0.1:$keyed" SEARCH_KEY=test-search-key \
    ALLOWED_ORIGIN="$origin" node --test --test-reporter=spec api.test.mjs
else
  # The page and the API on different origins (two servers, two ports), so the
  # browser must pass CORS: the page's server allows no one, the API's allows the page.
  start_server page --instantsearch-modules "$work/page/node_modules"; page=$port
  start_server api --cors-origin "http://127.0.0.1:$page"; api=$port
  PAGE_URL="http://127.0.0.1:$page/instantsearch/?host=http://127.0.0.1:$api" API_URL="http://127.0.0.1:$api" \
    OUT_DIR="$work" node browser.test.mjs
fi
