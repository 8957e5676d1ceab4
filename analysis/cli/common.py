"""Options and helpers shared by the subcommands: --bundle, --adjacency, loading and plain-text tables."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Iterable, Sequence

from geo.adjacency import ADJACENCY_KINDS
from geo.bundle import DEFAULT_BUNDLE, StudyArea, load_bundle
from geo.errors import LocalignError


def add_bundle(parser: argparse.ArgumentParser) -> None:
    """Add --bundle DIR (defaults to the bundled Barking and Dagenham study area)."""
    parser.add_argument("--bundle", metavar="DIR", default=None,
                        help=f"study-area folder with a manifest.toml (default: {DEFAULT_BUNDLE.name}, "
                             "the bundled Barking and Dagenham wards)")


def add_adjacency(parser: argparse.ArgumentParser) -> None:
    """Add --adjacency rook|queen."""
    parser.add_argument("--adjacency", choices=ADJACENCY_KINDS, default="rook",
                        help="which wards count as neighbours: rook (shared boundary, default) or queen "
                             "(touching, even at a point)")


def check_budget(value: float | None, where: str = "--budget-s") -> float | None:
    """A time budget in seconds: None stays None; zero, negative or non-finite budgets are refused."""
    if value is None:
        return None
    if not (math.isfinite(value) and value > 0):
        raise LocalignError.single(f"{where} {value:g} is not a time localign can run for.", where,
                                   f"give a number of seconds above 0, e.g. {where} 30.")
    return value


def plan_argument(area: StudyArea, spec: str):
    """The plan a --plan argument names (see analysis.plan.io.resolve_plan), with any notes printed to stderr."""
    from analysis.plan.io import resolve_plan

    plan = resolve_plan(area, spec)
    for note in plan.warnings:
        print(note, file=sys.stderr)
    return plan


def load(args: argparse.Namespace) -> StudyArea:
    """Load the study area named by --bundle."""
    return load_bundle(args.bundle)


def print_json(data: object) -> None:
    """Print JSON for scripts (non-finite numbers become null)."""
    print(json.dumps(data, indent=2, ensure_ascii=False, default=_jsonable))


def _jsonable(value: object):
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def text_table(header: Sequence[str], rows: Iterable[Sequence[object]], out=None) -> None:
    """Print a plain-text table with aligned columns (numbers right-aligned)."""
    out = out or sys.stdout
    rows = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]

    def fmt(cells: Sequence[str]) -> str:
        parts = []
        for cell, width in zip(cells, widths):
            numeric = cell.replace(",", "").replace(".", "").replace("%", "").replace("+", "").replace("-", "").replace("−", "").isdigit()
            parts.append(cell.rjust(width) if numeric else cell.ljust(width))
        return "  ".join(parts).rstrip()

    print(fmt(header), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for row in rows:
        print(fmt(row), file=out)


def print_notes(area: StudyArea, out=None) -> None:
    """Print the bundle's assumption notes and attribution, as every report must."""
    out = out or sys.stdout
    print("\nAssumptions:", file=out)
    for note in area.assumption_notes:
        print(f"  - {note}", file=out)
    print(area.source_line, file=out)
