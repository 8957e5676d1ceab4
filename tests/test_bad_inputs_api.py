"""Bad plan files and boundary uploads through the Python API: each gets one specific, plain-language error.

The files are built in code by tests/badfiles.py. Every error must say what is wrong, where and the
fix (Problem(what, where, fix)), must not leak a temporary path, and must leave the study area and
the current plan untouched. Inputs that are merely unusual (a byte-order mark, UTF-16, Excel's
'sep=' line, labels with commas, quotes or non-Latin letters) must work.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path

import pytest
from badfiles import (
    LAYERS,
    PLAN_CSVS,
    STRANGE_LABELS,
    BadFile,
    geojson_bytes,
    shapefile_zip,
    wards_frame,
)

from analysis.plan.partition import current_plan
from analysis.plan.io import read_plan
from geo.errors import LocalignError
from geo.uploads import pcn_grouping_from_upload, read_uploaded_layer, study_area_from_upload

UNITS = ("ward_code", "ward_name", "population")


def assert_clear_error(error: LocalignError, case: BadFile, where: str, ward_codes: bool = True) -> None:
    """The error names the file, holds the expected words and a fix, and shows no temporary path.

    ``ward_codes=False`` skips expected ward codes (PCN areas are named by feature and PCN instead).
    """
    text = str(error)
    assert error.problems, "an error must carry at least one problem"
    for problem in error.problems:
        assert problem.what and problem.where and problem.fix
        assert problem.severity == "error"
    assert where in error.problems[0].where, text
    for words in case.expect:
        if not ward_codes and words.startswith("e0501"):
            continue
        assert words in text.lower(), f"{case.key}: {words!r} not in {text!r}"
    assert "Fix:" in text
    assert "Traceback" not in text
    assert tempfile.gettempdir() not in text and "localign-upload" not in text and "localign-read" not in text, text


def snapshot(area) -> tuple:
    """What must not change when a bad file is read: units, residents, groupings and the current plan."""
    return (area.ids, area.population.tolist(), sorted(area.groupings), area.manifest,
            current_plan(area).key(), {k: g.labels.tolist() for k, g in area.groupings.items()})


@pytest.fixture(scope="module")
def built(lbbd) -> dict[str, bytes]:
    """Every bad file's bytes, built once."""
    return {case.key: case.build(lbbd) for case in (*PLAN_CSVS, *LAYERS)}


# --- plans -------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", PLAN_CSVS, ids=lambda c: c.key)
def test_plan_csv_upload(lbbd, built, case):
    before = snapshot(lbbd)
    if case.works:
        plan = read_plan(lbbd, built[case.key], case.filename)
        assert plan.unit_ids == tuple(lbbd.ids)
    else:
        with pytest.raises(LocalignError) as caught:
            read_plan(lbbd, built[case.key], case.filename)
        assert_clear_error(caught.value, case, case.filename)
    assert snapshot(lbbd) == before


@pytest.mark.parametrize("case", [c for c in PLAN_CSVS if c.key != "oversize"], ids=lambda c: c.key)
def test_plan_csv_file_gives_the_same_answer_as_the_upload(lbbd, built, case, tmp_path):
    path = tmp_path / case.filename
    path.write_bytes(built[case.key])
    try:
        from_bytes = read_plan(lbbd, built[case.key], case.filename).key()
    except LocalignError as exc:
        from_bytes = str(exc)
    try:
        from_file = read_plan(lbbd, path).key()
    except LocalignError as exc:
        from_file = str(exc)
    assert from_file == from_bytes


@pytest.mark.parametrize("key", ["bom", "utf16", "excel_sep_line", "no_header"])
def test_harmless_variations_of_a_plan_read_as_the_current_localities(lbbd, built, key):
    plan = read_plan(lbbd, built[key], "plan.csv")
    assert plan.same_assignment(current_plan(lbbd))
    assert plan.localities == ("East", "North", "West")


def test_labels_with_commas_quotes_and_non_latin_letters_are_kept_exactly(lbbd, built):
    plan = read_plan(lbbd, built["strange_labels"], "plan.csv")
    expected = {u: STRANGE_LABELS[i % len(STRANGE_LABELS)] for i, u in enumerate(lbbd.ids)}
    assert dict(plan.assignment) == expected
    assert set(plan.localities) == set(STRANGE_LABELS)


def test_a_truncated_plan_that_still_parses_is_called_cut_short(lbbd, built):
    data = built["bom"][: built["bom"].index(b"E05014062")]  # whole rows, but the last ones are missing
    with pytest.raises(LocalignError) as caught:
        read_plan(lbbd, data.rstrip(b"\r\n") + b"\r\nE05014062,Ea", "plan.csv")
    text = str(caught.value)
    assert "cut short" in text and "9 ward(s) have no locality" in text


def test_unnamed_upload_bytes_are_recognised_by_their_contents(lbbd, built):
    assert read_plan(lbbd, built["bom"]).same_assignment(current_plan(lbbd))
    frame = wards_frame(lbbd)
    assert read_plan(lbbd, geojson_bytes(frame)).same_assignment(current_plan(lbbd))


