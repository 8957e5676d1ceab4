"""Baselines on the same graphs and objectives: GerryChain 1.0 ReCom (chain and short-burst optimiser) and spopt.

LBBD wards (k = 4): time to the exhaustive optimum from a common valid start (balance only, and the
default weighted penalty), steps per second, best balance after 0.25 s; spopt's AZP, RegionKMeans,
Skater and MaxP given population as their attribute (each run in a subprocess with a timeout,
because RegionKMeans and MaxP can loop for minutes). London LSOAs (4,835, k = 4 and 8): best balance
each method finds in the same wall time, each building its own start; with equal LSOA weights and with
stroke admissions as a real uneven weight (see lsoa_graphs.WEIGHTS).

Set LOCALIGN_BENCH_SLOW=1 to also time GerryChain's random start at ±5 % on the wards (minutes when it fails).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import time
import warnings
from functools import partial
from pathlib import Path

import numpy as np
from lbbd_reference import BALANCE_ONLY, OBJECTIVES, reached, reference
from lsoa_graphs import WEIGHTS, lsoa_graph

from analysis.plan.context import StudyContext
from analysis.solvers.optimise import Optimiser
from analysis.metrics.scoring import PlanScorer, Weights, penalty
from analysis.plan.graph import UnitGraph

warnings.filterwarnings("ignore")
HERE = Path(__file__).resolve().parent
RUNS = 10
CAP_S = 5.0
EPSILON = 0.10
FIXED_TIME_S = 0.25
LONDON_SECONDS = float(os.environ.get("LOCALIGN_BENCH_LONDON_S", "10"))
LONDON_EPSILON = 0.05
SPOPT_TIMEOUT_S = 60
POP = "population"


# --- GerryChain -------------------------------------------------------------------------------------------
def gerrychain_partition(graph: UnitGraph, codes: np.ndarray):
    """A GerryChain Partition (with a population tally) of the unit graph from locality codes."""
    from gerrychain import Graph, Partition
    from gerrychain.updaters import Tally

    return Partition(Graph.from_networkx(graph.to_networkx(POP)), {u: int(c) for u, c in zip(graph.ids, codes)},
                     {POP: Tally(POP, alias=POP)})


def unit_positions(partition, graph: UnitGraph) -> np.ndarray:
    g = partition.graph
    return np.array([g.internal_node_id_for_original_nx_node_id(u) for u in graph.ids])


def recom_proposal(graph: UnitGraph, k: int, epsilon: float):
    from gerrychain.proposals import recom

    return partial(recom, pop_col=POP, pop_target=graph.total / k, epsilon=epsilon)


def gerrychain_chain(graph: UnitGraph, k: int, start: np.ndarray, seed: int, seconds: float, epsilon: float,
                     score=None, target: float | None = None) -> dict:
    """Run GerryChain's ReCom chain from ``start`` for ``seconds`` (or until ``target``); track the best score.

    ``score(codes) -> float`` is the objective (default: max deviation); time spent in it is not counted.
    """
    from gerrychain import MarkovChain
    from gerrychain.accept import always_accept
    from gerrychain.constraints import within_percent_of_ideal_population

    began = time.perf_counter()
    initial = gerrychain_partition(graph, start)
    position = unit_positions(initial, graph)
    chain = MarkovChain(recom_proposal(graph, k, epsilon), [within_percent_of_ideal_population(initial, epsilon, POP)],
                        always_accept, initial, total_steps=10**9, rng=random.Random(seed))
    ideal = graph.total / k
    best, best_deviation, steps, scoring, hit = np.inf, np.inf, 0, 0.0, None
    for part in chain:
        steps += 1
        t = time.perf_counter()
        pops = np.fromiter(part[POP].values(), float)
        deviation = float(np.abs(pops - ideal).max() / ideal)
        best_deviation = min(best_deviation, deviation)
        value = deviation if score is None else score(np.asarray(part.assignment_vector)[position])
        scoring += time.perf_counter() - t
        best = min(best, value)
        elapsed = time.perf_counter() - began - scoring
        if hit is None and target is not None and reached(best, target):
            hit = elapsed
            break
        if elapsed >= seconds:
            break
    elapsed = time.perf_counter() - began - scoring
    return {"steps": steps, "seconds": elapsed, "best": best, "best_deviation": best_deviation, "hit": hit}


def gerrychain_short_bursts(graph: UnitGraph, k: int, start: np.ndarray, seed: int, seconds: float, epsilon: float,
                            score, target: float | None = None, burst: int = 10) -> dict:
    """GerryChain's SingleMetricOptimizer.short_bursts (minimising ``score``) for ``seconds`` or until ``target``."""
    from gerrychain.constraints import within_percent_of_ideal_population
    from gerrychain.optimization import SingleMetricOptimizer

    began = time.perf_counter()
    initial = gerrychain_partition(graph, start)
    position = unit_positions(initial, graph)
    spent = [0.0]

    def metric(part) -> float:
        t = time.perf_counter()
        value = score(np.asarray(part.assignment_vector)[position])
        spent[0] += time.perf_counter() - t
        return value

    optimizer = SingleMetricOptimizer(recom_proposal(graph, k, epsilon),
                                      [within_percent_of_ideal_population(initial, epsilon, POP)], initial, metric,
                                      maximize=False, rng=random.Random(seed))
    steps, hit = 0, None
    for _ in optimizer.short_bursts(burst, 10**9):
        steps += 1
        elapsed = time.perf_counter() - began - spent[0]
        if target is not None and reached(optimizer.best_score, target):
            hit = elapsed
            break
        if elapsed >= seconds:
            break
    best_codes = np.asarray(optimizer.best_part.assignment_vector)[position]
    return {"steps": steps, "seconds": time.perf_counter() - began - spent[0], "best": optimizer.best_score, "hit": hit,
            "cut_edges": int((best_codes[graph.edge_a] != best_codes[graph.edge_b]).sum())}


