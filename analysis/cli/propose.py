"""`localign propose`: the best plans of k localities under the planner's weights and requirements, ranked, with the
Pareto front, written as CSV and GeoJSON with a summary table."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

from analysis.cli.common import add_evidence, add_adjacency, add_bundle, check_budget, load, print_json, print_notes, text_table
from analysis.present.exports.tables import csv_text, trailing_notes
from analysis.metrics.definitions import SCORED, metric, shown_in
from analysis.plan.naming import consistent_names
from analysis.plan.partition import Plan
from analysis.solvers.enumeration.engine import COMPILING_NOTE, needs_compiling
from analysis.progress import cli_progress
from analysis.solvers.propose import METHODS, Proposals, propose
from analysis.constraints.rules import Constraints
from analysis.cli.requirements import EXAMPLES, parse_fraction, parse_requirements
from analysis.metrics.scoring import OBJECTIVE_METRICS, Weights, measurable_objectives
from geo.bundle import StudyArea
from geo.errors import LocalignError

TABLE_METRICS = shown_in("cli_table")
"""The metrics of the ranked table (titles and formats from analysis.metrics.definitions)."""

SUMMARY_METRICS = SCORED
"""Every metric scored for many plans, in registry order (summary.csv/.md and --json)."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "propose", help="propose the best plans of k localities",
        description="Propose plans of K connected localities: every valid plan is listed where the ward graph is "
                    "small enough (so the ranking is exact), an optimiser is used where it is not. Prints the top "
                    "plans by weighted penalty and marks those on the Pareto front.")
    parser.add_argument("--k", type=int, default=None, help="number of localities (default: the bundle's, e.g. 4)")
    add_bundle(parser)
    add_adjacency(parser)
    add_evidence(parser, robust=True)
    parser.add_argument("--robust", action="store_true",
                        help="rank by the worst balance over the base and every --scenario (minimax); each plan's "
                             "deviation under each is shown")
    parser.add_argument("--max-deviation", metavar="F", help="every locality within F of an equal share (0.05 or 5%%)")
    parser.add_argument("--weights", metavar="W",
                        help="weights of the objectives, e.g. balance=2,nesting=1,compactness=0.5,continuity=0.5")
    parser.add_argument("--require", action="append", default=[], metavar="ITEM",
                        help=f"a requirement (repeatable): {EXAMPLES.replace('%', '%%')}")
    parser.add_argument("--top", type=int, default=10, help="how many plans to show and write (default 10)")
    parser.add_argument("--out", metavar="DIR", help="write each plan as CSV and GeoJSON, with summary.csv/.md")
    parser.add_argument("--method", choices=METHODS, default="auto",
                        help="auto (default): every plan when the graph is small enough, else the optimiser")
    parser.add_argument("--seed", type=int, default=0, help="seed of the optimiser (same seed, same plans)")
    parser.add_argument("--budget-s", type=float, default=None, metavar="T", help="time budget of the optimiser")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(run=run)


NEEDS = {key: metric(key).needs for key in TABLE_METRICS if metric(key).needs}
"""Table columns that measure an objective a study area may lack (no PCN grouping, no current localities)."""


def table_metrics(area: StudyArea) -> tuple[str, ...]:
    """The ranked table's columns this study area can measure (no 'PCN nesting 100 %' without PCNs)."""
    measurable = measurable_objectives(area)
    return tuple(key for key in TABLE_METRICS if NEEDS.get(key, "balance") in measurable)


def requirement_lines(area: StudyArea, constraints: Constraints) -> list[str]:
    """The requirements in words, one per line."""
    names = area.unit_names
    lines = []
    if constraints.max_deviation is not None:
        lines.append(f"every locality within ±{constraints.max_deviation:.1%} of an equal share")
    if constraints.max_pcns_split is not None:
        lines.append(f"at most {constraints.max_pcns_split} PCNs split")
    lines += [f"together: {', '.join(names[u] for u in g)}" for g in constraints.together]
    lines += [f"apart: {', '.join(names[u] for u in g)}" for g in constraints.apart]
    lines += [f"{names[u]} in {name}" for u, name in constraints.fixed.items()]
    return lines


