"""`localign enumerate`: count (or list and summarise) every plan of k connected localities, exactly.

With --count the exact number is the last line of output, on its own, for scripts. The graph is a study
area's ward graph (--bundle) or any graph written by gerrychain's Graph.to_json (--graph, --pop-col).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from analysis.cli.common import add_evidence, add_adjacency, add_bundle, check_budget, load, print_json, print_notes, text_table
from analysis.plan.context import StudyContext
from analysis.plan.graph import UnitGraph
from analysis.solvers.enumeration import (Search, count_partitions_within, enumerate_area, estimate_partitions,
                                  read_graph_json)
from analysis.solvers.enumeration.engine import enumerate_partitions
from analysis.solvers.enumeration.study_area import balance_measures as area_measures
from analysis.cli.common import balance_measures
from analysis.metrics.definitions import metric
from analysis.metrics.population import max_abs_deviation, within_tolerance, within_tolerance_all
from analysis.solvers.pareto import front_of
from analysis.solvers.enumeration.engine import COMPILING_NOTE, needs_compiling
from analysis.progress import cli_progress
from analysis.cli.requirements import parse_fraction
from analysis.metrics.scoring import OBJECTIVE_METRICS
from geo.errors import LocalignError

BALANCE_LEVELS = (0.05, 0.10, 0.20)
"""Population bounds the summary counts plans within."""
COUNT_BUDGET_S = 60.0
"""How long `enumerate --count` searches for the exact count before it gives Knuth's estimate instead."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "enumerate", help="count every plan of k connected localities",
        description="Count every way to group the units into K connected localities (units kept whole), "
                    "exactly; optionally only plans within a population bound. Without --count, list and "
                    "summarise them.")
    parser.add_argument("--k", type=int, required=True, help="number of localities")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--graph", metavar="FILE.json",
                        help="a graph written by gerrychain's Graph.to_json (networkx adjacency JSON) instead of a "
                             "bundle")
    add_bundle(source)
    parser.add_argument("--pop-col", metavar="NAME",
                        help="with --graph: the node attribute holding residents (needed for --max-deviation)")
    add_adjacency(parser)
    add_evidence(parser)
    parser.add_argument("--max-deviation", metavar="F",
                        help="only plans with every locality within F of an equal share (0.05 or 5%%)")
    parser.add_argument("--count", action="store_true",
                        help="print only the exact count, as the last line (or '~' and an estimate, see --budget-s)")
    parser.add_argument("--budget-s", type=float, default=COUNT_BUDGET_S, metavar="T",
                        help=f"with --count: seconds to search for the exact count (default {COUNT_BUDGET_S:g}); if "
                             "it takes longer, Knuth's random-probe estimate is printed instead, as '~N'"),
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(run=run)


def _graph_summary(graph: UnitGraph, k: int, d: float | None, codes: np.ndarray, elapsed: float,
                   measures: np.ndarray | None = None) -> dict:
    summary = {"units": graph.n, "k": k, "max_deviation": d, "count": len(codes), "seconds": round(elapsed, 3)}
    if graph.weighted and len(codes):
        pops = np.stack([(codes == j) @ graph.population for j in range(k)], axis=1)
        total = float(graph.population.sum())
        summary["best_max_abs_deviation"] = float(max_abs_deviation(pops, total).min())
        summary["within"] = {f"{level:.0%}": int(within_tolerance(pops, total, level).sum())
                             for level in BALANCE_LEVELS}
    if measures is not None and len(codes):
        summary["within_every_measure"] = {f"{level:.0%}": int(within_tolerance_all(codes, measures, k, level).sum())
                                           for level in BALANCE_LEVELS}
    return summary


