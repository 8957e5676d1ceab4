"""Neighbourhoods at scale: London's 4,994 Census 2021 LSOAs with their real residents, and national batch runs.

1. Balance only, the same wall time (LOCALIGN_BENCH_NEIGHBOURHOOD_S, default 30 s), each method building
   its own starting plan within that time: localign's optimiser (annealing restarts on every core, then
   exact boundary repair; also with one core) against GerryChain 1.0 short bursts (ReCom, ±5 %, bursts of
   10, from its own random ±5 % start, as in the issue), for k = 32, 64, 100, 120 and 176. Reported: the largest deviation from an
   equal share, cut edges, and the granularity bound.
2. `localign propose --k 176` on a London LSOA bundle and `--k 1200` on an England LSOA bundle (33,755
   units), end to end through the command line: wall time, largest deviation, lines printed.
3. `localign batch` on the 33 London boroughs at 50,000 residents per neighbourhood with 1 and 2 workers
   (LOCALIGN_BENCH_BATCH_S seconds per council, default 10): wall time, speed-up, median and worst
   deviation over all neighbourhoods.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_baselines import gerrychain_short_bursts
from lsoa_graphs import RESIDENTS_NOTE, lsoa21_graph, write_lsoa21_bundle

from analysis.solvers.anneal import granularity_bound
from analysis.solvers.optimise import Optimiser
from analysis.metrics.scoring import Weights
from analysis.solvers.seed_plans import seed_plan
from analysis.plan.graph import UnitGraph

HERE = Path(__file__).resolve().parent
SECONDS = float(os.environ.get("LOCALIGN_BENCH_NEIGHBOURHOOD_S", "30"))
BATCH_SECONDS = float(os.environ.get("LOCALIGN_BENCH_BATCH_S", "10"))
KS = tuple(int(k) for k in os.environ.get("LOCALIGN_BENCH_NEIGHBOURHOOD_KS", "32,64,100,120,176").split(","))
TARGETS = {32: 0.0005, 100: 0.003, 176: 0.01}
"""The issue's targets for localign's largest deviation at 30 s."""
BALANCE_ONLY = Weights(balance=1, nesting=0, compactness=0, continuity=0)
EPSILON = 0.05
START_SEEDS = (0, 1, 2)
"""GerryChain's random start is tried with these seeds in turn (at k = 176 its seed 0 finds no ±5 % start)."""


def _deviation(graph: UnitGraph, codes: np.ndarray, k: int) -> float:
    pops = np.bincount(np.asarray(codes, dtype=np.int64), weights=graph.population, minlength=k)
    return float(np.abs(pops - graph.total / k).max() / (graph.total / k))


def _cut(graph: UnitGraph, codes: np.ndarray) -> int:
    return int((codes[graph.edge_a] != codes[graph.edge_b]).sum())


def gerrychain_start(graph: UnitGraph, k: int) -> tuple[np.ndarray, str]:
    """GerryChain's own random ±5 % start (recursive tree partitioning, seeds 0, 1, 2 in turn), or localign's
    when it finds none."""
    from bench_baselines import POP, unit_positions
    from gerrychain import Graph, Partition
    from gerrychain.updaters import Tally

    gc_graph = Graph.from_networkx(graph.to_networkx(POP))
    for seed in START_SEEDS:
        try:
            initial = Partition.from_random_assignment(gc_graph, k, EPSILON, POP,
                                                       updaters={POP: Tally(POP, alias=POP)}, rng=seed)
        except RuntimeError:
            continue
        return np.asarray(initial.assignment_vector)[unit_positions(initial, graph)].astype(np.int64), \
            f"its own random start (seed {seed})"
    return seed_plan(graph, k, np.random.default_rng(0)).astype(np.int64), "localign's start (its own failed)"


