"""Growth scenarios: residents added from the bundled table, the exact minimax (robust) plan against a brute force over
every plan, and every export naming the PCN basis, the balance measures and the scenario."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from analysis.cli import main
from analysis.solvers.enumeration import enumerate_area
from analysis.metrics.evaluate import evaluate
from analysis.present.exports import export
from analysis.plan.context import StudyContext
from analysis.plan.partition import current_plan
from analysis.solvers.robust import BASE, propose_robust
from geo.bundle import DEFAULT_BUNDLE
from geo.errors import LocalignError

BUILD_OUT = "Barking Riverside build-out (30,000 residents)"
EXTENDED = "Barking Riverside extended (50,000 residents)"


def scenario_residents(name: str) -> pd.Series:
    """Residents per ward under a scenario, from the two CSVs directly."""
    residents = pd.read_csv(DEFAULT_BUNDLE / "ward_population.csv").set_index("ward_code")["population"].astype(float)
    table = pd.read_csv(DEFAULT_BUNDLE / "growth_scenarios.csv")
    added = table[table["scenario"] == name].groupby("ward_code")["added_residents"].sum()
    return residents.add(added, fill_value=0.0)


def test_scenario_adds_residents_to_barking_riverside(lbbd):
    area = lbbd.variant(scenario=BUILD_OUT)
    assert area.total_population == lbbd.total_population + 25_000
    assert area.population["E05014055"] == lbbd.population["E05014055"] + 25_000
    result = evaluate(area, current_plan(area))
    assert result.scenario == BUILD_OUT and "council" in area.note("growth_scenarios")
    expected = scenario_residents(BUILD_OUT)
    plan = current_plan(lbbd)
    for locality in plan.localities:
        assert result.populations[locality] == expected[plan.members(locality)].sum()
    assert result.max_abs_deviation > 0.2 - 1e-3  # a plan balanced on 2021 can be 20 %+ out
    with pytest.raises(LocalignError, match="no scenario 'Dagenham Dock'"):
        lbbd.variant(scenario="Dagenham Dock")


def test_robust_plan_is_the_exact_minimax_over_base_and_scenarios(lbbd):
    result = propose_robust(lbbd, 4, [BUILD_OUT, EXTENDED], top=3)
    assert result.exact and result.cases == [BASE, BUILD_OUT, EXTENDED]
    codes = enumerate_area(lbbd, 4).codes  # every connected plan
    worst = np.zeros(len(codes))
    for residents in (lbbd.population.astype(float), scenario_residents(BUILD_OUT), scenario_residents(EXTENDED)):
        values = residents.reindex(lbbd.ids).to_numpy()
        totals = np.stack([(codes == j) @ values for j in range(4)], axis=1)
        worst = np.maximum(worst, np.abs(totals / (values.sum() / 4) - 1).max(axis=1))
    best = result.ranked[0]
    assert result.worst[best] == pytest.approx(worst.min(), abs=1e-12)
    assert len(result.proposals.plans) == len(codes)
    row = result.rows()[0]
    assert row["worst_max_abs_deviation"] == pytest.approx(max(row["max_abs_deviation_by_case"].values()))
    plan = result.plans()[0]
    under_build_out = evaluate(lbbd.variant(scenario=BUILD_OUT), plan).max_abs_deviation
    assert row["max_abs_deviation_by_case"][BUILD_OUT] == pytest.approx(under_build_out)


def test_cli_propose_robust_shows_base_and_scenario(capsys):
    assert main(["propose", "--k", "3", "--robust", "--scenario", BUILD_OUT, "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "exact: every valid plan was scored under every case" in out
    assert f"under {BASE}" in out and f"under {BUILD_OUT}" in out
    assert "Option 1 (the exact minimax plan):" in out
    assert main(["propose", "--k", "3", "--robust"]) == 2
    assert "needs at least one growth scenario" in capsys.readouterr().err


def test_every_export_states_pcn_basis_measures_and_scenario(lbbd, tmp_path):
    area = lbbd.variant(("population", "age_0_15"), BUILD_OUT)
    plan = current_plan(area)
    wanted = ("PCN basis: registered patients, July 2022", "Balance on: Residents", "Children aged 0-15",
              f"Scenario (assumption, not a projection): {BUILD_OUT}")
    csv = export(area, plan, "metrics-csv", tmp_path / "m.csv").read_text(encoding="utf-8-sig")
    geo = json.loads(export(area, plan, "wards-geojson", tmp_path / "w.geojson").read_text(encoding="utf-8"))
    pdf = "".join(page.extract_text() for page in PdfReader(export(area, [plan], "pdf", tmp_path / "p.pdf")).pages)
    pdf = " ".join(pdf.split())
    from analysis.present.exports.map_png import plan_figure

    figure = plan_figure(area, plan)
    png = " ".join(" ".join(t.get_text().split()) for t in figure.findobj(lambda a: hasattr(a, "get_text")))
    for text in (csv, " ".join(geo["localign"]["choices"]), pdf, png):
        for phrase in wanted:
            assert phrase in text, phrase
    assert geo["localign"]["pcn_basis"] == "registered patients, July 2022"
    assert geo["localign"]["balance_on"] == ["population", "age_0_15"] and geo["localign"]["scenario"] == BUILD_OUT
    first = geo["features"][0]["properties"]
    for column in area.attributes.columns:
        assert column in first
    assert "pcn_not_listed_patients" in first and "pcn_north_pcn_patients" in first
    assert export(area, plan, "png", tmp_path / "m.png").stat().st_size > 100_000


def test_the_same_choices_give_the_same_study_area_and_study_context(lbbd):
    area = lbbd.variant(("population", "age_0_15"), BUILD_OUT)
    assert lbbd.variant(("population", "age_0_15"), BUILD_OUT) is area
    assert area.without_scenario() is lbbd.variant(("population", "age_0_15"))
    assert not hasattr(lbbd, "cache")  # derived data lives in the study context, not on the study area
    assert StudyContext.of(area) is StudyContext.of(area) and StudyContext.of(area) is not StudyContext.of(lbbd)
    assert StudyContext.of(area).balance_names == ("population", "age_0_15")
