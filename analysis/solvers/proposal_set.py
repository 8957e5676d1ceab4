"""What every proposal method shares: the planner's constraints, and one result type (a set of scored plans).

The exhaustive enumerator, the optimiser and the ReCom sampler each return a ``ProposalSet``, so they
are interchangeable in the app, the CLI and the benchmarks (as spopt's regionalisers share ``solve()``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from analysis.metrics import continuity
from analysis.metrics.population import within_tolerance, within_tolerance_all
from analysis.plan.naming import name_localities
from analysis.plan.partition import Plan, plan_from_codes
from analysis.metrics.scoring import ScoreTable
from geo.bundle import StudyArea


@dataclass(frozen=True)
class Constraints:
    """Rules a proposal must meet. Unit ids throughout; ``fixed`` maps a unit to the locality name it must keep."""

    max_deviation: float | None = None
    max_pcns_split: int | None = None
    together: tuple[tuple[str, ...], ...] = ()
    apart: tuple[tuple[str, ...], ...] = ()
    fixed: Mapping[str, str] = field(default_factory=dict)

    def unit_groups(self) -> tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]]:
        """Together and apart groups with ``fixed`` folded in: units fixed to one name go together, to different names apart."""
        together = list(self.together)
        apart = list(self.apart)
        by_name: dict[str, list[str]] = {}
        for unit, name in self.fixed.items():
            by_name.setdefault(name, []).append(unit)
        together += [tuple(units) for units in by_name.values() if len(units) > 1]
        names = list(by_name)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                apart.append((by_name[a][0], by_name[b][0]))
        return tuple(together), tuple(apart)

    def mask(self, codes: np.ndarray, scores: ScoreTable, unit_index: Mapping[str, int], total: float,
             area: StudyArea | None = None, measures: np.ndarray | None = None) -> np.ndarray:
        """True for each plan (row of codes) meeting every constraint (fixed locality names too when ``area`` is given).

        ``measures`` (n, m): balance measures the bound applies to, each (default: residents only)."""
        keep = np.ones(len(codes), dtype=bool)
        if self.max_deviation is not None and measures is None:
            keep &= within_tolerance(scores.populations, total, self.max_deviation)
        elif self.max_deviation is not None and len(codes):
            keep &= within_tolerance_all(codes, measures, scores.populations.shape[-1], self.max_deviation)
        if self.max_pcns_split is not None:
            keep &= scores.pcns_split <= self.max_pcns_split
        together, apart = self.unit_groups()
        for group in together:
            first = codes[:, unit_index[group[0]]]
            for unit in group[1:]:
                keep &= codes[:, unit_index[unit]] == first
        for group in apart:
            columns = [codes[:, unit_index[u]] for u in group]
            for i in range(len(columns)):
                for j in range(i + 1, len(columns)):
                    keep &= columns[i] != columns[j]
        if area is not None and self.fixed and keep.any():
            rows = np.flatnonzero(keep)
            keep[rows] = self.names_mask(area, codes[rows])
        return keep

    def names_mask(self, area: StudyArea, codes: np.ndarray) -> np.ndarray:
        """True for each plan in which every unit fixed to a current locality's name is in the locality that continues
        it (matched on shared residents, as analysis.plan.naming names localities). Other fixed names only group units."""
        codes = np.atleast_2d(codes)
        keep = np.ones(len(codes), dtype=bool)
        current = area.current
        if current is None or not len(codes):
            return keep
        wanted = {u: current.groups.index(name) for u, name in self.fixed.items() if name in current.groups}
        if not wanted:
            return keep
        old = current.labels.reindex(area.ids).map({g: i for i, g in enumerate(current.groups)}).to_numpy(int)
        k = int(codes.max()) + 1
        shared = continuity.shared_residents(codes, old, area.population.to_numpy(float), k, len(current.groups))
        match = continuity.best_matchings(shared)
        index = {u: i for i, u in enumerate(area.ids)}
        for unit, target in wanted.items():
            locality = codes[:, index[unit]].astype(np.int64)
            keep &= np.take_along_axis(match, locality[:, None], axis=1)[:, 0] == target
        return keep


@dataclass
class ProposalSet:
    """Plans found by one method, as locality indices per unit (rows), with their scores.

    ``exhaustive`` is True when ``codes`` holds every valid plan, so percentiles are exact.
    """

    area: StudyArea
    k: int
    adjacency: str
    codes: np.ndarray
    scores: ScoreTable
    method: str
    exhaustive: bool
    total_count: int | None = None
    elapsed_s: float = 0.0
    seed: int | None = None
    notes: list[str] = field(default_factory=list)
    fixed: Mapping[str, str] = field(default_factory=dict)
    """Units fixed to a locality name: a name that is not a current locality labels the unit's locality."""

    def __len__(self) -> int:
        return len(self.codes)

    def plan(self, index: int, name: str | None = None) -> Plan:
        """Row ``index`` as a named Plan; localities are named after the current locality each continues."""
        generic = tuple(f"Locality {j + 1}" for j in range(self.k))
        plan = name_localities(self.area, plan_from_codes(self.area, self.codes[index], generic,
                                                          name or f"Option {index + 1}"))
        labels = plan.assignment
        for unit, wanted in self.fixed.items():
            have = labels[unit]
            if have != wanted:
                plan = plan.renamed({have: wanted, wanted: have})
                labels = plan.assignment
        return plan

    def take(self, index: np.ndarray) -> "ProposalSet":
        """The plans at ``index`` (mask or positions), keeping the method's metadata."""
        return ProposalSet(self.area, self.k, self.adjacency, self.codes[index], self.scores.take(index),
                           self.method, False, self.total_count, self.elapsed_s, self.seed, list(self.notes),
                           dict(self.fixed))
