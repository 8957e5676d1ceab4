"""Proposals on the bundled wards: exhaustive ranking, requirements, Pareto front, percentiles and the method choice."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from analysis.plan.context import StudyContext
from analysis.solvers import propose as propose_module
from analysis.solvers.enumeration import Search, enumerate_area, enumerate_partitions
from analysis.metrics.evaluate import evaluate
from analysis.metrics.population import within_tolerance
from analysis.solvers.pareto import objective_costs
from analysis.plan.partition import current_plan
from analysis.solvers.propose import propose
from analysis.constraints.rules import Constraints
from analysis.cli.requirements import parse_fraction, parse_requirements, resolve_unit
from analysis.metrics.scoring import PlanScorer, Weights, penalty
from geo.bundle import study_area_from_frames
from geo.errors import LocalignError


@pytest.fixture(scope="module")
def all4(lbbd):
    """Every 4-locality plan, listed and scored independently of propose()."""
    codes = enumerate_partitions(Search(StudyContext.of(lbbd).graph, 4))
    return codes, PlanScorer(lbbd, 4).score(codes)


def ward(lbbd, name):
    return lbbd.ids[list(lbbd.unit_names).index(name)]


def test_exhaustive_top_plans_are_the_lowest_penalties_of_all_plans(lbbd, all4):
    codes, scores = all4
    weights = Weights(balance=1, nesting=1, compactness=0.5, continuity=0.5)
    result = propose(lbbd, 4, weights=weights, top=5)
    assert result.method == "exhaustive" and result.connected_count == 336_985 and len(result.plans) == 336_985
    expected = np.sort(penalty(scores, weights))[:5]
    np.testing.assert_allclose(result.penalty[result.ranked], expected, rtol=1e-12)
    assert list(result.penalty[result.ranked]) == sorted(result.penalty[result.ranked])


def test_balance_only_weights_find_the_most_balanced_plan(lbbd, all4):
    _, scores = all4
    result = propose(lbbd, 4, weights=Weights(balance=1, nesting=0, compactness=0, continuity=0), top=1)
    best = result.plans.plan(int(result.ranked[0]))
    deviation = evaluate(lbbd, best).max_abs_deviation
    assert deviation == pytest.approx(scores.max_abs_deviation.min(), rel=1e-12)
    assert 0.0313 < deviation < 0.0315  # the optimum issue 7 quotes
    assert result.on_front()[0]


def test_population_bound_keeps_exactly_the_plans_within_it(lbbd, all4):
    codes, scores = all4
    result = propose(lbbd, 4, Constraints(max_deviation=0.05), top=3)
    inside = within_tolerance(scores.populations, lbbd.total_population, 0.05)
    assert len(result.plans) == inside.sum() > 0
    assert {r.tobytes() for r in result.plans.codes} == {r.tobytes() for r in codes[inside]}


def test_requirements_hold_in_every_proposed_plan(lbbd_areas):
    lbbd = lbbd_areas  # on registered patients every plan splits every PCN, so the PCN limit is tested on areas
    constraints = parse_requirements(lbbd, ["together:abbey,GASCOIGNE", "apart:Heath,Village",
                                            "fixed:Alibon=east", "max-pcns-split=5", "max-deviation=20%"])
    result = propose(lbbd, 4, constraints, top=8)
    assert len(result.ranked) == 8
    abbey, gascoigne = ward(lbbd, "Abbey"), ward(lbbd, "Gascoigne")
    heath, village, alibon = ward(lbbd, "Heath"), ward(lbbd, "Village"), ward(lbbd, "Alibon")
    for position in result.ranked:
        plan = result.plans.plan(int(position))
        labels = plan.assignment
        assert labels[abbey] == labels[gascoigne]
        assert labels[heath] != labels[village]
        assert labels[alibon] == "East"
        check = evaluate(lbbd, plan)
        assert check.pcns_split <= 5 and check.max_abs_deviation <= 0.20 and check.contiguous


def test_requirements_filter_the_same_plans_as_a_direct_check(lbbd_areas, all4):
    lbbd = lbbd_areas  # PCN splits on the approximate areas (on registered patients every plan splits all six)
    codes, _ = all4
    scores = PlanScorer(lbbd, 4).score(codes)
    index = {u: i for i, u in enumerate(lbbd.ids)}
    abbey, gascoigne = index[ward(lbbd, "Abbey")], index[ward(lbbd, "Gascoigne")]
    expected = (codes[:, abbey] == codes[:, gascoigne]) & (scores.pcns_split <= 3)
    constraints = parse_requirements(lbbd, ["together:Abbey,Gascoigne", "max-pcns-split=3"])
    assert len(propose(lbbd, 4, constraints, top=1).plans) == expected.sum() > 0


def test_fixed_to_a_current_locality_means_the_locality_that_continues_it(lbbd):
    result = propose(lbbd, 3, parse_requirements(lbbd, ["fixed:Heath=West"]), top=20)
    heath = ward(lbbd, "Heath")  # today in North
    assert len(result.plans) > 0
    for position in result.ranked:
        assert result.plans.plan(int(position)).assignment[heath] == "West"


def test_pareto_front_is_non_dominated_and_ordered_by_penalty(lbbd):
    result = propose(lbbd, 3, top=3)
    costs = objective_costs(result.plans.scores)
    assert list(result.penalty[result.front]) == sorted(result.penalty[result.front])
    for i in result.front[:50]:
        assert not ((costs <= costs[i]).all(axis=1) & (costs < costs[i]).any(axis=1)).any()


def test_percentiles_of_todays_localities_count_the_plans_they_beat(lbbd):
    result = propose(lbbd, 3, top=1)
    standings = result.standings(current_plan(lbbd))
    values = result.plans.scores.max_abs_deviation
    mine = evaluate(lbbd, current_plan(lbbd)).max_abs_deviation
    balance = standings["max_abs_deviation"]
    assert balance.better_than == pytest.approx((values > mine + 1e-9).mean())
    assert balance.rank == 1 + int((values < mine - 1e-9).sum())
    assert balance.ties >= 1  # today's plan is one of the valid plans
    kept = standings["retained_share"]
    assert kept.rank == 1 and kept.worse_than == 0  # no plan keeps more residents than today's localities
    assert "more balanced than" in balance.sentence()


def test_percentiles_need_the_same_number_of_localities(lbbd):
    result = propose(lbbd, 4, top=1)
    with pytest.raises(LocalignError, match="3 localities"):
        result.standings(current_plan(lbbd))


def test_enumeration_is_cached_on_the_study_area(lbbd):
    first = enumerate_area(lbbd, 3)
    assert enumerate_area(lbbd, 3) is first
    bounded = enumerate_area(lbbd, 3, max_deviation=0.1)
    assert bounded.derived_from_cache and len(bounded) == within_tolerance(
        first.scores.populations, lbbd.total_population, 0.1).sum()
    assert "already listed" in propose(lbbd, 3, top=1).notes[0]


def test_auto_uses_the_optimiser_when_there_are_too_many_plans(lbbd, monkeypatch):
    monkeypatch.setattr(propose_module, "MAX_EXHAUSTIVE_PLANS", 100)  # 142 plans are within ±10 %
    fresh = lbbd.with_grouping(lbbd.current)  # a copy without the cached enumerations
    result = propose(fresh, 4, Constraints(max_deviation=0.10), top=3, budget_s=1.0, seed=3)
    assert result.method == "optimiser" and not result.exhaustive
    assert "optimiser" in result.notes[0] and result.connected_count is None
    for position in result.ranked:
        check = evaluate(fresh, result.plans.plan(int(position)))
        assert check.contiguous and check.max_abs_deviation <= 0.10 + 1e-12
    with pytest.raises(LocalignError, match="optimiser"):
        result.standings(result.plans.plan(int(result.ranked[0])))


def test_auto_uses_the_optimiser_above_63_units():
    cells = [box(x * 100, y * 100, (x + 1) * 100, (y + 1) * 100) for y in range(8) for x in range(8)]
    units = gpd.GeoDataFrame({"name": [f"cell {i}" for i in range(64)]}, geometry=cells, crs="EPSG:27700",
                             index=[f"C{i:02d}" for i in range(64)])
    area = study_area_from_frames(units, [100.0] * 64)
    result = propose(area, 2, Constraints(max_deviation=0.05), top=2, budget_s=1.0)
    assert result.method == "optimiser" and "64 units" in result.notes[0]
    with pytest.raises(LocalignError, match="at most 63"):
        propose(area, 2, method="exhaustive")


def test_requirement_words_are_checked(lbbd):
    assert resolve_unit(lbbd, "  barking   RIVERSIDE ") == ward(lbbd, "Barking Riverside")
    assert resolve_unit(lbbd, ward(lbbd, "Heath").lower()) == ward(lbbd, "Heath")
    with pytest.raises(LocalignError) as error:
        parse_requirements(lbbd, ["together:Abbey,Atlantis"])
    assert "'Atlantis' is not a ward" in str(error.value) and "Whalebone" in str(error.value)
    for bad, message in [("near:Abbey,Heath", "not a requirement"), ("together:Abbey", "fewer than two"),
                         ("max-pcns-split=2.5", "whole number"), ("fixed:Abbey", "no '='"),
                         ("max-deviation=lots", "not a number")]:
        with pytest.raises(LocalignError, match=message):
            parse_requirements(lbbd, [bad])
    with pytest.raises(LocalignError, match="both together and apart"):
        parse_requirements(lbbd, ["together:Abbey,Heath", "apart:Heath,Abbey"])
    with pytest.raises(LocalignError, match="both together and apart"):
        parse_requirements(lbbd, ["fixed:Abbey=West,Heath=West", "apart:Heath,Abbey"])
    assert parse_fraction("5%") == pytest.approx(0.05) and parse_fraction("0.05") == 0.05


def test_progress_reports_rise_to_one(lbbd):
    calls = []
    propose(lbbd.with_grouping(lbbd.current), 4, Constraints(max_deviation=0.2), top=2,
            progress=lambda fraction, message: calls.append((fraction, message)))
    fractions = [f for f, _ in calls]
    assert len(calls) > 10 and fractions == sorted(fractions) and fractions[-1] == 1.0
    assert all(isinstance(m, str) and m for _, m in calls)


def test_fixed_to_a_new_name_labels_that_wards_locality(lbbd):
    result = propose(lbbd, 4, parse_requirements(lbbd, ["fixed:Thames View=Riverside,Abbey=Riverside"]), top=5)
    thames, abbey = ward(lbbd, "Thames View"), ward(lbbd, "Abbey")
    for position in result.ranked:
        plan = result.plans.plan(int(position))
        assert plan.assignment[thames] == plan.assignment[abbey] == "Riverside"
        assert len(set(plan.localities)) == 4


def test_the_recom_method_samples_distinct_balanced_plans_all_of_which_exhaustive_enumeration_also_finds(lbbd):
    from analysis.solvers.optimise import canonical

    sampled = propose(lbbd, 4, method="recom", seed=3, top=5)
    exhaustive = propose(lbbd, 4, constraints=Constraints(max_deviation=0.10), top=5)
    codes = canonical(sampled.plans.codes)
    assert sampled.method == "recom" and not sampled.exhaustive
    assert len(np.unique(codes, axis=0)) == len(codes) > 1, "each sampled plan is listed once"
    assert (sampled.plans.scores.max_abs_deviation <= 0.10 + 1e-12).all()
    every_plan = {row.tobytes() for row in canonical(exhaustive.plans.codes)}
    assert {row.tobytes() for row in codes} <= every_plan
    assert sampled.penalty[sampled.ranked[0]] >= exhaustive.penalty[exhaustive.ranked[0]] - 1e-12
