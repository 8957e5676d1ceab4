"""`localign evaluate`: every metric of one plan (current, a bundle grouping, or a CSV/GeoJSON file)."""

from __future__ import annotations

import argparse

from analysis.cli.common import add_evidence, add_adjacency, add_bundle, load, print_json, print_notes, text_table
from analysis.metrics.evaluate import Evaluation, evaluate
from analysis.metrics.definitions import METRICS
from analysis.cli.common import plan_argument
from geo.bundle import StudyArea
from geo.registrations import UNASSIGNED


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("evaluate", help="evaluate one plan",
                            description="Evaluate a plan on balance, contiguity, compactness, PCN alignment "
                                        "and continuity with the current localities.")
    parser.add_argument("--plan", required=True, metavar="current|NAME|FILE",
                        help="'current', a grouping of the bundle, or a CSV (ward_code,locality) / GeoJSON file")
    add_bundle(parser)
    add_evidence(parser)
    add_adjacency(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(run=run)


def print_evaluation(area: StudyArea, result: Evaluation) -> None:
    """Print an evaluation as plain-text tables a planner can read."""
    print(f"{result.plan_name}: {result.k} localities of {area.name} "
          f"(equal share {result.ideal:,.0f} residents; {result.adjacency} adjacency)\n")
    rows = []
    for loc in result.localities:
        rows.append((loc, len(result.units[loc]), f"{result.populations[loc]:,.0f}",
                     f"{result.deviations[loc]:+.1%}", f"{result.polsby_popper[loc]:.3f}",
                     f"{result.reock[loc]:.3f}", f"{result.convex_hull[loc]:.3f}",
                     "yes" if loc not in result.noncontiguous else f"no ({len(result.noncontiguous[loc])} pieces)"))
    text_table(["locality", f"{area.manifest.unit_label}s", "residents", "deviation", "Polsby-Popper",
                "Reock", "hull", "one piece"], rows)
    print()
    headline = result.headline()
    text_table(["metric", "value"], [(m.title, m.format(headline.get(m.key))) for m in METRICS])
    for loc, parts in result.noncontiguous.items():
        named = ["; ".join(area.unit_names[u] for u in part) for part in parts]
        print(f"\nWarning: {loc} is in {len(parts)} separate pieces: " + " | ".join(named) +
              ". Move wards so each locality is one connected area.")
    if len(result.balance_on) > 1 or result.balance_on != [area.population_column]:
        print("\nBalance by measure (deviation from an equal share of each):")
        text_table(["measure", *result.localities, "largest"],
                   [(area.measure_title(m), *(f"{d:+.1%}" for d in result.deviations_by_measure[m].values()),
                     f"{result.max_abs_deviation_by_measure[m]:.1%}") for m in result.balance_on])
    if result.pcn_residents:
        print(f"\nPCNs by locality ({result.pcn_basis}):")
        rows = [(pcn, *(f"{v:,.0f}" for v in row.values()), f"{result.pcn_share_in_main_locality[pcn]:.1%}")
                for pcn, row in result.pcn_residents.items()]
        if result.pcn_unassigned:
            rows.append((UNASSIGNED, *(f"{v:,.0f}" for v in result.pcn_unassigned.values()), "(not counted)"))
        text_table(["PCN", *result.localities, "in main locality"], rows)
    if result.moved_wards:
        print("\nWards that move from their current locality: "
              + ", ".join(area.unit_names[u] for u in result.moved_wards))
    print_notes(area)


def run(args: argparse.Namespace) -> int:
    area = load(args)
    plan = plan_argument(area, args.plan)
    result = evaluate(area, plan, args.adjacency)
    if args.json:
        print_json(result.to_dict())
    else:
        print_evaluation(area, result)
    return 0
