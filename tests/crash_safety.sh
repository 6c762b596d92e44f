#!/usr/bin/env bash
# Crash safety: SIGKILL `studysearch index` (updates, and bulk loads into an
# empty index) and `studysearch serve` (during
# POST /v1/studies) at random moments, again and again. After every kill the
# index must pass Xapian's consistency check, open, answer a search, and hold
# EXACTLY the studies committed before the run or exactly those after it —
# never a part of the run.
#
#   tests/crash_safety.sh STUDYSEARCH CRASH_CHECK WORKDIR
#
# Environment: STUDYSEARCH_CRASH_SEED (default: from the clock; printed),
# STUDYSEARCH_CRASH_KILLS (index kills, default 20; half as many again for bulk loads), STUDYSEARCH_CRASH_SERVER_KILLS
# (server kills, default 6), STUDYSEARCH_CRASH_RECORDS (records per file, default 1000).
set -u -o pipefail

cli=$(realpath "$1") check=$(realpath "$2") work=$3
seed=${STUDYSEARCH_CRASH_SEED:-$(( $(date +%s%N) / 1000 % 1000000 ))}
index_kills=${STUDYSEARCH_CRASH_KILLS:-20}
server_kills=${STUDYSEARCH_CRASH_SERVER_KILLS:-6}
records=${STUDYSEARCH_CRASH_RECORDS:-1000}
RANDOM=$seed
echo "crash_safety: seed $seed (rerun with STUDYSEARCH_CRASH_SEED=$seed), $records records per file"

rm -rf "$work" && mkdir -p "$work" || exit 2
cd "$work" || exit 2
server_pid=
cleanup() { [[ -n $server_pid ]] && kill -9 "$server_pid" 2>/dev/null; }
trap cleanup EXIT

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
random_below() { echo $(( (RANDOM * 32768 + RANDOM) % ($1 > 0 ? $1 : 1) )); }
sleep_ms() { sleep "$(printf '%d.%03d' $(( $1 / 1000 )) $(( $1 % 1000 )))"; }

# Base set (committed before every run) and a second file: new studies plus
# replacements of 10% of the base studies, so a half-applied run would show.
"$check" gen "$seed" "$records" base > base.jsonl || exit 2
"$check" gen "$(( seed + 1 ))" "$records" second base $(( records / 10 )) > second.jsonl || exit 2
# The server parses a whole body before writing; half as many records keeps the run short.
"$check" gen "$(( seed + 2 ))" $(( records / 2 )) posted base $(( records / 20 )) > posted.jsonl || exit 2
"$cli" index --db base-index base.jsonl 2>/dev/null || { echo "crash_safety: cannot build the base index"; exit 2; }
state=$("$check" verify base-index base.jsonl second.jsonl)
[[ $state == before* ]] || { echo "crash_safety: base index is not the base set: $state"; exit 2; }

survived=0 partial=0 before=0 after=0 failures=0
# Classifies the index in ./db after a kill; counts and prints failures.
judge() {
  local what=$1 delay=$2 second=$3 base=${4:-base.jsonl} state info
  state=$("$check" verify db "$base" "$second" 2>&1)
  info=$("$cli" info --db db --json 2>&1)
  if [[ $? -ne 0 ]]; then
    echo "FAIL $what killed after ${delay} ms: studysearch info failed: $info"
    failures=$(( failures + 1 ))
    return
  fi
  if command -v xapian-check >/dev/null && ! xapian-check db >/dev/null 2>&1; then
    echo "FAIL $what killed after ${delay} ms: xapian-check reports errors"
    failures=$(( failures + 1 ))
    return
  fi
  case $state in
    before*) before=$(( before + 1 )); survived=$(( survived + 1 )) ;;
    after*) after=$(( after + 1 )); survived=$(( survived + 1 )) ;;
    PARTIAL*) partial=$(( partial + 1 )); echo "FAIL $what killed after ${delay} ms: $state" ;;
    *) failures=$(( failures + 1 )); echo "FAIL $what killed after ${delay} ms: $state" ;;
  esac
}

# ---- studysearch index ----
rm -rf db && cp -a base-index db
start=$(now_ms)
"$cli" index --db db second.jsonl 2>/dev/null || { echo "crash_safety: indexing the second file failed"; exit 2; }
index_ms=$(( $(now_ms) - start ))
state=$("$check" verify db base.jsonl second.jsonl)
[[ $state == after* ]] || { echo "crash_safety: a full run does not give the after-set: $state"; exit 2; }
echo "crash_safety: a full index run takes ${index_ms} ms; killing at random in 0..$(( index_ms * 11 / 10 )) ms"

