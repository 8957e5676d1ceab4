"""Valid starting plans: recursive spanning-tree bisection, taking the best-balanced cut at each split.

Like GerryChain's ``recursive_tree_part``, but instead of insisting on a cut within a tolerance (which
fails on small graphs such as 19 wards and 4 localities), each split takes the best-balanced cut over
several random spanning trees, so a contiguous plan is always returned; the optimiser then improves it.
"""

from __future__ import annotations

import numpy as np

from analysis.solvers.recom import MODE_BEST, split_region
from analysis.plan.graph import CODE_DTYPE, UnitGraph
from geo.errors import LocalignError

TREES_PER_SPLIT = 32
"""Random spanning trees tried at each split; the best-balanced cut among them is taken."""
SMALL_GRAPH_UNITS = 500
"""Graphs up to this many units get ``tries`` whole bisection plans; larger ones get LARGE_GRAPH_TRIES (each costs more, and balances better)."""
LARGE_GRAPH_TRIES = 2


def max_deviation(graph: UnitGraph, codes: np.ndarray, k: int) -> float:
    """Largest |locality population − ideal| / ideal of a plan (codes in unit order)."""
    pops = np.bincount(codes, weights=graph.population, minlength=k)
    ideal = graph.total / k
    return float(np.abs(pops - ideal).max() / ideal)


def bisection_plan(graph: UnitGraph, k: int, rng: np.random.Generator, trees: int = TREES_PER_SPLIT) -> np.ndarray:
    """One contiguous plan of k localities: split the whole graph k//2 : k − k//2 along the best-balanced tree cut, then each side likewise."""
    codes = np.zeros(graph.n, dtype=CODE_DTYPE)
    ideal = graph.total / k
    pending = [(0, k)]
    next_label = 1
    while pending:
        label, count = pending.pop()
        if count == 1:
            continue
        new = next_label
        next_label += 1
        # Halves first; when no tree of the region has a cut leaving each side enough units (a star-shaped region of
        # few units), a more uneven split, down to one locality against the rest, which a leaf always gives.
        for ka in sorted(range(1, count // 2 + 1), key=lambda a: abs(count / 2 - a)):
            kb = count - ka
            if split_region(graph, codes, label, new, ka, kb, ideal, rng, 0.0, MODE_BEST, trees) >= 0:
                break
        else:
            raise LocalignError.single(f"a region of {int((codes == label).sum())} units could not be split into "
                                       f"{count} connected localities.", "building a starting plan",
                                       "ask for fewer localities, or check that the unit graph is connected.")
        pending += [(label, ka), (new, kb)]
    return codes


def seed_plan(graph: UnitGraph, k: int, rng: np.random.Generator, tolerance: float | None = None,
              tries: int = 8) -> np.ndarray:
    """The best-balanced of up to ``tries`` bisection plans (two on large graphs), stopping early at one within ``tolerance`` of the ideal population."""
    if not 2 <= k <= graph.n:
        raise LocalignError.single(f"cannot make {k} localities from {graph.n} units.", "the number of localities",
                                   f"choose between 2 and {graph.n} localities (one unit each at most).")
    best, best_dev = None, np.inf
    for _ in range(tries if graph.n <= SMALL_GRAPH_UNITS else min(tries, LARGE_GRAPH_TRIES)):
        codes = bisection_plan(graph, k, rng)
        dev = max_deviation(graph, codes, k)
        if dev < best_dev:
            best, best_dev = codes, dev
        if tolerance is not None and dev <= tolerance:
            break
    return best