LIST_LOCALITIES_MAX = 12
"""Plans with more localities are summarised (counts and ranges) instead of listed locality by locality."""
LIST_UNITS_MAX = 60
"""Study areas with more units list each locality's unit count, not every unit's name (the CSV has them)."""
CELL_UNITS_MAX = 500
"""summary.csv lists each option's units in one cell only up to this many units (spreadsheet cells hold 32,767
characters); beyond, the cell points to the option's own CSV."""


def _localities(area: StudyArea, plan: Plan, populations) -> list[tuple[str, str]]:
    share = area.total_population / plan.k
    by_name = dict(zip(plan.localities, populations))
    out = []
    named = len(area.ids) <= LIST_UNITS_MAX
    for locality in plan.localities:
        members = plan.members(locality)
        pop = by_name[locality]
        text = (f"{len(members)} {area.manifest.unit_label}s, {pop:,.0f} residents "
                f"({(pop - share) / share:+.1%})")
        out.append((locality, text + (": " + ", ".join(area.unit_names[u] for u in members) if named else "")))
    return out


def locality_lines(area: StudyArea, plan: Plan) -> list[tuple[str, str]]:
    """What to say about a plan's localities: one line each for a few localities, else counts and ranges that
    stay readable at hundreds or thousands of localities (each unit's locality is in the option's CSV)."""
    populations = _plan_populations(area, plan)
    if plan.k <= LIST_LOCALITIES_MAX:
        return _localities(area, plan, populations)
    share = area.total_population / plan.k
    pops = np.asarray(populations)
    deviation = (pops - share) / share
    sizes = np.bincount(plan.codes(), minlength=plan.k)
    label = area.manifest.unit_label
    worst = np.argsort(-np.abs(deviation), kind="stable")[:3]
    return [
        ("localities", f"{plan.k:,}, ideal {share:,.0f} residents each"),
        ("residents", f"{pops.min():,.0f} to {pops.max():,.0f} (deviation {deviation.min():+.2%} to "
                      f"{deviation.max():+.2%}; median |deviation| {np.median(np.abs(deviation)):.2%})"),
        (f"{label}s", f"{sizes.min():,} to {sizes.max():,} per locality (median {np.median(sizes):,.0f})"),
        ("furthest from equal", "; ".join(f"{plan.localities[j]} {pops[j]:,.0f} ({deviation[j]:+.2%})"
                                          for j in worst)),
    ]


def _plan_populations(area: StudyArea, plan: Plan) -> list[float]:
    """Residents per locality of a plan, in plan.localities order."""
    codes = plan.codes()
    pops = area.population.to_numpy(float)
    return [pops[codes == j].sum() for j in range(plan.k)]


def summary_rows(result: Proposals, plans: list[Plan]) -> list[list[str]]:
    """The summary table as rows: header, then one row per ranked plan with raw metric values."""
    header = ["rank", "option", "penalty", "pareto_front", *SUMMARY_METRICS, "localities"]
    rows = [header]
    on_front = result.on_front()
    for rank, (position, plan) in enumerate(zip(result.ranked, plans), start=1):
        scores = result.plans.scores
        values = [f"{getattr(scores, key)[position]:.6g}" for key in SUMMARY_METRICS]
        localities = ("; ".join(f"{loc}: " + " ".join(plan.members(loc)) for loc in plan.localities)
                      if len(result.area.ids) <= CELL_UNITS_MAX else f"{plan.k:,} localities: see option_{rank:02d}.csv")
        rows.append([str(rank), plan.name, f"{result.penalty[position]:.6f}", "yes" if on_front[rank - 1] else "no",
                     *values, localities])
    return rows


