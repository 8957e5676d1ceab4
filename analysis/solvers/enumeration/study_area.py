"""Every connected plan of a study area, scored: enumerated once per (k, adjacency, rules) and kept in the study
context.

The app and the CLI share the cache: the unconstrained enumeration, once made, also answers any
population bound or together/apart rule by filtering (the same rows the pruned search would list).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from analysis.solvers.enumeration.engine import Search, enumerate_partitions
from analysis.plan.context import DEFAULT_ADJACENCY, StudyContext
from analysis.constraints.rules import Constraints
from analysis.constraints.validator import Validator
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


def _key(k: int, max_deviation: float | None, together: Groups, apart: Groups) -> tuple:
    norm = lambda groups: tuple(sorted(tuple(sorted(g)) for g in groups))  # noqa: E731
    return (k, max_deviation, norm(together), norm(apart))


def _filtered(base: AreaEnumeration, max_deviation: float | None, together: Groups, apart: Groups) -> AreaEnumeration:
    start = time.perf_counter()
    rules = Constraints(max_deviation=max_deviation, together=together, apart=apart)
    keep = Validator.of(rules, StudyContext.of(base.area, base.adjacency).index, base.area.total_population,
                        measures=balance_measures(base.area)).mask(base.codes, base.scores)
    return AreaEnumeration(base.area, base.k, base.adjacency, max_deviation, together, apart, base.codes[keep],
                           base.scores.take(keep), time.perf_counter() - start, 0.0, True)


def is_cached(area: StudyArea, k: int, adjacency: Adjacency, max_deviation: float | None = None,
              together: Groups = (), apart: Groups = ()) -> bool:
    """Whether enumerate_area would answer from the cache (this exact run, or the unconstrained one to filter)."""
    memo = StudyContext.of(area, adjacency).memo.enumerations
    return _key(k, max_deviation, together, apart) in memo or _key(k, None, (), ()) in memo


def enumerate_area(area: StudyArea, k: int, adjacency: Adjacency = DEFAULT_ADJACENCY, max_deviation: float | None = None,
                   together: Groups = (), apart: Groups = (), progress: Progress = null_progress) -> AreaEnumeration:
    """Every plan of k connected localities within the population bound and together/apart groups (unit ids),
    scored with PlanScorer; kept in the study context and derived from a kept unconstrained run when there is one."""
    ctx = StudyContext.of(area, adjacency)
    memo = ctx.memo.enumerations
    key = _key(k, max_deviation, together, apart)
    if key in memo:
        return memo[key]
    base = memo.get(_key(k, None, (), ()))
    if base is not None:
        result = _filtered(base, max_deviation, together, apart)
    else:
        rules = Validator.of(Constraints(max_deviation=max_deviation, together=together, apart=apart), ctx.index,
                             ctx.total)
        search = Search(ctx.graph, k, *rules.search_rules(), balance_measures(area))
        progress(0.0, "preparing the search (compiled on first use, then cached)")
        start = time.perf_counter()
        codes = enumerate_partitions(search, scaled(progress, 0.0, 0.8))
        listed = time.perf_counter()
        progress(0.8, f"scoring {len(codes):,} plans")
        scores = PlanScorer(area, k, adjacency).score(codes)
        progress(1.0, f"{len(codes):,} plans listed and scored")
        result = AreaEnumeration(area, k, adjacency, max_deviation, together, apart, codes, scores,
                                 listed - start, time.perf_counter() - listed)
    memo[key] = result
    return result
