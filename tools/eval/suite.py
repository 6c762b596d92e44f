#!/usr/bin/env python3
"""Ranking on all development collections at once: one table.

Indexes MED, Cranfield and SciFact-train (data/eval/), runs every setting
(`studysearch run`) on every collection, scores each query
(`studysearch-eval --per-query --json`) and prints:

  1. per collection: nDCG@10, MAP, R@100 of every setting;
  2. by query length (1-3 words, 4-7, 8+), the three collections pooled;
  3. nDCG@10 per collection x length class, and the worst cell against the
     plain-BM25 row (the first row; "never below plain BM25" is checked here);
  4. what the last row (the defaults) gains over every other row: the paired
     per-query nDCG@10 difference and its standard error;
  5. with --grid: cross-validation of the tuning rule (bench/RANKING.md) over
     query folds. For each fold the training queries of all collections
     choose one global setting: among the settings at least as good as the
     first row (plain BM25) on every collection and every length class of 20+
     training queries, the best mean over the collections of their mean
     nDCG@10 (MED's 30 queries count as much as SciFact's 807); the held-out
     queries score it. Also leave-one-collection-out: two collections choose,
     the third scores.

usage: tools/eval/suite.py [--build DIR] [--collections med,cranfield,scifact-train]
                           [--setting 'LABEL: ARGS' ...] [--grid NAME=V1,V2 ...] [--fixed ARGS]
                           [--folds 5] [--repeats 3] [--limit 100] [--jobs 2] [--json FILE]

Without --setting the rows are ROWS below (plain BM25, candidates, final
defaults). The first row is the reference ("plain"). A row (or grid axis) may
set an option of `studysearch index` (--abbreviation-weight); it then runs on
an index of its own, built once with that option. Runs use --limit 100 by
default (MAP is then AP over the top 100; nDCG@10 and R@100 are unchanged),
which keeps the whole table under two minutes on two cores; --limit 1000
gives trec_eval's MAP. Runs are cached in BUILD/eval/suite/ by binary,
collection and arguments. Python 3 standard library only.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import gzip
import hashlib
import json
import os
import random
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from cut_queries import make_cuts, print_cuts
from settings import fingerprint, grid_settings, parse_settings

METRICS = ("ndcg@10", "ap", "recall@100")
CLASSES = ("1-3", "4-7", "8+")
NAMED = ("med", "cranfield", "scifact-train")
SHORT = {"med": "MED", "cranfield": "Cran", "scifact-train": "SciFact"}

PLAIN = ("--no-stopwords --synonym-weight 0 --all-words-first 0 --prf-docs 0 --proximity-weight 0 --query-k3 -1 "
         "--term-k1-wdf 0 --k1 1.2 --b 0.75 --abbreviation-weight 0")
# Options of `studysearch index` a row or grid axis may set: such a row runs on
# an index of its own, built with them; every other option goes to `studysearch run`.
INDEX_OPTIONS = ("--abbreviation-weight",)
# Every row spells out what differs from today's defaults (the last row), so
# the table keeps its meaning when the defaults change.
BEFORE = ("--query-k3 -1 --all-words-first 4 --proximity-min-words 5 --term-k1-wdf 0 "
          "--abbreviation-weight 0")  # the defaults before the second round
ROWS = [
    ("plain BM25", PLAIN),
    ("old defaults (k1 3, PRF 5 docs/10 terms/0.5 for 5+ words, no proximity)",
     f"{BEFORE} --prf-docs 5 --prf-terms 10 --prf-weight 0.5 --prf-min-words 5 --prf-term-docs 1 --proximity-weight 0"),
    ("old defaults, PRF off (k1 3, stopwords, synonyms, all-words-first)",
     f"{BEFORE} --prf-docs 0 --proximity-weight 0"),
    ("  + proximity 0.1 (window 3)", f"{BEFORE} --prf-docs 0"),
    ("  + PRF 3 docs, shared terms, 0.4, for 8+ words (previous defaults)", BEFORE),
    ("    + repeated query words saturate (query k3 1)",
     "--all-words-first 4 --proximity-min-words 5 --term-k1-wdf 0 --abbreviation-weight 0"),
    ("      + all words first up to 5 words (third round's defaults)",
     "--all-words-first 5 --term-k1-wdf 0 --abbreviation-weight 0"),
    ("        + a k1 per term (term k1 wdf 4)", "--all-words-first 5 --abbreviation-weight 0"),
    ("          + no all-words tiers, one ranking by score (fourth round's defaults)", "--abbreviation-weight 0"),
    ("defaults: + a study's own abbreviations count for their long forms (index: abbreviation weight 1)", ""),
]


def die(message: str) -> None:
    print(f"suite.py: {message}", file=sys.stderr)
    sys.exit(1)


def length_class(text: str) -> str:
    """Query length class by words as typed (letters/digits runs)."""
    n = len(re.findall(r"\w+", text))
    return "1-3" if n <= 3 else "4-7" if n <= 7 else "8+"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--build", default=None, help="build directory (default: <repo>/build)")
    p.add_argument("--collections", default=",".join(NAMED))
    p.add_argument("--setting", action="append", default=[], metavar="'LABEL: ARGS'")
    p.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2")
    p.add_argument("--fixed", default="", metavar="'ARGS'", help="options added to every grid setting")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--jobs", type=int, default=max(1, min(2, os.cpu_count() or 1)))
    p.add_argument("--json", metavar="FILE", help="write every figure as JSON")
    return p.parse_args()


def split_index_args(args: list[str]) -> tuple[tuple[str, ...], list[str]]:
    """(options for `studysearch index`, options for `studysearch run`) of a row's arguments."""
    index_args, run_args, i = [], [], 0
    while i < len(args):
        name = args[i].split("=", 1)[0]
        if name in INDEX_OPTIONS:
            if "=" in args[i]:
                index_args.append(args[i])
            elif i + 1 < len(args):
                index_args += [args[i], args[i + 1]]
                i += 1
            else:
                die(f"{name} needs a value")
        else:
            run_args.append(args[i])
        i += 1
    return tuple(index_args), run_args


