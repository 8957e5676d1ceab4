"""compare(): metric deltas between two plans and the wards that change locality."""

from __future__ import annotations

import json

import pytest

from analysis.metrics.compare import compare
from analysis.metrics.evaluate import evaluate
from analysis.plan.partition import current_plan
from synthetic import code_of, plan_of, random_connected_plan


def test_one_ward_moved(lbbd):
    current = current_plan(lbbd)
    mayesbrook = code_of(lbbd, "Mayesbrook")
    edited = current.reassign({mayesbrook: "West"}, name="Mayesbrook to West")
    result = compare(lbbd, current, edited)
    people = float(lbbd.population[mayesbrook])
    assert [(m.unit, m.name, m.locality_a, m.locality_b) for m in result.moves] == \
        [(mayesbrook, "Mayesbrook", "North", "West")]
    assert result.population_moved == people
    assert result.matching == {"East": "East", "North": "North", "West": "West"}
    # North 77,877 loses Mayesbrook, West 72,543 gains it; ideal 72,955
    north, west, east = 77_877 - people, 72_543 + people, 68_445
    expected = max(abs(p / 72_955 - 1) for p in (north, west, east))
    assert result.deltas["max_abs_deviation"] == pytest.approx(expected - (77_877 / 72_955 - 1))
    assert result.deltas["wards_moved"] == 1
    assert result.deltas["retained_share"] == pytest.approx(-people / 218_865)
    assert result.b.populations == {"East": east, "North": north, "West": west}


def test_same_partition_under_other_names_changes_nothing(lbbd):
    current = current_plan(lbbd)
    renamed = current.renamed({"East": "Dagenham", "West": "Barking", "North": "Becontree"})
    result = compare(lbbd, current, renamed)
    assert result.moves == []
    assert result.matching == {"Dagenham": "East", "Barking": "West", "Becontree": "North"}
    assert all(delta == 0 for delta in result.deltas.values() if delta is not None)


def test_four_localities_against_the_current_three(lbbd):
    current, proposal = current_plan(lbbd), random_connected_plan(lbbd, 4, 21)
    result = compare(lbbd, current, proposal)
    evaluation = evaluate(lbbd, proposal)
    assert [m.unit for m in result.moves] == evaluation.moved_wards
    assert result.population_moved == pytest.approx(evaluation.population_moved)
    assert list(result.matching.values()).count(None) == 1
    for move in result.moves:
        assert move.locality_a == lbbd.current.labels[move.unit]
        assert move.locality_b == proposal.assignment[move.unit]
    data = result.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["wards_changing_count"] == len(result.moves)
    assert data["metrics_b"]["max_abs_deviation"] == pytest.approx(evaluation.max_abs_deviation)


def test_compare_with_queen_adjacency(lbbd):
    pair = [code_of(lbbd, "Alibon"), code_of(lbbd, "Goresbrook")]
    plan = plan_of(lbbd, {u: ("Pair" if u in pair else "Rest") for u in lbbd.ids})
    rook, queen = compare(lbbd, current_plan(lbbd), plan), compare(lbbd, current_plan(lbbd), plan, "queen")
    assert rook.b.contiguous is False and queen.b.contiguous is True
    assert queen.deltas["contiguous"] == 0 and rook.deltas["contiguous"] == -1
