#!/usr/bin/env bash
# PubMed benchmark (issue 16): parse-only and parse+index citations/s on a
# 30,000-citation file made by repeating the MEDLINE sample with fresh PMIDs,
# peak RSS of `index` and `sync` for it and a file twice as large, and the time `studysearch sync`
# takes to apply a 3,020-citation update file to a 100k-study index. Files
# are generated at run time (nothing committed). Prints a Markdown section for
# bench/RESULTS.md.
#
#   bench/pubmed.sh [BUILD_DIR] [WORKDIR]     (defaults: build, /tmp/studysearch-pubmed-bench)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath "${1:-$root/build}")
work=${2:-/tmp/studysearch-pubmed-bench}
cmake --build "$build" -j2 --target studysearch_cli pubmed_bench studysearch-gen >/dev/null
cli=$build/app/studysearch gen=$build/bench/pubmed_bench
rm -rf "$work" && mkdir -p "$work" && cd "$work"

load_before=$(cut -d' ' -f1 /proc/loadavg)
gzip -dc "$root/data/medline-sample/medline16n0902.xml.gz" > sample.xml
"$gen" gen sample.xml 50 1 > p30k.xml                 # 50 x 604 = 30,200 citations
"$gen" gen sample.xml 100 1 > p60k.xml                # 60,400
gzip -6 -c p30k.xml > p30k.xml.gz
field() { sed -n "s/.* $1 \([0-9.]*\).*/\1/p"; }
best_parse() {  # best of 3: citations/s by wall clock and by CPU time, peak RSS
  local best_wall=0 best_cpu=0 rss=0 out n s c
  for _ in 1 2 3; do
    out=" $("$gen" parse "$1")"
    n=$(field citations <<<"$out"); s=$(field seconds <<<"$out"); c=$(field cpu_seconds <<<"$out")
    rss=$(field peak_rss_mb <<<"$out")
    best_wall=$(awk -v a="$best_wall" -v b="$(awk -v n="$n" -v s="$s" 'BEGIN{printf "%d", n/s}')" 'BEGIN{print (b>a)?b:a}')
    best_cpu=$(awk -v a="$best_cpu" -v b="$(awk -v n="$n" -v s="$c" 'BEGIN{printf "%d", n/s}')" 'BEGIN{print (b>a)?b:a}')
  done
  echo "$n $best_wall $best_cpu $rss"
}
read -r n30 wall30 cpu30 rss30 <<<"$(best_parse p30k.xml)"
read -r _ wallgz cpugz rssgz <<<"$(best_parse p30k.xml.gz)"
read -r n60 wall60 cpu60 rss60 <<<"$(best_parse p60k.xml)"

timed() {  # prints "seconds peak_rss_mb cpu_seconds" of a command
  /usr/bin/time -f "%e %M %U %S" -o t.txt "$@" 2>last-stderr.txt >/dev/null
  awk '{printf "%s %d %.1f", $1, $2/1024, $3 + $4}' t.txt
}
mkdir -p one30 one60
cp p30k.xml one30/ && cp p60k.xml one60/
read -r bulk_s bulk_rss bulk_cpu <<<"$(timed "$cli" index --db idx-bulk p30k.xml)"
read -r bulk60_s bulk60_rss bulk60_cpu <<<"$(timed "$cli" index --db idx-bulk60 p60k.xml)"
read -r sync30_s sync30_rss sync30_cpu <<<"$(timed "$cli" sync --db idx-sync30 one30)"
read -r sync60_s sync60_rss sync60_cpu <<<"$(timed "$cli" sync --db idx-sync60 one60)"

# 100k studies (generated), then yesterday's file (copies 1-5), then the update:
# copies 4-8, 4-6 with revised titles (4 and 5 replace yesterday's), 100 PMIDs of copy 4 deleted.
"$build/bench/studysearch-gen" --docs 100000 --seed 42 > gen100k.jsonl
read -r base_s _ _ <<<"$(timed "$cli" index --db idx100k gen100k.jsonl)"
mkdir -p updates
"$gen" gen sample.xml 5 1 > updates/pubmed90n0001.xml
"$cli" sync --db idx100k updates 2>/dev/null
"$gen" gen sample.xml 5 4 --revise 3 --delete 100 > updates/pubmed90n0002.xml
read -r update_s update_rss update_cpu <<<"$(timed "$cli" sync --db idx100k updates)"
update_line=$(grep ' 1/1 ' last-stderr.txt | sed 's/^studysearch: //')
"$cli" sync --db idx100k updates 2> rerun.txt
docs=$("$cli" info --db idx100k --json | sed -n 's/.*"documents": *\([0-9]*\).*/\1/p')

cat <<MD
## PubMed import (bench/pubmed.sh, $(date -u +%Y-%m-%d), commit $(git -C "$root" rev-parse --short HEAD), $(nproc) cores, load average $load_before before, $(cut -d' ' -f1 /proc/loadavg) after)

Input: the MEDLINE sample (604 citations, 526 with an abstract, 6.4 KB of XML per
citation) repeated with fresh PMIDs. Parse-only = \`read_pubmed_xml\` with a counting
sink (bench/pubmed_bench.cpp), best of 3; wall-clock rates depend on the machine's load
(other jobs shared the 2 cores), the CPU-time rate does not.

| measurement | file | result |
|---|---|---|
| parse only, plain XML | $n30 citations, $(( $(stat -c %s p30k.xml) / 1000000 )) MB | $wall30 citations/s wall, $cpu30 citations/s of CPU; peak RSS $rss30 MB |
| parse only, .xml.gz | same, gzip -6 ($(( $(stat -c %s p30k.xml.gz) / 1000000 )) MB) | $wallgz citations/s wall, $cpugz of CPU; peak RSS $rssgz MB |
| parse only, twice as large | $n60 citations | $wall60 citations/s wall, $cpu60 of CPU; peak RSS $rss60 MB |
| parse + index, \`index\` into an empty index (bulk load) | $n30 citations | $bulk_s s = $(awk -v n="$n30" -v s="$bulk_s" 'BEGIN{printf "%d", n/s}') citations/s ($bulk_cpu s of CPU); peak RSS $bulk_rss MB |
| same, twice as large | $n60 citations | $bulk60_s s = $(awk -v n="$n60" -v s="$bulk60_s" 'BEGIN{printf "%d", n/s}') citations/s ($bulk60_cpu s of CPU); peak RSS $bulk60_rss MB |
| parse + index, \`sync\` (one transaction, single writer) | $n30 citations | $sync30_s s = $(awk -v n="$n30" -v s="$sync30_s" 'BEGIN{printf "%d", n/s}') citations/s ($sync30_cpu s of CPU); peak RSS $sync30_rss MB |
| same, twice as large | $n60 citations | $sync60_s s = $(awk -v n="$n60" -v s="$sync60_s" 'BEGIN{printf "%d", n/s}') citations/s ($sync60_cpu s of CPU); peak RSS $sync60_rss MB |
| 3,020-citation update into a 100k-study index: copies 4-8 of the sample, 4-6 with revised titles (4-5 revise yesterday's), 100 PMIDs deleted | \`sync\`, whole run (hashing, planning, two passes, commit) | $update_s s ($update_cpu s of CPU); peak RSS $update_rss MB; index then holds $docs |

The 100k index: \`studysearch-gen --docs 100000 --seed 42\` loaded with \`index\` ($base_s s),
then yesterday's file (copies 1-5 of the sample) applied by \`sync\`. The update's
own line: "$update_line". A second \`sync\`
afterwards: "$(sed 's/^studysearch: //' rerun.txt)".
MD
