"""The app's Propose view (AppTest): rules and weights in, options out, locks kept, an option opened for editing."""

from __future__ import annotations

import networkx as nx
import pytest
from apptest_support import maps, metric, no_exceptions, pack_drawn_ahead, show, start_app, texts, ward_code

from analysis.constraints.rules import Constraints
from analysis.solvers.propose import propose


@pytest.fixture()
def app(tmp_path, monkeypatch):
    return show(start_app(tmp_path / "autosave", monkeypatch), "Propose")


def result(app):
    (proposals,) = app.session_state["proposals"].values()
    return proposals


def shown_plan(app):
    """The plan of the option shown under the chart."""
    from analysis.present.views import option_plan, option_table

    proposals = result(app)
    return option_plan(proposals, option_table(proposals), app.selectbox(key="p_show").value)


def test_default_rules_list_every_valid_plan_and_show_option_1(app, lbbd):
    app.button(key="p_run").click().run()
    no_exceptions(app)
    expected = propose(lbbd, 4, Constraints(max_deviation=0.10), top=10)
    assert f"**{len(expected.plans):,} plans** of 4 localities meet your rules." in texts(app)
    assert "the ranking is exact" in texts(app)
    plan = shown_plan(app)
    assert plan.same_assignment(expected.plans.plan(int(expected.ranked[0])))
    # option 1 keeps the rules, checked by hand: every locality within ±10 % and in one piece
    totals = lbbd.population.groupby(lbbd.population.index.map(dict(plan.assignment))).sum()
    ideal = lbbd.total_population / 4
    assert len(totals) == 4 and ((totals - ideal).abs() / ideal).max() <= 0.10
    graph = lbbd.graph("rook")
    assert all(nx.is_connected(graph.subgraph(plan.members(loc))) for loc in plan.localities)
    assert len(maps(app)) == 1 and "Among the" in texts(app)


def test_locks_and_ward_rules_reach_the_engine(tmp_path, monkeypatch, lbbd):
    app = start_app(tmp_path / "autosave", monkeypatch)
    abbey, beam, heath = ward_code(lbbd, "Abbey"), ward_code(lbbd, "Beam"), ward_code(lbbd, "Heath")
    app.selectbox(key="ward_pick").select(abbey).run()
    app.button(key="lock_ward").click().run()
    show(app, "Propose")
    assert "Abbey locked to West" in texts(app)
    app.multiselect(key="p_together").select(beam).select(heath)  # form fields are sent with the form
    app.button(key="p_run").click().run()
    no_exceptions(app)
    proposals = result(app)
    assert dict(proposals.constraints.fixed) == {abbey: "West"}
    assert proposals.constraints.together == ((beam, heath),)
    for option in app.selectbox(key="p_show").options[:5]:
        app.selectbox(key="p_show").select(option).run()
        plan = shown_plan(app)
        assert plan.assignment[abbey] == "West"
        assert plan.assignment[beam] == plan.assignment[heath]


def test_impossible_rules_say_so(app, lbbd):
    app.multiselect(key="p_apart").set_value([ward_code(lbbd, n) for n in
                                               ("Abbey", "Beam", "Heath", "Valence", "Village")])
    app.button(key="p_run").click().run()  # five wards in five different localities, with only four
    no_exceptions(app)
    assert "**0 plans**" in texts(app)
    assert any("No plan meets every rule" in w.value for w in app.warning)


def test_an_option_can_be_kept_and_edited(app, lbbd):
    app.button(key="p_run").click().run()
    app.selectbox(key="p_show").select(2).run()
    option = shown_plan(app)
    app.button(key="p_keep").click().run()
    assert "Kept as “Option 2”" in texts(app)
    app.button(key="p_open").click().run()
    no_exceptions(app)
    assert "Option 2" in next(m.value for m in app.sidebar.markdown if m.value.startswith("**Working plan:**"))
    show(app, "Map & edit")
    moved = [u for u in lbbd.ids if option.assignment[u] != lbbd.current.labels[u]]
    assert int(metric(app, "Wards that move")) <= len(moved)  # names follow the locality each continues
    show(app, "Compare")
    assert "Option 2" in app.selectbox(key="cmp_a").options


def test_export_section_is_drawn_when_opened_and_starts_the_pack(app, no_prepared_exports):
    """An option's export section draws its buttons only when opened; opening it starts the briefing pack."""
    from analysis.present import prepared_exports

    app.button(key="p_run").click().run()
    assert not app.get("download_button") and not prepared_exports.held()
    app.session_state["p_export"] = True
    app.run()
    no_exceptions(app)
    assert "Briefing pack (PDF)" in [b.label for b in app.get("download_button")]
    assert shown_plan(app).name in [name for name, _ in pack_drawn_ahead()[2]]


def test_the_rules_stay_as_set_after_visiting_another_view(app):
    """The rules shown beside the options are the rules that found them: they stay as the planner set them after
    another view (Streamlit forgets the value of a widget that a run does not draw; the form once showed its defaults
    again above options found with other rules)."""
    app.slider(key="p_maxdev").set_value(7)
    app.number_input(key="p_top").set_value(5)
    app.slider(key="p_w_compactness").set_value(2.5)
    app.button(key="p_run").click().run()
    no_exceptions(app)
    found = result(app)
    app = show(show(app, "Map & edit"), "Propose")
    no_exceptions(app)
    assert app.slider(key="p_maxdev").value == 7 and app.number_input(key="p_top").value == 5
    assert app.slider(key="p_w_compactness").value == 2.5
    assert result(app) is found and found.constraints.max_deviation == pytest.approx(0.07)
    assert len(found.ranked) == 5 and found.weights.compactness == 2.5
