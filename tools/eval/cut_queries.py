"""Short-query proxies for tools/eval/suite.py.

The judged collections have almost no short queries (4 of 1,062 have 1-3
words), and issue 13 checks the defaults on a collection of short medical
queries we do not have. As a proxy, every topic is cut to its first N content
words (runs of letters and digits not in the engine's stopword list,
query/data/stopwords.txt) and judged with the full topic's judgements, as
TREC's title queries are judged with the topic's: "the crystalline lens in
vertebrates, including humans." becomes "crystalline lens" (N = 2). The cut
queries are reported and checked like a length class: the defaults must not
fall below plain BM25 on any of them. Python 3 standard library only.
"""
from __future__ import annotations

import os
import re
import statistics
from pathlib import Path

CUTS = (2, 3)


def stopwords(root: Path) -> set[str]:
    words = set()
    for line in (root / "query" / "data" / "stopwords.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.add(line)
    return words


def cut_text(text: str, n: int, stop: set[str]) -> str:
    return " ".join([w for w in re.findall(r"\w+", text) if w.lower() not in stop][:n])


def make_cuts(root: Path, build: Path, collections: list, collection_type) -> list:
    """For each collection and N in CUTS, a collection of the cut topics over the same index."""
    stop = stopwords(root)
    out = []
    for n in CUTS:
        for c in collections:
            data = build / "eval" / "cut" / f"{c.data.name}-{n}"
            data.mkdir(parents=True, exist_ok=True)
            lines = [f"{qid}\t{cut_text(text, n, stop)}" for qid, text in c.topics.items()]
            (data / "topics.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
            (data / "qrels.txt").write_bytes((c.data / "qrels.txt").read_bytes())
            corpus = data / "corpus.jsonl"  # for the run cache's fingerprint
            if not corpus.is_symlink():
                corpus.unlink(missing_ok=True)
                os.symlink(c.data / "corpus.jsonl", corpus)
            cut = collection_type(f"{c.name}-{n}", data, c.work / f"cut-{n}")
            cut.work.mkdir(parents=True, exist_ok=True)
            cut.base = c  # searches the collection's own indexes
            out.append(cut)
    return out


def print_cuts(labels: list[str], cuts: list, results: list[list[dict]], table, fmt, short: dict) -> None:
    """nDCG@10 of every row on every cut collection, and the defaults (last row) minus each row."""
    header = ["setting"] + [f"{short.get(c.data.name.rsplit('-', 1)[0], c.name)} {c.name.rsplit('-', 1)[1]} words"
                            for c in cuts]
    print("\n### Short-query proxies: each topic cut to its first 2 or 3 content words (nDCG@10)\n")
    means = [[statistics.mean(r[i][q]["ndcg@10"] for q in r[i]) for i in range(len(cuts))] for r in results]
    print(table(header, [[label] + [fmt(x) for x in m] for label, m in zip(labels, means)]))
    print("\n### Short-query proxies: last row minus each row, paired nDCG@10 difference +- standard error\n")
    rows = []
    for label, r in zip(labels[:-1], results[:-1]):
        cells = []
        for i in range(len(cuts)):
            d = [results[-1][i][q]["ndcg@10"] - r[i][q]["ndcg@10"] for q in sorted(r[i])]
            cells.append(f"{statistics.mean(d):+.4f} +- {statistics.stdev(d) / len(d) ** 0.5:.4f}")
        rows.append([label] + cells)
    print(table(["last row minus"] + header[1:], rows))
