#!/usr/bin/env bash
# Resume after SIGKILL: `studysearch sync` over a folder of four PubMed files
# (new citations, revisions, DeleteCitation lists) is killed at random moments.
# After every kill the index must hold exactly the state after some whole
# number of files (0..4: studies and ledger alike, compared with reference
# indexes built file by file), and a rerun must complete to the 4-file state.
#
#   tests/pubmed_sync.sh STUDYSEARCH PUBMED_SYNC_CHECK SAMPLE.xml.gz WORKDIR
#
# Environment: STUDYSEARCH_CRASH_SEED (default: from the clock; printed),
# STUDYSEARCH_PUBMED_KILLS (default 10).
set -u -o pipefail

cli=$(realpath "$1") check=$(realpath "$2") sample=$(realpath "$3") work=$4
seed=${STUDYSEARCH_CRASH_SEED:-$(( $(date +%s%N) / 1000 % 1000000 ))}
kills=${STUDYSEARCH_PUBMED_KILLS:-10}
RANDOM=$seed
echo "pubmed_sync: seed $seed (rerun with STUDYSEARCH_CRASH_SEED=$seed), $kills kills"

rm -rf "$work" && mkdir -p "$work/files" || exit 2
cd "$work" || exit 2
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
random_below() { echo $(( (RANDOM * 32768 + RANDOM) % ($1 > 0 ? $1 : 1) )); }
sleep_ms() { sleep "$(printf '%d.%03d' $(( $1 / 1000 )) $(( $1 % 1000 )))"; }

# Four update files: 1 new; 2 revises every citation of 1 and deletes 50 of them;
# 3 new (older layout, gzip); 4 new, deleting 20 citations of 3.
gzip -dc "$sample" > sample.xml || exit 2
"$check" gen sample.xml 1000000000 > files/pubmed90n0001.xml || exit 2
"$check" gen sample.xml 1000000000 revise delete-from files/pubmed90n0001.xml 50 > files/pubmed90n0002.xml || exit 2
"$check" gen sample.xml 2000000000 > f3.xml && gzip -c f3.xml > files/pubmed90n0003.xml.gz || exit 2
"$check" gen sample.xml 3000000000 delete-from f3.xml 20 > files/pubmed90n0004.xml || exit 2

# Reference states after 0..4 files, each built by sync on a folder of the first k files.
mkdir -p partial
"$cli" sync --db ref partial 2>/dev/null && "$check" dump ref > state0 || exit 2
k=0
for f in $(ls files | sort); do
  k=$(( k + 1 ))
  cp "files/$f" partial/
  "$cli" sync --db ref partial 2>/dev/null || { echo "pubmed_sync: reference sync of $f failed"; exit 2; }
  "$check" dump ref > "state$k" || exit 2
done
cmp -s state3 state4 && { echo "pubmed_sync: files 3 and 4 give the same state"; exit 2; }
start=$(now_ms)
rm -rf db && "$cli" sync --db db files 2>/dev/null || { echo "pubmed_sync: a full sync failed"; exit 2; }
full_ms=$(( $(now_ms) - start ))
"$check" dump db | cmp -s - state4 || { echo "pubmed_sync: a full sync differs from file-by-file syncs"; exit 2; }
echo "pubmed_sync: a full sync takes ${full_ms} ms; killing at random in 0..$(( full_ms * 11 / 10 )) ms"

failures=0
declare -A seen
for (( i = 1; i <= kills; i++ )); do
  rm -rf db
  delay=$(random_below $(( full_ms * 11 / 10 )))
  "$cli" sync --db db files 2>/dev/null &
  pid=$!
  sleep_ms "$delay"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  state=none
  if [[ -d db ]] && "$check" dump db > now 2>/dev/null; then
    for k in 0 1 2 3 4; do cmp -s now "state$k" && state=$k; done
  else
    [[ ! -e db/iamglass ]] && state=0  # killed before the index was created
  fi
  if [[ $state == none ]]; then
    echo "FAIL kill $i after ${delay} ms: the index is not the state after a whole number of files"
    failures=$(( failures + 1 ))
    continue
  fi
  seen[$state]=$(( ${seen[$state]:-0} + 1 ))
  if ! "$cli" sync --db db files 2>/dev/null || ! "$check" dump db | cmp -s - state4; then
    echo "FAIL kill $i after ${delay} ms (state after $state files): the rerun did not complete to the 4-file state"
    failures=$(( failures + 1 ))
  fi
done
summary=""
for k in 0 1 2 3 4; do summary+=" after $k files: ${seen[$k]:-0};"; done
echo "pubmed_sync: $(( kills - failures )) of $kills kills left a whole-file state and resumed;$summary $failures failures"
[[ $failures -eq 0 ]]
