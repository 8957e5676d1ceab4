"""Every connected plan of a study area, scored: enumerated once per (k, adjacency, rules) and kept in area.cache.

The app and the CLI share the cache: the unconstrained enumeration, once made, also answers any
population bound or together/apart rule by filtering (the same rows the pruned search would list).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from analysis.solvers.enumeration.engine import Search, enumerate_partitions
from analysis.solvers.enumeration.graph import PartitionGraph
from analysis.solvers.proposal_set import Constraints
from analysis.progress import Progress, null_progress, scaled
from analysis.metrics.scoring import PlanScorer, ScoreTable
from geo.adjacency import Adjacency
from geo.bundle import StudyArea

Groups = tuple[tuple[str, ...], ...]


@dataclass
class AreaEnumeration:
    """Every plan of ``area`` into k connected localities within the rules, as int8 codes (N, n) with scores."""

    area: StudyArea
    k: int
    adjacency: Adjacency
    max_deviation: float | None
    together: Groups
    apart: Groups
    codes: np.ndarray
    scores: ScoreTable
    enumerate_s: float
    score_s: float
    derived_from_cache: bool = False
    _index: object = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.codes)

    def percentile_index(self):
        """A PercentileIndex over these plans (built once)."""
        from analysis.metrics.percentiles import PercentileIndex

        if self._index is None:
            self._index = PercentileIndex(self.scores)
        return self._index


def balance_measures(area: StudyArea) -> np.ndarray | None:
    """The balance measures (n, m) when the planner chose measures other than residents, else None (residents)."""
    return area.balance_matrix if area.balance_on else None


def _key(k: int, adjacency: str, max_deviation: float | None, together: Groups, apart: Groups) -> tuple:
    norm = lambda groups: tuple(sorted(tuple(sorted(g)) for g in groups))  # noqa: E731
    return ("enumeration", k, adjacency, max_deviation, norm(together), norm(apart))


def _filtered(base: AreaEnumeration, max_deviation: float | None, together: Groups, apart: Groups) -> AreaEnumeration:
    start = time.perf_counter()
    rules = Constraints(max_deviation=max_deviation, together=together, apart=apart)
    keep = rules.mask(base.codes, base.scores, {u: i for i, u in enumerate(base.area.ids)},
                      base.area.total_population, measures=balance_measures(base.area))
    return AreaEnumeration(base.area, base.k, base.adjacency, max_deviation, together, apart, base.codes[keep],
                           base.scores.take(keep), time.perf_counter() - start, 0.0, True)


def is_cached(area: StudyArea, k: int, adjacency: Adjacency, max_deviation: float | None = None,
              together: Groups = (), apart: Groups = ()) -> bool:
    """Whether enumerate_area would answer from the cache (this exact run, or the unconstrained one to filter)."""
    return _key(k, adjacency, max_deviation, together, apart) in area.cache \
        or _key(k, adjacency, None, (), ()) in area.cache


def enumerate_area(area: StudyArea, k: int, adjacency: Adjacency = "rook", max_deviation: float | None = None,
                   together: Groups = (), apart: Groups = (), progress: Progress = null_progress) -> AreaEnumeration:
    """Every plan of k connected localities within the population bound and together/apart groups (unit ids),
    scored with PlanScorer; cached in ``area.cache`` and derived from a cached unconstrained run when there is one."""
    key = _key(k, adjacency, max_deviation, together, apart)
    if key in area.cache:
        return area.cache[key]
    base = area.cache.get(_key(k, adjacency, None, (), ()))
    if base is not None:
        result = _filtered(base, max_deviation, together, apart)
    else:
        graph = PartitionGraph.from_area(area, adjacency)
        position = {u: i for i, u in enumerate(area.ids)}
        search = Search(graph, k, max_deviation, tuple(tuple(position[u] for u in g) for g in together),
                        tuple(tuple(position[u] for u in g) for g in apart), balance_measures(area))
        progress(0.0, "preparing the search (compiled on first use, then cached)")
        start = time.perf_counter()
        codes = enumerate_partitions(search, scaled(progress, 0.0, 0.8))
        listed = time.perf_counter()
        progress(0.8, f"scoring {len(codes):,} plans")
        scores = PlanScorer(area, k, adjacency).score(codes)
        progress(1.0, f"{len(codes):,} plans listed and scored")
        result = AreaEnumeration(area, k, adjacency, max_deviation, together, apart, codes, scores,
                                 listed - start, time.perf_counter() - listed)
    area.cache[key] = result
    return result
