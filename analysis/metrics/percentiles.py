"""Where a plan sits among all valid plans: for each metric, the share of plans it beats ("more balanced than 97 %
of possible plans").

Definitions (for N valid plans and a plan with value v on a metric):
- ``better_than`` = share of the N plans strictly worse than v (in the metric's direction);
- ``ties`` = plans with the same value (within ``TIE_TOLERANCE``, so float rounding never splits a tie);
- ``worse_than`` = share strictly better than v; better_than + worse_than + ties/N = 1;
- ``rank`` = 1 + the number of plans strictly better (competition ranking: tied plans share a rank).
The plan itself need not be valid or even among the N (an edited plan, or today's localities).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analysis.metrics.definitions import PHRASES, SCORED, metric
from analysis.metrics.scoring import ScoreTable

PERCENTILE_METRICS = SCORED
"""Metrics of a ScoreTable (each has a better direction, so a percentile means something)."""

TIE_TOLERANCE = 1e-9
"""Values closer than this (relative to max(1, |v|)) count as equal."""

@dataclass(frozen=True)
class Standing:
    """One metric's standing of a plan among N plans (see the module docstring for the definitions)."""

    key: str
    value: float
    better_than: float
    worse_than: float
    ties: int
    rank: int
    total: int

    def sentence(self) -> str:
        """E.g. 'more balanced than 97.0% of the 336,985 valid plans (rank 1,204; 3 share this value)'."""
        m = metric(self.key)
        tie_text = f"; {self.ties - 1:,} others share this value" if self.ties > 1 else ""
        share = math.floor(self.better_than * 1000) / 10  # never round 99.97 % up to 100 %
        return (f"{m.title} {m.format(self.value)}: {PHRASES.get(self.key, 'better')} than "
                f"{share:.1f}% of the {self.total:,} valid plans (rank {self.rank:,}{tie_text})")


class PercentileIndex:
    """Sorted metric values of N plans, so the standing of any plan is two binary searches per metric."""

    def __init__(self, table: ScoreTable, metrics: tuple[str, ...] = PERCENTILE_METRICS) -> None:
        self.total = len(table)
        self.sorted = {key: np.sort(np.asarray(getattr(table, key), dtype=float)) for key in metrics}

    def standing(self, key: str, value: float) -> Standing:
        """The standing of one value of one metric."""
        values = self.sorted[key]
        value = float(value)
        tol = TIE_TOLERANCE * max(1.0, abs(value))
        below = int(np.searchsorted(values, value - tol, side="left"))
        above = self.total - int(np.searchsorted(values, value + tol, side="right"))
        ties = self.total - below - above
        lower_is_better = metric(key).better == "lower"
        worse, better = (above, below) if lower_is_better else (below, above)
        n = max(1, self.total)
        return Standing(key, value, worse / n, better / n, ties, better + 1, self.total)

    def standings(self, plan_scores: ScoreTable, row: int = 0) -> dict[str, Standing]:
        """The standing of one scored plan (row ``row`` of ``plan_scores``) on every indexed metric."""
        return {key: self.standing(key, getattr(plan_scores, key)[row]) for key in self.sorted}
