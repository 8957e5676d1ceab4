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
from analysis.constraints.rules import Constraints
from analysis.constraints.validator import Validator
from analysis.metrics.scoring import PlanScorer, ScoreTable, Weights, applicable_weights, penalty
from analysis.plan.context import StudyContext
from analysis.plan.graph import UnitGraph
from geo.adjacency import Adjacency
from geo.bundle import StudyArea

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
            self.graph = StudyContext.of(units, adjacency).graph
            self.graph.require_connected()
            self.scorer: PlanScorer | GraphScorer = PlanScorer(units, k, adjacency)
        else:
            self.area = None
            self.graph = units if isinstance(units, UnitGraph) else UnitGraph.from_networkx(units, population)
            self.scorer = GraphScorer(self.graph, k)
        self.unit_index = {u: i for i, u in enumerate(self.graph.ids)}
        self.validator = Validator.of(self.constraints, self.unit_index, self.graph.total, self.area)

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
        """How far each plan breaks the constraints (0 when it meets them all), summed over the validator's
        predicates (analysis.constraints.predicates)."""
        return self.validator.violation(codes, table)