def balance_rows() -> list[dict]:
    graph = UnitGraph.from_networkx(lsoa21_graph("E09"))
    Optimiser(graph, 8, weights=BALANCE_ONLY, max_steps=2_000, engine="anneal", workers=1).solve()  # compiled code
    rows = []
    for k in KS:
        label = f"London LSOAs ({graph.n:,}, real residents), k={k}, balance only, {SECONDS:g} s"
        results = {}
        for workers in (os.cpu_count() or 1, 1):
            began = time.perf_counter()
            optimiser = Optimiser(graph, k, weights=BALANCE_ONLY, seed=0, budget_s=SECONDS, workers=workers)
            best = optimiser.solve().codes[0]
            results[workers] = (_deviation(graph, best, k), _cut(graph, best), optimiser.steps_taken,
                                time.perf_counter() - began)
        began = time.perf_counter()
        start, start_note = gerrychain_start(graph, k)
        start_s = time.perf_counter() - began  # not counted: GerryChain gets its whole budget for ReCom steps
        gc = gerrychain_short_bursts(graph, k, start, 0, SECONDS, EPSILON, lambda c, k=k: _deviation(graph, c, k))
        bound, why = granularity_bound(graph.population, k)
        ours, ours_cut, moves, seconds = results[os.cpu_count() or 1]
        target = TARGETS.get(k)
        rows += [
            {"benchmark": label, "measure": f"localign optimiser ({os.cpu_count()} cores): largest deviation",
             "value": ours, "unit": "fraction",
             "notes": f"{ours_cut:,} cut edges; {moves:,} moves in {seconds:.1f} s"
                      + (f"; target ≤ {target:.2%}: {'met' if ours <= target else 'NOT met'}" if target else "")
                      + f"; bound {bound:.4%} ({why})"},
            {"benchmark": label, "measure": "localign optimiser (1 core): largest deviation",
             "value": results[1][0], "unit": "fraction",
             "notes": f"{results[1][1]:,} cut edges; {results[1][2]:,} moves in {results[1][3]:.1f} s"},
            {"benchmark": label, "measure": "GerryChain 1.0 short bursts: largest deviation", "value": gc["best"],
             "unit": "fraction", "notes": f"{gc['cut_edges']:,} cut edges; {gc['steps']:,} ReCom steps "
                                          f"(±{EPSILON:.0%}, bursts of 10) in {SECONDS:g} s from {start_note} "
                                          f"({_deviation(graph, start, k):.2%}, built in {start_s:.0f} s, "
                                          "not counted); 1 core"},
            {"benchmark": label, "measure": "GerryChain / localign (how many times tighter)",
             "value": gc["best"] / ours if ours > 0 else float("inf"), "unit": "ratio",
             "notes": "at least 10 wanted; " + RESIDENTS_NOTE},
        ]
    return rows


def _cli(args: list[str]) -> tuple[float, str]:
    began = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", "import sys; from analysis.cli import main; sys.exit(main())", *args],
                         cwd=HERE.parent, capture_output=True, text=True, timeout=3600)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return time.perf_counter() - began, out.stdout


def propose_rows() -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for prefix, title, k, budget in (("E09", "London", 176, SECONDS), ("E", "England", 1200, 2 * SECONDS)):
            bundle = write_lsoa21_bundle(Path(folder) / prefix, prefix, f"{title} (Census 2021 LSOAs)")
            seconds, text = _cli(["propose", "--bundle", str(bundle), "--k", str(k), "--budget-s", str(budget),
                                  "--weights", "balance=1,compactness=0", "--top", "3",
                                  "--out", str(Path(folder) / f"out-{prefix}")])
            found = re.search(r"largest deviation is ([0-9.]+)%", text)
            rows.append({"benchmark": f"localign propose --k {k} on {title}'s Census 2021 LSOAs (balance only)",
                         "measure": "wall time, end to end", "value": seconds, "unit": "s",
                         "notes": f"--budget-s {budget:g}; largest deviation {found.group(1) if found else '?'}%; "
                                  f"{len(text.splitlines())} lines printed; loading the bundle and its adjacency "
                                  "included"})
    return rows


def batch_rows() -> list[dict]:
    try:
        from geo import national  # noqa: F401  (the council builder)
    except ImportError:
        return [{"benchmark": "localign batch, 33 London boroughs", "measure": "skipped", "value": "n/a",
                 "unit": "", "notes": "geo.national (the council builder) is not installed in this checkout"}]
    import pandas as pd

    rows, walls = [], {}
    councils = ",".join(f"E090000{i:02d}" for i in range(1, 34))
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as folder:
            seconds, _ = _cli(["batch", "--councils", councils, "--units", "lsoa", "--target-population", "50000",
                               "--budget-s", str(BATCH_SECONDS), "--workers", str(workers), "--out", folder])
            summary = pd.read_csv(Path(folder) / "summary.csv", encoding="utf-8-sig")
            localities = pd.read_parquet(Path(folder) / "localities.parquet", columns=["deviation"])
            walls[workers] = seconds
            rows.append({"benchmark": f"localign batch, 33 London boroughs, LSOAs, 50,000 residents, "
                                      f"{BATCH_SECONDS:g} s per council",
                         "measure": f"wall time, {workers} worker(s)", "value": seconds, "unit": "s",
                         "notes": f"{int(summary['k'].sum())} neighbourhoods in {len(summary)} councils; |deviation| "
                                  f"over all neighbourhoods: median {localities['deviation'].abs().median():.3%}, "
                                  f"worst {localities['deviation'].abs().max():.3%}"})
    rows.append({"benchmark": "localign batch, 33 London boroughs", "measure": "speed-up, 2 workers vs 1",
                 "value": walls[1] / walls[2], "unit": "x", "notes": f"{os.cpu_count()} cores on this machine"})
    return rows


PARTS = os.environ.get("LOCALIGN_BENCH_NEIGHBOURHOOD_PARTS", "balance,propose,batch").split(",")
"""Which parts to run (all three by default)."""


def run() -> list[dict]:
    parts = {"balance": balance_rows, "propose": propose_rows, "batch": batch_rows}
    return [row for name in PARTS for row in parts[name.strip()]()]
