"""Hostile and broken uploads through the app (Streamlit AppTest): a specific message, no exception, plan untouched.

One app session takes a series of bad files in a row, as a planner might, on each of the app's three
upload paths (plan, boundaries, PCN areas). After every file the page shows the problem in plain
words with its fix (not the generic 'something unexpected' message), shows no traceback, and the
working plan is still today's localities with no ward moved. The files come from tests/badfiles.py.
"""

from __future__ import annotations

import pytest
from apptest_support import metric, no_exceptions, show, start_app, texts
from badfiles import LAYERS, PLAN_CSVS, BadFile

PLAN_KEYS = ("latin1", "semicolons", "truncated", "unquoted_comma", "formula_label", "control_label", "xlsx",
             "html", "oversize", "duplicate_conflict")
LAYER_PLAN_KEYS = ("zip_traversal", "zip_bomb", "zip_encrypted", "truncated_geojson", "deep_json",
                   "two_layer_geopackage", "fake_geopackage")
BOUNDARY_KEYS = ("zip_traversal", "zip_bomb", "zip_no_prj", "bng_without_crs", "mixed_types", "flat_polygon",
                 "duplicate_codes", "zip_no_dbf", "layer_oversize")
PCN_KEYS = ("zip_traversal", "zip_absolute", "bng_without_crs", "null_geometry")


def cases(catalogue: tuple[BadFile, ...], keys: tuple[str, ...]) -> list[BadFile]:
    by_key = {c.key: c for c in catalogue}
    return [by_key[k] for k in keys]


@pytest.fixture()
def app(tmp_path, monkeypatch):
    return show(start_app(tmp_path / "autosave", monkeypatch), "Bring data")


def working_plan(app) -> str:
    return next(m.value for m in app.sidebar.markdown if m.value.startswith("**Working plan:**"))


def assert_explained(app, case: BadFile) -> None:
    """The page names this problem and its fix in words, and shows no exception or generic failure."""
    no_exceptions(app)
    message = "\n".join(e.value for e in app.error).replace("\\", "")  # Markdown escapes (wards\_copy)
    assert message, f"{case.key}: a bad file must give an error message"
    assert "How to fix it:" in message and "Something unexpected" not in message, message
    assert case.filename in message
    for words in case.expect:
        if words.startswith("e0501") and "e0501" not in message.lower():
            continue  # PCN areas are named by feature and PCN, not by ward code
        assert words in message.lower(), f"{case.key}: {words!r} not in {message!r}"


def assert_plan_untouched(app, before: str) -> None:
    assert working_plan(app) == before
    show(app, "Map & edit")
    assert metric(app, "Wards that move") == "0"
    show(app, "Bring data")


def test_hostile_plan_files_are_explained_one_after_another(app, lbbd):
    before = working_plan(app)
    for case in [*cases(PLAN_CSVS, PLAN_KEYS), *cases(LAYERS, LAYER_PLAN_KEYS)]:
        app.file_uploader(key="up_plan").set_value((case.filename, case.build(lbbd), "application/octet-stream"))
        app.run()
        assert_explained(app, case)
        assert working_plan(app) == before
    assert_plan_untouched(app, before)


def test_hostile_boundary_files_are_explained_and_the_study_area_kept(app, lbbd):
    before = working_plan(app)
    for case in cases(LAYERS, BOUNDARY_KEYS):
        app.file_uploader(key="up_units").set_value((case.filename, case.build(lbbd), "application/octet-stream"))
        app.run()
        app.button(key="use_units").click().run()
        assert_explained(app, case)
        assert "London Borough of Barking and Dagenham" in texts(app)
    assert_plan_untouched(app, before)


def test_hostile_pcn_files_are_explained_and_the_pcns_kept(app, lbbd):
    before = working_plan(app)
    app.text_input(key="up_pcn_column").input("locality").run()
    for case in cases(LAYERS, PCN_KEYS):
        app.file_uploader(key="up_pcn").set_value((case.filename, case.build(lbbd), "application/octet-stream"))
        app.run()
        app.button(key="use_pcn").click().run()
        assert_explained(app, case)
        assert "Using" not in "\n".join(s.value for s in app.success)
    assert_plan_untouched(app, before)
    show(app, "Map & edit")
    assert "PCN" in texts(app)
