"""Running the exact search: count, list or estimate every partition of a graph into k connected parts.

The search is split over its first-level choices (the part holding the first unit) into chunks, run one after
another with a shared memo of remainders already searched, reporting progress after each.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterable, Sequence

import networkx as nx
import numpy as np

from analysis.solvers.enumeration import kernels
from analysis.plan.graph import UnitGraph
from analysis.solvers.enumeration.graph import require_enumerable
from analysis.progress import Progress, null_progress
from geo.errors import LocalignError

SLACK = 1e-12
"""Relative float slack of the population bound, as in analysis.metrics.population.within_tolerance."""

PRUNE_WIDEN = 1e-9
"""Remainder checks use part limits widened by this fraction, so rounding can never prune a valid partition."""

CHUNKS = 64
"""The first-level choices are dealt round-robin into this many chunks (fixed, so the order of plans is too)."""

UNLIMITED = np.iinfo(np.int64).max


@dataclass(frozen=True)
class Search:
    """One search problem: graph, number of parts, balance bound and together/apart groups (unit indices).

    ``measures`` (n, m) holds the values per unit of each balance measure (default: the graph's residents); the
    bound applies to every measure."""

    graph: UnitGraph
    k: int
    max_deviation: float | None = None
    together: tuple[tuple[int, ...], ...] = ()
    apart: tuple[tuple[int, ...], ...] = ()
    measures: np.ndarray | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.k < 1:
            raise LocalignError.single(f"k = {self.k} parts is not possible.", "--k", "ask for 1 or more parts.")
        if self.max_deviation is not None:
            if not (self.max_deviation >= 0):
                raise LocalignError.single(f"the maximum deviation {self.max_deviation} is negative.",
                                           "--max-deviation", "give a fraction such as 0.05 for ±5%.")
            if not self.graph.weighted and self.measures is None:
                raise LocalignError.single("a population bound needs residents per unit, and the graph has none.",
                                           self.graph.source, "name the population attribute with --pop-col.")
        if self.measures is not None:
            shape = np.shape(self.measures)
            if len(shape) != 2 or shape[0] != self.graph.n or shape[1] < 1:
                raise LocalignError.single(f"the balance measures have shape {shape}; expected ({self.graph.n}, m).",
                                           self.graph.source, "give one column per measure and one row per unit.")
        require_enumerable(self.graph)

    def weights(self) -> np.ndarray:
        """Values per unit of each balance measure, (n, m): the measures given, else the residents (or ones)."""
        if self.measures is not None:
            return np.asarray(self.measures, dtype=float)
        return self.graph.weights()[:, None]

    @cached_property
    def order(self) -> np.ndarray:
        """The search visits units in reverse Cuthill–McKee order (neighbours get nearby positions), which prunes
        earlier: order[i] is the unit searched as position i."""
        graph = nx.Graph()  # unit positions as nodes, edges in sorted order: the order fixes the plans' order
        graph.add_nodes_from(range(self.graph.n))
        graph.add_edges_from(self.graph.edges.tolist())
        return np.array(list(nx.utils.reverse_cuthill_mckee_ordering(graph)), dtype=np.int64)

    @cached_property
    def position(self) -> np.ndarray:
        """position[u]: where unit u sits in the search order."""
        position = np.empty(self.graph.n, dtype=np.int64)
        position[self.order] = np.arange(self.graph.n)
        return position

    def bounds(self) -> np.ndarray:
        """One row [k, P, tol, lower, upper] per measure: a part with total s of a measure fits when |k·s − P| <= tol
        (tol = d·P·(1+1e−12))."""
        rows = []
        for total in self.weights().sum(axis=0):
            total = float(total)
            if self.max_deviation is None:
                rows.append([self.k, total, np.inf, 0.0, np.inf])
                continue
            tol = self.max_deviation * total * (1 + SLACK)
            lower = max(0.0, (total - tol) / self.k * (1 - PRUNE_WIDEN))
            upper = (total + tol) / self.k * (1 + PRUNE_WIDEN)
            rows.append([self.k, total, tol, lower, upper])
        return np.array(rows, dtype=np.float64)

    def masks(self, groups: Iterable[Sequence[int]]) -> np.ndarray:
        """Bit masks (in search order) of unit groups given by unit index."""
        out = [sum(1 << int(self.position[i]) for i in set(group)) for group in groups if len(set(group)) > 1]
        return np.array(out, dtype=np.int64)

    @property
    def full(self) -> int:
        return (1 << self.graph.n) - 1

    @cached_property
    def _args(self) -> tuple:
        nb = np.zeros(self.graph.n, dtype=np.int64)
        for a, b in self.graph.edges.tolist():
            pa, pb = int(self.position[a]), int(self.position[b])
            nb[pa] |= np.int64(1) << pb
            nb[pb] |= np.int64(1) << pa
        pop = np.ascontiguousarray(self.weights()[self.order], dtype=np.float64)
        return nb, pop, self.bounds(), self.masks(self.together), self.masks(self.apart)

    def args(self) -> tuple:
        """The kernel arguments shared by every call: neighbours, population, bounds, together, apart (search order)."""
        require_enumerable(self.graph)
        return self._args

    def codes(self, masks: np.ndarray) -> np.ndarray:
        """Part masks (search order) as locality indices per unit in the graph's own unit order: (N, n) int8."""
        return kernels.masks_to_codes(masks, self.graph.n)[:, self.position]


@dataclass(frozen=True)
class Count:
    """The number of partitions found; ``complete`` is False when the node budget ran out first (then a lower bound)."""

    count: int
    complete: bool
    nodes: int
    elapsed_s: float


@dataclass(frozen=True)
class Estimate:
    """Knuth's unbiased estimate of the number of partitions, with its standard error over the probes."""

    mean: float
    stderr: float
    probes: int


def needs_compiling() -> bool:
    """Whether the search kernels still have to be compiled on this machine (the first run takes tens of seconds;
    later runs load them from numba's cache). Best effort: False when numba's cache cannot be inspected."""
    if kernels.complete_partitions.signatures:
        return False
    try:
        return not kernels.complete_partitions._cache._cache_file._load_index()
    except Exception:  # numba internals differ: do not warn rather than fail
        return False


COMPILING_NOTE = ("Preparing the search engine: the first run on this machine compiles it (about half a minute); "
                  "later runs start at once.")


def _trivial(search: Search) -> int | None:
    """The count when no search is needed: k = 1 (one connected part within bounds) or k > n (none)."""
    n, k = search.graph.n, search.k
    if k > n:
        return 0
    if k == 1:
        nb, pop, bounds, together, apart = search.args()
        return int(kernels._remainder_ok(np.int64(search.full), 1, nb, pop, bounds, together, apart))
    return None


def _first_parts(search: Search, budget: int) -> tuple[np.ndarray, int, int]:
    nb, pop, bounds, together, apart = search.args()
    got, buf, nodes, status = kernels.generate_parts(np.int64(search.full), search.k - 1, nb, pop, bounds, together,
                                                     apart, True, np.empty(1024, dtype=np.int64), 0, budget,
                                                     *kernels.workspace(search.graph.n, pop.shape[1]))
    return buf[:got].copy(), nodes, status


def _chunks(firsts: np.ndarray) -> list[np.ndarray]:
    count = min(CHUNKS, len(firsts))
    return [firsts[c::count] for c in range(count)]


def _run_chunks(search: Search, store: bool, budget: int, progress: Progress, what: str):
    """Run complete_partitions over the chunks of first parts, sharing one memo, reporting progress after each.

    Returns (nodes used, [kernel results]), stopping at the first chunk that runs out of budget.
    """
    firsts, nodes, status = _first_parts(search, budget)
    if status != kernels.STATUS_DONE:
        return nodes, [(0, np.empty((0, search.k), np.int64), 0, status)]
    chunks = _chunks(firsts)
    nb, pop, bounds, together, apart = search.args()
    full = np.int64(search.full)
    memo = kernels.new_memo()
    results = []
    found = 0
    for i, chunk in enumerate(chunks):
        left = UNLIMITED if budget == UNLIMITED else max(0, budget - nodes)
        *result, memo = kernels.complete_partitions(chunk, full, search.k, nb, pop, bounds, together, apart, store,
                                                    left, memo)
        results.append(result)
        nodes += int(result[2])
        found += int(result[0])
        progress((i + 1) / len(chunks), f"{what}: {found:,} partitions so far")
        if result[3] != kernels.STATUS_DONE:
            break
    return nodes, results


def count_partitions(search: Search, max_nodes: int | None = None, progress: Progress = null_progress) -> Count:
    """Count every partition exactly, or stop after ``max_nodes`` search nodes (then ``complete`` is False)."""
    start = time.perf_counter()
    trivial = _trivial(search)
    if trivial is not None:
        return Count(trivial, True, 0, time.perf_counter() - start)
    budget = UNLIMITED if max_nodes is None else int(max_nodes)
    nodes, results = _run_chunks(search, False, budget, progress, "counting")
    complete = all(r[3] == kernels.STATUS_DONE for r in results)
    count = sum(int(r[0]) for r in results)
    if complete and max_nodes is not None and nodes > max_nodes:
        complete = False
    return Count(count, complete, nodes, time.perf_counter() - start)


CALIBRATION_NODES = 500_000
"""Search nodes visited first by ``count_partitions_within`` to measure this machine's speed (well under a second)."""


def count_partitions_within(search: Search, budget_s: float, progress: Progress = null_progress) -> Count:
    """Count every partition exactly, but stop after about ``budget_s`` seconds (then ``complete`` is False).

    The search has a node budget, not a clock: a first short run measures nodes per second, and the
    rest of the time is turned into a node budget for a second run (its memo starts afresh). The budget
    counts searching only: compiling the kernels on a machine's first run happens before the clock starts.
    """
    count_partitions(search, max_nodes=1)  # compiles the kernels if needed (a one-off, not search time)
    start = time.perf_counter()
    probe = count_partitions(search, max_nodes=CALIBRATION_NODES, progress=progress)
    left = budget_s - (time.perf_counter() - start)
    if probe.complete or left <= 0:
        return Count(probe.count, probe.complete, probe.nodes, time.perf_counter() - start)
    rate = probe.nodes / max(probe.elapsed_s, 1e-3)
    result = count_partitions(search, max_nodes=max(CALIBRATION_NODES, int(rate * left)), progress=progress)
    return Count(result.count, result.complete, probe.nodes + result.nodes, time.perf_counter() - start)


def enumerate_masks(search: Search, progress: Progress = null_progress) -> np.ndarray:
    """Every partition as a row of k part masks in search order (``search.codes`` turns them into unit codes); part 0
    holds the first unit of the search order and each next part the first unit left."""
    trivial = _trivial(search)
    if trivial is not None:
        return np.full((trivial, search.k), search.full, dtype=np.int64)
    _, results = _run_chunks(search, True, UNLIMITED, progress, "listing")
    parts = [r[1] for r in results]
    return np.concatenate(parts) if parts else np.empty((0, search.k), dtype=np.int64)


def enumerate_partitions(search: Search, progress: Progress = null_progress) -> np.ndarray:
    """Every partition as locality indices per unit: an (N, n) int8 array, rows in a fixed order."""
    return search.codes(enumerate_masks(search, progress))


def estimate_partitions(search: Search, probes: int = 4000, seed: int = 0) -> Estimate:
    """Knuth's random-probe estimate of the number of partitions (unbiased; cheap even when the count is huge)."""
    trivial = _trivial(search)
    if trivial is not None:
        return Estimate(float(trivial), 0.0, 0)
    nb, pop, bounds, together, apart = search.args()
    mean, stderr = kernels.knuth_estimate(np.int64(search.full), search.k, nb, pop, bounds, together, apart,
                                          probes, seed)
    return Estimate(float(mean), float(stderr), probes)
