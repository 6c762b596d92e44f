#!/usr/bin/env bash
# Replicas (issue 17): a writer with XAPIAN_MAX_CHANGESETS, xapian-replicate-server
# over its parent folder, xapian-replicate -i 1 into a replica folder and
# `studysearch serve` on the replica — all on 127.0.0.1, free ports.
#
#   tests/replication.sh STUDYSEARCH SOURCE_DIR WORKDIR
#
# xapian-replicate runs with -i STUDYSEARCH_REPLICA_INTERVAL (default 1) and -r 1
# (docs/replicas.md). Phases, with the same server process throughout:
#   1. an empty writer index, replicated once (-o), then served from the replica;
#   2. a bulk load into it (--bulk-min 1: parts merged and the folder swapped, so a
#      new uuid): the replica gets a full copy and switches its stub to the other copy;
#   3. STUDYSEARCH_REPLICA_COMMITS (default 12) incremental commits of one new
#      study each (changesets), each at a random moment of the pull cycle: each
#      must become searchable on the replica; then three commits back to back;
#   4. a delete, which must disappear from the replica;
#   5. compact + swap folders on the writer (the README's recipe; a new uuid
#      again): a full copy, the stub switches back, and a commit after it.
# Asserts only that every change becomes visible within a generous deadline
# (STUDYSEARCH_REPLICA_DEADLINE, default 30 s) and that the server never errors;
# the lag (writer's command returned -> first search that shows it) is measured
# and printed as p50/max, never asserted. Every process started here is stopped
# by its PID; none may be left over.
set -u -o pipefail

cli=$(realpath "$1") src=$(realpath "$2") work=$3
commits=${STUDYSEARCH_REPLICA_COMMITS:-12}
deadline_ms=$(( ${STUDYSEARCH_REPLICA_DEADLINE:-30} * 1000 ))
interval=${STUDYSEARCH_REPLICA_INTERVAL:-1}

for tool in xapian-replicate-server xapian-replicate curl; do
  command -v "$tool" >/dev/null || { echo "replication: $tool is missing (scripts/deps.sh test)"; exit 1; }
done
rm -rf "$work" && mkdir -p "$work/master" || exit 2
work=$(realpath "$work")
cd "$work" || exit 2

# The writer writes changesets only when this is set at commit time.
export XAPIAN_MAX_CHANGESETS=10
master=$work/master/studies replica=$work/replica

alive() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $st != Z* ]]; }  # a zombie is gone
pids=() groups=()
stop_all() {
  local pid
  # xapian-replicate-server answers SIGTERM with killpg(0, SIGTERM): it runs in a
  # process group of its own (setsid), stopped as a group (it and its per-connection children).
  for pid in "${groups[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${groups[@]}" "${pids[@]}"; do
    for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  pids=() groups=()
}
trap stop_all EXIT
fail() {
  echo "replication: FAIL: $*"
  for log in replicate-server.log replicate.log serve.log; do
    [[ -s $log ]] && { echo "--- $log (last 30 lines)"; tail -n 30 "$log"; }
  done
  exit 1
}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ---- the writer: an empty index (the bulk load below needs one) ----
"$cli" index --quiet --db "$master" - </dev/null >/dev/null 2>writer.log || fail "cannot create the writer index: $(cat writer.log)"

# ---- xapian-replicate-server on a free port (probe; retry if someone races us) ----
rport=
for _ in $(seq 10); do
  p=$(( 20000 + RANDOM % 40000 ))
  listening "$p" && continue
  # setsid: a group of its own (see stop_all); a background job is no group leader, so setsid
  # execs in place and $! is the server's PID, which leads the new group.
  setsid xapian-replicate-server --interface 127.0.0.1 --port "$p" "$work/master" >>replicate-server.log 2>&1 &
  spid=$!
  for _ in $(seq 100); do
    listening "$p" && { rport=$p; break; }
    kill -0 "$spid" 2>/dev/null || break
    sleep 0.05
  done
  if [[ -n $rport ]]; then
    [[ $(ps -o pgid= -p "$spid" | tr -d ' ') == "$spid" ]] || { kill -9 "$spid"; fail "xapian-replicate-server is not in a group of its own"; }
    groups+=("$spid")
    break
  fi
  kill -9 "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
done
[[ -n $rport ]] || fail "xapian-replicate-server did not start"

# ---- the replica: one full copy first (-o), then every $interval s ----
xapian-replicate -h 127.0.0.1 -p "$rport" -m studies -o "$replica" >>replicate.log 2>&1 ||
  fail "the first replication (-o) failed"