def build_index(studysearch: Path, corpus: Path, index: Path, index_args: tuple[str, ...]) -> None:
    """Indexes `corpus` into `index` unless it is there for this binary, corpus and options."""
    stamp = fingerprint(studysearch, corpus) + " " + " ".join(index_args)
    stamp_file = index.parent / f"{index.name}.stamp"
    if index.is_dir() and stamp_file.is_file() and stamp_file.read_text() == stamp:
        return
    shutil.rmtree(index, ignore_errors=True)
    r = subprocess.run([str(studysearch), "index", "-q", "--db", str(index), *index_args, str(corpus)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        die(f"indexing {corpus} failed:\n{r.stdout}{r.stderr}")
    stamp_file.write_text(stamp)


class Collection:
    def __init__(self, name: str, data: Path, work: Path):
        self.name, self.data, self.work = name, data, work
        self.base = self  # the collection whose corpus and indexes these topics search (cut_queries.py)
        self.indexes: dict[tuple[str, ...], Path] = {}
        self.lock = threading.Lock()
        self.topics: dict[str, str] = {}
        for line in (data / "topics.tsv").read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                qid, _, text = line.partition("\t")
                self.topics[qid] = text
        self.classes = {qid: length_class(text) for qid, text in self.topics.items()}

    def index_for(self, studysearch: Path, index_args: tuple[str, ...]) -> Path:
        """The index built with `index_args` (the default one for none), built on first use."""
        if self.base is not self:
            return self.base.index_for(studysearch, index_args)
        with self.lock:
            if index_args not in self.indexes:
                suffix = hashlib.sha256(" ".join(index_args).encode()).hexdigest()[:8] if index_args else ""
                path = self.work / (f"index-{suffix}" if suffix else "index")
                build_index(studysearch, self.data / "corpus.jsonl", path, index_args)
                self.indexes[index_args] = path
            return self.indexes[index_args]


def prepare(root: Path, build: Path, name: str, studysearch: Path) -> Collection:
    """Converts (med, cranfield) or unpacks (scifact-train) a collection and indexes it once per binary."""
    converter = build / "tools" / "eval" / "studysearch-collection"
    if name in ("med", "cranfield"):
        if not os.access(converter, os.X_OK):
            die(f"{converter} not found; build it: cmake --build {build} --target studysearch-collection")
        data = build / "eval" / name
        subprocess.run([str(converter), name, str(root / "data" / "eval" / name), str(data)], check=True,
                       stdout=subprocess.DEVNULL)
    elif name == "scifact-train":
        source = root / "data" / "eval" / name
        data = build / "eval" / name
        data.mkdir(parents=True, exist_ok=True)
        corpus = data / "corpus.jsonl"
        if not corpus.is_file() or corpus.stat().st_mtime_ns < (source / "corpus.jsonl.gz").stat().st_mtime_ns:
            with gzip.open(source / "corpus.jsonl.gz", "rb") as src, open(corpus, "wb") as dst:
                shutil.copyfileobj(src, dst)
        for f in ("topics.tsv", "qrels.txt"):
            shutil.copyfile(source / f, data / f)
    else:
        data = Path(name).resolve()
        if not data.is_dir():
            die(f"'{name}' is neither {', '.join(NAMED)} nor a directory")
    for f in ("corpus.jsonl", "topics.tsv", "qrels.txt"):
        if not (data / f).is_file() or (data / f).stat().st_size == 0:
            die(f"{data / f} is missing or empty")
    work = build / "eval" / "suite" / data.name
    work.mkdir(parents=True, exist_ok=True)
    collection = Collection(data.name, data, work)
    collection.index_for(studysearch, ())
    return collection


def run(studysearch: Path, evaluator: Path, c: Collection, limit: int, run_args: list[str]) -> dict:
    stamp = fingerprint(studysearch, c.data / "corpus.jsonl", c.data / "topics.tsv", c.data / "qrels.txt")
    key = hashlib.sha256(json.dumps([stamp, limit, run_args]).encode()).hexdigest()[:20]
    cache = c.work / "runs" / f"{key}.json"
    if cache.is_file():
        return json.loads(cache.read_text())["per_query"]
    cache.parent.mkdir(exist_ok=True)
    run_file = c.work / "runs" / f"{key}.run"
    index_args, engine_args = split_index_args(run_args)
    index = c.index_for(studysearch, index_args)
    with open(run_file, "w") as out:
        r = subprocess.run([str(studysearch), "run", "--db", str(index), "--topics", str(c.data / "topics.tsv"),
                            "--limit", str(limit), "--tag", "suite", *engine_args], stdout=out,
                           stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{c.name}: studysearch run {' '.join(run_args)} failed:\n{r.stderr}")
    r = subprocess.run([str(evaluator), str(c.data / "qrels.txt"), str(run_file), "--per-query", "--json"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{c.name}: studysearch-eval failed:\n{r.stderr}")
    scores = {q["qid"]: {m: float(q[m]) for m in METRICS} for q in json.loads(r.stdout)["per_query"]}
    run_file.unlink()
    cache.write_text(json.dumps({"args": run_args, "limit": limit, "per_query": scores}))
    return scores


def mean_of(scores: dict, qids: list[str], metric: str) -> float:
    return sum(scores[q][metric] for q in qids) / len(qids) if qids else float("nan")


def fmt(x: float) -> str:
    return "  -   " if x != x else f"{x:.4f}"


def table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table (readable as plain text too)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def figures(collections: list[Collection], per_query: list[dict]) -> dict:
    """Means per collection, per pooled length class and per collection x class."""
    out = {"collection": {}, "class": {}, "cell": {}}
    pooled = {k: [] for k in CLASSES}
    for c, scores in zip(collections, per_query):
        qids = sorted(scores)
        out["collection"][c.name] = {m: mean_of(scores, qids, m) for m in METRICS} | {"n": len(qids)}
        for k in CLASSES:
            in_class = [q for q in qids if c.classes.get(q) == k]
            pooled[k] += [scores[q] for q in in_class]
            out["cell"][f"{c.name}/{k}"] = {m: mean_of(scores, in_class, m) for m in METRICS} | {"n": len(in_class)}
    for k in CLASSES:
        xs = pooled[k]
        out["class"][k] = {m: (sum(x[m] for x in xs) / len(xs) if xs else float("nan")) for m in METRICS}
        out["class"][k]["n"] = len(xs)
    return out


def print_tables(collections: list[Collection], labels: list[str], figs: list[dict], title: str) -> None:
    names = [c.name for c in collections]
    print(f"\n### {title}: all queries\n")
    header = ["setting"] + [f"{SHORT.get(n, n)} {m}" for n in names for m in ("nDCG@10", "MAP", "R@100")]
    print(table(header, [[label] + [fmt(f["collection"][n][m]) for n in names for m in METRICS]
                         for label, f in zip(labels, figs)]))
    counts = figs[0]["class"]
    print(f"\n### {title}: by query length (collections pooled)\n")
    header = ["setting"] + [f"{k} ({counts[k]['n']}) {m}" for k in CLASSES for m in ("nDCG@10", "MAP", "R@100")]
    print(table(header, [[label] + [fmt(f["class"][k][m]) for k in CLASSES for m in METRICS]
                         for label, f in zip(labels, figs)]))
    cells = [f"{n}/{k}" for n in names for k in CLASSES if figs[0]["cell"][f"{n}/{k}"]["n"] > 0]
    print(f"\n### {title}: nDCG@10 per collection x query length; worst cell minus plain (first row)\n")
    header = ["setting"] + [f"{SHORT.get(x.split('/')[0], x.split('/')[0])} {x.split('/')[1]} "
                            f"({figs[0]['cell'][x]['n']})" for x in cells] + ["worst vs plain"]
    rows = []
    for label, f in zip(labels, figs):
        deltas = [f["cell"][x]["ndcg@10"] - figs[0]["cell"][x]["ndcg@10"] for x in cells]
        deltas += [f["collection"][n]["ndcg@10"] - figs[0]["collection"][n]["ndcg@10"] for n in names]
        rows.append([label] + [fmt(f["cell"][x]["ndcg@10"]) for x in cells] + [f"{min(deltas):+.4f}"])
    print(table(header, rows))


def paired(collections: list[Collection], a: list[dict], b: list[dict]) -> dict:
    """Mean and standard error of the per-query nDCG@10 difference a - b, per
    collection and per pooled length class."""
    out, pooled = {}, {k: [] for k in CLASSES}
    for ci, c in enumerate(collections):
        diffs = [a[ci][q]["ndcg@10"] - b[ci][q]["ndcg@10"] for q in sorted(a[ci])]
        out[c.name] = diffs
        for q in sorted(a[ci]):
            pooled[c.classes.get(q, "8+")].append(a[ci][q]["ndcg@10"] - b[ci][q]["ndcg@10"])
    out.update(pooled)

    def summary(xs: list[float]) -> tuple[float, float]:
        if not xs:
            return float("nan"), float("nan")
        return statistics.mean(xs), (statistics.stdev(xs) / len(xs) ** 0.5 if len(xs) > 1 else float("nan"))
    return {k: summary(v) for k, v in out.items()}


def print_ablation(collections: list[Collection], labels: list[str], results: list[list[dict]]) -> None:
    """What the last row (the defaults) gains over every other row, with standard errors."""
    names = [c.name for c in collections]
    print(f"\n### Last row minus each row: paired nDCG@10 difference +- standard error "
          f"(a setting counts as neutral or better when the difference is > -1 SE)\n")
    header = ["last row minus"] + [SHORT.get(n, n) for n in names] + [f"{k} words" for k in CLASSES]
    rows = []
    for label, r in zip(labels[:-1], results[:-1]):
        d = paired(collections, results[-1], r)
        rows.append([label] + [f"{d[k][0]:+.4f} +- {d[k][1]:.4f}" for k in names + list(CLASSES)])
    print(table(header, rows))


def crossvalidate_choose_on(collections: list[Collection], settings, results, reference,
                            train: list[list[str]] | None = None) -> int:
    """Index of the setting the tuning rule picks on `train` (default: all queries)."""
    if train is None:
        train = [sorted(reference[ci]) for ci in range(len(collections))]

    def by_collection(r: list[dict]) -> list[float]:
        return [mean_of(r[ci], train[ci], "ndcg@10") for ci in range(len(collections))]

    def by_class(r: list[dict]) -> list[float]:
        out = []
        for k in CLASSES:
            xs = [r[ci][q]["ndcg@10"] for ci, c in enumerate(collections) for q in train[ci] if c.classes.get(q) == k]
            out.append(sum(xs) / len(xs) if len(xs) >= 20 else float("inf"))
        return out
    ref = by_collection(reference) + by_class(reference)
    eligible = [si for si in range(len(settings))
                if all(x >= y - 1e-12 for x, y in zip(by_collection(results[si]) + by_class(results[si]), ref)
                       if y != float("inf"))]
    return max(eligible or range(len(settings)), key=lambda si: (statistics.mean(by_collection(results[si])), -si))


def crossvalidate(args, collections: list[Collection], settings: list[tuple[str, list[str]]],
                  results: list[list[dict]], reference: list[dict]) -> dict:
    """Held-out per-query scores of the tuning rule: on the training queries, the
    settings at least as good as `reference` (plain BM25) on every collection
    and every length class with 20+ training queries are eligible; the one with
    the best mean over the collections of their mean nDCG@10 is chosen (the best
    of all if none is eligible) and scored on the held-out queries."""
    held = [{} for _ in collections]  # per collection: qid -> list of held-out score dicts (one per repeat)
    picks: dict[str, int] = {}

    for rep in range(args.repeats):
        folds_of = []
        for ci, c in enumerate(collections):
            qids = sorted(results[0][ci])
            random.Random(args.seed + rep).shuffle(qids)
            folds_of.append([qids[f:: args.folds] for f in range(args.folds)])
        for f in range(args.folds):
            train = [[q for g, fold in enumerate(folds_of[ci]) if g != f for q in fold] for ci in range(len(collections))]
            best = crossvalidate_choose_on(collections, settings, results, reference, train)
            picks[settings[best][0]] = picks.get(settings[best][0], 0) + 1
            for ci in range(len(collections)):
                for q in folds_of[ci][f]:
                    held[ci].setdefault(q, []).append(results[best][ci][q])
    averaged = [{q: {m: statistics.mean(s[m] for s in xs) for m in METRICS} for q, xs in h.items()} for h in held]
    # Leave one collection out: the others choose (same rule, on all their queries).
    loco = {}
    for ci, c in enumerate(collections):
        others = [cj for cj in range(len(collections)) if cj != ci]
        if not others:
            break
        sub = [collections[cj] for cj in others]
        best = crossvalidate_choose_on(sub, settings, [[r[cj] for cj in others] for r in results],
                                       [reference[cj] for cj in others])
        loco[c.name] = (settings[best][0], results[best][ci])
    return {"per_query": averaged, "picks": picks, "loco": loco}


def main() -> None:
    args = parse_args()
    started = time.monotonic()
    root = Path(__file__).resolve().parents[2]
    build = Path(args.build).resolve() if args.build else root / "build"
    studysearch = build / "app" / "studysearch"
    evaluator = build / "tools" / "eval" / "studysearch-eval"
    for binary, target in ((studysearch, "studysearch_cli"), (evaluator, "studysearch-eval")):
        if not os.access(binary, os.X_OK):
            die(f"{binary} not found; build it: cmake --build {build} --target {target}")
    try:
        rows = parse_settings(args.setting) if args.setting else [(label, shlex.split(a)) for label, a in ROWS]
        grid = grid_settings(args.grid, args.fixed) if args.grid else []
    except ValueError as e:
        die(str(e))
    labels = [label for label, _ in rows + grid]
    if len(set(labels)) != len(labels):
        die("two settings share a label")

    names = [n.strip() for n in args.collections.split(",") if n.strip()]
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        collections = list(pool.map(lambda n: prepare(root, build, n, studysearch), names))
        cuts = make_cuts(root, build, collections, Collection)
        everything = rows + grid
        futures = [[pool.submit(run, studysearch, evaluator, c, args.limit, a) for c in collections]
                   for _, a in everything]
        cut_futures = [[pool.submit(run, studysearch, evaluator, c, args.limit, a) for c in cuts] for _, a in rows]
        try:
            results = [[f.result() for f in fs] for fs in futures]
            cut_results = [[f.result() for f in fs] for fs in cut_futures]
        except RuntimeError as e:
            die(str(e))

    print(f"collections: " + ", ".join(f"{c.name} ({len(results[0][i])} judged queries)"
                                       for i, c in enumerate(collections)))
    print(f"runs: studysearch run --limit {args.limit}" + ("" if args.limit >= 1000 else
                                                           f" (MAP = AP over the top {args.limit})"))
    for label, a in rows:
        print(f"  {label}: {' '.join(a) or '(no options)'}")
    row_figs = [figures(collections, r) for r in results[: len(rows)]]
    print_tables(collections, [label for label, _ in rows], row_figs, "Settings")
    if len(rows) > 1:
        print_ablation(collections, [label for label, _ in rows], results[: len(rows)])
        print_cuts([label for label, _ in rows], cuts, cut_results, table, fmt, SHORT)
    report = {"rows": [{"label": label, "args": a, **f} for (label, a), f in zip(rows, row_figs)]}

    if grid:
        grid_results = results[len(rows):]
        cv = crossvalidate(args, collections, grid, grid_results, results[0])
        cv_fig = figures(collections, cv["per_query"])
        print(f"\n{args.folds}-fold cross-validation over query folds, seeds {args.seed}.."
              f"{args.seed + args.repeats - 1}, {len(grid)} settings: each fold's training queries (all "
              f"collections) choose one global setting: among those at least as good as the first row "
              f"({rows[0][0]}) on every collection and every length class of 20+ training queries, the best "
              f"mean nDCG@10 over the collections")
        print("  chosen: " + ", ".join(f"{k} x{n}" for k, n in sorted(cv["picks"].items(), key=lambda x: -x[1])))
        print_tables(collections, [row_figs[0] and rows[0][0], "cross-validated (held-out)"],
                     [row_figs[0], cv_fig], "Cross-validated")
        print("\nleave one collection out (the other collections choose; nDCG@10 / MAP / R@100 on the one left out):")
        for name, (label, scores) in cv["loco"].items():
            q = sorted(scores)
            print(f"  {name}: {label}: " + " / ".join(fmt(mean_of(scores, q, m)) for m in METRICS))
        report["crossval"] = {"picks": cv["picks"], **cv_fig,
                              "loco": {n: {"setting": label, **{m: mean_of(s, sorted(s), m) for m in METRICS}}
                                       for n, (label, s) in cv["loco"].items()}}
        best = sorted(range(len(grid)), key=lambda i: -statistics.mean(
            mean_of(grid_results[i][ci], sorted(grid_results[i][ci]), "ndcg@10") for ci in range(len(collections))))
        print("\nin-sample, best 10 of the grid by mean nDCG@10 over the collections:")
        print(table(["setting"] + [SHORT.get(c.name, c.name) for c in collections] + ["mean"],
                    [[grid[i][0]] + [fmt(mean_of(grid_results[i][ci], sorted(grid_results[i][ci]), "ndcg@10"))
                                     for ci in range(len(collections))]
                     + [fmt(statistics.mean(mean_of(grid_results[i][ci], sorted(grid_results[i][ci]), "ndcg@10")
                                            for ci in range(len(collections))))] for i in best[:10]]))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    print(f"\n({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