def lbbd_scorer(objective: str):
    ref = reference()
    scorer, weights = PlanScorer(ref.area, 4), OBJECTIVES[objective]
    return lambda codes: float(penalty(scorer.score(codes), weights)[0])


def ours_lbbd(objective: str, seed: int, common_start: bool, seconds: float = CAP_S, target: bool = True) -> dict:
    ref = reference()
    began = time.perf_counter()
    optimiser = Optimiser(ref.area, 4, weights=OBJECTIVES[objective], seed=seed, budget_s=seconds,
                          start=ref.start if common_start else None,
                          target_penalty=ref.optimum[objective] if target else None)
    result = optimiser.solve()
    elapsed = time.perf_counter() - began
    best = float(penalty(result.scores, OBJECTIVES[objective])[0])
    return {"steps": optimiser.steps_taken, "seconds": elapsed, "best": best,
            "hit": elapsed if reached(best, ref.optimum[objective]) else None}


def median_hit(runs: list[dict]) -> tuple[float | None, int]:
    hits = [r["hit"] for r in runs if r["hit"] is not None]
    return (statistics.median(hits) if hits else None), len(hits)


def lbbd_gerrychain_rows() -> list[dict]:
    """Time to the exhaustive optimum: ours vs GerryChain's ReCom chain and short bursts, from the common start."""
    ref = reference()
    graph = StudyContext.of(ref.area).graph
    rows = []
    ours_lbbd("default weights", 0, True, 0.1)  # load compiled code before timing
    for objective in OBJECTIVES:
        optimum = ref.optimum[objective]
        score = None if objective == "balance only" else lbbd_scorer(objective)
        methods = {
            "localign optimiser (own start)": [ours_lbbd(objective, s, False) for s in range(RUNS)],
            "localign optimiser (common start)": [ours_lbbd(objective, s, True) for s in range(RUNS)],
            "GerryChain ReCom chain (common start)": [gerrychain_chain(graph, 4, ref.start, s, CAP_S, EPSILON, score, optimum)
                                                      for s in range(RUNS)],
            "GerryChain short bursts (common start)": [
                gerrychain_short_bursts(graph, 4, ref.start, s, CAP_S, EPSILON, score or lbbd_scorer(objective), optimum)
                for s in range(RUNS)],
        }
        medians = {}
        for name, runs in methods.items():
            median, count = median_hit(runs)
            medians[name] = median
            steps = statistics.median(r["steps"] for r in runs)
            speed = (f"median {steps:,.0f} steps, {sum(r['steps'] for r in runs) / sum(r['seconds'] for r in runs):,.0f} "
                     "steps/s") if steps else "its own starting plan is already the optimum (0 steps)"
            rows.append({"benchmark": f"LBBD k=4 to exhaustive optimum ({objective})", "measure": f"{name}: median time",
                         "value": median if median is not None else float("nan"), "unit": "s",
                         "notes": f"reached the optimum ({optimum:.4f}) in {count}/{RUNS} seeds within {CAP_S:g} s; "
                                  f"{speed}"})
        ours = medians["localign optimiser (own start)"]
        for name in ("GerryChain ReCom chain (common start)", "GerryChain short bursts (common start)"):
            theirs = medians[name]
            rows.append({"benchmark": f"LBBD k=4 to exhaustive optimum ({objective})",
                         "measure": f"ratio ours (own start) / {name.split(' (')[0]}",
                         "value": ours / theirs if ours and theirs else float("nan"), "unit": "time ratio",
                         "notes": "below 1 = ours reaches the optimum faster"})
    # Best balance after a fixed time.
    ours = [ours_lbbd("balance only", s, False, FIXED_TIME_S, target=False)["best"] for s in range(RUNS)]
    theirs = [gerrychain_chain(graph, 4, ref.start, s, FIXED_TIME_S, EPSILON)["best"] for s in range(RUNS)]
    for name, values in (("localign optimiser (own start)", ours), ("GerryChain ReCom chain (common start)", theirs)):
        rows.append({"benchmark": f"LBBD k=4 best balance after {FIXED_TIME_S:g} s", "measure": name,
                     "value": statistics.median(values), "unit": "max deviation",
                     "notes": f"median over {RUNS} seeds; {sum(reached(v, ref.optimum['balance only']) for v in values)}"
                              f"/{RUNS} at the optimum {ref.optimum['balance only']:.4f}"})
    return rows


