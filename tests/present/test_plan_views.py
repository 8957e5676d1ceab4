"""What the screens show about a plan (analysis.present.views, analysis.present.charts, analysis.present.downloads, geo.catalogue)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.present.charts import pareto_chart, selected_option
from analysis.metrics.compare import compare
from analysis.present.downloads import plan_downloads, slug
from analysis.metrics.evaluate import evaluate
from analysis.plan.partition import current_plan
from analysis.present.views import (
    comparison_table,
    contiguity_warnings,
    key_figures,
    lock_summary,
    pcn_matrix,
    reference_plans,
    table_edits,
    ward_table,
)
from geo.bundle import DEFAULT_BUNDLE
from geo.catalogue import available_bundles, requested_bundle


def code(lbbd, name: str) -> str:
    return str(lbbd.unit_names[lbbd.unit_names == name].index[0])


def test_reference_plans_carry_their_assumption_labels(lbbd):
    plans = reference_plans(lbbd)
    assert list(plans) == ["Current localities (inferred – an assumption)", "PCN areas as localities (approximate)"]
    assert plans["Current localities (inferred – an assumption)"].same_assignment(current_plan(lbbd))


def test_contiguity_warning_names_the_wards_of_each_piece(lbbd):
    plan = current_plan(lbbd).reassign({code(lbbd, "Chadwell Heath"): "West"})
    (message,) = contiguity_warnings(lbbd, evaluate(lbbd, plan))
    west = [str(lbbd.unit_names[u]) for u, loc in lbbd.current.labels.items() if loc == "West"]
    assert message.startswith("West is in 2 separate pieces")
    assert "(2) Chadwell Heath." in message
    assert all(name in message for name in west)
    assert contiguity_warnings(lbbd, evaluate(lbbd, current_plan(lbbd))) == []


def test_key_figures_use_the_metric_definitions(lbbd):
    figures = {f.key: f for f in key_figures(evaluate(lbbd, current_plan(lbbd)))}
    assert figures["contiguous"].value == "yes" and figures["wards_moved"].value == "0"
    assert figures["max_abs_deviation"].title == "Largest population deviation"
    assert figures["max_abs_deviation"].meaning


def test_pcn_matrix_counts_every_resident_once(lbbd_areas):
    lbbd = lbbd_areas  # residents by approximate area (registered patients are tested in test_registrations.py)
    matrix = pcn_matrix(evaluate(lbbd, current_plan(lbbd)))
    localities = ["East", "North", "West"]
    assert matrix[localities].to_numpy().sum() == pytest.approx(lbbd.total_population, abs=len(matrix))
    assert (matrix["In main locality"] <= 1).all()
    largest = matrix[localities].max(axis=1) / matrix[localities].sum(axis=1)
    assert matrix["In main locality"].to_numpy() == pytest.approx(largest.to_numpy(), abs=1e-3)


def test_comparison_table_says_which_plan_is_better(lbbd):
    current = current_plan(lbbd)
    worse = current.reassign({code(lbbd, "Goresbrook"): "North"}, name="worse")
    table = comparison_table(compare(lbbd, current, worse), "A", "B").set_index("Measure")
    assert table.loc["Largest population deviation", "B is"] == "worse"
    assert table.loc["Wards that move", ["A", "B", "Change"]].tolist() == ["0", "1", "+1"]
    assert table.loc["Every locality in one piece", "B is"] == "—"


def test_table_edits_reads_moves_and_locks(lbbd):
    plan = current_plan(lbbd)
    table = ward_table(lbbd, plan, {})
    abbey, beam = code(lbbd, "Abbey"), code(lbbd, "Beam")
    table.loc[table["Code"] == abbey, "Locality"] = "North"
    table.loc[table["Code"] == beam, "Locked"] = True
    moves, locks = table_edits(plan, {}, table)
    assert moves == {abbey: "North"} and locks == {beam: "East"}
    assert table_edits(plan, {}, ward_table(lbbd, plan, {})) == ({}, {})
    assert lock_summary(lbbd, locks) == "Beam locked to East"


def test_pareto_chart_selection_round_trip():
    frame = pd.DataFrame({"option": [1, 2, 3], "dev": [0.01, 0.02, 0.05], "nest": [0.9, 0.95, 0.99]})
    spec = pareto_chart(frame, "dev", "nest", "Deviation", "Nesting", chosen=2).to_dict()
    params = spec.get("params", []) + [p for layer in spec.get("layer", []) for p in layer.get("params", [])]
    (selection,) = [p for p in params if p["name"] == "option"]
    assert selection["select"]["type"] == "point" and selection["select"]["fields"] == ["option"]
    ring = [layer for layer in spec["layer"] if layer["mark"].get("filled") is False]
    assert len(ring) == 1  # the option on the map is ringed
    assert selected_option({"selection": {"option": [{"option": 3}]}}) == 3
    assert selected_option({"selection": {"option": []}}) is None
    assert selected_option(None) is None


def test_downloads_cover_every_export_and_make_real_files(lbbd):
    plan = current_plan(lbbd)
    items = {d.key: d for d in plan_downloads(lbbd, plan)}
    assert list(items) == ["csv", "metrics-csv", "geojson", "wards-geojson", "png", "pdf"]
    csv = items["csv"].make().decode("utf-8").splitlines()
    assert len(csv) == 1 + len(lbbd.ids)
    wards = json.loads(items["wards-geojson"].make())
    assert len(wards["features"]) == len(lbbd.ids)
    assert items["csv"].file_name == f"{slug(plan.name)}-wards.csv"
    assert slug("Option 3 (edited)") == "option-3-edited"


def test_bundles_and_the_bundle_argument(tmp_path, monkeypatch):
    bundles = available_bundles()
    assert next(iter(bundles.values())).resolve() == DEFAULT_BUNDLE.resolve()
    monkeypatch.delenv("LOCALIGN_BUNDLE", raising=False)
    assert requested_bundle(["--bundle", str(tmp_path)]) == tmp_path
    assert requested_bundle(["-q", "tests"]) == DEFAULT_BUNDLE
    assert requested_bundle(["--b", "x"]) == DEFAULT_BUNDLE  # no abbreviations
    monkeypatch.setenv("LOCALIGN_BUNDLE", str(tmp_path))
    assert requested_bundle([]) == tmp_path


def test_standing_rows_round_down_and_keep_names(lbbd):
    from analysis.present.views import all_plans, standing_rows

    everything = all_plans(lbbd, 3)
    rows = dict(standing_rows(everything, current_plan(lbbd)))
    assert set(rows) == {"More balanced than", "Better PCN nesting than", "More compact than", "More continuity than"}
    # nothing beats today's localities on continuity, yet the share is never rounded up to 100 %
    assert rows["More continuity than"] == "99.9%"