def summary_markdown(result: Proposals, plans: list[Plan]) -> str:
    """The ranked table as Markdown, with the method, requirements and assumption notes."""
    area = result.area
    columns = table_metrics(area)
    titles = [metric(key).title for key in columns]
    lines = [f"# Proposals: {result.k} localities of {area.name}", "", *[f"- {n}" for n in result.notes],
             *[f"- Requirement: {r}" for r in requirement_lines(area, result.constraints)],
             f"- Weights: {_weights_text(result.weights)}", "",
             "| rank | option | penalty | Pareto front | " + " | ".join(titles) + " |",
             "|---|---|---|---|" + "---|" * len(titles)]
    on_front = result.on_front()
    for rank, (position, plan) in enumerate(zip(result.ranked, plans), start=1):
        cells = [metric(key).format(getattr(result.plans.scores, key)[position]) for key in columns]
        lines.append(f"| {rank} | {plan.name} | {result.penalty[position]:.3f} | "
                     f"{'yes' if on_front[rank - 1] else 'no'} | " + " | ".join(cells) + " |")
    lines += ["", "## Localities", ""]
    for position, plan in zip(result.ranked, plans):
        lines.append(f"**{plan.name}**")
        lines += [f"- {name}: {text}" for name, text in locality_lines(area, plan)]
        lines.append("")
    lines += ["## Assumptions and sources", "", *[f"- {note}" for note in area.assumption_notes], "",
              area.source_line, ""]
    return "\n".join(lines)


def _weights_text(weights: Weights) -> str:
    return ", ".join(f"{name} {value:g}" for name, value in weights.as_dict().items())


def write_outputs(result: Proposals, plans: list[Plan], folder: str) -> list[Path]:
    """Write each plan as CSV (ward_code,ward_name,locality) and wards GeoJSON, plus summary.csv and summary.md."""
    from analysis.present.exports import export
    from analysis.present.exports.files import write_bytes

    out = Path(folder).expanduser()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LocalignError.single(f"the folder could not be created ({exc.strerror or exc}).", str(out),
                                   "choose a folder you can write to.") from None
    written = []
    for rank, plan in enumerate(plans, start=1):
        stem = f"option_{rank:02d}"
        written.append(export(result.area, plan, "csv", out / f"{stem}.csv"))
        written.append(export(result.area, plan, "wards-geojson", out / f"{stem}.geojson"))
    summary = csv_text(summary_rows(result, plans) + [[]] + trailing_notes(result.area))
    written.append(write_bytes(summary.encode("utf-8-sig"), out / "summary.csv", (".csv",)))
    written.append(write_bytes(summary_markdown(result, plans).encode("utf-8"), out / "summary.md", (".md",)))
    stale = remove_stale_options(out, written)
    if stale:
        print(f"Removed {len(stale)} option file(s) left in {out} by an earlier run, which summary.csv no longer "
              f"lists: {', '.join(p.name for p in stale[:6])}{' …' if len(stale) > 6 else ''}.", file=sys.stderr)
    return written


OPTION_FILE = re.compile(r"option_\d{2,}\.(csv|geojson)")
"""The names of the files `propose --out` writes for each option (option_01.csv, option_01.geojson, …)."""


def remove_stale_options(folder: Path, written: list[Path]) -> list[Path]:
    """Delete option files in ``folder`` from an earlier run that this run did not write (no other file is touched)."""
    keep = {p.name for p in written}
    stale = sorted(p for p in folder.iterdir()
                   if OPTION_FILE.fullmatch(p.name) and p.name not in keep and p.is_file() and not p.is_symlink())
    for path in stale:
        path.unlink()
    return stale


