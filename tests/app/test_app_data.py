"""The app's Bring data view (AppTest): importing plans, bad files explained in plain words, the working plan untouched."""

from __future__ import annotations

import pytest
from apptest_support import metric, no_exceptions, open_tab, show, start_app, texts, ward_code


@pytest.fixture()
def app(tmp_path, monkeypatch):
    app = start_app(tmp_path / "autosave", monkeypatch)
    return show(app, "Bring data")


def plan_csv(lbbd, labels: dict[str, str]) -> bytes:
    rows = ["ward_code,locality", *(f"{u},{labels[u]}" for u in lbbd.ids)]
    return ("\n".join(rows) + "\n").encode("utf-8")


def working_plan(app) -> str:
    return next(m.value for m in app.sidebar.markdown if m.value.startswith("**Working plan:**"))


def upload(app, name: str, data: bytes):
    app.file_uploader(key="up_plan").set_value((name, data, "text/csv")).run()
    return app


def test_a_good_plan_file_is_imported_and_opened(app, lbbd):
    labels = {u: ("North" if i % 2 else "South") for i, u in enumerate(lbbd.ids)}
    upload(app, "two halves.csv", plan_csv(lbbd, labels))
    no_exceptions(app)
    assert "two halves" in working_plan(app)
    assert "Imported “two halves”" in texts(app)
    show(app, "Map & edit")
    totals = lbbd.population.groupby(lbbd.population.index.map(labels)).sum()
    ideal = totals.sum() / 2
    assert metric(app, "Largest population deviation") == f"{(totals - ideal).abs().max() / ideal:.2%}"


@pytest.mark.parametrize("name, content, words", [
    ("unknown.csv", "UNKNOWN", "E09999999"),
    ("missing.csv", "MISSING", "have no locality"),
    ("binary.csv", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe garbage", None),
    ("empty.csv", b"", None),
    ("notes.docx", b"PK\x03\x04", "not a plan format"),
])
def test_a_bad_plan_file_is_explained_and_changes_nothing(app, lbbd, name, content, words):
    before = working_plan(app)
    labels = lbbd.current.labels.to_dict()
    if content == "UNKNOWN":
        content = plan_csv(lbbd, labels) + b"E09999999,North\n"
    elif content == "MISSING":
        content = b"\n".join(plan_csv(lbbd, labels).splitlines()[:-3]) + b"\n"
    upload(app, name, content)
    no_exceptions(app)
    assert app.error, "a bad file must give an error message"
    message = "\n".join(e.value for e in app.error)
    assert "How to fix it:" in message
    if words:
        assert words in message
    assert working_plan(app) == before
    show(app, "Map & edit")
    assert metric(app, "Wards that move") == "0"


def test_the_bundle_list_and_a_bad_bundle_folder(app, tmp_path):
    assert "London Borough of Barking and Dagenham" in app.selectbox(key="bundle_choice").options
    app.text_input(key="bundle_path").input(str(tmp_path / "nowhere")).run()
    app.button(key="open_bundle").click().run()
    no_exceptions(app)
    assert app.error and "How to fix it:" in app.error[0].value
    assert "London Borough of Barking and Dagenham" in texts(app)  # still on the bundled study area


def test_uploaded_pcn_table_replaces_the_pcn_grouping(app, lbbd):
    table = "ward_code,pcn\n" + "".join(f"{u},{'PCN A' if i < 10 else 'PCN B'}\n" for i, u in enumerate(lbbd.ids))
    app.file_uploader(key="up_pcn").set_value(("pcns.csv", table.encode(), "text/csv")).run()
    app.button(key="use_pcn").click().run()
    no_exceptions(app)
    assert "Using 2 PCNs from pcns.csv" in texts(app)
    open_tab(show(app, "Map & edit"), "PCNs × localities")
    matrix = app.dataframe[-1].value
    assert sorted(matrix.index) == ["PCN A", "PCN B"]
    abbey = ward_code(lbbd, "Abbey")
    assert abbey in lbbd.ids[:10]


def test_uploaded_boundaries_become_the_study_area(app, lbbd):
    layer = lbbd.units_lonlat[["name", "geometry"]].assign(population=lbbd.population)
    layer = layer.rename_axis("ward_code").reset_index().rename(columns={"name": "ward_name"})
    app.file_uploader(key="up_units").set_value(("my wards.geojson", layer.to_json().encode(), "application/json"))
    app.run()
    app.button(key="use_units").click().run()
    no_exceptions(app)
    assert "Using 19 units from my wards.geojson" in texts(app)
    show(app, "Map & edit")
    assert "no current localities" in texts(app)
    show(app, "Bring data")
    labels = {u: ("North" if i % 2 else "South") for i, u in enumerate(lbbd.ids)}
    upload(app, "halves.csv", plan_csv(lbbd, labels))
    assert "halves" in working_plan(app)


def test_broken_boundaries_are_explained(app):
    app.file_uploader(key="up_units").set_value(("broken.geojson", b'{"type": "FeatureCollection", "feat',
                                                 "application/json"))
    app.run()
    app.button(key="use_units").click().run()
    no_exceptions(app)
    assert app.error and "How to fix it:" in app.error[0].value
    assert "London Borough of Barking and Dagenham" in texts(app)


def test_a_broken_bundle_on_the_command_line_is_explained(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCALIGN_BUNDLE", str(tmp_path / "no bundle here"))
    app = start_app(tmp_path / "autosave", monkeypatch)
    no_exceptions(app)
    assert app.error and "could not be opened" in app.error[0].value
    assert "How to fix it:" in "\n".join(e.value for e in app.error)
    app.button(key="open_default").click().run()
    no_exceptions(app)
    assert "London Borough of Barking and Dagenham" in texts(app)


def test_boundaries_in_metres_without_a_crs_load_once_the_planner_picks_british_national_grid(app, lbbd):
    import json

    from geo.crs import METRIC_CRS

    # The bundled wards written out in British National Grid metres with no "crs" member: GDAL would read them as
    # degrees, so localign must refuse them until the planner says which coordinate system they are in.
    frame = lbbd.units.to_crs(METRIC_CRS).reset_index().rename(columns={"name": "ward_name"})
    frame["population"] = lbbd.population.to_numpy()
    data = json.loads(frame.to_json(drop_id=True))
    data.pop("crs", None)
    payload = json.dumps(data).encode("utf-8")
    app.file_uploader(key="up_units").set_value(("wards_bng.geojson", payload, "application/geo+json")).run()
    app.button(key="use_units").click().run()
    no_exceptions(app)
    assert "EPSG:27700" in "\n".join(e.value for e in app.error)

    app.selectbox(key="up_units_crs").select("British National Grid metres (EPSG:27700)").run()
    app.button(key="use_units").click().run()
    no_exceptions(app)
    assert not app.error
    assert f"Using {len(lbbd.ids)} units from wards_bng.geojson" in texts(app).replace("\\", "")  # the name is Markdown-escaped (wards\\_bng)
