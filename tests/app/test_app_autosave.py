"""Nothing is lost (AppTest): an edited plan comes back after a browser reload, with a notice and a way to discard it.

A reload keeps the page address, so it keeps the browser session's key (``?session=…``); the autosave is
that session's own, and another browser session neither sees it nor can discard it.
"""

from __future__ import annotations

import json

from apptest_support import metric, move_ward, no_exceptions, show, start_app, texts, ward_code

from analysis.plan.editing import new_session_key, study_area_key


def session_of(app) -> str:
    """The browser session's key the app put in the page address."""
    return app.query_params["session"]


def autosave_file(folder, app, area):
    return folder / session_of(app) / f"{study_area_key(area)}.json"


def test_an_edited_plan_is_restored_after_a_reload(tmp_path, monkeypatch, lbbd):
    folder = tmp_path / "autosave"
    first = start_app(folder, monkeypatch)
    assert not folder.exists() or not list(folder.iterdir())  # nothing saved until something changes
    goresbrook = ward_code(lbbd, "Goresbrook")
    move_ward(first, goresbrook, "North")
    first.button(key="lock_ward").click().run()
    moved = metric(first, "Largest population deviation")
    saved = json.loads(autosave_file(folder, first, lbbd).read_text(encoding="utf-8"))
    assert saved["state"]["plan"]["assignment"][goresbrook] == "North"

    reloaded = start_app(folder, monkeypatch, session=session_of(first))  # a reload: same address, fresh state
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
    first = start_app(folder, monkeypatch)
    move_ward(first, ward_code(lbbd, "Goresbrook"), "North")
    reloaded = start_app(folder, monkeypatch, session=session_of(first))
    reloaded.button(key="discard_restored").click().run()
    no_exceptions(reloaded)
    assert "Restored your unsaved plan" not in texts(reloaded)
    assert metric(reloaded, "Wards that move") == "0"
    assert not autosave_file(folder, first, lbbd).exists()
    assert "Restored your unsaved plan" not in texts(start_app(folder, monkeypatch, session=session_of(first)))


def test_the_plan_survives_switching_views_and_a_failed_upload(tmp_path, monkeypatch, lbbd):
    app = start_app(tmp_path / "autosave", monkeypatch)
    move_ward(app, ward_code(lbbd, "Goresbrook"), "North")
    show(app, "Bring data")
    app.file_uploader(key="up_plan").set_value(("bad.csv", b"ward_code,locality\nE0,North\n", "text/csv")).run()
    assert app.error
    show(app, "Compare")
    show(app, "Map & edit")
    assert metric(app, "Wards that move") == "1"


def test_a_damaged_autosave_is_reported_not_fatal(tmp_path, monkeypatch, lbbd):
    folder = tmp_path / "autosave"
    key = new_session_key()
    (folder / key).mkdir(parents=True)
    (folder / key / f"{study_area_key(lbbd)}.json").write_text("{not json", encoding="utf-8")
    app = start_app(folder, monkeypatch, session=key)
    no_exceptions(app)
    assert any("autosaved plan could not be read" in e.value for e in app.error)
    assert metric(app, "Wards that move") == "0"


def test_two_browser_sessions_never_see_each_others_work(tmp_path, monkeypatch, lbbd):
    """Planners A and B edit at once; before and after reloads each sees only their own plan, and B's discard
    leaves A's autosave alone. A visitor with no (or a made-up) session key gets neither."""
    folder = tmp_path / "autosave"
    a, b = start_app(folder, monkeypatch), start_app(folder, monkeypatch)
    assert session_of(a) != session_of(b)
    move_ward(a, ward_code(lbbd, "Goresbrook"), "North")
    move_ward(b, ward_code(lbbd, "Abbey"), "East")
    move_ward(b, ward_code(lbbd, "Heath"), "East")
    a.run()
    assert metric(a, "Wards that move") == "1" and metric(b, "Wards that move") == "2"

    a_again = start_app(folder, monkeypatch, session=session_of(a))
    b_again = start_app(folder, monkeypatch, session=session_of(b))
    assert "Restored your unsaved plan" in texts(a_again) and "Restored your unsaved plan" in texts(b_again)
    assert metric(a_again, "Wards that move") == "1" and metric(b_again, "Wards that move") == "2"
    a_saved = json.loads(autosave_file(folder, a, lbbd).read_text(encoding="utf-8"))["state"]["plan"]["assignment"]
    assert a_saved[ward_code(lbbd, "Abbey")] != "East"  # B's edit never reached A's file

    b_again.button(key="discard_restored").click().run()
    assert not autosave_file(folder, b, lbbd).exists() and autosave_file(folder, a, lbbd).exists()
    assert metric(start_app(folder, monkeypatch, session=session_of(a)), "Wards that move") == "1"

    for stranger in (start_app(folder, monkeypatch), start_app(folder, monkeypatch, session="../" + session_of(a))):
        no_exceptions(stranger)
        assert "Restored your unsaved plan" not in texts(stranger)
        assert metric(stranger, "Wards that move") == "0"
        assert session_of(stranger) not in (session_of(a), session_of(b))
