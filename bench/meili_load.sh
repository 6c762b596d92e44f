#!/usr/bin/env bash
# The Meilisearch dialect under load, against the native endpoint in the same
# run: a typical InstantSearch request (POST /multi-search with 3 queries: the
# hits query with a pem and a journal refinement, plus one disjunctive facet
# query per refined group, as instant-meilisearch sends them) versus the one
# native GET /v1/search that gives the page the same information (hits,
# snippets, disjunctive facets; prefix=1: the last word is a prefix, as in
# the dialect). Alternates native / dialect runs with wrk.
#
#   bench/meili_load.sh [--docs 100000] [--seed 42] [--build build-bench] [--seconds 15] [--rounds 2]
#                       [--connections 16] [--threads 2] [--db INDEX --queries QUERIES.TSV --bin STUDYSEARCH]
# Without --db it uses (or builds) the corpus and index of bench/http_load.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
docs=100000 seed=42 build=build-bench seconds=15 rounds=2 connections=16 threads=2 db="" queries="" bin=""
while [ $# -gt 0 ]; do
  case "$1" in
    --docs) docs=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --db) db=$2; shift 2 ;;
    --queries) queries=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "meili_load.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "meili_load.sh: wrk is missing (apt-get install wrk)" >&2; exit 1; }
case "$build" in /*) ;; *) build="$root/$build" ;; esac
# shellcheck source=bench/http_data.sh
source "$root/bench/http_data.sh"
if [ -z "$db" ]; then http_data; fi
[ -n "$queries" ] && [ -n "$bin" ] || { echo "meili_load.sh: --db needs --queries and --bin" >&2; exit 2; }
work=$(mktemp -d)
log="$work/serve.log"
"$bin" serve --db "$db" --port 0 --threads 8 2> "$log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q "serving" "$log" && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$log" | head -1)
[ -n "$url" ] || { echo "meili_load.sh: server did not start" >&2; cat "$log" >&2; exit 1; }
# The two most frequent journals: the refinement every request carries (one per request, alternating).
curl -fsS "$url/v1/search?limit=0&journal_facets=2" > "$work/facets.json"

# One request per query of the set (every class), both forms.
python3 - "$queries" "$work/facets.json" "$work" <<'PY'
import json, sys, urllib.parse
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if not l.startswith("qid\t")]
journals = [v["value"] for v in json.load(open(sys.argv[2]))["facets"]["journal"]][:2]
native, meili = [], []
esc = lambda s: s.replace("\\", "\\\\").replace('"', '\\"')
for i, row in enumerate(rows):
    q, journal = row[2], journals[i % len(journals)]
    native.append(f"/v1/search?q={urllib.parse.quote(q)}&pem=required&journal={urllib.parse.quote(journal)}&limit=10&prefix=1")
    pem, jf = "\"pem\"=\"required\"", f"\"journal\"=\"{esc(journal)}\""
    common = {"indexUid": "studies", "q": q, "attributesToHighlight": ["*"],
              "highlightPreTag": "__ais-highlight__", "highlightPostTag": "__/ais-highlight__"}
    body = {"queries": [
        dict(common, facets=["design", "evidence_level", "journal", "pem", "year"], filter=[[pem], [jf]], hitsPerPage=10, page=1),
        dict(common, facets=["pem"], filter=[[jf]], hitsPerPage=0, page=1),
        dict(common, facets=["journal"], filter=[[pem]], hitsPerPage=0, page=1)]}
    meili.append(json.dumps(body))
open(sys.argv[3] + "/native.txt", "w").write("\n".join(native) + "\n")
open(sys.argv[3] + "/meili.txt", "w").write("\n".join(meili) + "\n")
PY
for kind in native meili; do
  cat > "$work/$kind.lua" <<EOF
local items = {}
for line in io.lines("$work/$kind.txt") do items[#items + 1] = line end
local i = 0
request = function()
  i = i % #items + 1
  if "$kind" == "native" then return wrk.format("GET", items[i]) end
  return wrk.format("POST", "/multi-search", {["Content-Type"] = "application/json"}, items[i])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT $kind requests=%d errors=%d non2xx=%d seconds=%.1f rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000))
end
EOF
done
# Both forms answer, and agree on the total (a broken request would measure nothing).
first_native=$(head -1 "$work/native.txt")
head -1 "$work/meili.txt" > "$work/first.json"
n_total=$(curl -fsS "$url$first_native" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
m_total=$(curl -fsS -H 'Content-Type: application/json' --data-binary @"$work/first.json" "$url/multi-search" |
          python3 -c 'import json,sys; print(json.load(sys.stdin)["results"][0]["totalHits"])')
[ "$n_total" = "$m_total" ] || { echo "meili_load.sh: totals differ (native $n_total, multi-search $m_total)" >&2; exit 1; }
echo "index: $db ($(curl -fsS "$url/v1/info" | python3 -c 'import json,sys; print(json.load(sys.stdin)["documents"])') studies); $(wc -l < "$work/native.txt") distinct requests per form; machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk -t$threads -c$connections -d${seconds}s --latency, alternating native / multi-search, $rounds rounds"
for round in $(seq "$rounds"); do
  for kind in native meili; do
    wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s "$work/$kind.lua" "$url" | grep RESULT | sed "s/^RESULT /round $round: /"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