def _json(result: Proposals, plans: list[Plan]) -> dict:
    on_front = result.on_front()
    return {
        "study_area": result.area.name, "k": result.k, "adjacency": result.adjacency, "method": result.method,
        "valid_plans": len(result.plans), "connected_plans": result.connected_count,
        "pareto_front": len(result.front), "notes": result.notes, "weights": result.weights.as_dict(),
        "requirements": requirement_lines(result.area, result.constraints),
        "proposals": [{
            "rank": rank, "name": plan.name, "penalty": float(result.penalty[position]),
            "pareto_front": bool(on_front[rank - 1]),
            "metrics": {key: getattr(result.plans.scores, key)[position].item() for key in SUMMARY_METRICS},
            "localities": {loc: plan.members(loc) for loc in plan.localities},
        } for rank, (position, plan) in enumerate(zip(result.ranked, plans), start=1)],
        "assumptions": result.area.assumption_notes,
    }


def run(args: argparse.Namespace) -> int:
    check_budget(args.budget_s)
    if args.robust:
        return run_robust(args)
    area = load(args)
    k = args.k if args.k is not None else area.manifest.default_k
    if k < 2:
        raise LocalignError.single(f"--k {k} is not a number of localities to propose.", "--k",
                                   "use 2 or more, e.g. --k 4.")
    if k > len(area.ids):
        raise LocalignError.single(f"--k {k} is more localities than the {len(area.ids)} "
                                   f"{area.manifest.unit_label}s.", "--k", f"use at most {len(area.ids)}.")
    constraints = parse_requirements(area, args.require, Constraints(max_deviation=parse_fraction(args.max_deviation)))
    weights = Weights.parse(args.weights)
    if needs_compiling():
        print(COMPILING_NOTE, file=sys.stderr, flush=True)
    with cli_progress(f"proposing plans of {k} localities") as progress:
        result = propose(area, k, constraints, weights, args.top, args.method, args.seed, args.budget_s, progress,
                         args.adjacency)
    plans = consistent_names(area, [result.plans.plan(int(position), f"Option {rank}") for rank, position in
                                    enumerate(result.ranked, start=1)], keep=set(result.plans.fixed.values()))
    written = write_outputs(result, plans, args.out) if args.out and plans else []
    if args.json:
        print_json(_json(result, plans) | {"written": [str(p) for p in written]})
        return 0 if plans else 1
    _print_text(result, plans, written)
    return 0 if plans else 1


def _print_text(result: Proposals, plans: list[Plan], written: list[Path]) -> None:
    area = result.area
    print(f"Proposals: {result.k} localities of {area.name} ({result.adjacency} adjacency)")
    for note in result.notes:
        print(f"  {note}")
    requirements = requirement_lines(area, result.constraints)
    print("  Requirements: " + ("; ".join(requirements) if requirements else "none"))
    print(f"  Weights: {_weights_text(result.weights)} (penalty: lower is better)")
    counted = f" of {result.connected_count:,} connected plans" if result.connected_count is not None else ""
    print(f"  {len(result.plans):,} valid plans{counted}; {len(result.front):,} on the Pareto front.")
    if not plans:
        print("\nNo plan meets every requirement: relax --max-deviation or drop a --require item.")
        print_notes(area)
        return
    print()
    on_front = result.on_front()
    columns = table_metrics(area)
    text_table(["rank", "option", "penalty", *[metric(key).title for key in columns], "Pareto front"],
               [(rank, plan.name, f"{result.penalty[position]:.3f}",
                 *[metric(key).format(getattr(result.plans.scores, key)[position]) for key in columns],
                 "yes" if on_front[rank - 1] else "no")
                for rank, (position, plan) in enumerate(zip(result.ranked, plans), start=1)])
    listed = plans if plans[0].k <= LIST_LOCALITIES_MAX else plans[:1]
    for plan in listed:
        print(f"\n{plan.name}:")
        for name, text in locality_lines(area, plan):
            print(f"  {name}: {text}")
    if len(listed) < len(plans):
        print("  (the other options are summarised in the table above"
              + ("; every unit's locality is in each option's CSV)" if written else
                 "; add --out DIR to write every unit's locality as CSV and GeoJSON)"))
    if result.exhaustive:
        standings = result.standings(plans[0])
        print(f"\n{plans[0].name} among all {len(result.plans):,} valid plans:")
        for key, _ in OBJECTIVE_METRICS.values():
            print(f"  {standings[key].sentence()}")
    if written:
        print(f"\nWrote {len(written)} files to {written[0].parent}: each option as CSV and GeoJSON, "
              "summary.csv and summary.md.")
    print_notes(area)