[[ -f $replica/XAPIANDB ]] || fail "no stub file XAPIANDB in the replica folder"
xapian-replicate -h 127.0.0.1 -p "$rport" -m studies -i "$interval" -r 1 -v "$replica" >>replicate.log 2>&1 &
pids+=("$!")

# ---- studysearch serve on the replica (--port 0: it logs the port it got) ----
: >serve.log
"$cli" serve --db "$replica" --port 0 2>serve.log &
serve_pid=$!
pids+=("$serve_pid")
port=
for _ in $(seq 200); do
  port=$(sed -n 's|^studysearch: serving .* on http://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p' serve.log)
  [[ -n $port ]] && break
  kill -0 "$serve_pid" 2>/dev/null || fail "studysearch serve exited"
  sleep 0.05
done
[[ -n $port ]] || fail "studysearch serve did not start"
echo "replication: replicate-server on 127.0.0.1:$rport, serve on 127.0.0.1:$port, replica $(grep -v '^#' "$replica/XAPIANDB")"

# GET /v1/search?q=WORD into ./body; fails the test on anything but 200.
search() {
  local code
  code=$(curl -s -o body -w '%{http_code}' --max-time 10 \
    "http://127.0.0.1:$port/v1/search?q=$1&facets=0&snippets=0&limit=100") || fail "search '$1': no answer from the server"
  [[ $code == 200 ]] || fail "search '$1': HTTP $code: $(cat body)"
}
total() { grep -o '"total": *[0-9]*' body | head -n1 | grep -o '[0-9]*$'; }
# Polls until `check` succeeds after a search for $1; sets LAG to the ms since $2.
# (Not in a subshell: a failing search must end the test from here.)
lag_until() {
  local word=$1 start=$2 check=$3 t
  while :; do
    search "$word"
    t=$(now_ms)
    if $check; then LAG=$(( t - start )); return 0; fi
    (( t - start > deadline_ms )) && return 1
    sleep 0.05
  done
}

search fatigue
[[ $(total) == 0 ]] || fail "the empty replica finds studies: $(cat body)"

# ---- 2. bulk load on the writer: merged parts swapped in (new uuid) -> full copy ----
uuid_before=$(xapian-delve "$master" 2>/dev/null | sed -n 's/^UUID = //p')
"$cli" index --quiet --db "$master" --bulk-min 1 --shards 2 "$src/corpus/sample/studies.jsonl" >/dev/null 2>writer.log ||
  fail "bulk load on the writer failed: $(cat writer.log)"
start=$(now_ms)
uuid_after=$(xapian-delve "$master" 2>/dev/null | sed -n 's/^UUID = //p')
has_sample() { [[ $(total) -gt 0 ]]; }
lag_until fatigue "$start" has_sample || fail "the bulk-loaded studies never reached the replica"
kind="folder swap, new uuid"
[[ $uuid_before == "$uuid_after" ]] && kind="no swap (same uuid)"
echo "replication: bulk load ($kind) visible on the replica after ${LAG} ms; stub: $(grep -v '^#' "$replica/XAPIANDB")"
"$cli" info --db "$replica" --json >info.json 2>&1 || fail "studysearch info on the replica folder: $(cat info.json)"

# ---- 3. incremental commits, one new study each ----
# A word no sample study has, unique per commit (letters only: survives the analyzer).
letters=(a b c d e f g h i j k l m n o p q r s t u v w x y z)
word_for() { echo "zorblaxq${letters[$(( $1 / 26 % 26 ))]}${letters[$(( $1 % 26 ))]}"; }
study() {  # ID WORD
  printf '{"id": "%s", "title": "Replica probe %s", "summary": "A probe study for the replication test: %s.", "year": 2024}\n' "$1" "$2" "$2"
}
# Each commit at a random moment of the pull cycle: without it a commit made right after
# the previous one showed up would land just after a pull and always wait a whole interval.
seed=${STUDYSEARCH_REPLICA_SEED:-$(( $(date +%s%N) / 1000 % 1000000 ))}
RANDOM=$seed
shows() { grep -q "\"$id\"" body; }  # the study $id is in the last search's hits
lags=()
for (( i = 1; i <= commits; i++ )); do
  id="replica-probe-$i" word=$(word_for "$i")
  study "$id" "$word" >new.jsonl
  pause=$(( RANDOM % (interval * 1000) ))
  sleep "$(printf '%d.%03d' $(( pause / 1000 )) $(( pause % 1000 )))"
  "$cli" index --quiet --db "$master" new.jsonl >/dev/null 2>writer.log || fail "commit $i on the writer failed: $(cat writer.log)"
  start=$(now_ms)
  lag_until "$word" "$start" shows || fail "commit $i ($id) not visible on the replica within $(( deadline_ms / 1000 )) s"
  lags+=("$LAG")
