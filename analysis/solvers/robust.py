"""Robust proposals: plans ranked by their worst balance over the base residents and named growth scenarios (minimax).

Rule: a plan's robust balance is max over {base, scenarios} of its largest deviation (on the chosen measures); plans
are ranked by it, ties broken by the weighted penalty on the base. A --max-deviation bound applies under the base and
every scenario. With exhaustive enumeration every plan is scored, so the robust optimum is exact.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from analysis.metrics.population import max_abs_deviation_over_measures
from analysis.plan.partition import Plan
from analysis.progress import Progress, null_progress, scaled
from analysis.constraints.rules import Constraints
from analysis.solvers.propose import Method, Proposals, propose
from analysis.metrics.scoring import OBJECTIVE_METRICS, Weights
from geo.adjacency import Adjacency
from geo.bundle import StudyArea
from geo.errors import LocalignError

BASE = "Base (2021 residents)"
"""How the base case is named beside the scenarios."""

NESTING = OBJECTIVE_METRICS["nesting"][0]
"""The key of the PCN-nesting metric shown beside each robust plan's deviations."""


@dataclass
class RobustProposals:
    """Proposals ranked by worst-case balance; ``deviations`` holds, per case (base first, then each scenario), every
    considered plan's largest deviation."""

    proposals: Proposals
    cases: list[str]
    deviations: dict[str, np.ndarray]
    worst: np.ndarray
    ranked: np.ndarray
    """Positions in ``proposals.plans`` of the top N by worst-case balance, best first."""
    max_deviation: float | None
    scenario_areas: list[StudyArea]

    @property
    def exact(self) -> bool:
        """True when every valid plan was scored (exhaustive), so the first plan is the exact minimax optimum."""
        return self.proposals.exhaustive

    def plans(self) -> list[Plan]:
        """The ranked plans, named Option 1, 2, ..."""
        return [self.proposals.plans.plan(int(p), f"Option {rank}") for rank, p in enumerate(self.ranked, start=1)]

    def rows(self) -> list[dict]:
        """One row per ranked plan: worst deviation, deviation under each case, and base PCN nesting."""
        scores = self.proposals.plans.scores
        return [{"rank": rank, "worst_max_abs_deviation": float(self.worst[p]),
                 "max_abs_deviation_by_case": {case: float(self.deviations[case][p]) for case in self.cases},
                 NESTING: float(scores.objective("nesting")[p]), "penalty": float(self.proposals.penalty[p])}
                for rank, p in enumerate(self.ranked, start=1)]


def propose_robust(area: StudyArea, k: int, scenarios: list[str], constraints: Constraints | None = None,
                   weights: Weights | None = None, top: int = 10, method: Method = "auto", seed: int = 0,
                   budget_s: float | None = None, progress: Progress = null_progress,
                   adjacency: Adjacency = "rook") -> RobustProposals:
    """Plans of k connected localities ranked by their worst balance over the base and ``scenarios`` (names)."""
    if not scenarios:
        raise LocalignError.single("--robust needs at least one growth scenario to weigh against the base.",
                                   "--robust", "add --scenario NAME (repeat it for several scenarios).")
    if area.scenario is not None:
        raise LocalignError.single("the study area already has a scenario applied.", "--robust",
                                   "pass the scenarios with --scenario; the base is added automatically.")
    constraints = constraints or Constraints()
    variants = [area.variant(area.balance_on, name) for name in dict.fromkeys(scenarios)]
    # Candidates: every plan meeting the other rules; the balance bound is applied to every case below.
    result = propose(area, k, replace(constraints, max_deviation=None), weights, top, method, seed, budget_s,
                     scaled(progress, 0.0, 0.9), adjacency)
    codes = result.plans.codes
    cases = [BASE, *(v.scenario.name for v in variants)]
    deviations = {}
    for case, case_area in zip(cases, [area, *variants]):
        deviations[case] = max_abs_deviation_over_measures(codes, case_area.balance_matrix, k) if len(codes) \
            else np.zeros(0)
    worst = np.max(np.stack([deviations[c] for c in cases]), axis=0) if len(codes) else np.zeros(0)
    order = np.lexsort((result.penalty, worst))
    if constraints.max_deviation is not None:
        order = order[worst[order] <= constraints.max_deviation * (1 + 1e-12)]
    progress(1.0, f"{len(order):,} plans ranked by their worst balance over {len(cases)} cases")
    return RobustProposals(result, cases, deviations, worst, order[:top], constraints.max_deviation, variants)