def run_robust(args: argparse.Namespace) -> int:
    """`propose --robust`: rank by the worst balance over the base and each --scenario, printing each case."""
    from analysis.solvers.robust import NESTING, propose_robust

    area = load(args, scenario="")
    k = args.k if args.k is not None else area.manifest.default_k
    constraints = parse_requirements(area, args.require, Constraints(max_deviation=parse_fraction(args.max_deviation)))
    weights = Weights.parse(args.weights)
    if needs_compiling():
        print(COMPILING_NOTE, file=sys.stderr, flush=True)
    with cli_progress(f"proposing plans of {k} localities, robust to growth") as progress:
        result = propose_robust(area, k, list(args.scenario), constraints, weights, args.top, args.method, args.seed,
                                args.budget_s, progress, args.adjacency)
    plans = result.plans()
    rows = result.rows()
    written = write_outputs(result.proposals, plans, args.out) if args.out and plans else []
    if args.json:
        print_json({"study_area": area.name, "k": k, "method": result.proposals.method, "exact": result.exact,
                    "cases": result.cases, "considered_plans": len(result.proposals.plans),
                    "notes": result.proposals.notes, "choices": area.choice_lines
                    + [v.scenario.label() for v in result.scenario_areas],
                    "proposals": [row | {"name": plan.name,
                                         "localities": {loc: plan.members(loc) for loc in plan.localities}}
                                  for row, plan in zip(rows, plans)],
                    "written": [str(p) for p in written], "assumptions": area.assumption_notes})
        return 0 if plans else 1
    print(f"Robust proposals: {k} localities of {area.name}, ranked by the worst balance over "
          f"{len(result.cases)} cases (minimax)")
    for note in result.proposals.notes:
        print(f"  {note}")
    exact = ("exact: every valid plan was scored under every case" if result.exact
             else "not exact: only the plans the optimiser found were scored")
    print(f"  {len(result.proposals.plans):,} plans considered; {exact}.")
    if result.max_deviation is not None:
        print(f"  Requirement: every locality within ±{result.max_deviation:.1%} under the base and every scenario.")
    for variant in result.scenario_areas:
        print(f"  {variant.scenario.label()}. Basis: {variant.scenario.basis}")
    if not plans:
        print("\nNo plan meets the requirement under every case: relax --max-deviation.")
        print_notes(area)
        return 1
    print()
    text_table(["rank", "option", "worst deviation", *[f"under {c}" for c in result.cases], "PCN nesting"],
               [(row["rank"], plan.name, f"{row['worst_max_abs_deviation']:.2%}",
                 *[f"{row['max_abs_deviation_by_case'][c]:.2%}" for c in result.cases],
                 metric(NESTING).format(row[NESTING]))
                for row, plan in zip(rows, plans)])
    best = plans[0]
    print(f"\n{best.name} (the {'exact ' if result.exact else ''}minimax plan):")
    for case_area, case in zip([area, *result.scenario_areas], result.cases):
        pops = [case_area.population.to_numpy(float)[best.codes() == j].sum() for j in range(best.k)]
        print(f"  {case}: " + "; ".join(f"{loc} {pop:,.0f} ({(pop * best.k / sum(pops)) - 1:+.1%})"
                                        for loc, pop in zip(best.localities, pops)))
    for name, text in _localities(area, best, _plan_populations(area, best)):
        print(f"  {name}: {text}")
    if written:
        print(f"\nWrote {len(written)} files to {written[0].parent}.")
    print_notes(area)
    return 0