done
# The one-shot CLI on the replica folder sees the same.
out=$("$cli" search --db "$replica" --json "$(word_for "$commits")" 2>&1) || fail "studysearch search on the replica folder: $out"
grep -q "\"replica-probe-$commits\"" <<<"$out" || fail "studysearch search on the replica folder misses replica-probe-$commits: $out"

# A burst: three commits back to back, so that one pull may bring several changesets
# (applied -r 1 s apart); the last one must arrive.
for (( b = 1; b <= 3; b++ )); do
  study "replica-burst-$b" "$(word_for $(( 600 + b )))" >new.jsonl
  "$cli" index --quiet --db "$master" new.jsonl >/dev/null 2>writer.log || fail "burst commit $b failed: $(cat writer.log)"
done
start=$(now_ms)
id=replica-burst-3
lag_until "$(word_for 603)" "$start" shows || fail "the last of three quick commits never reached the replica"
burst_lag=$LAG

# ---- 4. a delete propagates ----
"$cli" delete --db "$master" replica-probe-1 >/dev/null 2>writer.log || fail "delete on the writer failed: $(cat writer.log)"
start=$(now_ms)
gone() { ! grep -q '"replica-probe-1"' body; }
lag_until "$(word_for 1)" "$start" gone || fail "the deleted study is still on the replica after $(( deadline_ms / 1000 )) s"
del_lag=$LAG

# ---- 5. compact + swap folders on the writer (new uuid) -> full copy, stub switches again ----
stub_before=$(grep -v '^#' "$replica/XAPIANDB")
"$cli" compact --db "$master" --out "$master.compact" >/dev/null 2>writer.log || fail "compact failed: $(cat writer.log)"
mv "$master" "$master.old" && mv "$master.compact" "$master" && rm -rf "$master.old" || fail "folder swap failed"
id="replica-after-swap" word=zorblaxswapped
study "$id" "$word" >new.jsonl
"$cli" index --quiet --db "$master" new.jsonl >/dev/null 2>writer.log || fail "commit after the swap failed: $(cat writer.log)"
start=$(now_ms)
lag_until "$word" "$start" shows || fail "the commit after the folder swap never reached the replica"
swap_lag=$LAG
stub_after=$(grep -v '^#' "$replica/XAPIANDB")
search fatigue
[[ $(total) -gt 0 ]] || fail "after the second full copy the replica finds no sample study"

kill -0 "$serve_pid" 2>/dev/null || fail "studysearch serve died"
grep -q ' 5[0-9][0-9] ' serve.log && fail "the server answered 5xx: $(grep ' 5[0-9][0-9] ' serve.log | head -n 3)"

sorted=$(printf '%s\n' "${lags[@]}" | sort -n)
n=${#lags[@]}
p50=$(sed -n "$(( (n + 1) / 2 ))p" <<<"$sorted")
max=$(tail -n1 <<<"$sorted")
echo "replication: $n commits, xapian-replicate -i $interval -r 1: lag p50 ${p50} ms, max ${max} ms (all: $(echo $sorted))"
echo "replication: last of 3 back-to-back commits visible after ${burst_lag} ms; delete visible after ${del_lag} ms; folder swap ($stub_before -> $stub_after) + commit visible after ${swap_lag} ms"
copies=$(grep -o 'Update complete: [0-9]* copies' replicate.log | awk '{ s += $3 } END { print s + 0 }')
changesets=$(grep -o '[0-9]* changesets' replicate.log | awk '{ s += $1 } END { print s + 0 }')
echo "replication: xapian-replicate -i $interval applied $copies full copies and $changesets changesets (seed $seed: STUDYSEARCH_REPLICA_SEED=$seed)"
echo "RESULT commits=$n interval=$interval p50_ms=$p50 max_ms=$max burst_ms=$burst_lag delete_ms=$del_lag swap_ms=$swap_lag copies=$copies changesets=$changesets" >result.txt

# ---- nothing left running ----
stop_all
left=$(pgrep -f -- "$work/(master|replica)" || true)
[[ -z $left ]] && exit 0
echo "replication: FAIL: processes left over: $(pgrep -a -f -- "$work/(master|replica)")"
exit 1
