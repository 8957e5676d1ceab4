"""The Pareto front against a brute-force dominance check, and on the bundled wards' plans."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.plan.context import StudyContext
from analysis.solvers.pareto import front_of, objective_costs, pareto_front
from analysis.metrics.scoring import OBJECTIVES, PlanScorer


def brute_front(costs: np.ndarray) -> np.ndarray:
    """Rows no other row dominates (<= on every column and < on one), by comparing every pair."""
    keep = []
    for i, row in enumerate(costs):
        dominated = ((costs <= row).all(axis=1) & (costs < row).any(axis=1)).any()
        if not dominated:
            keep.append(i)
    return np.array(keep, dtype=np.int64)


@pytest.mark.parametrize("seed", range(6))
def test_front_equals_brute_force_on_random_costs_with_ties(seed):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 400)), int(rng.integers(1, 5))
    costs = rng.integers(0, 6, size=(n, m)).astype(float) if seed % 2 else rng.random((n, m))
    if n > 3:
        costs[-1] = costs[0]  # an exact duplicate
    assert np.array_equal(pareto_front(costs), brute_front(costs))


def test_front_of_empty_and_single_tables():
    assert len(pareto_front(np.zeros((0, 4)))) == 0
    assert list(pareto_front(np.array([[1.0, 2.0]]))) == [0]


def test_bundled_front_holds_the_best_plan_on_each_objective_and_nothing_it_dominates(lbbd):
    from analysis.solvers.enumeration import Search, enumerate_partitions

    codes = enumerate_partitions(Search(StudyContext.of(lbbd).graph, 3))
    table = PlanScorer(lbbd, 3).score(codes)
    front = front_of(table)
    costs = objective_costs(table)
    assert 0 < len(front) < len(codes) / 10
    for column in range(len(OBJECTIVES)):
        best = costs[:, column].min()
        assert np.isclose(costs[front, column].min(), best)
    sample = np.random.default_rng(0).choice(len(codes), 300, replace=False)
    on_front = np.isin(sample, front)
    for i, is_front in zip(sample, on_front):
        dominated = ((costs <= costs[i]).all(axis=1) & (costs < costs[i]).any(axis=1)).any()
        assert dominated != is_front