def gerrychain_random_start_rows() -> list[dict]:
    """Can GerryChain build its own random start on the wards? (Partition.from_random_assignment)"""
    from gerrychain import Graph, Partition

    graph = Graph.from_networkx(StudyContext.of(reference().area).graph.to_networkx(POP))
    rows = []
    for epsilon, seeds in ((0.10, range(10)), (0.05, range(2) if os.environ.get("LOCALIGN_BENCH_SLOW") else ())):
        ok, times, errors = 0, [], set()
        for seed in seeds:
            t = time.perf_counter()
            try:
                Partition.from_random_assignment(graph, 4, epsilon, POP, rng=seed)
                ok += 1
            except RuntimeError as error:  # GerryChain's "Could not find a possible cut after 100000 attempts"
                errors.add(str(error).splitlines()[0][:80])
            times.append(time.perf_counter() - t)
        if seeds:
            rows.append({"benchmark": "GerryChain random start on LBBD wards (k=4)",
                         "measure": f"from_random_assignment within ±{epsilon:.0%}: seeds that succeed",
                         "value": ok, "unit": f"of {len(seeds)}",
                         "notes": f"max {max(times):.2f} s per attempt" + (f"; error: {min(errors)}" if errors else "")})
    return rows


# --- spopt --------------------------------------------------------------------------------------------------
SPOPT_METHODS = ("AZP", "RegionKMeans", "Skater", "MaxP")


def spopt_worker(name: str) -> None:
    """Run one spopt regionaliser on the wards (population as the attribute) and print its labels as JSON."""
    import libpysal
    from spopt.region import AZP, MaxPHeuristic, RegionKMeansHeuristic, Skater

    ref = reference()
    area, graph = ref.area, StudyContext.of(ref.area).graph
    frame = area.units.reset_index(drop=True)
    frame[POP] = graph.population
    neighbours = {i: [] for i in range(graph.n)}
    for a, b in zip(graph.edge_a, graph.edge_b):
        neighbours[int(a)].append(int(b))
        neighbours[int(b)].append(int(a))
    w = libpysal.weights.W(neighbours, silence_warnings=True)
    np.random.seed(0)
    ideal = graph.total / 4
    began = time.perf_counter()
    if name == "AZP":
        model = AZP(frame, w, [POP], n_clusters=4, random_state=0)
    elif name == "RegionKMeans":
        model = RegionKMeansHeuristic(frame[[POP]].to_numpy(), 4, w, seed=0)
    elif name == "Skater":
        model = Skater(frame, w, [POP], n_clusters=4)
    else:
        model = MaxPHeuristic(frame, w, [POP], POP, 0.8 * ideal, top_n=2)
    model.solve()
    print(json.dumps({"labels": np.asarray(model.labels_).astype(int).tolist(), "seconds": time.perf_counter() - began}))


SPOPT_NOTES = {
    "AZP": "minimises attribute heterogeneity for a fixed number of regions; no population constraint at all",
    "RegionKMeans": "k-means with contiguity; no population constraint at all",
    "Skater": "spanning-tree pruning; its floor counts units, not residents, so it cannot balance population",
    "MaxP": "only a floor on each region's population (here 80 % of an equal share) and it picks the number of "
            "regions itself; at a 90 % floor it returns 3 regions",
}


