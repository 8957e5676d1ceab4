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


def add_evidence(parser: argparse.ArgumentParser, robust: bool = False) -> None:
    """Add --balance-on, --scenario and --practice-pcns: what balance is judged on, a growth scenario added to
    residents, and practices assigned to PCNs (a CSV of practice_code,pcn)."""
    parser.add_argument("--balance-on", metavar="M1,M2", default=None,
                        help="judge balance on these numeric attributes, e.g. population,age_0_15 (default: "
                             "residents); with several, a plan's balance is its largest deviation over them and "
                             "--max-deviation applies to each")
    parser.add_argument("--scenario", action="append", default=[], metavar="NAME",
                        help="add a growth scenario's residents (an assumption listed by the bundle)"
                             + ("; repeat with --robust to rank by the worst case over base and scenarios"
                                if robust else ""))
    parser.add_argument("--practice-pcns", metavar="FILE.csv", default=None,
                        help="assign practices to PCNs: a CSV with columns practice_code,pcn (e.g. practices that "
                             "are in no listed PCN)")


def balance_measures(text: str | None) -> tuple[str, ...]:
    """The measures of --balance-on as a tuple of attribute names (empty: residents)."""
    return tuple(m.strip() for m in (text or "").split(",") if m.strip())


def practice_assignments(area: StudyArea, path: str | None) -> dict[str, str]:
    """Practice -> PCN assignments from --practice-pcns (empty without it)."""
    if not path:
        return {}
    from pathlib import Path

    from geo.errors import LocalignError
    from geo.registrations import parse_assignments

    if area.registrations is None:
        raise LocalignError.single("this study area has no GP registrations, so practices cannot be assigned to "
                                   "PCNs.", "--practice-pcns",
                                   "drop --practice-pcns, or add a [registrations] section to the bundle.")
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise LocalignError.single(f"the file could not be read ({exc.strerror or exc}).", str(file),
                                   "check the path to the practice -> PCN CSV.") from None
    return parse_assignments(data, file.name, area.registrations)


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


def load(args: argparse.Namespace, scenario: str | None = None) -> StudyArea:
    """Load the study area named by --bundle, with the balance measures, scenario and practice assignments asked
    for (``scenario`` overrides --scenario; with one --scenario, that one)."""
    area = load_bundle(args.bundle)
    scenarios = list(getattr(args, "scenario", None) or [])
    if scenario is None and len(scenarios) > 1 and not getattr(args, "robust", False):
        from geo.errors import LocalignError

        raise LocalignError.single("--scenario is given more than once.", "--scenario",
                                   "give one scenario, or add --robust (propose) to weigh several.")
    chosen = scenario if scenario is not None else (scenarios[0] if scenarios else None)
    return area.variant(balance_measures(getattr(args, "balance_on", None)), chosen or None,
                        practice_assignments(area, getattr(args, "practice_pcns", None)))


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
    """Print the evidence choices (PCN basis, balance measures, scenario), the bundle's assumption notes and
    attribution, as every report must."""
    out = out or sys.stdout
    print("", file=out)
    for line in area.choice_lines:
        print(line, file=out)
    print("\nAssumptions:", file=out)
    for note in area.assumption_notes:
        print(f"  - {note}", file=out)
    print(area.source_line, file=out)
