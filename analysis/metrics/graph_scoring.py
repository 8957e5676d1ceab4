"""Scoring plans on a bare unit graph (no geometry, PCNs or current localities), e.g. LSOA graphs or GerryChain JSON.

Only what a graph can measure is scored: population balance and cut edges. The other ScoreTable
fields get the values PlanScorer uses when a study area has no PCNs (nesting 1, nothing split) or NaN
where the measure needs geometry or a current plan (Polsby–Popper, continuity).
"""

from __future__ import annotations

import numpy as np

from analysis.metrics import population
from analysis.metrics.scoring import ScoreTable, Weights
from analysis.plan.graph import UnitGraph


class GraphScorer:
    """Scores plans of k localities on a UnitGraph, vectorised over plans (rows of locality codes)."""

    def __init__(self, graph: UnitGraph, k: int) -> None:
        self.graph, self.k = graph, k
        self.total = graph.total

    def score(self, codes: np.ndarray) -> ScoreTable:
        """Score plans given as locality indices, shape (N, n) (or (n,) for one plan)."""
        codes = np.atleast_2d(codes)
        count = len(codes)
        pops = np.stack([(codes == j) @ self.graph.population for j in range(self.k)], axis=-1)
        missing = np.full(count, np.nan)
        return ScoreTable(
            populations=pops,
            max_abs_deviation=population.max_abs_deviation(pops, self.total),
            population_range=population.population_range(pops, self.total),
            polsby_popper_mean=missing, polsby_popper_min=missing.copy(),
            cut_edges=(codes[:, self.graph.edge_a] != codes[:, self.graph.edge_b]).sum(axis=1),
            pcn_nesting=np.ones(count), pcns_split=np.zeros(count, int), pcns_split_90=np.zeros(count, int),
            retained_share=missing.copy(), wards_moved=np.zeros(count, int), population_moved=missing.copy(),
        )


def graph_penalty(table: ScoreTable, weights: Weights, n_edges: int) -> np.ndarray:
    """Penalty on a bare graph, lower is better: w_b·max|dev| + w_c·(cut edges / all edges); nesting and continuity cannot be measured and count 0."""
    return weights.balance * table.max_abs_deviation + weights.compactness * table.cut_edges / max(n_edges, 1)