def test_a_geojson_locality_of_null_is_blank_not_the_word_none(lbbd):
    frame = wards_frame(lbbd)
    frame["locality"] = frame["locality"].astype(object)
    frame.loc[0, "locality"] = None
    with pytest.raises(LocalignError, match="1 ward\\(s\\) have a blank locality: E05014053"):
        read_plan(lbbd, geojson_bytes(frame), "plan.geojson")


def test_hostile_ward_codes_are_shown_escaped_and_shortened(lbbd, built):
    data = built["bom"] + b"E05\x1b[2J" + b"x" * 500 + b",North\r\n"
    with pytest.raises(LocalignError) as caught:
        read_plan(lbbd, data, "plan.csv")
    text = str(caught.value)
    assert "\x1b" not in text and "\\x1b" in text
    assert "x" * 100 not in text


# --- boundary layers (uploads) -----------------------------------------------------------------

def _upload_units(area, case, data):
    return study_area_from_upload(area, data, case.filename, *UNITS)


def _upload_pcns(area, case, data):
    return pcn_grouping_from_upload(area, data, case.filename, "locality")


@pytest.mark.parametrize("case", LAYERS, ids=lambda c: c.key)
def test_boundary_upload(lbbd, built, case):
    before = snapshot(lbbd)
    if case.works:
        area = _upload_units(lbbd, case, built[case.key])
        assert sorted(area.ids) == sorted(lbbd.ids)
        assert area.total_population == pytest.approx(lbbd.total_population)
        assert area.units.crs.to_epsg() == 27700
        assert area.units.geometry.is_valid.all()
    else:
        with pytest.raises(LocalignError) as caught:
            _upload_units(lbbd, case, built[case.key])
        assert_clear_error(caught.value, case, case.filename)
    assert snapshot(lbbd) == before


@pytest.mark.parametrize("case", [c for c in LAYERS if c.key != "layer_wrong_type"], ids=lambda c: c.key)
def test_pcn_area_upload(lbbd, built, case):
    before = snapshot(lbbd)
    if case.works or case.pcn_ok:
        grouping = _upload_pcns(lbbd, case, built[case.key])
        assert grouping.labels.reindex(lbbd.ids).tolist() == list(current_plan(lbbd).labels)
    else:
        with pytest.raises(LocalignError) as caught:
            _upload_pcns(lbbd, case, built[case.key])
        assert_clear_error(caught.value, case, case.filename, ward_codes=False)
    assert snapshot(lbbd) == before


@pytest.mark.parametrize("case", [c for c in LAYERS if c.filename != "wards.kml"], ids=lambda c: c.key)
def test_plan_from_a_boundary_file(lbbd, built, case):
    """A plan takes only ward codes and localities from a layer: broken shapes do not matter, broken files do."""
    if case.works or case.plan_ok:
        assert read_plan(lbbd, built[case.key], case.filename).same_assignment(current_plan(lbbd))
    elif case.key == "duplicate_codes":
        with pytest.raises(LocalignError, match="listed more than once: E05014053"):
            read_plan(lbbd, built[case.key], case.filename)
    else:
        with pytest.raises(LocalignError) as caught:
            read_plan(lbbd, built[case.key], case.filename)
        assert_clear_error(caught.value, case, case.filename)


def test_a_self_intersecting_ward_is_repaired_and_reported_as_a_note(lbbd, built):
    area = study_area_from_upload(lbbd, built["self_intersecting"], "wards.geojson", *UNITS)
    notes = [w for w in area.warnings if "make_valid" in w.what]
    assert len(notes) == 1 and notes[0].severity == "warning"
    assert "E05014056" in notes[0].what and "Self-intersection" in notes[0].what
    assert area.units.geometry.is_valid.all()
    assert area.units.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()


@pytest.mark.parametrize("key, data", [
    ("bng_without_crs", lambda a: geojson_bytes(wards_frame(a, lonlat=False), with_crs=False)),
    ("zip_no_prj", lambda a: shapefile_zip(a, (".prj",))),
])
def test_following_the_missing_crs_fix_loads_the_layer_in_the_right_place(lbbd, key, data):
    filename = "wards.zip" if key == "zip_no_prj" else "wards.geojson"
    area = study_area_from_upload(lbbd, data(lbbd), filename, *UNITS, crs="EPSG:27700")
    # the wards land exactly where the bundled ones are (areas in square metres agree)
    assert area.units.geometry.area.reindex(lbbd.ids).to_numpy() == pytest.approx(
        lbbd.units.geometry.area.to_numpy(), rel=1e-6)


def test_pcn_areas_without_a_crs_load_once_it_is_given(lbbd):
    data = geojson_bytes(wards_frame(lbbd, lonlat=False), with_crs=False)
    with pytest.raises(LocalignError, match="no coordinate reference system"):
        pcn_grouping_from_upload(lbbd, data, "pcns.geojson", "locality")
    grouping = pcn_grouping_from_upload(lbbd, data, "pcns.geojson", "locality", crs="EPSG:27700")
    assert grouping.labels.reindex(lbbd.ids).tolist() == list(current_plan(lbbd).labels)


