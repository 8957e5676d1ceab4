"""Evaluation speed on the bundled Barking and Dagenham wards: one plan per edit (target under 50 ms once the study
area is loaded) and many plans at once through the vectorised scorer."""

from __future__ import annotations

import statistics
import time

import numpy as np

from analysis.evaluate import evaluate
from analysis.geometry import dissolve_plan
from analysis.plan import current_plan
from analysis.scoring import PlanScorer
from geo.bundle import load_bundle

TARGET_MS = 50.0
SCORED_PLANS = 200_000


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1e3


def single_ward_edits(area, plan) -> list:
    """Every plan one edit away from ``plan``: a ward moved into a neighbouring locality."""
    graph = area.graph("rook")
    edits = []
    for unit in plan.unit_ids:
        here = plan.assignment[unit]
        for target in sorted({plan.assignment[n] for n in graph.neighbors(unit)} - {here}):
            edits.append(plan.reassign({unit: target}))
    return edits


def run() -> list[dict]:
    """Rows for benchmarks/run_all.py."""
    rows = []
    start = time.perf_counter()
    area = load_bundle()
    rows.append({"benchmark": "evaluation", "measure": "load the bundled study area", "value": _ms(start),
                 "unit": "ms", "notes": "19 wards, groupings, PCN Voronoi areas (graphs built on first use)"})
    current = current_plan(area)
    start = time.perf_counter()
    evaluate(area, current)
    rows.append({"benchmark": "evaluation", "measure": "first evaluation", "value": _ms(start), "unit": "ms",
                 "notes": "builds the rook graph and the cached per-ward arrays"})
    edits = single_ward_edits(area, current)
    times = []
    for plan in edits:
        start = time.perf_counter()
        evaluate(area, plan)
        times.append(_ms(start))
    rows.append({"benchmark": "evaluation", "measure": "evaluate one edited plan (median)",
                 "value": statistics.median(times), "unit": "ms",
                 "notes": f"{len(edits)} single-ward moves from the current localities; target < {TARGET_MS:.0f} ms"})
    rows.append({"benchmark": "evaluation", "measure": "evaluate one edited plan (slowest)", "value": max(times),
                 "unit": "ms", "notes": "first time each new locality's Reock/hull is computed"})
    times = []
    for plan in edits[:20]:
        start = time.perf_counter()
        dissolve_plan(area, plan)
        times.append(_ms(start))
    rows.append({"benchmark": "evaluation", "measure": "dissolve a plan's localities (median)",
                 "value": statistics.median(times), "unit": "ms", "notes": "maps and exports; cached per plan"})
    codes = np.random.default_rng(0).integers(0, 4, size=(SCORED_PLANS, len(area.ids)), dtype=np.int8)
    scorer = PlanScorer(area, 4)
    scorer.score(codes[:100])
    start = time.perf_counter()
    scorer.score(codes)
    seconds = time.perf_counter() - start
    rows.append({"benchmark": "evaluation", "measure": "vectorised scoring, 4 localities", "value": SCORED_PLANS / seconds,
                 "unit": "plans/s", "notes": f"PlanScorer on {SCORED_PLANS:,} random assignments (same definitions as "
                                             "evaluate)"})
    return rows


if __name__ == "__main__":
    for row in run():
        print(f"{row['measure']}: {row['value']:,.2f} {row['unit']}  ({row['notes']})")
