"""The metric registry: every metric declared once, and every table, view and batch form read from it."""

from __future__ import annotations

from dataclasses import fields

import pytest

from analysis.metrics import definitions
from analysis.metrics.definitions import HEADLINE, METRICS, SCORED, metric, shown_in
from analysis.metrics.evaluate import evaluate
from analysis.metrics.scoring import OBJECTIVE_METRICS, OBJECTIVES, PlanScorer, ScoreTable, Weights
from analysis.plan.partition import current_plan
from synthetic import code_of


def test_each_key_is_declared_once():
    keys = [m.key for m in (*METRICS, *definitions.LOCALITY_MEASURES, *definitions.ATTRIBUTE_MEASURES)]
    assert len(keys) == len(set(keys))


def test_the_board_leads_with_the_registry_director_view():
    from analysis.metrics.audience import DIRECTOR_METRICS, director_metrics

    assert DIRECTOR_METRICS == shown_in("director") == ("max_abs_deviation", "contiguous", "pcn_nesting",
                                                        "pcns_split", "retained_share", "wards_moved",
                                                        "population_moved")
    assert [m.key for m in director_metrics()] == list(DIRECTOR_METRICS)


def test_the_score_table_has_one_column_per_scored_metric():
    columns = [f.name for f in fields(ScoreTable) if f.name != "populations"]
    assert columns == list(SCORED)
    assert all(metric(key).phrase and metric(key).better != "none" for key in SCORED)


def test_every_objective_has_one_metric_and_one_weight():
    assert set(OBJECTIVES) == {m.objective for m in METRICS if m.objective} == set(Weights().as_dict())
    assert OBJECTIVE_METRICS["balance"] == ("max_abs_deviation", "lower")


def test_views_list_known_metrics_in_distinct_positions():
    for view in ("key_figures", "map_png", "options", "cli_table"):
        positions = [m.shown[view] for m in METRICS if view in m.shown]
        assert len(positions) == len(set(positions)) and shown_in(view)


def test_batch_scores_equal_the_per_plan_evaluation(lbbd):
    """The compiled batch form of each scored metric gives evaluate()'s value (current plan and two edits)."""
    plan = current_plan(lbbd)
    plans = [plan, plan.reassign({code_of(lbbd, "Goresbrook"): "North"}),
             plan.reassign({code_of(lbbd, "Abbey"): "East", code_of(lbbd, "Heath"): "West"})]
    for candidate in plans:
        result = evaluate(lbbd, candidate)
        table = PlanScorer(lbbd, candidate.k).score(candidate.codes())
        head = result.headline()
        assert list(head) == list(HEADLINE)
        for key in SCORED:
            assert getattr(table, key)[0] == pytest.approx(head[key], rel=1e-9, abs=1e-12), key


def test_metric_keys_are_spelt_out_only_in_the_registry_and_the_kernel():
    """No module but the registry (and the compiled kernel checked against it) writes a metric key as a string, except
    to look its declaration up with metric(key)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    keys = {m.key for m in (*METRICS, *definitions.LOCALITY_MEASURES)} - {"pcn_basis"}
    allowed = {"analysis/metrics/definitions.py", "analysis/metrics/score_kernel.py"}
    found = []
    for path in [*root.glob("analysis/**/*.py"), root / "app.py"]:
        rel = path.relative_to(root).as_posix()
        if rel in allowed:
            continue
        tree = ast.parse(path.read_text())
        lookups = {id(arg) for node in ast.walk(tree) if isinstance(node, ast.Call)
                   and getattr(node.func, "id", None) == "metric" for arg in node.args}  # metric("key") reads it
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in keys and id(node) not in lookups:
                found.append(f"{rel}:{node.lineno} {node.value!r}")
    assert found == []
