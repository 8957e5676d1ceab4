"""The compiled PlanScorer against the numpy metric functions (every enumerated plan) and against evaluate()."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from analysis.plan.context import StudyContext
from analysis.metrics import scoring
from analysis.solvers.enumeration import Search, enumerate_partitions
from analysis.metrics.evaluate import evaluate
from analysis.plan.partition import plan_from_codes
from analysis.metrics.scoring import PlanScorer

INTEGER_METRICS = {"cut_edges", "pcns_split", "pcns_split_90", "wards_moved"}


def assert_tables_equal(a, b):
    for f in fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        assert x.shape == y.shape, f.name
        if f.name in INTEGER_METRICS:
            assert np.array_equal(x, y), f.name
        else:
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12, err_msg=f.name)


@pytest.fixture(scope="module")
def plans3(lbbd):
    return enumerate_partitions(Search(StudyContext.of(lbbd).graph, 3))


def test_kernel_equals_the_numpy_metric_functions_on_every_3_locality_plan(lbbd, plans3):
    scorer = PlanScorer(lbbd, 3)
    assert_tables_equal(scorer.score(plans3), scorer.score_reference(plans3))


def test_kernel_equals_the_numpy_metric_functions_on_4_locality_plans(lbbd):
    codes = enumerate_partitions(Search(StudyContext.of(lbbd).graph, 4))[::37]
    scorer = PlanScorer(lbbd, 4)
    assert_tables_equal(scorer.score(codes), scorer.score_reference(codes))


def test_hungarian_fallback_gives_the_same_table(lbbd, plans3, monkeypatch):
    monkeypatch.setattr(scoring, "MAX_KERNEL_MATCHINGS", 0)
    fallback = PlanScorer(lbbd, 3)
    assert fallback.maps is None
    sample = plans3[::101]
    assert_tables_equal(fallback.score(sample), PlanScorer(lbbd, 3).score_reference(sample))


@pytest.mark.parametrize("k", [3, 4])
def test_scores_match_evaluate_on_sampled_plans(lbbd, k):
    codes = enumerate_partitions(Search(StudyContext.of(lbbd).graph, k))
    sample = codes[np.random.default_rng(k).choice(len(codes), 25, replace=False)]
    table = PlanScorer(lbbd, k).score(sample)
    for row, plan_codes in enumerate(sample):
        plan = plan_from_codes(lbbd, plan_codes, tuple(f"L{j}" for j in range(k)), "sample")
        result = evaluate(lbbd, plan)
        for f in fields(table):
            mine = getattr(table, f.name)[row]
            if f.name == "populations":
                np.testing.assert_allclose(mine, [result.populations[loc] for loc in plan.localities], rtol=1e-12)
            else:
                assert mine == pytest.approx(getattr(result, f.name), rel=1e-12, abs=1e-12), f.name


def test_int8_and_single_plans_score_like_int64_batches(lbbd, plans3):
    scorer = PlanScorer(lbbd, 3)
    batch = scorer.score(plans3[:50].astype(np.int64))
    single = scorer.score(plans3[7])
    assert_tables_equal(single, batch.take(np.array([7])))


def test_out_of_range_locality_indices_are_refused(lbbd, plans3):
    with pytest.raises(ValueError):
        PlanScorer(lbbd, 2).score(plans3[:3])
