"""One predicate per kind of rule: each says how far every plan (a row of locality codes) breaks it, and which plans
meet it. The validator composes them; the enumerator prunes with the same rules compiled to bit masks.

A predicate has ``violation(codes, table) -> float array`` (0 where the plan meets the rule, else how far it is off)
and ``mask(codes, table) -> bool array`` (True where it is met); ``table`` is the plans' ScoreTable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from analysis.metrics import continuity
from analysis.metrics.population import within_tolerance, within_tolerance_all
from geo.bundle import StudyArea

SLACK = 1e-12
"""Relative float slack at the boundary of the population bound (as within_tolerance)."""


@dataclass(frozen=True)
class Balance:
    """Every locality within ``max_deviation`` of an equal share of residents (inclusive), or of every balance
    measure when ``measures`` (n, m) are given."""

    max_deviation: float
    total: float
    measures: np.ndarray | None = field(default=None, compare=False)

    def mask(self, codes: np.ndarray, table) -> np.ndarray:
        if self.measures is None:
            return within_tolerance(table.populations, self.total, self.max_deviation)
        if not len(codes):
            return np.ones(0, dtype=bool)
        return within_tolerance_all(codes, self.measures, table.populations.shape[-1], self.max_deviation)

    def violation(self, codes: np.ndarray, table) -> np.ndarray:
        """Excess of the largest deviation over the bound, in percentage points."""
        return 100 * np.maximum(0.0, table.max_abs_deviation - self.max_deviation * (1 + SLACK))


@dataclass(frozen=True)
class MaxPcnsSplit:
    """At most ``limit`` PCNs split between localities."""

    limit: int

    def mask(self, codes: np.ndarray, table) -> np.ndarray:
        return table.pcns_split <= self.limit

    def violation(self, codes: np.ndarray, table) -> np.ndarray:
        """One per PCN split beyond the limit."""
        return np.maximum(0, table.pcns_split - self.limit)


@dataclass(frozen=True)
class Together:
    """The units of each group (positions in unit order) share one locality."""

    groups: tuple[tuple[int, ...], ...]

    def violation(self, codes: np.ndarray, table=None) -> np.ndarray:
        """One per unit of a group not in the locality of the group's first unit."""
        out = np.zeros(len(codes))
        for group in self.groups:
            g = np.asarray(group)
            out += (codes[:, g[1:]] != codes[:, g[:1]]).sum(axis=1)
        return out

    def mask(self, codes: np.ndarray, table=None) -> np.ndarray:
        return self.violation(codes) == 0


@dataclass(frozen=True)
class Apart:
    """The units of each group (positions in unit order) are in pairwise different localities."""

    groups: tuple[tuple[int, ...], ...]

    def violation(self, codes: np.ndarray, table=None) -> np.ndarray:
        """One per pair of a group's units sharing a locality."""
        out = np.zeros(len(codes))
        for group in self.groups:
            g = np.asarray(group)
            for i in range(len(g)):
                out += (codes[:, g[i + 1:]] == codes[:, g[i:i + 1]]).sum(axis=1)
        return out

    def mask(self, codes: np.ndarray, table=None) -> np.ndarray:
        return self.violation(codes) == 0


@dataclass(frozen=True)
class FixedNames:
    """Each unit fixed to a current locality's name lies in the new locality that continues it (matched on shared
    residents, as analysis.plan.naming names localities). Fixed names that are not current localities only group
    units (through Together and Apart)."""

    area: StudyArea
    wanted: Mapping[int, int]
    """Unit position -> index of the current locality it must stay with."""

    @classmethod
    def of(cls, area: StudyArea, fixed: Mapping[str, str]) -> "FixedNames | None":
        current = area.current
        if current is None or not fixed:
            return None
        index = {u: i for i, u in enumerate(area.ids)}
        wanted = {index[u]: current.groups.index(name) for u, name in fixed.items() if name in current.groups}
        return cls(area, wanted) if wanted else None

    def mask(self, codes: np.ndarray, table=None) -> np.ndarray:
        codes = np.atleast_2d(codes)
        keep = np.ones(len(codes), dtype=bool)
        if not len(codes):
            return keep
        current, area = self.area.current, self.area
        old = current.labels.reindex(area.ids).map({g: i for i, g in enumerate(current.groups)}).to_numpy(int)
        k = int(codes.max()) + 1
        shared = continuity.shared_residents(codes, old, area.population.to_numpy(float), k, len(current.groups))
        match = continuity.best_matchings(shared)
        for unit, target in self.wanted.items():
            locality = codes[:, unit].astype(np.int64)
            keep &= np.take_along_axis(match, locality[:, None], axis=1)[:, 0] == target
        return keep

    def violation(self, codes: np.ndarray, table=None) -> np.ndarray:
        """One per plan whose fixed units miss the current locality they are fixed to."""
        return (~self.mask(codes)).astype(float)