for (( i = 1; i <= index_kills; i++ )); do
  rm -rf db && cp -a base-index db
  delay=$(random_below $(( index_ms * 11 / 10 )))
  "$cli" index --db db second.jsonl 2>/dev/null &
  pid=$!
  sleep_ms "$delay"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  judge index "$delay" second.jsonl
done

# ---- studysearch index, bulk load into an empty index (parallel parts, then
# one folder swap): killed, the index is still the empty one or the full load.
: > empty.jsonl
"$cli" index --db empty-index empty.jsonl 2>/dev/null || { echo "crash_safety: cannot create an empty index"; exit 2; }
rm -rf db && cp -a empty-index db
start=$(now_ms)
"$cli" index --bulk-min 1 --shards 2 --db db second.jsonl 2>/dev/null || { echo "crash_safety: bulk load failed"; exit 2; }
bulk_ms=$(( $(now_ms) - start ))
state=$("$check" verify db empty.jsonl second.jsonl)
[[ $state == after* ]] || { echo "crash_safety: a full bulk load does not give the after-set: $state"; exit 2; }
echo "crash_safety: a bulk load takes ${bulk_ms} ms; killing at random in 0..$(( bulk_ms * 11 / 10 )) ms"
bulk_before=$before bulk_after=$after
for (( i = 1; i <= index_kills / 2; i++ )); do
  rm -rf db .db.bulk-* && cp -a empty-index db
  delay=$(random_below $(( bulk_ms * 11 / 10 )))
  "$cli" index --bulk-min 1 --shards 2 --db db second.jsonl 2>/dev/null &
  pid=$!
  sleep_ms "$delay"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  judge bulk "$delay" second.jsonl empty.jsonl
done
echo "crash_safety: bulk kills left the empty index $(( before - bulk_before )) times, the full load $(( after - bulk_after )) times"

# ---- studysearch serve, killed during POST /v1/studies ----
echo "crash-safety-token" > token
start_server() {
  : > serve.log
  "$cli" serve --db db --port 0 --token-file token --max-body 1000000000 --timeout 60 2> serve.log &
  server_pid=$!
  port=
  for (( t = 0; t < 200; t++ )); do
    port=$(sed -n 's|.*serving .* on http://[^:]*:\([0-9]*\).*|\1|p' serve.log)
    [[ -n $port ]] && return 0
    sleep 0.05
  done
  echo "crash_safety: server did not start: $(cat serve.log)"
  exit 2
}
post_second() {
  curl -s -o post.out -w '%{http_code}' -X POST -H 'Authorization: Bearer crash-safety-token' \
    -H 'Content-Type: application/x-ndjson' --data-binary @posted.jsonl "http://127.0.0.1:$port/v1/studies"
}

rm -rf db && cp -a base-index db
start_server
start=$(now_ms)
code=$(post_second)
post_ms=$(( $(now_ms) - start ))
kill -9 "$server_pid"; wait "$server_pid" 2>/dev/null; server_pid=
[[ $code == 200 ]] || { echo "crash_safety: POST /v1/studies answered $code: $(head -c 300 post.out)"; exit 2; }
state=$("$check" verify db base.jsonl posted.jsonl)
[[ $state == after* ]] || { echo "crash_safety: a full POST does not give the after-set: $state"; exit 2; }
echo "crash_safety: a full POST /v1/studies takes ${post_ms} ms; killing the server at random in 0..$(( post_ms * 11 / 10 )) ms"

for (( i = 1; i <= server_kills; i++ )); do
  rm -rf db && cp -a base-index db
  start_server
  delay=$(random_below $(( post_ms * 11 / 10 )))
  post_second > /dev/null &
  curl_pid=$!
  sleep_ms "$delay"
  kill -9 "$server_pid" 2>/dev/null
  wait "$server_pid" 2>/dev/null; server_pid=
  wait "$curl_pid" 2>/dev/null
  judge serve "$delay" posted.jsonl
  # The restarted server serves the surviving index.
  start_server
  code=$(curl -s -o search.out -w '%{http_code}' "http://127.0.0.1:$port/v1/search?q=revised")
  kill -9 "$server_pid"; wait "$server_pid" 2>/dev/null; server_pid=
  if [[ $code != 200 ]]; then
    echo "FAIL serve: restarted server answered $code to a search"
    failures=$(( failures + 1 ))
  fi
done

kills=$(( index_kills + index_kills / 2 + server_kills ))
echo "crash_safety: $survived of $kills kills survived ($before before-set, $after after-set), $partial partial, $failures other failures"
[[ $survived -eq $kills && $partial -eq 0 && $failures -eq 0 ]]
