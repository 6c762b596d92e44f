#!/usr/bin/env bash
# HTTP load test: serves a generated corpus with `studysearch serve`, drives it
# with wrk (a realistic mix of queries from the benchmark query set, facets on,
# some with a pem filter), reports req/s, latency percentiles and errors, and
# stops the server.
#
#   bench/http_load.sh [--docs 100000] [--seed 42] [--build build-bench] [--seconds 20]
#                      [--connections 16] [--threads 2]
# Reuses the corpus and index that bench/run.sh caches (builds them if missing).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
docs=100000 seed=42 build=build-bench seconds=20 connections=16 threads=2
while [ $# -gt 0 ]; do
  case "$1" in
    --docs) docs=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "http_load.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$build" in /*) ;; *) build="$root/$build" ;; esac
command -v wrk >/dev/null || { echo "http_load.sh: wrk is missing (apt-get install wrk)" >&2; exit 1; }

# shellcheck source=bench/http_data.sh
source "$root/bench/http_data.sh"
http_data

# The request mix: every query of the set (all classes), URL-encoded; every
# third one with pem=required. Facets and snippets on, as the web page asks.
python3 - "$data/queries.tsv" > "$data/paths.txt" <<'PY'
import sys, urllib.parse
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if not l.startswith("qid\t")]
for i, row in enumerate(rows):
    q = urllib.parse.quote(row[2])
    print(f"/v1/search?q={q}&limit=10" + ("&pem=required" if i % 3 == 0 else ""))
PY
cat > "$data/mix.lua" <<EOF
local paths = {}
for line in io.lines("$data/paths.txt") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors=%d non2xx=%d seconds=%.1f rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000))
end
EOF

log="$data/serve.log"
"$build/app/studysearch" serve --db "$data/index" --port 0 --threads 8 2> "$log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "serving" "$log" && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$log" | head -1)
[ -n "$url" ] || { echo "http_load.sh: server did not start" >&2; cat "$log" >&2; exit 1; }
curl -fsS "$url/healthz" >/dev/null
echo "corpus: $docs generated studies, seed $seed; $(wc -l < "$data/paths.txt") distinct requests; machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk -t$threads -c$connections -d${seconds}s --latency -s mix.lua $url"
wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s "$data/mix.lua" "$url" | grep -E "RESULT|Requests/sec|Latency"
