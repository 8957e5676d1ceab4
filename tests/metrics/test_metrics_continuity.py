"""Continuity with today's localities: one-to-one matching on shared residents, then who moves."""

from __future__ import annotations

from itertools import permutations

import numpy as np
import pytest

from analysis.metrics.evaluate import evaluate
from analysis.metrics import continuity
from analysis.plan.partition import current_plan
from synthetic import make_area, plan_of, random_connected_plan

STRIP = {"a": (0, 0), "b": (1, 0), "c": (2, 0), "d": (3, 0)}
PEOPLE = {"a": 100, "b": 200, "c": 300, "d": 400}


def strip_area(current: dict[str, str]):
    return make_area(STRIP, PEOPLE, groupings={"today": current}, current="today")


def test_more_new_localities_than_old():
    """Today X = a b, Y = c d. New A = a, B = b c, C = d.

    Shared residents: A-X 100; B-X 200, B-Y 300; C-Y 400. The best one-to-one matching keeps
    B->X (200) + C->Y (400) = 600, better than A->X + B->Y (400) or A->X + C->Y (500); A is left unmatched.
    A greedy 'largest overlap' rule would send both B and C to Y.
    """
    area = strip_area({"a": "X", "b": "X", "c": "Y", "d": "Y"})
    result = evaluate(area, plan_of(area, {"A": ["a"], "B": ["b", "c"], "C": ["d"]}))
    assert result.matched_to_current == {"A": None, "B": "X", "C": "Y"}
    assert result.retained_share == pytest.approx(0.6)
    assert result.moved_wards == ["a", "c"]  # a: its locality has no partner; c: was Y, now with X's partner
    assert result.wards_moved == 2
    assert result.population_moved == pytest.approx(400)


def test_fewer_new_localities_than_old():
    """Today X = a, Y = b c, Z = d. New L = a b, R = c d.

    Shared: L-X 100, L-Y 200; R-Y 300, R-Z 400. Best: L->Y (200) + R->Z (400) = 600 (L->X + R->Y = 400,
    L->X + R->Z = 500). Moved: a (X, now with Y's partner) and c (Y, now with Z's partner).
    """
    area = strip_area({"a": "X", "b": "Y", "c": "Y", "d": "Z"})
    result = evaluate(area, plan_of(area, {"L": ["a", "b"], "R": ["c", "d"]}))
    assert result.matched_to_current == {"L": "Y", "R": "Z"}
    assert result.retained_share == pytest.approx(0.6)
    assert result.moved_wards == ["a", "c"] and result.population_moved == pytest.approx(400)


def test_relabelled_current_plan_moves_nobody():
    area = strip_area({"a": "X", "b": "X", "c": "Y", "d": "Y"})
    result = evaluate(area, plan_of(area, {"West": ["a", "b"], "East": ["c", "d"]}))
    assert result.matched_to_current == {"East": "Y", "West": "X"}
    assert result.retained_share == 1.0 and result.wards_moved == 0 and result.population_moved == 0


def test_no_current_localities_means_no_continuity_metrics():
    area = make_area(STRIP, PEOPLE)
    result = evaluate(area, plan_of(area, {"A": ["a", "b"], "B": ["c", "d"]}))
    assert result.retained_share is None and result.wards_moved is None and result.matched_to_current == {}


def brute_force_kept(shared: np.ndarray) -> float:
    """The largest Σ S[j, m(j)] over every one-to-one matching, by trying them all."""
    k, m = shared.shape
    if k >= m:
        return max(sum(shared[rows[o], o] for o in range(m)) for rows in permutations(range(k), m))
    return max(sum(shared[j, cols[j]] for j in range(k)) for cols in permutations(range(m), k))


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (2, 3), (5, 3)])
def test_hungarian_and_vectorised_matchings_find_the_best(shape):
    rng = np.random.default_rng(sum(shape))
    shared = rng.uniform(0, 1000, size=(20, *shape))
    vectorised = continuity.best_matchings(shared)
    for s, match in zip(shared, vectorised):
        best = brute_force_kept(s)
        assert continuity.retained(s, continuity.best_matching(s)) == pytest.approx(best)
        assert continuity.retained(s, match) == pytest.approx(best)
        used = match[match >= 0]
        assert len(set(used.tolist())) == len(used)  # one-to-one


def test_current_localities_keep_everyone(lbbd):
    result = evaluate(lbbd, current_plan(lbbd))
    assert result.retained_share == 1.0
    assert result.wards_moved == 0 and result.population_moved == 0
    assert result.matched_to_current == {"East": "East", "North": "North", "West": "West"}


def test_four_locality_plans_of_the_bundle(lbbd):
    labels = lbbd.current.labels
    for seed in range(4):
        plan = random_connected_plan(lbbd, 4, seed)
        result = evaluate(lbbd, plan)
        table = lbbd.population.groupby([plan.series().reindex(lbbd.ids).to_numpy(), labels.to_numpy()]).sum() \
            .unstack(fill_value=0.0)
        kept = brute_force_kept(table.reindex(index=list(plan.localities), columns=["East", "North", "West"],
                                              fill_value=0.0).to_numpy())
        assert result.retained_share == pytest.approx(kept / 218_865)
        moved = [u for u in lbbd.ids if result.matched_to_current[plan.assignment[u]] != labels[u]]
        assert result.moved_wards == moved
        assert result.population_moved == pytest.approx(lbbd.population[moved].sum())
        assert result.population_moved == pytest.approx(218_865 - kept)
        assert list(result.matched_to_current.values()).count(None) == 1  # four new, three old