def run(args: argparse.Namespace) -> int:
    d = parse_fraction(args.max_deviation)
    budget_s = check_budget(args.budget_s)
    if args.k < 1:
        raise LocalignError.single(f"--k {args.k} is not a number of localities.", "--k", "use 2 or more, e.g. --k 4.")
    if args.graph is None and args.pop_col is not None:
        raise LocalignError.single("--pop-col goes with --graph.", "--pop-col",
                                   "pass --graph FILE.json too, or drop --pop-col (bundles name their population).")
    area = None
    measures = None
    names = balance_measures(args.balance_on)
    if args.graph is not None:
        if args.scenario or args.practice_pcns:
            raise LocalignError.single("--scenario and --practice-pcns need a bundle, not --graph.", "--graph",
                                       "drop them, or use --bundle.")
        graph = read_graph_json(args.graph, args.pop_col)
        if names:  # with a graph, the measures are node attributes
            measures = np.column_stack([read_graph_json(args.graph, name).population for name in names])
    else:
        area = load(args)
        graph = StudyContext.of(area, args.adjacency).graph
        measures = area_measures(area)
    search = Search(graph, args.k, d, measures=measures)
    what = f"{args.k} connected localities" + (f" within ±{d:.1%}" if d is not None else "")
    if names:
        what += " on " + ", ".join(names)
    if needs_compiling():
        print(COMPILING_NOTE, file=sys.stderr, flush=True)
    with cli_progress(f"enumerating plans of {what}") as progress:
        start = time.perf_counter()
        if args.count:
            result = count_partitions_within(search, budget_s, progress=progress)
            count = result.count
        elif area is not None:
            listed = enumerate_area(area, args.k, args.adjacency, d, progress=progress)
        else:
            codes = enumerate_partitions(search, progress)
        elapsed = time.perf_counter() - start
    if args.count:
        if not result.complete:
            return _print_estimate(search, result, budget_s)
        print(count)
        return 0
    if area is None:
        summary = _graph_summary(graph, args.k, d, codes, elapsed, measures)
        if args.json:
            print_json(summary)
            return 0
        print(f"{graph.source}: {graph.n} units; {summary['count']:,} plans of {what} (exact), "
              f"listed in {elapsed:.2f} s.")
        if "best_max_abs_deviation" in summary:
            print(f"Most balanced plan: largest deviation {summary['best_max_abs_deviation']:.2%}.")
            for level, n in summary["within"].items():
                print(f"  within ±{level}: {n:,} plans")
        return 0
    return _print_area_summary(area, args, listed, what, elapsed)


def _print_estimate(search: Search, result, budget_s: float) -> int:
    """The count did not finish in time: say so, then print Knuth's estimate as the last line, marked '~'."""
    print(f"The exact count did not finish within {budget_s:g} s ({result.nodes:,} search steps; at least "
          f"{result.count:,} plans found), so here is Knuth's random-probe estimate instead. Allow longer with "
          "--budget-s, or add --max-deviation to narrow the search.", file=sys.stderr, flush=True)
    estimate = estimate_partitions(search)
    print(f"Estimate: about {estimate.mean:,.0f} plans (standard error {estimate.stderr:,.0f}, "
          f"{estimate.probes:,} probes).", file=sys.stderr)
    print(f"~{estimate.mean:.0f}")
    return 0


def _print_area_summary(area, args, listed, what: str, elapsed: float) -> int:
    scores = listed.scores
    front = front_of(scores) if len(listed) else np.zeros(0, dtype=int)
    best = {}
    for name, (key, better) in OBJECTIVE_METRICS.items():
        values = getattr(scores, key)
        if len(values):
            value = values.min() if better == "lower" else values.max()
            best[key] = {"value": float(value), "plans": int(np.isclose(values, value, rtol=0, atol=1e-12).sum())}
    within = {f"{level:.0%}": int(within_tolerance(scores.populations, area.total_population, level).sum()
                                  if not area.balance_on else
                                  within_tolerance_all(listed.codes, area.balance_matrix, args.k, level).sum())
              for level in BALANCE_LEVELS}
    if args.json:
        print_json({"study_area": area.name, "units": len(area.ids), "adjacency": args.adjacency, "k": args.k,
                    "max_deviation": listed.max_deviation, "count": len(listed), "pareto_front": len(front),
                    "best": best, "within": within, "seconds": round(elapsed, 3)})
        return 0
    unit = area.manifest.unit_label
    print(f"{area.name}: {len(area.ids)} {unit}s, {args.adjacency} adjacency.")
    print(f"{len(listed):,} plans of {what} (exact count), listed and scored in {elapsed:.2f} s; "
          f"{len(front):,} on the Pareto front (balance, PCN nesting, compactness, continuity).")
    if best:
        print("\nBest achievable over all these plans:")
        text_table(["measure", "best", "plans reaching it"],
                   [(metric(key).title, metric(key).format(v["value"]), f"{v['plans']:,}") for key, v in best.items()])
        print("\nPlans within a balance bound" + (" (on every measure):" if area.balance_on else ":"))
        text_table(["every locality within", "plans"], [(f"±{level}", f"{n:,}") for level, n in within.items()])
    print_notes(area)
    return 0
