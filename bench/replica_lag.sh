#!/usr/bin/env bash
# Replica lag (issue 17): how long a commit on the writer takes to become searchable
# through `studysearch serve` on a replica kept by xapian-replicate (loopback).
# Runs tests/replication.sh with more commits and prints a RESULTS.md section.
#
#   bench/replica_lag.sh [--build DIR] [--commits N] [--interval S] [--runs R]
#
# Defaults: build/, 30 commits, -i 1, 1 run. Each commit waits a random part of
# the interval first (so commits land anywhere in the pull cycle); the lag is
# from the writer's `studysearch index` returning to the first search (polled every
# 50 ms) that shows the new study.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build commits=30 interval=1 runs=1
while (($#)); do
  case $1 in
    --build) build=$(realpath "$2"); shift 2 ;;
    --commits) commits=$2; shift 2 ;;
    --interval) interval=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "usage: $0 [--build DIR] [--commits N] [--interval S] [--runs R]" >&2; exit 1 ;;
  esac
done
cli=$build/app/studysearch
[[ -x $cli ]] || { echo "replica_lag: build first: cmake --build $build --target studysearch_cli" >&2; exit 1; }

mkdir -p "$build/replica-lag"
all=() result=()
for (( r = 1; r <= runs; r++ )); do
  work=$build/replica-lag/run-$r
  STUDYSEARCH_REPLICA_COMMITS=$commits STUDYSEARCH_REPLICA_INTERVAL=$interval \
    "$src/tests/replication.sh" "$cli" "$src" "$work" | tee "$build/replica-lag/run-$r.log" >&2 ||
    { echo "replica_lag: run $r failed" >&2; exit 1; }
  lags=$(sed -n 's/.*lag p50 .*(all: \(.*\))$/\1/p' "$build/replica-lag/run-$r.log")
  all+=($lags)
  result[$r]=$(cat "$work/result.txt")
done

sorted=$(printf '%s\n' "${all[@]}" | sort -n)
n=${#all[@]}
p50=$(sed -n "$(( (n + 1) / 2 ))p" <<<"$sorted")
p90=$(sed -n "$(( (n * 9 + 9) / 10 ))p" <<<"$sorted")
max=$(tail -n1 <<<"$sorted")
commit=$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)
cat <<EOF
## Replica lag (\`bench/replica_lag.sh --commits $commits --interval $interval --runs $runs\`, $(date -u +%Y-%m-%d), commit $commit, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))

Writer (\`XAPIAN_MAX_CHANGESETS=10\`) → \`xapian-replicate-server\` → \`xapian-replicate -i $interval -r 1\` →
\`studysearch serve\` on the replica folder, all on 127.0.0.1; sample corpus (59 studies) plus one
new study per commit. Lag = the writer's \`studysearch index\` returned → first search (polled every
50 ms) that shows the study; each commit at a random point of the pull cycle.

| commits | p50 | p90 | max |
|---|---|---|---|
| $n | $p50 ms | $p90 ms | $max ms |

Per run: $(for r in "${!result[@]}"; do printf '`%s`; ' "${result[$r]#RESULT }"; done)
burst = the last of three back-to-back commits (one pull brings several changesets, applied
\`-r 1\` s apart); delete = a delete on the writer gone from the replica; swap = compact + folder swap
on the writer (a full copy, the replica's stub switches) plus a commit.
EOF
