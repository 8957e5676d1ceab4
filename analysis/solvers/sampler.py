"""ReCom ensembles through GerryChain: a seeded sample of contiguous, population-balanced plans.

The chain is GerryChain 1.0's ``MarkovChain`` with its ``recom`` proposal and an explicit
``random.Random(seed)``. It starts from a plan localign builds (``seed_plan``, improved by the
optimiser when it is not yet within the tolerance or breaks a constraint), because GerryChain's own
random start (``Partition.from_random_assignment``) can fail on small graphs: on the 19 Barking and
Dagenham wards at ±5 % it stops with "Could not find a possible cut after 100000 attempts".
"""

from __future__ import annotations

import random
import time
from collections.abc import Hashable, Mapping
from functools import partial

import networkx as nx
import numpy as np

from analysis.solvers.objective import Objective, Units
from analysis.solvers.optimise import Optimiser, Progress
from analysis.constraints.predicates import Apart, MaxPcnsSplit, Together
from analysis.constraints.rules import Constraints
from analysis.solvers.proposal_set import ProposalSet
from analysis.metrics.scoring import Weights
from analysis.solvers.seed_plans import max_deviation, seed_plan
from analysis.plan.graph import CODE_DTYPE
from geo.adjacency import Adjacency
from geo.errors import LocalignError

DEFAULT_STEPS = 1_000
"""Chain length when neither a step nor a time budget is given."""
DEFAULT_EPSILON = 0.10
"""Population tolerance of the ensemble when the constraints set none (every locality within ±10 %)."""
START_SEARCH_STEPS = 5_000
"""Optimiser moves allowed to find a starting plan that meets the tolerance and the constraints."""
POPULATION = "population"


