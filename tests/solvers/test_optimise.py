"""The optimiser: seeded and reproducible, step budgets kept, every plan contiguous, constraints met, and on the
bundled wards it reaches the optimum that exhaustive enumeration finds (computed here independently)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from analysis.constraints.validator import Validator
from analysis.plan.context import StudyContext
from analysis.solvers.enumeration import Search, enumerate_partitions
from analysis.metrics.evaluate import evaluate
from analysis.solvers.optimise import Optimiser
from analysis.constraints.rules import Constraints
from analysis.metrics.scoring import PlanScorer, Weights, penalty
from analysis.solvers.seed_plans import bisection_plan, seed_plan
from geo.errors import LocalignError

BALANCE_ONLY = Weights(balance=1, nesting=0, compactness=0, continuity=0)


def localities_are_contiguous(graph: nx.Graph, ids, codes: np.ndarray, k: int) -> bool:
    """Independent check with networkx: each of the k localities is non-empty and one connected piece."""
    for j in range(k):
        members = [u for u, c in zip(ids, codes) if c == j]
        if not members or not nx.is_connected(graph.subgraph(members)):
            return False
    return True


def connected_partitions(adjacency: list[list[int]], k: int, weight: list[float] | None = None,
                         low: float = -np.inf, high: float = np.inf) -> list[tuple[int, ...]]:
    """Every partition of units 0..n-1 into k connected parts whose weights lie in [low, high], by plain recursion
    (independent of the engine): the part holding the first unassigned unit is each connected set containing it
    (grown one neighbour at a time, abandoned once heavier than ``high``), then recurse on the rest."""
    n = len(adjacency)
    weight = weight or [1.0] * n

    def connected_sets(v: int, allowed: frozenset[int]):
        found = []

        def extend(chosen: tuple[int, ...], total: float, frontier: set[int], excluded: frozenset[int]):
            if total > high:
                return
            found.append(chosen)
            frontier = set(frontier)
            while frontier:
                w = frontier.pop()
                grown = frontier | {x for x in adjacency[w] if x in allowed and x not in excluded and x not in chosen}
                extend(chosen + (w,), total + weight[w], grown - {w}, excluded | {w})
                excluded = excluded | {w}

        extend((v,), weight[v], {x for x in adjacency[v] if x in allowed}, frozenset([v]))
        return found

    def is_connected(nodes: frozenset[int]) -> bool:
        start = min(nodes)
        seen, stack = {start}, [start]
        while stack:
            for w in adjacency[stack.pop()]:
                if w in nodes and w not in seen:
                    seen.add(w)
                    stack.append(w)
        return len(seen) == len(nodes)

    out: list[tuple[int, ...]] = []
    labels = [-1] * n

    def recurse(remaining: frozenset[int], label: int):
        if label == k - 1:
            if remaining and low <= sum(weight[u] for u in remaining) <= high and is_connected(remaining):
                out.append(tuple(label if labels[u] < 0 else labels[u] for u in range(n)))
            return
        for part in connected_sets(min(remaining), remaining):
            rest = remaining - set(part)
            if len(rest) < k - 1 - label or sum(weight[u] for u in part) < low:
                continue
            for u in part:
                labels[u] = label
            recurse(rest, label + 1)
            for u in part:
                labels[u] = -1

    recurse(frozenset(range(n)), 0)
    return out


@pytest.fixture(scope="module")
def exhaustive(lbbd):
    """Every contiguous 4-locality plan of the bundled wards and its scores (the engine's exact enumerator)."""
    codes = enumerate_partitions(Search(StudyContext.of(lbbd).graph, 4))
    return codes, PlanScorer(lbbd, 4).score(codes)


def test_recursive_checker_counts_the_3x3_grid():
    """The test's own enumerator is right: the 3 x 3 grid has 53, 258 and 440 connected partitions into 2, 3, 4."""
    grid = nx.convert_node_labels_to_integers(nx.grid_2d_graph(3, 3))
    adjacency = [sorted(grid[u]) for u in range(9)]
    assert [len(connected_partitions(adjacency, k)) for k in (2, 3, 4)] == [53, 258, 440]


def test_exhaustive_enumeration_agrees_with_the_plain_recursion_within_ten_percent(lbbd, exhaustive):
    """Cross-check of the optimum's source: both enumerators find the same plans within ±10 %."""
    graph = lbbd.graph("rook")
    index = {u: i for i, u in enumerate(lbbd.ids)}
    adjacency = [[index[w] for w in graph[u]] for u in lbbd.ids]
    population = lbbd.population.to_numpy(float)
    ideal = population.sum() / 4
    mine = connected_partitions(adjacency, 4, list(population), 0.9 * ideal, 1.1 * ideal)
    _, table = exhaustive
    assert len(mine) == int((table.max_abs_deviation <= 0.10).sum())
    best_mine = min(np.abs(np.bincount(p, weights=population, minlength=4) - ideal).max() / ideal for p in mine)
    assert best_mine == pytest.approx(table.max_abs_deviation.min(), abs=1e-12)


def test_reaches_the_exhaustive_balance_optimum(lbbd, exhaustive):
    """Balance only: the best plan has the smallest max deviation of all 336,985 plans (about 3.14 %)."""
    _, table = exhaustive
    result = Optimiser(lbbd, 4, weights=BALANCE_ONLY, seed=0, max_steps=3_000).solve()
    assert result.scores.max_abs_deviation[0] == pytest.approx(table.max_abs_deviation.min(), abs=1e-12)
    assert 0.031 < result.scores.max_abs_deviation[0] < 0.032


def test_reaches_the_balance_optimum_from_a_poor_start(lbbd, exhaustive):
    """The moves themselves find the optimum, not just the starting plan: from a plan more than 15 % out."""
    graph = StudyContext.of(lbbd).graph
    start = next(c for s in range(200) for c in [bisection_plan(graph, 4, np.random.default_rng(s), trees=1)]
                 if PlanScorer(lbbd, 4).score(c).max_abs_deviation[0] > 0.15)
    _, table = exhaustive
    result = Optimiser(lbbd, 4, weights=BALANCE_ONLY, seed=1, max_steps=10_000, start=start).solve()
    assert result.scores.max_abs_deviation[0] == pytest.approx(table.max_abs_deviation.min(), abs=1e-12)


def test_reaches_the_exhaustive_optimum_of_the_default_weights(lbbd, exhaustive):
    """Default weights: the best plan's penalty equals the lowest penalty over every plan, and it is that plan."""
    codes, table = exhaustive
    costs = penalty(table, Weights())
    result = Optimiser(lbbd, 4, seed=0, max_steps=20_000).solve()
    assert penalty(result.scores, Weights())[0] == pytest.approx(costs.min(), abs=1e-9)
    best = codes[costs.argmin()]
    found = result.codes[0]
    # Same partition up to locality labels: units share a locality in one exactly when they do in the other.
    assert np.array_equal(best[:, None] == best[None, :], found[:, None] == found[None, :])


@pytest.mark.parametrize("case", range(6))
def test_reaches_the_brute_force_optimum_on_random_small_graphs(case):
    """Random connected graphs of 10-12 units with uneven populations: the optimiser's best balance equals the best
    over every connected partition (listed by the test's own recursion)."""
    rng = np.random.default_rng(100 + case)
    grid = nx.grid_2d_graph(4, 4)
    grid.add_edges_from(((x, y), (x + 1, y + 1)) for x in range(3) for y in range(3) if rng.random() < 0.3)
    while True:
        keep = [node for node in grid if rng.random() < 0.75]
        graph = nx.convert_node_labels_to_integers(grid.subgraph(keep).copy())
        if 10 <= len(graph) <= 12 and nx.is_connected(graph):
            break
    population = rng.integers(50, 400, size=len(graph)).astype(float)
    nx.set_node_attributes(graph, dict(enumerate(population)), "population")
    k = 2 + case % 2
    adjacency = [sorted(graph[u]) for u in range(len(graph))]
    ideal = population.sum() / k
    best = min(np.abs(np.bincount(p, weights=population, minlength=k) - ideal).max() / ideal
               for p in connected_partitions(adjacency, k))
    result = Optimiser(graph, k, weights=BALANCE_ONLY, seed=case, max_steps=5_000).solve()
    assert result.scores.max_abs_deviation[0] == pytest.approx(best, abs=1e-12)
    assert all(localities_are_contiguous(graph, list(graph.nodes), codes, k) for codes in result.codes)


def test_same_seed_gives_the_same_plans(lbbd):
    first = Optimiser(lbbd, 4, seed=7, max_steps=1_500).solve()
    second = Optimiser(lbbd, 4, seed=7, max_steps=1_500).solve()
    assert np.array_equal(first.codes, second.codes)
    assert np.array_equal(first.scores.max_abs_deviation, second.scores.max_abs_deviation)


def test_step_budget_is_kept_exactly(lbbd):
    optimiser = Optimiser(lbbd, 4, seed=0, max_steps=137)
    optimiser.solve()
    assert optimiser.steps_taken == 137
    assert all(step <= 137 for step, *_ in optimiser.trace)


def test_target_and_stall_stop_early(lbbd, exhaustive):
    _, table = exhaustive
    target = Optimiser(lbbd, 4, weights=BALANCE_ONLY, seed=0, max_steps=50_000,
                       target_penalty=float(table.max_abs_deviation.min()))
    target.solve()
    assert target.steps_taken < 50_000
    stalled = Optimiser(lbbd, 4, seed=0, max_steps=200_000, stall_steps=3_000)
    stalled.solve()
    assert stalled.steps_taken < 200_000
    assert stalled.steps_taken - stalled.trace[-1][0] >= 3_000


def test_zero_steps_returns_the_starting_plan(lbbd):
    graph = StudyContext.of(lbbd).graph
    start = seed_plan(graph, 4, np.random.default_rng(3))
    result = Optimiser(lbbd, 4, seed=3, max_steps=0, start=start).solve()
    assert len(result) == 1
    assert np.array_equal(result.codes[0][:, None] == result.codes[0][None, :], start[:, None] == start[None, :])


def test_every_returned_plan_is_contiguous_and_distinct(lbbd):
    result = Optimiser(lbbd, 4, seed=2, max_steps=2_000, top=15).solve()
    graph = lbbd.graph("rook")
    assert len(result) == 15
    assert all(localities_are_contiguous(graph, lbbd.ids, codes, 4) for codes in result.codes)
    partitions = {frozenset(frozenset(np.flatnonzero(c == j)) for j in range(4)) for c in result.codes}
    assert len(partitions) == len(result)
    assert np.all(np.diff(penalty(result.scores, Weights())) >= -1e-12)


def test_scores_match_evaluate(lbbd):
    result = Optimiser(lbbd, 4, seed=4, max_steps=500).solve()
    plan = result.plan(0)
    evaluation = evaluate(lbbd, plan)
    assert result.method == "optimiser" and not result.exhaustive and result.seed == 4
    assert result.scores.max_abs_deviation[0] == pytest.approx(evaluation.max_abs_deviation)
    assert result.scores.pcn_nesting[0] == pytest.approx(evaluation.pcn_nesting)
    assert result.scores.polsby_popper_mean[0] == pytest.approx(evaluation.polsby_popper_mean)
    assert result.scores.retained_share[0] == pytest.approx(evaluation.retained_share)
    assert evaluation.contiguous


def test_constrained_optimum_matches_constrained_enumeration(lbbd):
    """Within ±5 % with two wards kept together, the optimiser finds the best plan the enumerator lists."""
    ids = lbbd.ids
    index = {u: i for i, u in enumerate(ids)}
    pair = (ids[0], ids[2])
    allowed = enumerate_partitions(Search(StudyContext.of(lbbd).graph, 4, max_deviation=0.05,
                                          together=((index[pair[0]], index[pair[1]]),)))
    assert len(allowed) > 0
    best = penalty(PlanScorer(lbbd, 4).score(allowed), Weights()).min()
    constraints = Constraints(max_deviation=0.05, together=(pair,))
    optimiser = Optimiser(lbbd, 4, constraints=constraints, seed=0, max_steps=10_000)
    result = optimiser.solve()
    assert optimiser.feasible
    assert penalty(result.scores, Weights())[0] == pytest.approx(best, abs=1e-9)
    assert Validator.of(constraints, index, lbbd.total_population, lbbd).mask(result.codes, result.scores).all()


def test_fixed_current_names_match_constrained_enumeration(lbbd, exhaustive):
    """Wards fixed to current locality names stay in the localities that continue them; the best such plan is the
    best of all enumerated plans that Constraints.mask accepts."""
    current = lbbd.current.labels
    east, west = current[current == "East"].index[0], current[current == "West"].index[0]
    constraints = Constraints(max_deviation=0.08, fixed={east: "East", west: "West"})
    codes, table = exhaustive
    index = {u: i for i, u in enumerate(lbbd.ids)}
    allowed = Validator.of(constraints, index, lbbd.total_population, lbbd).mask(codes, table)
    best = penalty(table, Weights())[allowed].min()
    optimiser = Optimiser(lbbd, 4, constraints=constraints, seed=0, max_steps=10_000)
    result = optimiser.solve()
    assert optimiser.feasible
    assert Validator.of(constraints, index, lbbd.total_population, lbbd).mask(result.codes, result.scores).all()
    assert penalty(result.scores, Weights())[0] == pytest.approx(best, abs=1e-9)
    plan = result.plan(0)
    assert plan.assignment[east] == "East" and plan.assignment[west] == "West"


def test_apart_rule_holds_in_every_plan(lbbd):
    ids = lbbd.ids
    constraints = Constraints(apart=((ids[3], ids[4]),), fixed={ids[10]: "North", ids[11]: "North"})
    result = Optimiser(lbbd, 4, constraints=constraints, seed=0, max_steps=2_000).solve()
    assert (result.codes[:, 3] != result.codes[:, 4]).all()
    assert (result.codes[:, 10] == result.codes[:, 11]).all()


def test_impossible_constraints_return_the_least_broken_plans_with_a_note(lbbd):
    """No plan within ±5 % keeps the first and sixth wards together (the enumerator finds none)."""
    ids = lbbd.ids
    assert len(enumerate_partitions(Search(StudyContext.of(lbbd).graph, 4, max_deviation=0.05,
                                           together=((0, 5),)))) == 0
    optimiser = Optimiser(lbbd, 4, constraints=Constraints(max_deviation=0.05, together=((ids[0], ids[5]),)),
                          seed=0, max_steps=500)
    result = optimiser.solve()
    assert not optimiser.feasible
    assert any("No plan meeting every constraint" in note for note in result.notes)


def test_plain_graph_with_populations(lbbd):
    """A bare networkx graph (as for LSOAs): a 6 x 6 grid of equal units splits into four localities of nine."""
    grid = nx.grid_2d_graph(6, 6)
    nx.set_node_attributes(grid, 1.0, "population")
    optimiser = Optimiser(grid, 4, weights=BALANCE_ONLY, seed=0, max_steps=3_000)
    result = optimiser.solve()
    assert result.area is None
    assert result.scores.max_abs_deviation[0] == 0.0
    assert np.bincount(result.codes[0], minlength=4).tolist() == [9, 9, 9, 9]
    nodes = list(grid.nodes)
    assert localities_are_contiguous(grid, nodes, result.codes[0], 4)
    assert any("unit graph only" in note for note in result.notes)
    assert optimiser.graph.ids == tuple(str(n) for n in nodes)


def test_plain_graph_penalty_counts_cut_edges():
    """With compactness weighted, the 4 x 4 grid's best 2-split is a straight cut: 4 cut edges (the fewest possible)."""
    grid = nx.grid_2d_graph(4, 4)
    nx.set_node_attributes(grid, 1.0, "population")
    result = Optimiser(grid, 2, weights=Weights(balance=1, nesting=0, compactness=1, continuity=0), seed=0,
                       max_steps=2_000).solve()
    assert result.scores.max_abs_deviation[0] == 0.0
    assert result.scores.cut_edges[0] == 4


def test_graph_without_populations_is_a_clear_error():
    grid = nx.grid_2d_graph(3, 3)
    with pytest.raises(LocalignError, match="population"):
        Optimiser(grid, 2)


def test_disconnected_graph_is_a_clear_error():
    graph = nx.Graph([(1, 2), (3, 4)])
    nx.set_node_attributes(graph, 1.0, "population")
    with pytest.raises(LocalignError, match="separate pieces"):
        Optimiser(graph, 2)


def test_too_many_localities_is_a_clear_error(lbbd):
    with pytest.raises(LocalignError, match="cannot make 20 localities from 19"):
        Optimiser(lbbd, 20, max_steps=10).solve()


def test_unknown_unit_in_constraints_is_a_clear_error(lbbd):
    with pytest.raises(LocalignError, match="not in the study area"):
        Optimiser(lbbd, 4, constraints=Constraints(together=(("E05014053", "NOPE"),)))


def test_progress_reaches_one(lbbd):
    seen: list[float] = []
    Optimiser(lbbd, 4, seed=0, max_steps=300).solve(progress=lambda fraction, message: seen.append(fraction))
    assert seen and seen[-1] == 1.0 and all(0.0 <= f <= 1.0 for f in seen)
