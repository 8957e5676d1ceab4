"""The app's Compare view (AppTest): two plans side by side with the wards that move listed."""

from __future__ import annotations

from apptest_support import maps, move_ward, no_exceptions, show, start_app, texts, ward_code


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
