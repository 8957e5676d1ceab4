"""What the optimiser and the sampler minimise: constraint violations first, then the planner's weighted penalty.

A study area is scored with ``PlanScorer`` and ``analysis.metrics.scoring.penalty`` (so numbers match
``evaluate()``); a bare graph (networkx with a population attribute, or a UnitGraph) is scored with
``GraphScorer`` and ``graph_penalty`` (balance and cut edges only).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import networkx as nx
import numpy as np

from analysis.metrics.graph_scoring import GraphScorer, graph_penalty
from analysis.solvers.proposal_set import Constraints
from analysis.metrics.scoring import PlanScorer, ScoreTable, Weights, applicable_weights, penalty
from analysis.plan.graph import UnitGraph
from geo.adjacency import Adjacency
from geo.bundle import StudyArea
from geo.errors import LocalignError, list_items

PENALTY_DECIMALS = 12
"""Penalties are compared after rounding to this many decimals, so float noise does not break ties."""

Units = StudyArea | nx.Graph | UnitGraph
"""What a proposal method accepts: a study area, a networkx graph with node populations, or a UnitGraph."""


@dataclass
class Assessment:
    """Scores, constraint violation (0 = feasible) and penalty of a batch of plans."""

    table: ScoreTable
    violation: np.ndarray
    penalty: np.ndarray

    def order(self) -> np.ndarray:
        """Plan positions best first: fewest violations, then lowest penalty, then latest row."""
        return np.lexsort((-np.arange(len(self.penalty)), self.penalty, self.violation))


class Objective:
    """The scoring, constraints and weights of one proposal problem: k localities on one set of units."""

    def __init__(self, units: Units, k: int, constraints: Constraints | None = None, weights: Weights | None = None,
                 adjacency: Adjacency = "rook", population: str | Mapping[Hashable, float] = "population") -> None:
        self.k, self.adjacency = k, adjacency
        self.constraints = constraints or Constraints()
        self.weights = weights or Weights()
        self.weight_notes: list[str] = []
        if isinstance(units, StudyArea):
            self.weights, self.weight_notes = applicable_weights(units, self.weights)
            self.area: StudyArea | None = units
            self.graph = UnitGraph.of(units, adjacency)
            self.scorer: PlanScorer | GraphScorer = PlanScorer(units, k, adjacency)
        else:
            self.area = None
            self.graph = units if isinstance(units, UnitGraph) else UnitGraph.from_networkx(units, population)
            self.scorer = GraphScorer(self.graph, k)
        self.unit_index = {u: i for i, u in enumerate(self.graph.ids)}
        together, apart = self.constraints.unit_groups()
        unknown = sorted({u for group in (*together, *apart) for u in group if u not in self.unit_index})
        if unknown:
            raise LocalignError.single(f"the constraints name units that are not in the study area: {list_items(unknown)}.",
                                       "the constraints", "use unit codes listed by 'localign info'.")
        self.together = [np.array([self.unit_index[u] for u in g]) for g in together]
        self.apart = [np.array([self.unit_index[u] for u in g]) for g in apart]

    @property
    def geometry_free(self) -> bool:
        """True when plans are scored on a bare graph (balance and cut edges only)."""
        return self.area is None

    def assess(self, codes: np.ndarray) -> Assessment:
        """Score plans (rows of locality codes) and measure how far each breaks the constraints."""
        codes = np.atleast_2d(codes)
        table = self.scorer.score(codes)
        if self.area is None:
            cost = graph_penalty(table, self.weights, self.graph.n_edges)
        else:
            cost = penalty(table, self.weights)
        return Assessment(table, self.violation(codes, table), np.round(cost, PENALTY_DECIMALS))

    def violation(self, codes: np.ndarray, table: ScoreTable) -> np.ndarray:
        """How far each plan breaks the constraints (0 when it meets them all): excess deviation in percentage points,
        plus one per broken together/apart pair, PCN over the limit, and plan whose fixed units miss the current
        locality they are fixed to (as Constraints.mask)."""
        c = self.constraints
        out = np.zeros(len(codes))
        if c.max_deviation is not None:
            out += 100 * np.maximum(0.0, table.max_abs_deviation - c.max_deviation * (1 + 1e-12))
        if c.max_pcns_split is not None:
            out += np.maximum(0, table.pcns_split - c.max_pcns_split)
        for group in self.together:
            out += (codes[:, group[1:]] != codes[:, group[:1]]).sum(axis=1)
        for group in self.apart:
            for i in range(len(group)):
                out += (codes[:, group[i + 1:]] == codes[:, group[i:i + 1]]).sum(axis=1)
        if self.area is not None and c.fixed:
            out += ~c.names_mask(self.area, codes)
        return out
