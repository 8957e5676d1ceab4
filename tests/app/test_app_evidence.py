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


def open_balance(at, is_open: bool = True):
    """Open (or close) the sidebar's balance section for the next run: it is drawn only when open."""
    at.session_state["balance_settings"] = is_open
    return at


def test_balance_on_children_and_scenario_side_by_side(at, lbbd):
    no_exceptions(at)
    assert "PCN basis: registered patients, July 2022" in texts(open_tab(at, "PCNs × localities"))
    open_balance(at).run()
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


def test_balance_settings_are_drawn_only_when_open_and_summarised_when_closed(at, lbbd):
    """A first visit draws no slider or measure picker (their code is the costliest of the sidebar's); a line above
    the closed section says the settings in force, and opening it shows them as they are."""
    no_exceptions(at)
    assert not at.slider and not at.multiselect
    assert [e.label for e in at.expander] == ["Change balance or growth"]
    assert "Balance on Residents · ±10% · no growth scenario" in [c.value for c in at.sidebar.caption]
    at.session_state["tolerance_pct"] = 15
    at.session_state["balance_on"] = ["population", "age_65_plus"]
    at.session_state["scenario"] = SCENARIO
    at.run()
    no_exceptions(at)
    assert not at.slider
    assert f"Balance on Residents + Residents aged 65 and over · ±15% · growth: {SCENARIO}" in [
        c.value for c in at.sidebar.caption]
    assert "Scenario: " + SCENARIO + " (assumption)" in texts(at)
    open_balance(at).run()
    assert at.slider(key="tolerance_pct").value == 15
    assert at.multiselect(key="balance_on").value == ["population", "age_65_plus"]
    assert at.selectbox(key="scenario").value == SCENARIO


def test_balance_settings_survive_closing_their_section_and_the_presentation_view(at, lbbd):
    """Settings made in the section stay in force when it is closed, through the presentation view (which draws no
    sidebar) and after leaving it: Streamlit forgets a widget's value when a run does not draw it."""
    open_balance(at).run()
    at.slider(key="tolerance_pct").set_value(15)
    at.multiselect(key="balance_on").set_value(["population", "age_0_15"])
    at.selectbox(key="scenario").set_value(SCENARIO).run()
    assert at.slider  # the section stays open while the planner works in it
    open_balance(at, False).run()
    assert not at.slider
    at.query_params["present"] = "1"
    at.run()
    at.run()  # a second run in the presentation view (any click there)
    no_exceptions(at)
    shown = texts(at)
    assert SCENARIO in shown and "Children aged 0-15" in shown
    del at.query_params["present"]
    open_balance(at).run()
    no_exceptions(at)
    assert at.slider(key="tolerance_pct").value == 15
    assert at.multiselect(key="balance_on").value == ["population", "age_0_15"]
    assert at.selectbox(key="scenario").value == SCENARIO
    expected = evaluate(lbbd.variant(("population", "age_0_15"), SCENARIO), current_plan(lbbd))
    assert f"Largest deviation {expected.max_abs_deviation:.1%}" in texts(at)

