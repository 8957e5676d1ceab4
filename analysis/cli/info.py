"""`localign info`: what a bundle holds — units, residents, groupings, adjacency, CRS and assumption notes."""

from __future__ import annotations

import argparse

from analysis.cli.common import add_bundle, load, print_json, print_notes, text_table
from geo.bundle import summary


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("info", help="describe a study area bundle",
                            description="Describe a study-area bundle: units, population, groupings, "
                                        "adjacency and assumption notes.")
    add_bundle(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    area = load(args)
    facts = summary(area)
    if args.json:
        print_json(facts)
        return 0
    unit = facts["unit_label"]
    print(f"{facts['study_area']}")
    print(f"  {facts['units']} {unit}s, {facts['population_total']:,.0f} residents "
          f"(column '{facts['population_column']}')")
    print(f"  adjacency: {facts['adjacency_edges']['rook']} rook edges, {facts['adjacency_edges']['queen']} "
          f"queen edges, {facts['components']} component(s)"
          + (f"; islands: {facts['islands']}" if facts["islands"] else ""))
    print(f"  measured in {facts['crs']['measure']} (metres); mapped in {facts['crs']['maps']}")
    if facts.get("pcn_basis"):
        print(f"  PCN basis: {facts['pcn_basis']}")
    for name, added in facts.get("scenarios", {}).items():
        print(f"  growth scenario (assumption): {name}, {added:+,.0f} residents")
    print()
    text_table(["grouping", "groups", "title"],
               [(name, count, area.groupings[name].title) for name, count in facts["groupings"].items()])
    print()
    text_table([unit, "name", "residents"],
               [(u, area.unit_names[u], f"{area.population[u]:,.0f}") for u in area.ids])
    for warning in facts["warnings"]:
        print(f"\n{warning}")
    print_notes(area)
    return 0
