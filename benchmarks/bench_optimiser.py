"""The optimiser on the bundled wards: time to reach the exhaustive optimum, throughput, quality against time.

Every run builds the optimiser, its starting plan (unless given the common start) and searches until
it reaches the optimum found by exhaustive enumeration (or a 5 s cap). Medians over seeds 0-9.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from lbbd_reference import OBJECTIVES, reached, reference

from analysis.solvers.optimise import Optimiser
from analysis.metrics.scoring import penalty

RUNS = 10
CAP_S = 5.0
QUALITY_TIMES_S = (0.01, 0.03, 0.1, 0.3, 1.0)
HERE = Path(__file__).resolve().parent


def time_to_optimum(k: int, objective: str, seed: int, common_start: bool) -> tuple[float | None, int]:
    """Seconds (constructing the optimiser included) and moves until the best plan reaches the optimum, or None."""
    ref = reference(k)
    began = time.perf_counter()
    optimiser = Optimiser(ref.area, k, weights=OBJECTIVES[objective], seed=seed, budget_s=CAP_S,
                          target_penalty=ref.optimum[objective], start=ref.start if common_start else None)
    result = optimiser.solve()
    elapsed = time.perf_counter() - began
    best = float(penalty(result.scores, OBJECTIVES[objective])[0])
    return (elapsed if reached(best, ref.optimum[objective]) else None), optimiser.steps_taken


def summary(k: int, objective: str, common_start: bool) -> dict:
    """Median and worst time to the optimum over RUNS seeds, and how many runs reached it."""
    times, steps = [], []
    for seed in range(RUNS):
        seconds, moves = time_to_optimum(k, objective, seed, common_start)
        if seconds is not None:
            times.append(seconds)
            steps.append(moves)
    return {"reached": len(times), "median_s": statistics.median(times) if times else None,
            "max_s": max(times) if times else None, "median_steps": statistics.median(steps) if steps else None}


def quality_against_time(k: int = 4, objective: str = "default weights") -> list[dict]:
    """Median best penalty (over seeds) after each time in QUALITY_TIMES_S, and its gap to the optimum."""
    ref = reference(k)
    traces = []
    for seed in range(RUNS):
        optimiser = Optimiser(ref.area, k, weights=OBJECTIVES[objective], seed=seed, budget_s=max(QUALITY_TIMES_S))
        optimiser.solve()
        traces.append(optimiser.trace)
    rows = []
    for t in QUALITY_TIMES_S:
        best = [min(p for _, s, _, p in trace if s <= t) if any(s <= t for _, s, _, _ in trace) else np.nan
                for trace in traces]
        value = float(np.nanmedian(best)) if not np.isnan(best).all() else float("nan")
        rows.append({"benchmark": "optimiser quality vs time (LBBD, k=4, default weights)",
                     "measure": f"median best penalty after {t:g} s", "value": value, "unit": "penalty",
                     "notes": f"exhaustive optimum {ref.optimum[objective]:.4f}; "
                              f"{sum(b <= ref.optimum[objective] + 1e-9 for b in best)}/{RUNS} runs at the optimum"})
    return rows


def throughput(k: int = 4, seconds: float = 2.0) -> float:
    """Moves per second on the wards, scoring every visited plan on every metric (default weights)."""
    ref = reference(k)
    optimiser = Optimiser(ref.area, k, seed=0, budget_s=seconds)
    began = time.perf_counter()
    optimiser.solve()
    return optimiser.steps_taken / (time.perf_counter() - began)


def cold_compile_seconds() -> float:
    """Wall time of a first optimiser run in a fresh process with an empty numba cache (one-off, e.g. on CI)."""
    code = ("import time; t = time.perf_counter(); from geo.bundle import load_bundle; "
            "from analysis.solvers.optimise import Optimiser; a = load_bundle(); t1 = time.perf_counter(); "
            "Optimiser(a, 4, max_steps=20).solve(); print(time.perf_counter() - t1)")
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        out = subprocess.run([sys.executable, "-c", code], cwd=HERE.parent, env=env, capture_output=True, text=True,
                             check=True)
    return float(out.stdout.strip().splitlines()[-1])


def run() -> list[dict]:
    rows = []
    reference(4)
    Optimiser(reference(4).area, 4, max_steps=50).solve()  # load compiled code before timing
    for k in (3, 4):
        ref = reference(k)
        for objective in OBJECTIVES:
            for common in (False, True):
                if k == 3 and common:
                    continue
                s = summary(k, objective, common)
                start = (f"common start ({ref.start_deviation:.1%} out)" if common else "own start")
                rows.append({"benchmark": f"optimiser to exhaustive optimum (LBBD, k={k}, {objective})",
                             "measure": f"median time to optimum, {start}", "value": s["median_s"], "unit": "s",
                             "notes": f"{s['reached']}/{RUNS} seeds reached the optimum "
                                      f"({ref.optimum[objective]:.4f}, best of {ref.plans:,} plans) within {CAP_S:g} s; "
                                      f"worst {s['max_s']:.3f} s; median {s['median_steps']:,.0f} moves"
                                      if s["reached"] else f"0/{RUNS} reached within {CAP_S:g} s"})
    rows += quality_against_time()
    rows.append({"benchmark": "optimiser throughput (LBBD, k=4)", "measure": "moves per second",
                 "value": throughput(), "unit": "moves/s",
                 "notes": "ReCom and flip moves, every visited plan scored on every metric (default weights)"})
    rows.append({"benchmark": "optimiser first run", "measure": "compile numba kernels (cold cache)",
                 "value": cold_compile_seconds(), "unit": "s",
                 "notes": "once per machine; later runs load the cache from __pycache__"})
    return rows
