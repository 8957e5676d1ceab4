"""Proposing plans: every valid plan when the graph is small enough (exhaustive), the optimiser when it is not; then
the Pareto front, the top N by the planner's weights, and where any plan stands among all valid plans.

``method="auto"`` counts the plans first (exactly, within a search budget): up to MAX_EXHAUSTIVE_PLANS it lists
them all, so the result is provably the best under the planner's weights; beyond that, or above 63 units, it
runs analysis.solvers.optimise.Optimiser and says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from analysis.solvers.enumeration import (MAX_UNITS, Search, count_partitions,
                                          estimate_partitions)
from analysis.solvers.enumeration.study_area import balance_measures, is_cached
from analysis.plan.context import StudyContext
from analysis.solvers.exhaustive import Exhaustive
from analysis.solvers.pareto import front_of
from analysis.metrics.percentiles import PercentileIndex, Standing
from analysis.plan.partition import Plan
from analysis.progress import Progress, null_progress, scaled
from analysis.constraints.predicates import FixedNames
from analysis.constraints.rules import Constraints
from analysis.constraints.validator import Validator
from analysis.solvers.proposal_set import ProposalSet
from analysis.metrics.scoring import PlanScorer, Weights, applicable_weights, measurable_objectives, penalty
from geo.adjacency import Adjacency
from geo.bundle import StudyArea
from geo.errors import LocalignError

Method = Literal["auto", "exhaustive", "optimiser", "recom"]
METHODS: tuple[str, ...] = ("auto", "exhaustive", "optimiser", "recom")
"""auto chooses exhaustive or optimiser; recom samples a GerryChain ReCom ensemble (a sample, never all plans)."""

MAX_EXHAUSTIVE_PLANS = 2_000_000
"""Auto lists every plan up to this many (about 0.5 GB with scores); beyond, it uses the optimiser."""

AUTO_COUNT_NODES = 40_000_000
"""Search nodes the auto method spends counting before it decides the graph is too large (a few seconds)."""

FORCED_COUNT_NODES = 400_000_000
"""Search nodes --method exhaustive may spend counting before it refuses."""


@dataclass
class Proposals:
    """The outcome of propose(): the plans considered, their penalty, the top N and the Pareto front."""

    area: StudyArea
    k: int
    adjacency: Adjacency
    constraints: Constraints
    weights: Weights
    method: str
    plans: ProposalSet
    """Every valid plan (exhaustive) or the distinct plans the optimiser found, with their scores."""
    penalty: np.ndarray
    ranked: np.ndarray
    """Positions in ``plans`` of the top N by penalty, best first (ties keep enumeration order)."""
    front: np.ndarray
    """Positions in ``plans`` on the Pareto front, best penalty first."""
    connected_count: int | None
    """Plans of k connected localities within the population bound and together/apart rules (exhaustive only)."""
    elapsed_s: float
    notes: list[str] = field(default_factory=list)
    _index: PercentileIndex | None = field(default=None, repr=False)

    @property
    def exhaustive(self) -> bool:
        return self.method == "exhaustive"

    def top(self) -> ProposalSet:
        """The top N plans, best first."""
        return self.plans.take(self.ranked)

    def pareto(self) -> ProposalSet:
        """The plans on the Pareto front, best penalty first."""
        return self.plans.take(self.front)

    def on_front(self) -> np.ndarray:
        """For each of the top N, whether it is on the Pareto front."""
        return np.isin(self.ranked, self.front)

    def standings(self, plan: Plan) -> dict[str, Standing]:
        """Where a plan (any plan of k localities: current, edited, proposed) stands on each metric among all valid
        plans; needs the exhaustive method (the optimiser's plans are not all plans)."""
        if not self.exhaustive:
            raise LocalignError.single("percentiles need every valid plan, and these plans come from the optimiser.",
                                       "percentiles", "use a smaller study area or --method exhaustive.")
        if not len(self.plans):
            raise LocalignError.single("no plan meets every requirement, so there is nothing to compare with.",
                                       "percentiles", "relax --max-deviation or drop a --require item.")
        if plan.k != self.k:
            raise LocalignError.single(f"the plan has {plan.k} localities; the valid plans have {self.k}.",
                                       "percentiles", f"compare a plan of {self.k} localities, or propose with k = "
                                                      f"{plan.k}.")
        if self._index is None:
            self._index = PercentileIndex(self.plans.scores)
        scores = PlanScorer(self.area, self.k, self.adjacency).score(plan.codes())
        return self._index.standings(scores)


def _search(area: StudyArea, k: int, adjacency: Adjacency, constraints: Constraints) -> Search:
    ctx = StudyContext.of(area, adjacency)
    max_deviation, together, apart = Validator.of(constraints, ctx.index, ctx.total).search_rules()
    return Search(ctx.graph, k, max_deviation, together, apart, balance_measures(area))


def choose_method(area: StudyArea, k: int, adjacency: Adjacency, constraints: Constraints, method: Method,
                  progress: Progress = null_progress) -> tuple[str, list[str]]:
    """'exhaustive' or 'optimiser' for this problem, with a note saying why (see the module docstring)."""
    n = len(area.ids)
    if method == "optimiser":
        return "optimiser", ["Method: optimiser (as asked)."]
    if method == "recom":
        return "recom", ["Method: ReCom ensemble through GerryChain (as asked): a random sample of balanced, "
                         "contiguous plans, not every plan, so the ranking is among the plans sampled."]
    together, apart = constraints.unit_groups()
    if is_cached(area, k, adjacency, constraints.max_deviation, together, apart):
        return "exhaustive", ["Method: exhaustive (every plan was already listed for this study area)."]
    if n > MAX_UNITS:
        if method == "exhaustive":
            raise LocalignError.single(f"the study area has {n} units; exact enumeration handles at most {MAX_UNITS}.",
                                       "--method exhaustive", "use --method auto or optimiser.")
        return "optimiser", [f"Method: optimiser ({n} units is more than the {MAX_UNITS} exact enumeration handles)."]
    search = _search(area, k, adjacency, constraints)
    budget = AUTO_COUNT_NODES if method == "auto" else FORCED_COUNT_NODES
    counted = count_partitions(search, budget, scaled(progress, 0.0, 1.0))
    if counted.complete and (counted.count <= MAX_EXHAUSTIVE_PLANS or method == "exhaustive"):
        if counted.count > 5 * MAX_EXHAUSTIVE_PLANS:
            raise LocalignError.single(f"there are {counted.count:,} plans: too many to list and score in memory.",
                                       "--method exhaustive", "add --max-deviation to bound the search, or use "
                                                              "--method optimiser.")
        return "exhaustive", [f"Method: exhaustive ({counted.count:,} plans counted exactly, all listed and scored)."]
    if method == "exhaustive":
        raise LocalignError.single("the plans could not be counted within the search budget: too many to list.",
                                   "--method exhaustive", "add --max-deviation, or use --method optimiser.")
    estimate = estimate_partitions(search, probes=4000)
    size = f"about {estimate.mean:,.0f} plans (Knuth estimate)" if not counted.complete \
        else f"{counted.count:,} plans"
    return "optimiser", [f"Method: optimiser ({size}: more than the {MAX_EXHAUSTIVE_PLANS:,} that are listed in full)."]


def make_solver(chosen: str, area: StudyArea, k: int, adjacency: Adjacency, constraints: Constraints,
                weights: Weights, top: int, seed: int, budget_s: float | None):
    """The solver of a method: each has ``solve(progress) -> ProposalSet`` (exhaustive lists every valid plan; the
    optimiser searches; ReCom samples GerryChain's chain, listing each distinct plan once)."""
    if chosen == "exhaustive":
        return Exhaustive(area, k, constraints, weights, adjacency)
    if chosen == "optimiser":
        from analysis.solvers.optimise import Optimiser

        return Optimiser(area, k, constraints=constraints, weights=weights, seed=seed, budget_s=budget_s,
                         adjacency=adjacency, top=max(top, 20))
    from analysis.solvers.sampler import DistinctReCom

    return DistinctReCom(area, k, constraints=constraints, weights=weights, seed=seed, budget_s=budget_s,
                         adjacency=adjacency)


def propose(area: StudyArea, k: int = 4, constraints: Constraints | None = None, weights: Weights | None = None,
            top: int = 10, method: Method = "auto", seed: int = 0, budget_s: float | None = None,
            progress: Progress = null_progress, adjacency: Adjacency = "rook") -> Proposals:
    """Plans of k connected localities meeting the constraints, ranked by the weighted penalty (lower is better),
    with the Pareto front; exhaustive where every plan can be listed, else from the optimiser."""
    if method not in METHODS:
        raise LocalignError.single(f"'{method}' is not a method.", "--method", f"use one of {', '.join(METHODS)}.")
    if top < 1:
        raise LocalignError.single(f"--top {top} asks for no plans.", "--top", "ask for 1 or more plans.")
    constraints = constraints or Constraints()
    weights, weight_notes = applicable_weights(area, weights or Weights())
    start = time.perf_counter()
    chosen, notes = choose_method(area, k, adjacency, constraints, method, scaled(progress, 0.0, 0.2))
    notes += weight_notes
    solver = make_solver(chosen, area, k, adjacency, constraints, weights, top, seed, budget_s)
    plans = solver.solve(scaled(progress, 0.2, 0.9))
    connected = plans.total_count if plans.exhaustive else None
    if not plans.exhaustive:  # the exhaustive solver checked fixed locality names and every balance measure already
        keep = Validator([FixedNames.of(area, constraints.fixed)]).mask(plans.codes, plans.scores) if len(plans) \
            else np.zeros(0, dtype=bool)
        if len(plans) and constraints.max_deviation is not None and area.balance_on:  # bound on every measure
            ctx = StudyContext.of(area, adjacency)
            keep &= Validator.of(constraints, ctx.index, ctx.total, measures=ctx.balance).mask(plans.codes,
                                                                                             plans.scores)
        plans = plans.take(keep)
        plans.fixed = dict(constraints.fixed)
        notes += plans.notes
    progress(0.95, "ranking and finding the Pareto front")
    scores = penalty(plans.scores, weights)
    ranked = np.argsort(scores, kind="stable")[:top]
    front = front_of(plans.scores, measurable_objectives(area))
    front = front[np.argsort(scores[front], kind="stable")]
    elapsed = time.perf_counter() - start
    plans.elapsed_s = elapsed
    plans.notes = list(notes)
    if not len(plans):
        notes.append("No plan meets every requirement: relax --max-deviation or drop a --require item.")
    progress(1.0, f"{len(plans):,} valid plans; top {len(ranked)} ranked")
    return Proposals(area, k, adjacency, constraints, weights, chosen, plans, scores, ranked, front, connected,
                     elapsed, notes)
