"""The ReCom sampler (GerryChain): seeded ensembles of contiguous plans within the population tolerance."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from analysis.constraints.validator import Validator
from analysis.plan.context import StudyContext
from analysis.solvers.enumeration import Search, enumerate_partitions
from analysis.metrics.evaluate import evaluate
from analysis.constraints.rules import Constraints
from analysis.solvers.sampler import ReComSampler
from geo.errors import LocalignError

pytestmark = pytest.mark.filterwarnings("ignore")


def contiguous(graph: nx.Graph, ids, codes: np.ndarray, k: int) -> bool:
    """Independent check with networkx: each of the k localities is non-empty and connected."""
    return all((members := [u for u, c in zip(ids, codes) if c == j]) and nx.is_connected(graph.subgraph(members))
               for j in range(k))


@pytest.fixture(scope="module")
def ensemble(lbbd):
    return ReComSampler(lbbd, 4, seed=3, max_steps=150).solve()


def test_every_sampled_plan_is_contiguous_and_within_ten_percent(lbbd, ensemble):
    population = lbbd.population.to_numpy(float)
    ideal = population.sum() / 4
    graph = lbbd.graph("rook")
    assert len(ensemble) == 150
    for codes in ensemble.codes:
        assert contiguous(graph, lbbd.ids, codes, 4)
        assert np.abs(np.bincount(codes, weights=population, minlength=4) - ideal).max() <= 0.10 * ideal + 1e-6


def test_ensemble_moves_and_stays_inside_the_valid_plans(lbbd, ensemble):
    """The chain visits many different plans, all of them among the enumerator's plans within ±10 %."""
    valid = enumerate_partitions(Search(StudyContext.of(lbbd).graph, 4, max_deviation=0.10))
    same_locality = {(c[:, None] == c[None, :]).tobytes() for c in valid}
    visited = {(c[:, None] == c[None, :]).tobytes() for c in ensemble.codes}
    assert len(visited) >= 20
    assert visited <= same_locality


def test_same_seed_gives_the_same_ensemble(lbbd, ensemble):
    again = ReComSampler(lbbd, 4, seed=3, max_steps=150).solve()
    assert np.array_equal(again.codes, ensemble.codes)
    assert ensemble.method == "recom-ensemble" and ensemble.seed == 3


def test_thinning_keeps_every_nth_plan(lbbd, ensemble):
    thinned = ReComSampler(lbbd, 4, seed=3, max_steps=150, thin=5).solve()
    assert np.array_equal(thinned.codes, ensemble.codes[::5])


def test_scores_match_evaluate(lbbd, ensemble):
    plan = ensemble.plan(10)
    evaluation = evaluate(lbbd, plan)
    assert ensemble.scores.max_abs_deviation[10] == pytest.approx(evaluation.max_abs_deviation)
    assert ensemble.scores.pcn_nesting[10] == pytest.approx(evaluation.pcn_nesting)


def test_constraints_hold_in_every_sample(lbbd):
    ids = lbbd.ids
    constraints = Constraints(max_deviation=0.08, together=((ids[0], ids[2]),), apart=((ids[3], ids[4]),))
    result = ReComSampler(lbbd, 4, constraints=constraints, seed=1, max_steps=80).solve()
    index = {u: i for i, u in enumerate(ids)}
    assert Validator.of(constraints, index, lbbd.total_population, lbbd).mask(result.codes, result.scores).all()


def test_impossible_constraints_are_a_clear_error(lbbd):
    ids = lbbd.ids
    with pytest.raises(LocalignError, match="no starting plan"):
        ReComSampler(lbbd, 4, constraints=Constraints(max_deviation=0.05, together=((ids[0], ids[5]),)),
                     max_steps=10).solve()


def test_plain_graph_ensemble():
    grid = nx.grid_2d_graph(6, 6)
    nx.set_node_attributes(grid, 1.0, "population")
    result = ReComSampler(grid, 3, seed=0, max_steps=40, epsilon=0.0).solve()
    assert result.area is None and len(result) == 40
    assert all(np.bincount(c, minlength=3).tolist() == [12, 12, 12] for c in result.codes)
    assert all(contiguous(grid, list(grid.nodes), c, 3) for c in result.codes)
