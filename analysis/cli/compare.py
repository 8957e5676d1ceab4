"""`localign compare`: two plans side by side — metric changes and the wards that change locality."""

from __future__ import annotations

import argparse

from analysis.cli.common import add_evidence, add_adjacency, add_bundle, load, print_json, print_notes, text_table
from analysis.metrics.compare import compare
from analysis.metrics.definitions import METRICS
from analysis.cli.common import plan_argument


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("compare", help="compare two plans",
                            description="Compare plan B with plan A: metric changes and wards that move.")
    parser.add_argument("plan_a", metavar="PLAN_A", help="'current', a grouping name, or a plan file")
    parser.add_argument("plan_b", metavar="PLAN_B", help="'current', a grouping name, or a plan file")
    add_bundle(parser)
    add_evidence(parser)
    add_adjacency(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    area = load(args)
    a, b = plan_argument(area, args.plan_a), plan_argument(area, args.plan_b)
    result = compare(area, a, b, args.adjacency)
    if args.json:
        print_json(result.to_dict())
        return 0
    head_a, head_b = result.a.headline(), result.b.headline()
    print(f"A: {a.name} ({a.k} localities)   B: {b.name} ({b.k} localities)\n")
    text_table(["metric", "A", "B", "change"],
               [(m.title, m.format(head_a[m.key]), m.format(head_b[m.key]),
                 m.format_delta(result.deltas[m.key]))
                for m in METRICS])
    print(f"\n{len(result.moves)} {area.manifest.unit_label}(s) change locality "
          f"({result.population_moved:,.0f} residents):")
    if result.moves:
        text_table([area.manifest.unit_label, "residents", "A", "B"],
                   [(m.name, f"{m.population:,.0f}", m.locality_a, m.locality_b) for m in result.moves])
    print_notes(area)
    return 0