class ReComSampler:
    """A ReCom ensemble (GerryChain) of plans with k contiguous localities, each within ``epsilon`` of an equal share.

    Parameters are those of ``Optimiser``; ``epsilon`` defaults to the constraints' max deviation, else
    ±10 %. ``thin`` keeps every thin-th plan. The result holds the sampled plans in chain order (repeats
    included, as in any Markov chain sample) with their scores; constraints other than the population
    tolerance are enforced by the chain, which rejects proposals that break them.
    """

    method = "recom-ensemble"

    def __init__(self, units: Units, k: int, constraints: Constraints | None = None, weights: Weights | None = None,
                 seed: int = 0, budget_s: float | None = None, max_steps: int | None = None,
                 adjacency: Adjacency = "rook", population: str | Mapping[Hashable, float] = POPULATION,
                 epsilon: float | None = None, thin: int = 1) -> None:
        self.units, self.population = units, population
        self.objective = Objective(units, k, constraints, weights, adjacency, population)
        self.k, self.seed, self.thin = k, seed, max(1, thin)
        self.budget_s = budget_s
        self.max_steps = DEFAULT_STEPS if budget_s is None and max_steps is None else max_steps
        limit = self.objective.constraints.max_deviation
        self.epsilon = float(epsilon if epsilon is not None else limit if limit is not None else DEFAULT_EPSILON)
        self.steps_taken = 0

    def _gerrychain_graph(self):
        """The units as a gerrychain Graph whose nodes carry ``population`` (node ids as in the UnitGraph)."""
        return self.objective.graph.to_gerrychain(POPULATION)

    def starting_plan(self, rng: np.random.Generator) -> np.ndarray:
        """A contiguous plan within epsilon that meets the constraints: a bisection plan, else the optimiser's best."""
        graph, k = self.objective.graph, self.k
        codes = seed_plan(graph, k, rng, tolerance=self.epsilon)
        plain = not self.objective.validator.has(Together, Apart, MaxPcnsSplit)
        if plain and max_deviation(graph, codes, k) <= self.epsilon:
            return codes
        c = self.objective.constraints
        rules = Constraints(self.epsilon, c.max_pcns_split, c.together, c.apart, c.fixed)
        search = Optimiser(self.units if not isinstance(self.units, nx.Graph) else graph, k, rules, self.objective.weights,
                           seed=self.seed, max_steps=START_SEARCH_STEPS, adjacency=self.objective.adjacency, top=1,
                           start=codes)
        found = search.solve()
        if not search.feasible:
            raise LocalignError.single(
                f"no starting plan was found with every locality within ±{self.epsilon:.0%} of an equal share that "
                "also meets the constraints.", "the ReCom sampler",
                "widen the allowed deviation, or relax the together/apart/PCN rules.")
        return found.codes[0].astype(CODE_DTYPE)

    def solve(self, progress: Progress | None = None) -> ProposalSet:
        """Run the chain until the budget is spent and return the sampled plans (chain order) with their scores."""
        from gerrychain import MarkovChain, Partition
        from gerrychain.accept import always_accept
        from gerrychain.constraints import within_percent_of_ideal_population
        from gerrychain.proposals import recom
        from gerrychain.updaters import Tally

        began = time.perf_counter()
        rng = np.random.default_rng(self.seed)
        start = self.starting_plan(rng)
        ids = self.objective.graph.ids
        graph = self._gerrychain_graph()
        initial = Partition(graph, {u: int(c) for u, c in zip(ids, start)},
                            {POPULATION: Tally(POPULATION, alias=POPULATION)})
        self._position = self._internal_positions(initial, ids)
        rules = [within_percent_of_ideal_population(initial, self.epsilon, POPULATION)]
        if self.objective.validator.has(Together, Apart, MaxPcnsSplit):
            rules.append(self._meets_constraints)
        ideal = self.objective.graph.total / self.k
        proposal = partial(recom, pop_col=POPULATION, pop_target=ideal, epsilon=self.epsilon)
        chain = MarkovChain(proposal, rules, always_accept, initial, total_steps=self.max_steps or 10**12,
                            rng=random.Random(self.seed))
        rows: list[np.ndarray] = []
        steps, reported = 0, 0.0
        for part in chain:
            if steps % self.thin == 0:
                rows.append(self._codes(part))
            steps += 1
            elapsed = time.perf_counter() - began
            if progress is not None and elapsed - reported >= 0.2:
                reported = elapsed
                fraction = max(steps / self.max_steps if self.max_steps else 0.0,
                               elapsed / self.budget_s if self.budget_s else 0.0)
                progress(min(1.0, fraction), f"{steps:,} ReCom steps")
            if self.budget_s is not None and elapsed >= self.budget_s:
                break
        self.steps_taken = steps
        codes = np.stack(rows).astype(CODE_DTYPE)
        elapsed = time.perf_counter() - began
        if progress is not None:
            progress(1.0, f"{steps:,} ReCom steps")
        notes = [(f"ReCom ensemble (GerryChain 1.0 MarkovChain, seed {self.seed}): {len(codes):,} plans from "
                  f"{steps:,} steps in {elapsed:.1f} s, every locality within ±{self.epsilon:.0%} of an equal share; "
                  "plans are in chain order and may repeat.")]
        if self.objective.geometry_free:
            notes.append("Scored on the unit graph only (population balance and cut edges).")
        o = self.objective
        return ProposalSet(o.area, self.k, o.adjacency, codes, o.scorer.score(codes), self.method, False, None,
                           elapsed, self.seed, notes, dict(o.constraints.fixed))

    @staticmethod
    def _internal_positions(partition, ids: tuple[str, ...]) -> np.ndarray:
        """position[j]: GerryChain's internal node id of unit j (GerryChain renumbers the nodes it is given)."""
        graph = partition.graph
        return np.array([graph.internal_node_id_for_original_nx_node_id(u) for u in ids], dtype=np.int64)

    def _codes(self, part) -> np.ndarray:
        """A partition's locality codes in unit order."""
        return np.asarray(part.assignment_vector)[self._position].astype(CODE_DTYPE)

    def _meets_constraints(self, part) -> bool:
        """GerryChain constraint: the plan breaks none of the together/apart/PCN rules."""
        codes = self._codes(part)[None, :]
        return bool(self.objective.assess(codes).violation[0] == 0)


class DistinctReCom(ReComSampler):
    """The ReCom sampler as a proposal method: a Markov chain revisits plans, so each distinct plan is listed once,
    in the order first sampled."""

    def solve(self, progress: Progress | None = None) -> ProposalSet:
        from analysis.solvers.optimise import canonical

        sample = super().solve(progress)
        if not len(sample):
            return sample
        _, first = np.unique(canonical(sample.codes), axis=0, return_index=True)
        distinct = sample.take(np.sort(first))
        distinct.notes = [*sample.notes, f"{len(first):,} distinct plans among the {len(sample):,} sampled."]
        return distinct
