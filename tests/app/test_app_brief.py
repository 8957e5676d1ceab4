"""The app's Brief view and presentation mode (AppTest): title, map, key figures, date, sources and export buttons."""

from __future__ import annotations

from datetime import datetime

from apptest_support import maps, no_exceptions, show, start_app, texts


def test_presentation_view_hides_the_controls(tmp_path, monkeypatch, lbbd):
    app = start_app(tmp_path / "autosave", monkeypatch, present="1")
    no_exceptions(app)
    words = texts(app)
    assert "Barking and Dagenham: Current localities (inferred – an assumption)" in words
    assert f"{datetime.now():%d %B %Y}" in words
    assert lbbd.source_line.split(".")[0] in words and "inferred" in words and "approximate" in words
    assert not app.sidebar.button and not app.tabs  # no sidebar controls, no view tabs
    assert [b.key for b in app.button] == ["present_off"]
    assert len(maps(app)) == 1 and maps(app)[0]["returned_objects"] == []
    app.button(key="present_off").click().run()
    assert app.tabs and "present" not in app.query_params


def test_brief_tab_offers_every_export(tmp_path, monkeypatch):
    app = show(start_app(tmp_path / "autosave", monkeypatch), "Brief")
    no_exceptions(app)
    labels = [b.label for b in app.get("download_button")]
    assert sorted(labels) == sorted(["Ward list (CSV)", "Measures (CSV)", "Localities (GeoJSON)", "Wards (GeoJSON)",
                      "Map for slides (PNG)", "Briefing pack (PDF)"])


def test_the_slide_title_stays_through_other_views_and_the_presentation_view(tmp_path, monkeypatch):
    """The planner's title and purpose stay on the slide after another view, through the presentation view (where
    their boxes are not drawn) and after leaving it."""
    app = show(start_app(tmp_path / "autosave", monkeypatch), "Brief")
    app.text_input(key="brief_title").set_value("Four options for the board")
    app.text_input(key="brief_purpose").set_value("Which option to consult on").run()
    app = show(show(app, "Map & edit"), "Brief")
    assert "Four options for the board" in texts(app) and "Which option to consult on" in texts(app)
    app.query_params["present"] = "1"
    app.run()
    app.run()  # a second run in the presentation view (any click there)
    no_exceptions(app)
    assert "Four options for the board" in texts(app) and "Which option to consult on" in texts(app)
    app.button(key="present_off").click().run()
    app = show(app, "Brief")
    assert app.text_input(key="brief_title").value == "Four options for the board"
