"""evaluate(): one call, every metric, the same numbers as the vectorised scorer and gerrychain."""

from __future__ import annotations

import json

import numpy as np
import pytest

from analysis.plan.context import StudyContext
from analysis.metrics.evaluate import evaluate
from analysis.metrics.definitions import METRICS
from analysis.plan.partition import current_plan, grouping_plan
from analysis.metrics.scoring import PlanScorer
from synthetic import code_of, grid_cells, make_area, plan_of, random_connected_plan

ISSUE_KEYS = {"k", "populations", "ideal", "deviations", "max_abs_deviation", "contiguous", "noncontiguous",
              "polsby_popper", "reock", "convex_hull", "cut_edges", "pcn_nesting", "pcns_split", "wards_moved",
              "population_moved", "retained_share"}


def test_result_is_json_ready_with_the_issue_keys(lbbd):
    data = evaluate(lbbd, current_plan(lbbd)).to_dict()
    assert ISSUE_KEYS <= set(data)
    assert json.loads(json.dumps(data)) == data  # plain JSON types only
    assert data["k"] == 3 and data["contiguous"] is True and data["noncontiguous"] == {}
    assert data["notes"] == lbbd.assumption_notes


def test_headline_has_every_defined_metric(lbbd):
    headline = evaluate(lbbd, current_plan(lbbd)).headline()
    assert {m.key for m in METRICS} <= set(headline)


def test_small_area_evaluation_end_to_end():
    """2 x 2 grid: west column A (10 south, 20 north), east column B (30 south, 50 north).
    Today, and as PCNs: south row X, north row Y."""
    population = {"c0r0": 10, "c0r1": 20, "c1r0": 30, "c1r1": 50}
    today = {"c0r0": "X", "c1r0": "X", "c0r1": "Y", "c1r1": "Y"}
    area = make_area(grid_cells(2, 2), population, groupings={"today": today, "pcn": today},
                     current="today", pcn="pcn")
    result = evaluate(area, plan_of(area, {"A": ["c0r0", "c0r1"], "B": ["c1r0", "c1r1"]}))
    assert result.populations == {"A": 30, "B": 80} and result.ideal == 55
    assert result.deviations == pytest.approx({"A": -25 / 55, "B": 25 / 55})
    assert result.polsby_popper == pytest.approx({"A": 2 * np.pi / 9, "B": 2 * np.pi / 9})
    assert result.cut_edges == 2 and result.contiguous
    # PCN X: 10 in A, 30 in B -> 3/4 in B; Y: 20 in A, 50 in B -> 5/7; nesting (30 + 50) / 110
    assert result.pcn_share_in_main_locality == pytest.approx({"X": 3 / 4, "Y": 5 / 7})
    assert result.pcn_nesting == pytest.approx(80 / 110)
    assert (result.pcns_split, result.pcns_split_90) == (2, 2)
    # continuity: A->X + B->Y keeps 10 + 50 = 60, A->Y + B->X keeps 20 + 30 = 50
    assert result.matched_to_current == {"A": "X", "B": "Y"}
    assert result.retained_share == pytest.approx(60 / 110)
    assert result.moved_wards == ["c0r1", "c1r0"] and result.population_moved == pytest.approx(50)


def lbbd_plans(lbbd):
    plans = [current_plan(lbbd), grouping_plan(lbbd, "pcn")]
    plans += [random_connected_plan(lbbd, k, seed) for k, seed in ((4, 11), (4, 12), (4, 13), (4, 14), (2, 15),
                                                                  (5, 16), (6, 17))]
    return plans


@pytest.mark.parametrize("adjacency", ["rook", "queen"])
def test_vectorised_scorer_equals_evaluate(lbbd, adjacency):
    by_k: dict[int, list] = {}
    for plan in lbbd_plans(lbbd):
        by_k.setdefault(plan.k, []).append(plan)
    for k, plans in by_k.items():
        table = PlanScorer(lbbd, k, adjacency).score(np.stack([p.codes() for p in plans]))
        for i, plan in enumerate(plans):
            result = evaluate(lbbd, plan, adjacency)
            assert table.populations[i].tolist() == [result.populations[loc] for loc in plan.localities]
            for key in ("max_abs_deviation", "population_range", "polsby_popper_mean", "polsby_popper_min",
                        "pcn_nesting", "retained_share", "population_moved"):
                assert getattr(table, key)[i] == pytest.approx(getattr(result, key), rel=1e-9, abs=1e-9), key
            for key in ("cut_edges", "pcns_split", "pcns_split_90", "wards_moved"):
                assert int(getattr(table, key)[i]) == getattr(result, key), key


def test_populations_and_cut_edges_agree_with_gerrychain(lbbd):
    from gerrychain import Partition
    from gerrychain.updaters import Tally, cut_edges

    from geo.adjacency import to_gerrychain

    graph = to_gerrychain(lbbd.graph("rook"), lbbd.population)
    for plan in lbbd_plans(lbbd)[2:6]:
        partition = Partition(graph, dict(plan.assignment), {"population": Tally("population"), "cut_edges": cut_edges})
        result = evaluate(lbbd, plan)
        assert dict(partition["population"]) == result.populations
        assert len(partition["cut_edges"]) == result.cut_edges


def test_context_is_built_once_per_adjacency(lbbd):
    assert StudyContext.of(lbbd, "rook") is StudyContext.of(lbbd, "rook")
    assert StudyContext.of(lbbd, "queen").graph.n_edges == 41


def test_repeated_evaluation_gives_the_same_numbers(lbbd):
    plan = random_connected_plan(lbbd, 4, 99)
    first, second = evaluate(lbbd, plan), evaluate(lbbd, plan)
    assert first.to_dict() == second.to_dict()
    unit, old = plan.unit_ids[0], plan.labels[0]
    new = next(loc for loc in plan.localities if loc != old)
    moved = evaluate(lbbd, plan.reassign({unit: new}))
    assert moved.populations[new] == first.populations[new] + lbbd.population[unit]
    assert moved.populations[old] == first.populations[old] - lbbd.population[unit]
    assert evaluate(lbbd, plan).to_dict() == first.to_dict()  # cached hull scores do not leak between plans


def test_non_contiguous_plan_is_evaluated_and_flagged(lbbd):
    chadwell = code_of(lbbd, "Chadwell Heath")
    plan = current_plan(lbbd).reassign({chadwell: "West"})
    result = evaluate(lbbd, plan)
    assert result.contiguous is False
    assert result.noncontiguous["West"][1] == [chadwell]
    assert result.populations["West"] == 72_543 + lbbd.population[chadwell]


def test_every_documented_measure_is_in_the_result(lbbd):
    from analysis.metrics.definitions import LOCALITY_MEASURES, markdown_table, metric

    data = evaluate(lbbd, current_plan(lbbd)).to_dict()
    table = markdown_table()
    for definition in (*METRICS, *LOCALITY_MEASURES):
        assert definition.key in data, definition.key
        assert f"(`{definition.key}`)" in table
    assert metric("max_abs_deviation").format(data["max_abs_deviation"]) == "6.75%"  # 77,877 / 72,955 − 1
    assert metric("retained_share").format_delta(-0.064) == "-6.4 pts"
    assert metric("population_moved").format(13_922) == "13,922"
    assert metric("contiguous").format(False) == "no"
