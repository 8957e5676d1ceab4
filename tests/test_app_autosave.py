"""Nothing is lost (AppTest): an edited plan comes back after a browser reload, with a notice and a way to discard it."""

from __future__ import annotations

import json

from apptest_support import metric, no_exceptions, show, start_app, texts, ward_code

from analysis.editing import study_area_key


def edit(app, code: str, locality: str) -> None:
    app.selectbox(key="ward_pick").select(code).run()
    app.selectbox(key=f"move_to_{code}").select(locality).run()
    app.button(key="move_ward").click().run()


def test_an_edited_plan_is_restored_after_a_reload(tmp_path, monkeypatch, lbbd):
    folder = tmp_path / "autosave"
    first = start_app(folder, monkeypatch)
    assert not folder.exists() or not list(folder.iterdir())  # nothing saved until something changes
    goresbrook = ward_code(lbbd, "Goresbrook")
    edit(first, goresbrook, "North")
    first.button(key="lock_ward").click().run()
    moved = metric(first, "Largest population deviation")
    saved = json.loads((folder / f"{study_area_key(lbbd)}.json").read_text(encoding="utf-8"))
    assert saved["state"]["plan"]["assignment"][goresbrook] == "North"

    reloaded = start_app(folder, monkeypatch)  # a new browser session: empty session state
    no_exceptions(reloaded)
    assert "Restored your unsaved plan from" in texts(reloaded)
    assert metric(reloaded, "Largest population deviation") == moved
    reloaded.selectbox(key="ward_pick").select(goresbrook).run()
    assert "locked to North" in texts(reloaded)
    reloaded.button(key="undo").click().run()  # the history came back too
    reloaded.button(key="undo").click().run()
    assert metric(reloaded, "Wards that move") == "0"


def test_discarding_the_restored_plan_starts_again(tmp_path, monkeypatch, lbbd):
    folder = tmp_path / "autosave"
    edit(start_app(folder, monkeypatch), ward_code(lbbd, "Goresbrook"), "North")
    reloaded = start_app(folder, monkeypatch)
    reloaded.button(key="discard_restored").click().run()
    no_exceptions(reloaded)
    assert "Restored your unsaved plan" not in texts(reloaded)
    assert metric(reloaded, "Wards that move") == "0"
    assert not (folder / f"{study_area_key(lbbd)}.json").exists()
    assert "Restored your unsaved plan" not in texts(start_app(folder, monkeypatch))


def test_the_plan_survives_switching_views_and_a_failed_upload(tmp_path, monkeypatch, lbbd):
    app = start_app(tmp_path / "autosave", monkeypatch)
    edit(app, ward_code(lbbd, "Goresbrook"), "North")
    show(app, "Bring data")
    app.file_uploader(key="up_plan").set_value(("bad.csv", b"ward_code,locality\nE0,North\n", "text/csv")).run()
    assert app.error
    show(app, "Compare")
    show(app, "Map & edit")
    assert metric(app, "Wards that move") == "1"


def test_a_damaged_autosave_is_reported_not_fatal(tmp_path, monkeypatch, lbbd):
    folder = tmp_path / "autosave"
    folder.mkdir()
    (folder / f"{study_area_key(lbbd)}.json").write_text("{not json", encoding="utf-8")
    app = start_app(folder, monkeypatch)
    no_exceptions(app)
    assert any("autosaved plan could not be read" in e.value for e in app.error)
    assert metric(app, "Wards that move") == "0"
