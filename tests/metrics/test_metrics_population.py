"""Population balance, checked against hand-worked numbers and against pandas sums of the bundled CSVs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.metrics.evaluate import evaluate
from analysis.metrics import population
from analysis.plan.partition import current_plan
from synthetic import make_area, plan_of

BUNDLE = Path(__file__).resolve().parents[2] / "data" / "boundaries" / "lbbd"


@pytest.fixture(scope="module")
def strip():
    """Four 100 m squares in a row with 100, 200, 300 and 400 residents."""
    return make_area({"a": (0, 0), "b": (1, 0), "c": (2, 0), "d": (3, 0)}, {"a": 100, "b": 200, "c": 300, "d": 400})


def test_two_localities_by_hand(strip):
    result = evaluate(strip, plan_of(strip, {"L": ["a", "b"], "R": ["c", "d"]}))
    # L = 100 + 200 = 300, R = 300 + 400 = 700, total 1000, ideal 1000 / 2 = 500
    assert result.populations == {"L": 300, "R": 700}
    assert result.ideal == 500
    assert result.deviations == pytest.approx({"L": -0.4, "R": 0.4})  # (300 - 500) / 500, (700 - 500) / 500
    assert result.max_abs_deviation == pytest.approx(0.4)
    assert result.population_range == pytest.approx(0.8)  # (700 - 300) / 500


def test_three_localities_by_hand(strip):
    result = evaluate(strip, plan_of(strip, {"A": ["a", "b"], "B": ["c"], "C": ["d"]}))
    # populations 300, 300, 400; ideal 1000 / 3
    ideal = 1000 / 3
    assert result.ideal == pytest.approx(ideal)
    assert result.deviations == pytest.approx({"A": 300 / ideal - 1, "B": 300 / ideal - 1, "C": 400 / ideal - 1})
    assert result.deviations["C"] == pytest.approx(0.2)
    assert result.deviations["A"] == pytest.approx(-0.1)
    assert sum(result.deviations.values()) == pytest.approx(0.0, abs=1e-12)
    assert result.max_abs_deviation == pytest.approx(0.2)
    assert result.population_range == pytest.approx(0.3)  # (400 - 300) / 333.3


def test_functions_work_on_many_plans_at_once():
    pops = np.array([[300.0, 700.0], [500.0, 500.0], [450.0, 550.0]])
    assert population.deviations(pops, 1000) == pytest.approx(np.array([[-0.4, 0.4], [0, 0], [-0.1, 0.1]]))
    assert population.max_abs_deviation(pops, 1000).tolist() == pytest.approx([0.4, 0.0, 0.1])
    assert population.population_range(pops, 1000).tolist() == pytest.approx([0.8, 0.0, 0.2])
    assert population.within_tolerance(pops, 1000, 0.1).tolist() == [False, True, True]  # 10 % is inclusive
    assert population.shares(np.array([[1.0, 3.0], [0.0, 0.0]])).tolist() == [[0.25, 0.75], [0.0, 0.0]]


def test_current_localities_of_the_bundle(lbbd):
    wards = pd.read_csv(BUNDLE / "ward_population.csv")
    localities = pd.read_csv(BUNDLE / "current_localities_INFERRED.csv")
    expected = wards.merge(localities[["ward_code", "locality_candidate"]], on="ward_code") \
        .groupby("locality_candidate")["population"].sum()
    assert expected.to_dict() == {"East": 68_445, "North": 77_877, "West": 72_543}
    result = evaluate(lbbd, current_plan(lbbd))
    assert result.populations == expected.astype(float).to_dict()
    assert result.ideal == pytest.approx(218_865 / 3)
    assert result.deviations["North"] == pytest.approx(77_877 / (218_865 / 3) - 1)
    assert result.max_abs_deviation == pytest.approx(77_877 / 72_955 - 1)  # North is furthest from 72,955
    assert result.population_range == pytest.approx((77_877 - 68_445) / 72_955)
    assert sum(result.deviations.values()) == pytest.approx(0.0, abs=1e-12)


def test_other_attributes_get_totals_and_shares(lbbd):
    wards = pd.read_csv(BUNDLE / "ward_population.csv").set_index("ward_code")
    deprived = pd.read_csv(BUNDLE / "ward_deprivation.csv").set_index("ward_code")
    labels = pd.read_csv(BUNDLE / "current_localities_INFERRED.csv").set_index("ward_code")["locality_candidate"]
    result = evaluate(lbbd, current_plan(lbbd))
    best_fit = wards["population_lsoa21_bestfit"].groupby(labels).sum()
    assert result.attribute_totals["population_lsoa21_bestfit"] == best_fit.astype(float).to_dict()
    counts = deprived["residents_most_deprived_20pct"].groupby(labels).sum()
    assert result.attribute_shares["residents_most_deprived_20pct"] == pytest.approx((counts / counts.sum()).to_dict())
    for shares in result.attribute_shares.values():
        assert sum(shares.values()) == pytest.approx(1.0)
