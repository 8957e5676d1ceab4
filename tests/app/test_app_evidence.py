"""The app's evidence choices (AppTest): balance on need, growth scenarios side by side, PCN basis and practice -> PCN
assignments, checked against the library's own evaluation of the same plan."""

from __future__ import annotations

import pytest

from analysis.metrics.evaluate import evaluate
from analysis.plan.partition import current_plan
from tests.apptest_support import no_exceptions, open_tab, show, start_app, texts

SCENARIO = "Barking Riverside build-out (30,000 residents)"


@pytest.fixture()
def at(tmp_path, monkeypatch):
    return start_app(tmp_path / "autosave", monkeypatch)


def test_balance_on_children_and_scenario_side_by_side(at, lbbd):
    no_exceptions(at)
    assert "PCN basis: registered patients, July 2022" in texts(open_tab(at, "PCNs × localities"))
    at.multiselect(key="balance_on").set_value(["population", "age_0_15"]).run()
    no_exceptions(at)
    expected = evaluate(lbbd.variant(("population", "age_0_15")), current_plan(lbbd))
    assert f"Largest deviation {expected.max_abs_deviation:.1%}" in texts(at)
    assert "Children aged 0-15" in texts(at)
    at.selectbox(key="scenario").set_value(SCENARIO).run()
    no_exceptions(at)
    shown = texts(at)
    assert "Base: 2021 residents" in shown and f"Scenario: {SCENARIO} (assumption)" in shown
    assert "Scenario (assumption, not a projection)" in shown
    table = at.dataframe[0].value
    scenario = evaluate(lbbd.variant(("population", "age_0_15"), SCENARIO), current_plan(lbbd))
    assert table.loc["Largest population deviation", "Scenario"] == f"{scenario.max_abs_deviation:.2%}"
    assert table.loc["Largest population deviation", "Base (2021)"] == f"{expected.max_abs_deviation:.2%}"


def test_assigning_a_practice_updates_pcn_figures(at, lbbd):
    at = show(at, "Bring data")
    no_exceptions(at)
    assert "Practices not in a listed PCN" in texts(at)
    at.selectbox(key="assign_practice").set_value("F82019")
    at.selectbox(key="assign_pcn").set_value("North PCN")
    at.button(key="assign_go").click().run()
    no_exceptions(at)
    assert at.session_state["practice_pcns"] == {"F82019": "North PCN"}
    assert "F82019 The Upstairs Surgery → North PCN" in texts(at)
    before = evaluate(lbbd, current_plan(lbbd))
    after = evaluate(lbbd.variant(assignments={"F82019": "North PCN"}), current_plan(lbbd))
    assert after.pcn_unassigned_total == pytest.approx(before.pcn_unassigned_total - 4299, abs=0.5)
    assert sum(after.pcn_residents["North PCN"].values()) == pytest.approx(
        sum(before.pcn_residents["North PCN"].values()) + 4299, abs=0.5)
