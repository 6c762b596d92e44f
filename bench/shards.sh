#!/usr/bin/env bash
# One index against the same studies in 4 local shards and in 4 remote shards
# (xapian-tcpsrv on 127.0.0.1), per query class, plain and with facets.
# Usage: bench/shards.sh [--build DIR] [--docs N] [--seed S] [--shards N] [--per-class N] [--rounds R] [--work DIR]
#                        [--term-k1-wdf X] [--burstiness X]   (EngineOptions; both 0: one weighted pass on remote shards)
# Prints a markdown table (ratios against the one index, same run) for bench/RESULTS.md "Shards".
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build" docs=100000 seed=42 shards=4 per_class=100 rounds=3 work="" engine=()
while (($#)); do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --docs) docs="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --shards) shards="$2"; shift 2 ;;
    --per-class) per_class="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --term-k1-wdf | --burstiness) engine+=("$1" "$2"); shift 2 ;;
    *) echo "unknown option $1" >&2; exit 1 ;;
  esac
done
work="${work:-$build/bench-shards-$docs-$seed}"
mkdir -p "$work"
cli="$build/app/studysearch" gen="$build/bench/studysearch-gen"
[[ -f "$work/corpus.jsonl" ]] || "$gen" --docs "$docs" --seed "$seed" > "$work/corpus.jsonl"
[[ -f "$work/queries.tsv" ]] || "$gen" --queries "$per_class" --docs "$docs" --seed "$seed" > "$work/queries.tsv"
[[ -d "$work/one" ]] || "$cli" index --db "$work/one" "$work/corpus.jsonl" >/dev/null
[[ -f "$work/split/shards.stub" ]] || "$cli" shard --db "$work/one" --shards "$shards" --out "$work/split" >/dev/null

pids=()
stop() { for p in "${pids[@]}"; do kill -KILL -- "-$p" 2>/dev/null || true; done; }
trap stop EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
: > "$work/remote.stub"
for ((i = 0; i < shards; i++)); do
  port=$(free_port)
  # Its own process group: xapian-tcpsrv forks per connection and signals its group on exit.
  setsid xapian-tcpsrv --quiet --interface 127.0.0.1 --port "$port" "$work/split/shard_$i" >/dev/null 2>&1 &
  pids+=($!)
  echo "remote 127.0.0.1:$port" >> "$work/remote.stub"
done
for _ in $(seq 50); do
  python3 - "$work/remote.stub" <<'PY' && break || sleep 0.1
import socket, sys
for line in open(sys.argv[1]):
    host, port = line.split()[1].rsplit(":", 1)
    socket.create_connection((host, int(port)), 1).close()
PY
done
echo "# $(date -u +%F) commit $(git -C "$root" rev-parse --short HEAD), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/bench/shard_bench" --one "$work/one" --local "$work/split/shards.stub" --remote "$work/remote.stub" \
  --queries "$work/queries.tsv" --per-class "$per_class" --rounds "$rounds" --seed "$seed" "${engine[@]}"
