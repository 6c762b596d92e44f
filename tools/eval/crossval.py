#!/usr/bin/env python3
"""k-fold cross-validation of `studysearch run` settings over query folds.

Indexes a collection once, runs every setting of a grid over all topics
(`studysearch run`), scores each run per query (`studysearch-eval --per-query
--json`), then for each of K query folds picks the setting with the best mean
nDCG@10 on the other folds and scores it on the held-out fold. The held-out
means say how well "tune on some queries, apply to new ones" works, which the
best in-sample figure overstates.

usage: tools/eval/crossval.py [--build DIR] COLLECTION [--grid NAME=V1,V2 ...]
                              [--setting 'LABEL: ARGS' ...] [--fixed 'ARGS']
                              [--folds 5] [--seed 1] [--repeats 1] [--jobs 2]

COLLECTION  med | cranfield | scifact-train (from data/eval/<name>), or a
            directory holding corpus.jsonl, topics.tsv and qrels.txt
--grid      one axis of a cartesian grid; NAME is a `studysearch run` option
            without the dashes (k1, b, prf-docs, ...). For a flag such as
            no-stopwords the values are yes/no. Repeat for more axes.
--setting   an explicit setting (added to the grid's), e.g.
            'prf: --prf-docs 10 --prf-terms 20'; ARGS may be empty ('default:')
--fixed     options added to every setting
--repeats   repeat the K-fold split with seeds seed..seed+R-1 and average

Examples:
  tools/eval/crossval.py med --grid k1=0.9,1.2,1.5 --grid b=0.5,0.75
  tools/eval/crossval.py cranfield --fixed '--prf-docs 10' --grid prf-terms=10,20,40
Writes BUILD/eval/<name>-cv/ (index, runs/, results cache keyed by binary and
arguments). Python 3 standard library only.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import gzip
import hashlib
import json
import os
import random
import shlex
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from settings import fingerprint, grid_settings, parse_settings

METRICS = ("ndcg@10", "ap", "recall@100")


def die(message: str) -> None:
    print(f"crossval.py: {message}", file=sys.stderr)
    sys.exit(1)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("collection")
    p.add_argument("--build", default=None, help="build directory (default: <repo>/build)")
    p.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2")
    p.add_argument("--setting", action="append", default=[], metavar="'LABEL: ARGS'")
    p.add_argument("--fixed", default="", metavar="'ARGS'")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--jobs", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    p.add_argument("--top", type=int, default=15, help="settings shown in the in-sample table (0 = all)")
    p.add_argument("--json", metavar="FILE", help="also write every setting's means and the CV result as JSON")
    return p.parse_args()


def build_settings(args: argparse.Namespace) -> list[tuple[str, list[str]]]:
    fixed = shlex.split(args.fixed)
    try:
        settings = grid_settings(args.grid, args.fixed) if args.grid else []
        settings += [(label, fixed + run_args) for label, run_args in parse_settings(args.setting)]
    except ValueError as e:
        die(str(e))
    if not settings:
        settings.append(("defaults" + (" " + args.fixed if fixed else ""), fixed))
    labels = [label for label, _ in settings]
    if len(set(labels)) != len(labels):
        die("two settings share a label")
    return settings


def prepare(args: argparse.Namespace) -> tuple[Path, Path, Path, Path, Path]:
    root = Path(__file__).resolve().parents[2]
    build = Path(args.build).resolve() if args.build else root / "build"
    studysearch = build / "app" / "studysearch"
    evaluator = build / "tools" / "eval" / "studysearch-eval"
    converter = build / "tools" / "eval" / "studysearch-collection"
    for binary, target in ((studysearch, "studysearch_cli"), (evaluator, "studysearch-eval")):
        if not os.access(binary, os.X_OK):
            die(f"{binary} not found; build it: cmake --build {build} --target {target}")
    if args.collection in ("med", "cranfield"):
        name = args.collection
        source = root / "data" / "eval" / name
        if not source.is_dir():
            die(f"{source} not found (the evaluation data is in data/eval/)")
        if not os.access(converter, os.X_OK):
            die(f"{converter} not found; build it: cmake --build {build} --target studysearch-collection")
        data = build / "eval" / name
        subprocess.run([str(converter), name, str(source), str(data)], check=True, stdout=subprocess.DEVNULL)
    elif args.collection == "scifact-train":  # already study records, gzipped
        name = args.collection
        source = root / "data" / "eval" / name
        data = build / "eval" / name
        data.mkdir(parents=True, exist_ok=True)
        with gzip.open(source / "corpus.jsonl.gz", "rb") as src, open(data / "corpus.jsonl", "wb") as dst:
            shutil.copyfileobj(src, dst)
        for f in ("topics.tsv", "qrels.txt"):
            shutil.copyfile(source / f, data / f)
    else:
        data = Path(args.collection).resolve()
        if not data.is_dir():
            die(f"'{args.collection}' is neither med, cranfield, scifact-train nor a directory")
        name = data.name
    for f in ("corpus.jsonl", "topics.tsv", "qrels.txt"):
        if not (data / f).is_file() or (data / f).stat().st_size == 0:
            die(f"{data / f} is missing or empty")
    work = build / "eval" / f"{name}-cv"
    work.mkdir(parents=True, exist_ok=True)
    index = work / "index"
    shutil.rmtree(index, ignore_errors=True)
    r = subprocess.run([str(studysearch), "index", "--db", str(index), str(data / "corpus.jsonl")],
                       capture_output=True, text=True)
    if r.returncode != 0:
        die(f"indexing failed:\n{r.stdout}{r.stderr}")
    return studysearch, evaluator, data, work, index


def run_setting(studysearch: Path, evaluator: Path, data: Path, work: Path, index: Path, stamp: str,
                run_args: list[str]) -> dict[str, dict[str, float]]:
    key = hashlib.sha256(json.dumps([stamp, run_args]).encode()).hexdigest()[:20]
    cache = work / "runs" / f"{key}.json"
    if cache.is_file():
        return json.loads(cache.read_text())["per_query"]
    cache.parent.mkdir(exist_ok=True)
    run_file = work / "runs" / f"{key}.run"
    with open(run_file, "w") as out:
        r = subprocess.run([str(studysearch), "run", "--db", str(index), "--topics", str(data / "topics.tsv"),
                            "--limit", "1000", "--tag", "cv", *run_args], stdout=out, stderr=subprocess.PIPE,
                           text=True)
    if r.returncode != 0:
        raise RuntimeError(f"studysearch run {' '.join(run_args)} failed:\n{r.stderr}")
    r = subprocess.run([str(evaluator), str(data / "qrels.txt"), str(run_file), "--per-query", "--json"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"studysearch-eval failed:\n{r.stderr}")
    scores = {q["qid"]: {m: float(q[m]) for m in METRICS} for q in json.loads(r.stdout)["per_query"]}
    run_file.unlink()
    cache.write_text(json.dumps({"args": run_args, "per_query": scores}))
    return scores


def mean(scores: dict[str, dict[str, float]], qids: list[str], metric: str) -> float:
    return sum(scores[q][metric] for q in qids) / len(qids)


def main() -> None:
    args = parse_args()
    if args.folds < 2:
        die("--folds must be at least 2")
    settings = build_settings(args)
    studysearch, evaluator, data, work, index = prepare(args)
    stamp = fingerprint(studysearch, data / "corpus.jsonl", data / "topics.tsv", data / "qrels.txt")

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_setting, studysearch, evaluator, data, work, index, stamp, a) for _, a in settings]
        try:
            results = [f.result() for f in futures]
        except RuntimeError as e:
            for f in futures:
                f.cancel()
            die(str(e))

    qids = sorted(results[0])
    if any(sorted(r) != qids for r in results):
        die("settings scored different query sets")
    if len(qids) < args.folds:
        die(f"{len(qids)} scored queries cannot make {args.folds} folds")

    # In-sample table.
    full = [(label, {m: mean(r, qids, m) for m in METRICS}) for (label, _), r in zip(settings, results)]
    order = sorted(range(len(full)), key=lambda i: -full[i][1]["ndcg@10"])
    shown = order if args.top <= 0 else order[: args.top]
    width = max(len("setting"), *(len(full[i][0]) for i in shown))
    print(f"collection {data}  ({len(qids)} scored queries, {len(settings)} settings)")
    print(f"\nin-sample (all queries), best {len(shown)} by nDCG@10:")
    print(f"  {'setting':<{width}}  nDCG@10     MAP   R@100")
    for i in shown:
        label, m = full[i]
        print(f"  {label:<{width}}  {m['ndcg@10']:.4f}  {m['ap']:.4f}  {m['recall@100']:.4f}")

    # Cross-validation.
    held = {m: [] for m in METRICS}  # one figure per repeat (mean over all held-out queries)
    picks: dict[str, int] = {}
    print(f"\n{args.folds}-fold cross-validation (seed {args.seed}"
          + (f"..{args.seed + args.repeats - 1}" if args.repeats > 1 else "") + "):")
    for rep in range(args.repeats):
        shuffled = qids[:]
        random.Random(args.seed + rep).shuffle(shuffled)
        folds = [shuffled[f :: args.folds] for f in range(args.folds)]
        totals = {m: 0.0 for m in METRICS}
        for f, test in enumerate(folds):
            train = [q for g, fold in enumerate(folds) if g != f for q in fold]
            best = max(range(len(settings)), key=lambda i: (mean(results[i], train, "ndcg@10"), -i))
            picks[settings[best][0]] = picks.get(settings[best][0], 0) + 1
            for m in METRICS:
                totals[m] += sum(results[best][q][m] for q in test)
            if args.repeats == 1:
                print(f"  fold {f + 1}: {len(test):3d} queries  train {mean(results[best], train, 'ndcg@10'):.4f}"
                      f"  held-out nDCG@10 {mean(results[best], test, 'ndcg@10'):.4f}  <- {settings[best][0]}")
        for m in METRICS:
            held[m].append(totals[m] / len(qids))
    spread = lambda xs: f" (sd over repeats {statistics.stdev(xs):.4f})" if len(xs) > 1 else ""
    print(f"  held-out mean: nDCG@10 {statistics.mean(held['ndcg@10']):.4f}{spread(held['ndcg@10'])}"
          f"  MAP {statistics.mean(held['ap']):.4f}  R@100 {statistics.mean(held['recall@100']):.4f}")
    print("  chosen: " + ", ".join(f"{label} x{n}" for label, n in sorted(picks.items(), key=lambda x: -x[1])))

    if args.json:
        Path(args.json).write_text(json.dumps({
            "collection": str(data), "queries": len(qids),
            "settings": [{"label": label, "args": a, **m} for (label, a), (_, m) in zip(settings, full)],
            "crossval": {"folds": args.folds, "seed": args.seed, "repeats": args.repeats,
                         "held_out": {m: statistics.mean(v) for m, v in held.items()}, "chosen": picks},
        }, indent=2))


if __name__ == "__main__":
    main()
