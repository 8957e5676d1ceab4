"""Evaluation speed on the bundled Barking and Dagenham wards: one plan per edit (target under 50 ms once the study
area is loaded) and many plans at once through the vectorised scorer; cold start in a fresh process."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from analysis.metrics.evaluate import evaluate
from analysis.plan.geometry import dissolve_plan
from analysis.plan.partition import current_plan
from analysis.metrics.scoring import PlanScorer
from geo.bundle import load_bundle

TARGET_MS = 50.0
SCORED_PLANS = 200_000
FRESH_PROCESSES = 3
NEW_PLANS = 50
ROOT = Path(__file__).resolve().parent.parent


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


def fresh_process() -> dict:
    """Seconds to import, load the bundle and evaluate the current localities once, in a new Python process."""
    code = ("import time, json; t0 = time.perf_counter(); from geo.bundle import load_bundle; "
            "from analysis.metrics.evaluate import evaluate; from analysis.plan.partition import current_plan; t1 = time.perf_counter(); "
            "a = load_bundle(); t2 = time.perf_counter(); evaluate(a, current_plan(a)); t3 = time.perf_counter(); "
            "print(json.dumps({'imports': t1 - t0, 'load': t2 - t1, 'evaluate': t3 - t2}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def cold_rows() -> list[dict]:
    """Cold start: imports, load_bundle and the first evaluate() in fresh processes (median of FRESH_PROCESSES)."""
    runs = [fresh_process() for _ in range(FRESH_PROCESSES)]
    notes = f"fresh Python process, median of {FRESH_PROCESSES}"
    return [{"benchmark": "evaluation", "measure": "cold: import geo and analysis", "unit": "ms",
             "value": statistics.median(r["imports"] for r in runs) * 1e3, "notes": notes},
            {"benchmark": "evaluation", "measure": "cold: load_bundle()", "unit": "ms",
             "value": statistics.median(r["load"] for r in runs) * 1e3, "notes": notes},
            {"benchmark": "evaluation", "measure": "cold: first evaluate()", "unit": "ms",
             "value": statistics.median(r["evaluate"] for r in runs) * 1e3, "notes": notes + f"; target < {TARGET_MS:.0f} ms"}]


def new_plan_times(area) -> list[float]:
    """evaluate() times on optimiser plans never evaluated before (no cached locality hulls), in ms."""
    from analysis.solvers.optimise import Optimiser

    proposals = Optimiser(area, 4, seed=0, max_steps=3_000, top=NEW_PLANS).solve()
    times = []
    for i in range(len(proposals)):
        plan = proposals.plan(i)
        start = time.perf_counter()
        evaluate(area, plan)
        times.append(_ms(start))
    return times


def run() -> list[dict]:
    """Rows for benchmarks/run_all.py."""
    rows = cold_rows()
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
    times = new_plan_times(area)
    rows.append({"benchmark": "evaluation", "measure": "evaluate a new optimiser plan (median)",
                 "value": statistics.median(times), "unit": "ms",
                 "notes": f"{len(times)} distinct plans, none evaluated before; slowest {max(times):.1f} ms; "
                          f"target < {TARGET_MS:.0f} ms"})
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