def spopt_rows() -> list[dict]:
    ref = reference()
    graph = StudyContext.of(ref.area).graph
    scorer = PlanScorer(ref.area, 4)
    rows = []
    for name in SPOPT_METHODS:
        code = f"import sys; sys.path.insert(0, {str(HERE)!r}); import bench_baselines as b; b.spopt_worker({name!r})"
        try:
            out = subprocess.run([sys.executable, "-c", code], cwd=HERE.parent, capture_output=True, text=True,
                                 timeout=SPOPT_TIMEOUT_S, check=True)
        except subprocess.TimeoutExpired:
            rows.append({"benchmark": "spopt on LBBD wards (k=4, population as attribute)", "measure": f"{name}: max deviation",
                         "value": float("nan"), "unit": "fraction", "notes": f"did not finish within {SPOPT_TIMEOUT_S} s; "
                                                                              + SPOPT_NOTES[name]})
            continue
        except subprocess.CalledProcessError as error:
            rows.append({"benchmark": "spopt on LBBD wards (k=4, population as attribute)", "measure": f"{name}: max deviation",
                         "value": float("nan"), "unit": "fraction", "notes": f"failed: {error.stderr.strip().splitlines()[-1][:100]}"})
            continue
        data = json.loads(out.stdout.strip().splitlines()[-1])
        labels = np.unique(data["labels"], return_inverse=True)[1].astype(np.int8)
        regions = int(labels.max()) + 1
        pops = np.bincount(labels, weights=graph.population, minlength=regions)
        deviation = float(np.abs(pops - graph.total / 4).max() / (graph.total / 4))
        contiguous = graph.is_contiguous(labels, regions)
        extra = ""
        if regions == 4:
            cost = float(penalty(scorer.score(labels), Weights())[0])
            extra = f"; default-weights penalty {cost:.4f} (optimum {ref.optimum['default weights']:.4f})"
        rows.append({"benchmark": "spopt on LBBD wards (k=4, population as attribute)", "measure": f"{name}: max deviation",
                     "value": deviation, "unit": "fraction",
                     "notes": f"{regions} regions, contiguous: {contiguous}, {data['seconds']:.2f} s; reaches the "
                              f"optimum ({ref.optimum['balance only']:.2%}): {reached(deviation, ref.optimum['balance only'])}"
                              f"{extra}; {SPOPT_NOTES[name]}"})
    return rows


# --- London LSOAs ---------------------------------------------------------------------------------------------
def london_rows() -> list[dict]:
    """Best balance in the same wall time on all 4,835 London LSOAs; each method builds its own start."""
    from gerrychain import Graph, Partition
    from gerrychain.updaters import Tally

    rows = []
    for weight in WEIGHTS:
        nxg = lsoa_graph("london", weight)
        graph = UnitGraph.from_networkx(nxg)
        for k in (4, 8):
            began = time.perf_counter()
            optimiser = Optimiser(graph, k, weights=BALANCE_ONLY, seed=0, budget_s=LONDON_SECONDS)
            ours = optimiser.solve()
            ours_s = time.perf_counter() - began
            ours_best = float(ours.scores.max_abs_deviation[0])
            began = time.perf_counter()
            gc_graph = Graph.from_networkx(nxg)
            start_note = "its own random start (from_random_assignment)"
            try:
                initial = Partition.from_random_assignment(gc_graph, k, LONDON_EPSILON, POP,
                                                           updaters={POP: Tally(POP, alias=POP)}, rng=0)
                position = unit_positions(initial, graph)
                start = np.asarray(initial.assignment_vector)[position].astype(np.int8)
            except RuntimeError:  # no balanced cut found
                start = ours.codes[-1]
                start_note = "our start (its random start failed)"
            left = max(0.0, LONDON_SECONDS - (time.perf_counter() - began))
            chain = gerrychain_chain(graph, k, start, 0, left, LONDON_EPSILON)
            bursts = gerrychain_short_bursts(graph, k, start, 0, left, LONDON_EPSILON,
                                             lambda c, g=graph, k=k: float(np.abs(np.bincount(c, weights=g.population, minlength=k)
                                                                                  - g.total / k).max() / (g.total / k)))
            label = f"London LSOAs ({graph.n:,}), k={k}, {weight} weights"
            for name, best, steps, seconds in (("localign optimiser", ours_best, optimiser.steps_taken, ours_s),
                                               ("GerryChain ReCom chain", chain["best"], chain["steps"], LONDON_SECONDS),
                                               ("GerryChain short bursts", bursts["best"], bursts["steps"], LONDON_SECONDS)):
                rows.append({"benchmark": f"{label}: best balance in {LONDON_SECONDS:g} s", "measure": name, "value": best,
                             "unit": "max deviation",
                             "notes": f"{steps:,} steps ({steps / seconds:,.0f}/s)"
                                      + ("" if name.startswith("localign") else f"; ±{LONDON_EPSILON:.0%} chain from "
                                                                                  f"{start_note}")})
            for name, best in (("ReCom chain", chain["best"]), ("short bursts", bursts["best"])):
                rows.append({"benchmark": f"{label}: best balance in {LONDON_SECONDS:g} s",
                             "measure": f"ratio ours / GerryChain {name}", "value": ours_best / best if best else float("nan"),
                             "unit": "deviation ratio", "notes": "at most 1 = ours at least as balanced; " + WEIGHTS[weight]})
    return rows


def run() -> list[dict]:
    return lbbd_gerrychain_rows() + gerrychain_random_start_rows() + spopt_rows() + london_rows()
