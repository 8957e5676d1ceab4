"""What every proposal method returns: one result type, a set of scored plans.

The exhaustive enumerator, the optimiser and the ReCom sampler each return a ``ProposalSet``, so they
are interchangeable in the app, the CLI and the benchmarks (as spopt's regionalisers share ``solve()``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Protocol

import numpy as np

from analysis.plan.naming import name_localities
from analysis.progress import Progress
from analysis.plan.partition import Plan, plan_from_codes
from analysis.metrics.scoring import ScoreTable
from geo.bundle import StudyArea


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


class Solver(Protocol):
    """What every proposal method implements (analysis.solvers.exhaustive.Exhaustive, analysis.solvers.optimise.Optimiser,
    analysis.solvers.sampler.ReComSampler): built with the study area, k and the rules, then ``solve()``."""

    method: str

    def solve(self, progress: Progress) -> ProposalSet:
        """The plans found, with their scores."""
        ...
