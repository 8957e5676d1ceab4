"""The exhaustive solver: every plan of k connected localities meeting the constraints, listed and scored, so the
ranking is provably the best under any weights (for graphs of at most 63 units with few enough plans)."""

from __future__ import annotations

from analysis.constraints.rules import Constraints
from analysis.constraints.validator import Validator
from analysis.metrics.scoring import Weights
from analysis.plan.context import DEFAULT_ADJACENCY, StudyContext
from analysis.progress import Progress, null_progress
from analysis.solvers.enumeration import enumerate_area
from analysis.solvers.enumeration.study_area import balance_measures
from analysis.solvers.proposal_set import ProposalSet
from geo.adjacency import Adjacency
from geo.bundle import StudyArea


class Exhaustive:
    """Lists every valid plan (the enumerator prunes with the validator's rules, then the validator filters).

    Parameters
    ----------
    area : the study area.
    k : number of localities.
    constraints : the planner's rules; weights are not needed to list plans (they only rank them).
    adjacency : 'rook' or 'queen'.
    """

    method = "exhaustive"

    def __init__(self, area: StudyArea, k: int, constraints: Constraints | None = None, weights: Weights | None = None,
                 adjacency: Adjacency = DEFAULT_ADJACENCY) -> None:
        self.area, self.k, self.adjacency = area, k, adjacency
        self.constraints = constraints or Constraints()

    def solve(self, progress: Progress = null_progress) -> ProposalSet:
        """Every valid plan with its scores; ``total_count`` is the number of connected plans within the population
        bound and together/apart rules, before the other rules filter them."""
        c = self.constraints
        together, apart = c.unit_groups()
        enumeration = enumerate_area(self.area, self.k, self.adjacency, c.max_deviation, together, apart, progress)
        ctx = StudyContext.of(self.area, self.adjacency)
        keep = Validator.of(c, ctx.index, self.area.total_population, self.area, balance_measures(self.area)).mask(
            enumeration.codes, enumeration.scores)
        return ProposalSet(self.area, self.k, self.adjacency, enumeration.codes[keep], enumeration.scores.take(keep),
                           self.method, True, len(enumeration), 0.0, None, [], dict(c.fixed))
