"""The Pareto front of scored plans: the plans no other plan beats on every objective at once.

Objectives are balance (largest deviation, lower is better), PCN nesting, compactness (mean Polsby–Popper)
and continuity (residents kept), higher is better for the last three (analysis.metrics.scoring.OBJECTIVE_METRICS).
A plan dominates another when it is at least as good on every objective and better on one; plans with
identical objective values do not dominate each other, so both stay on the front.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from analysis.metrics.scoring import OBJECTIVE_METRICS, OBJECTIVES, ScoreTable


def objective_costs(table: ScoreTable, objectives: tuple[str, ...] = OBJECTIVES) -> np.ndarray:
    """The objectives of each plan as costs (N, m), lower is better (metrics where higher is better are negated)."""
    columns = []
    for name in objectives:
        key, better = OBJECTIVE_METRICS[name]
        values = np.asarray(getattr(table, key), dtype=float)
        columns.append(values if better == "lower" else -values)
    return np.column_stack(columns) if columns else np.zeros((len(table), 0))


@njit(cache=True)
def _dominates(costs, a, b):
    """Whether row a is no worse than row b on every column and better on one."""
    better = False
    for c in range(costs.shape[1]):
        if costs[a, c] > costs[b, c]:
            return False
        if costs[a, c] < costs[b, c]:
            better = True
    return better


@njit(cache=True)
def _scan(sorted_costs):
    """Rows no earlier row dominates, each checked against the front so far (the last dominating row first); rows are
    ordered so dominating rows mostly come first, and a final pass removes any front row a later one dominated."""
    n = sorted_costs.shape[0]
    on_front = np.zeros(n, dtype=np.bool_)
    front = np.empty(n, dtype=np.int64)
    size = 0
    for r in range(n):
        dominated = False
        for q in range(size):
            f = front[q]
            if _dominates(sorted_costs, f, r):
                dominated = True
                if q > 0:  # move the dominating row forward: it is likely to dominate the next rows too
                    front[q], front[q - 1] = front[q - 1], front[q]
                break
        if not dominated:
            front[size] = r
            size += 1
            on_front[r] = True
    for q in range(size):  # a row can be dominated by a later one when the order ties: check the front pairwise
        r = front[q]
        for p in range(size):
            f = front[p]
            if _dominates(sorted_costs, f, r):
                on_front[r] = False
                break
    return on_front


def pareto_front(costs: np.ndarray) -> np.ndarray:
    """Positions of the non-dominated rows of ``costs`` (N, m; lower is better on every column), in ascending order."""
    costs = np.ascontiguousarray(costs, dtype=float)
    if len(costs) == 0:
        return np.zeros(0, dtype=np.int64)
    span = costs.max(axis=0) - costs.min(axis=0)
    order = np.argsort(((costs - costs.min(axis=0)) / np.where(span > 0, span, 1)).sum(axis=1), kind="stable")
    on_front = _scan(costs[order])
    return np.sort(order[on_front])


def front_of(table: ScoreTable, objectives: tuple[str, ...] = OBJECTIVES) -> np.ndarray:
    """Positions of the plans on the Pareto front of a score table."""
    return pareto_front(objective_costs(table, objectives))
