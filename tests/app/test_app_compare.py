"""The app's Compare view (AppTest): two plans side by side with the wards that move listed."""

from __future__ import annotations

from apptest_support import maps, move_ward, no_exceptions, pack_drawn_ahead, show, start_app, texts, ward_code


def test_compare_lists_the_moved_ward_and_draws_two_maps(tmp_path, monkeypatch, lbbd):
    app = start_app(tmp_path / "autosave", monkeypatch)
    goresbrook = ward_code(lbbd, "Goresbrook")
    move_ward(app, goresbrook, "North")
    show(app, "Compare")
    no_exceptions(app)
    assert app.selectbox(key="cmp_a").value == "Current localities (inferred – an assumption)"
    assert app.selectbox(key="cmp_b").value.startswith("Working plan")
    assert "1 ward changes locality" in texts(app)
    moves = app.dataframe[-1].value
    assert list(moves["Ward"]) == ["Goresbrook"]
    assert (moves["From"].iloc[0], moves["To"].iloc[0]) == ("East", "North")
    assert moves["Residents"].iloc[0] == round(float(lbbd.population[goresbrook]))
    drawn = maps(app)
    assert len(drawn) == 2 and all(m["returned_objects"] == [] for m in drawn)  # panning never reruns the app
    table = app.dataframe[0].value.set_index("Measure")
    assert table.loc["Wards that move"].iloc[:2].tolist() == ["0", "1"]


def test_comparing_a_plan_with_itself_says_nothing_moves(tmp_path, monkeypatch):
    app = start_app(tmp_path / "autosave", monkeypatch)
    show(app, "Compare")
    app.selectbox(key="cmp_b").select("Current localities (inferred – an assumption)").run()
    no_exceptions(app)
    assert any("every ward in the same locality" in s.value for s in app.success)


def test_export_section_is_drawn_when_opened_and_starts_the_pack_in_order(tmp_path, monkeypatch, lbbd, no_prepared_exports):
    """Compare's export section draws its buttons only when opened, and opening it starts the briefing pack of
    A then B (the planner's order) in the background."""
    from analysis.present import prepared_exports

    app = start_app(tmp_path / "autosave", monkeypatch)
    move_ward(app, ward_code(lbbd, "Goresbrook"), "North")
    show(app, "Compare")
    assert not app.get("download_button") and not prepared_exports.held()
    app.session_state["cmp_export"] = True
    app.run()
    no_exceptions(app)
    assert "Briefing pack (PDF)" in [b.label for b in app.get("download_button")]
    names = [name for name, _ in pack_drawn_ahead()[2]]
    assert names == [app.selectbox(key=k).value.removeprefix("Working plan: ") for k in ("cmp_a", "cmp_b")]


def test_the_plans_picked_stay_after_visiting_another_view(tmp_path, monkeypatch, lbbd):
    """Plans A and B stay as picked after another view; a pick that no longer exists falls back to the defaults."""
    app = start_app(tmp_path / "autosave", monkeypatch)
    move_ward(app, ward_code(lbbd, "Goresbrook"), "North")
    show(app, "Compare")
    working = app.selectbox(key="cmp_b").value
    app.selectbox(key="cmp_a").select(working)
    app.selectbox(key="cmp_b").select("Current localities (inferred – an assumption)").run()
    app = show(show(app, "Brief"), "Compare")
    no_exceptions(app)
    assert app.selectbox(key="cmp_a").value == working
    assert app.selectbox(key="cmp_b").value == "Current localities (inferred – an assumption)"
    move_ward(show(app, "Map & edit"), ward_code(lbbd, "Goresbrook"), "East")  # the working plan changes
    app = show(app, "Compare")
    no_exceptions(app)
    assert app.selectbox(key="cmp_b").value == "Current localities (inferred – an assumption)"
