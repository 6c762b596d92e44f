"""Pieces shared by crossval.py and suite.py: ranking settings from --grid and
--setting specs, and the fingerprint that keys their cached runs."""
from __future__ import annotations

import hashlib
import itertools
import shlex
from pathlib import Path


def grid_settings(grid: list[str], fixed: str) -> list[tuple[str, list[str]]]:
    """One (label, run args) per combination of NAME=V1,V2,... axes; `fixed`
    args come first. yes/no values are flags, present or absent. Raises
    ValueError for a malformed spec."""
    axes = []
    for spec in grid:
        name, sep, values = spec.partition("=")
        name = name.strip().lstrip("-")
        if not sep or not name or not values:
            raise ValueError(f"--grid '{spec}': expected NAME=V1,V2,...")
        axes.append((name, [v.strip() for v in values.split(",")]))
    settings = []
    for combo in itertools.product(*(values for _, values in axes)):
        label, run_args = [], shlex.split(fixed)
        for (name, _), value in zip(axes, combo):
            label.append(f"{name}={value}")
            if value.lower() in ("yes", "no"):
                if value.lower() == "yes":
                    run_args.append(f"--{name}")
            else:
                run_args += [f"--{name}", value]
        settings.append((" ".join(label), run_args))
    return settings


def parse_settings(specs: list[str]) -> list[tuple[str, list[str]]]:
    """'LABEL: ARGS' specs as (label, args). Raises ValueError for a malformed spec."""
    out = []
    for spec in specs:
        label, sep, rest = spec.partition(":")
        if not sep:
            raise ValueError(f"--setting '{spec}': expected 'LABEL: ARGS'")
        out.append((label.strip(), shlex.split(rest)))
    return out


def fingerprint(*paths: Path) -> str:
    """Changes whenever one of the files (program, corpus, topics, ...) changes."""
    h = hashlib.sha256()
    for p in paths:
        st = p.stat()
        h.update(f"{p}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]