def test_degrees_declared_as_metres_are_refused(lbbd):
    data = geojson_bytes(wards_frame(lbbd))
    with pytest.raises(LocalignError, match="said to be in metres \\(EPSG:27700\\).*look like longitude"):
        study_area_from_upload(lbbd, data, "wards.geojson", *UNITS, crs="EPSG:27700")


def test_population_problems_in_an_uploaded_layer_are_named(lbbd):
    frame = wards_frame(lbbd)
    frame["population"] = frame["population"].astype(object)
    frame.loc[2, "population"] = "n/a"
    with pytest.raises(LocalignError, match="'population' is blank or not a number for E05014055"):
        study_area_from_upload(lbbd, geojson_bytes(frame), "wards.geojson", *UNITS)
    with pytest.raises(LocalignError, match="no 'residents' column"):
        study_area_from_upload(lbbd, geojson_bytes(wards_frame(lbbd)), "wards.geojson", "ward_code", "ward_name",
                               "residents")
    zero = wards_frame(lbbd).assign(population=0)
    with pytest.raises(LocalignError, match="adds up to zero"):
        study_area_from_upload(lbbd, geojson_bytes(zero), "wards.geojson", *UNITS)


def test_an_uploaded_population_table_is_checked_like_a_bundle_table(lbbd):
    layer = geojson_bytes(wards_frame(lbbd).drop(columns="population"))
    rows = "".join(f"{u},{int(p)}\n" for u, p in lbbd.population.items())
    area = study_area_from_upload(lbbd, layer, "w.geojson", "ward_code", "ward_name", "population",
                                  ("ward_code,population\n" + rows).encode(), "people.csv")
    assert area.total_population == lbbd.total_population
    cases = {
        "people.csv": (("ward_code,population\n" + rows + "E05099999,5\n").encode(), "matches no unit: E05099999"),
        "people.xlsx": (b"PK\x03\x04", "not a format localign reads here"),
        "semi.csv": (("ward_code;population\n" + rows.replace(",", ";")).encode(), "separated by semicolons"),
    }
    for name, (data, message) in cases.items():
        with pytest.raises(LocalignError, match=message):
            study_area_from_upload(lbbd, layer, "w.geojson", "ward_code", "ward_name", "population", data, name)


def test_pcn_table_upload_names_the_users_file(lbbd):
    rows = "".join(f"{u},{lab}\n" for u, lab in zip(lbbd.ids, current_plan(lbbd).labels))
    grouping = pcn_grouping_from_upload(lbbd, ("ward_code,pcn\n" + rows).encode(), "my pcns.csv", "pcn")
    assert grouping.labels.tolist() == list(current_plan(lbbd).labels)
    with pytest.raises(LocalignError) as caught:
        pcn_grouping_from_upload(lbbd, ("ward_code,pcn\n" + rows + "E05099999,X\n").encode(), "my pcns.csv", "pcn")
    assert caught.value.problems[0].where == "my pcns.csv"
    with pytest.raises(LocalignError, match="the column 'pcn_name' is not in the layer"):
        pcn_grouping_from_upload(lbbd, geojson_bytes(wards_frame(lbbd)), "pcns.geojson", "pcn_name")


def test_pcn_areas_that_miss_most_wards_are_refused(lbbd):
    frame = wards_frame(lbbd).iloc[:5]
    with pytest.raises(LocalignError) as caught:
        pcn_grouping_from_upload(lbbd, geojson_bytes(frame), "pcns.geojson", "locality")
    assert "14 unit(s) are mostly outside every group area" in str(caught.value)
    assert caught.value.problems[0].where == "pcns.geojson"


def test_a_file_that_cannot_be_opened_is_explained(lbbd, tmp_path, monkeypatch):
    path = tmp_path / "plan.csv"
    path.write_bytes(b"ward_code,locality\n")

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(LocalignError, match="could not be opened \\(permission denied\\)"):
        read_plan(lbbd, path)


def test_upload_accepts_a_file_like_object(lbbd, built):
    import io

    frame = read_uploaded_layer(io.BytesIO(built["good_geojson"]), "wards.geojson")
    assert len(frame) == 19
    assert copy.copy(frame).crs.to_epsg() == 4326


def test_a_restored_autosave_keeps_names_that_an_import_would_refuse(lbbd):
    """Names are checked at the door (imports), never when restoring a planner's own autosaved work."""
    import json

    from analysis.plan.io import plan_from_json_text

    labels = {u: ("=North" if i % 2 else "-South") for i, u in enumerate(lbbd.ids)}
    plan = plan_from_json_text(lbbd, json.dumps({"assignment": labels, "localities": ["=North", "-South"]}))
    assert dict(plan.assignment) == labels
    with pytest.raises(LocalignError, match="spreadsheets run as a formula"):
        read_plan(lbbd, ("ward_code,locality\n" + "".join(f"{u},{v}\n" for u, v in labels.items())).encode(),
                  "plan.csv")
