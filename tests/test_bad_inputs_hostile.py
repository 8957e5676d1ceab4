"""Hostile and wrong data (issue 12): names that try to run script or formulas, and data that is silently wrong.

The cases come from the catalogue in tests/badfiles.py (the same one the README table is made from):
hostile names must stay inert in the web map and in every export; swapped axes, decimal commas,
links out of the bundle, misspelt manifest settings, look-alike names, ward names for codes, zips
from a Mac's Finder, Shapefiles without .cpg and wrong command-line values each get a specific
answer. The browser side is in tests/test_browser_security.py.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest
from badfiles import (
    ACCENTED,
    BROKEN_BUNDLES,
    CLI_CASES,
    FORMULAS,
    HOSTILE,
    LAYERS,
    LOOK_ALIKES,
    PLAN_CSVS,
    accented_name,
    copy_bundle,
    hostile_plan_csv,
    make_formula_bundle,
    make_hostile_bundle,
    run_cli,
)

from analysis.plan.editing import AutosaveStore, EditSession, new_session_key, study_area_key, valid_session_key
from analysis.present.exports import export_bytes
from analysis.plan.partition import current_plan
from analysis.plan.io import read_plan
from analysis.metrics.scoring import Weights
from geo.bundle import load_bundle
from geo.errors import LocalignError
from geo.escape import FORMULA_STARTS, csv_cell, html_text, is_plain_number, markdown_text, uncsv_cell
from geo.uploads import read_uploaded_layer, study_area_from_upload
from analysis.present.webmap import MapOptions, plan_map

PLANS = {c.key: c for c in PLAN_CSVS}
LAYER_CASES = {c.key: c for c in LAYERS}
BUNDLES = {c.key: c for c in BROKEN_BUNDLES}


# --- the escaping helper ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", HOSTILE)
def test_html_text_leaves_no_markup_or_template_syntax(text):
    escaped = html_text(text)
    for char in "<>\"'`$\\{}":
        assert char not in escaped, (char, escaped)
    assert "&lt;" in escaped or "&#" in escaped or "&quot;" in escaped or escaped == text


def test_html_text_and_markdown_text_keep_plain_names_readable():
    assert html_text("Barking & Dagenham") == "Barking &amp; Dagenham"
    assert html_text("Chadwell Heath") == "Chadwell Heath"
    assert markdown_text("[x](javascript:alert(1)) <b>") == "\\[x\\](javascript:alert(1)) \\<b\\>"


@pytest.mark.parametrize("value, safe", [("=1+1", "'=1+1"), ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
                                         ("-2+3", "'-2+3"), ("@SUM(1)", "'@SUM(1)"), ("\t=1", "'\t=1"),
                                         ("-6.2%", "-6.2%"), ("+3.1%", "+3.1%"), ("-1,234.5", "-1,234.5"),
                                         ("North", "North"), (3.5, 3.5), ("", "")])
def test_csv_cell_neutralises_formulas_and_leaves_numbers(value, safe):
    assert csv_cell(value) == safe
    if isinstance(value, str):
        assert uncsv_cell(csv_cell(value)) == value


def test_a_plain_number_is_what_a_spreadsheet_would_read_as_a_number():
    assert is_plain_number("218,865") and is_plain_number("-0.5") and is_plain_number("+12%")
    assert not is_plain_number("-") and not is_plain_number("-2+3") and not is_plain_number("=1")


# --- hostile names stay inert ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile_area(tmp_path_factory):
    folder = copy_bundle(tmp_path_factory.mktemp("hostile"))
    make_hostile_bundle(folder)
    return load_bundle(folder)


@pytest.fixture(scope="module")
def formula_area(tmp_path_factory):
    folder = copy_bundle(tmp_path_factory.mktemp("formulas"))
    make_formula_bundle(folder)
    return load_bundle(folder)


def test_the_hostile_bundle_really_holds_hostile_names(hostile_area):
    names = " ".join(map(str, hostile_area.unit_names))
    assert all(h in names for h in HOSTILE)
    assert any("<script>" in g for g in hostile_area.current.groups)
    assert "</script>" in hostile_area.name and any("alert(6)" in n for n in hostile_area.assumption_notes)


def test_the_web_map_of_hostile_names_holds_no_live_markup(hostile_area):
    plan = read_plan(hostile_area, hostile_plan_csv(hostile_area), "<img src=x onerror=alert(9)>.csv")
    from analysis.metrics.evaluate import evaluate
    from analysis.present.views import plan_layer

    layer = plan_layer(hostile_area, plan, evaluate(hostile_area, plan), f"Plan {plan.name}")
    page = plan_map(hostile_area, layer, MapOptions(pcn=True, practices=True)).get_root().render()
    for raw in ("<img src=x", "<script>alert", "${alert", "O`Neil", "<b onmouseover", "\\u003cimg"):
        assert raw not in page, raw
    # the names are there, as text
    assert "O&#96;Neil&#96;" in page.replace("\\u0026", "&")
    import re

    assert not re.search(r"bindTooltip\(\s*`", page)  # no text from data inside a JavaScript template literal
    assert not re.search(r"\$\(`", page)


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


def assert_inert(text: str) -> None:
    """No cell of a CSV starts like a formula unless it is a plain number."""
    for cell in _cells(text):
        assert not cell.startswith(FORMULA_STARTS) or is_plain_number(cell), cell


@pytest.mark.parametrize("fmt", ["csv", "metrics-csv"])
def test_every_csv_export_of_formula_names_is_inert(formula_area, fmt):
    plan = current_plan(formula_area)
    text = export_bytes(formula_area, [plan], fmt).decode("utf-8-sig")
    assert_inert(text)
    if fmt == "csv":
        assert "'" + FORMULAS[0] in text.replace('""', '"')  # the names are kept, each behind an apostrophe
        assert sum(cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) for cell in _cells(text)) == 19
        assert read_plan(formula_area, text.encode(), "back.csv").same_assignment(plan)  # still imports back


def test_every_export_of_the_hostile_bundle_and_plan_is_inert(hostile_area):
    plan = read_plan(hostile_area, hostile_plan_csv(hostile_area), "plan.csv")
    for fmt in ("csv", "metrics-csv"):
        text = export_bytes(hostile_area, [plan, current_plan(hostile_area)][: 2 if fmt != "csv" else 1],
                            fmt).decode("utf-8-sig")
        assert_inert(text)
        assert HOSTILE[0] in text  # kept as text, not dropped
    for fmt in ("geojson", "wards-geojson"):
        document = json.loads(export_bytes(hostile_area, [plan], fmt))
        assert document["type"] == "FeatureCollection"
    assert read_plan(hostile_area, export_bytes(hostile_area, [plan], "csv"), "x.csv").same_assignment(plan)
    assert export_bytes(hostile_area, [plan], "png").startswith(b"\x89PNG")
    assert export_bytes(hostile_area, [plan], "pdf").startswith(b"%PDF")


def test_download_file_names_hold_no_markup(hostile_area):
    from analysis.present.downloads import plan_downloads

    plan = read_plan(hostile_area, hostile_plan_csv(hostile_area), "<img src=x onerror=alert(1)> `${x}`.csv")
    for item in plan_downloads(hostile_area, plan):
        assert set(item.file_name) <= set("abcdefghijklmnopqrstuvwxyz0123456789-."), item.file_name


def test_propose_summary_csv_is_inert(formula_area, tmp_path):
    from analysis.cli import propose as command
    from analysis.constraints.rules import Constraints
    from analysis.solvers.propose import propose

    result = propose(formula_area, 3, Constraints(max_deviation=0.1), top=2)
    plans = [result.plans.plan(int(p), f"=Option {r}") for r, p in enumerate(result.ranked, start=1)]
    written = command.write_outputs(result, plans, str(tmp_path / "out"))
    for path in written:
        if path.suffix == ".csv":
            assert_inert(path.read_text(encoding="utf-8-sig"))


# --- plans ------------------------------------------------------------------------------------------

def test_hostile_locality_names_are_kept_exactly(lbbd):
    plan = read_plan(lbbd, PLANS["hostile_labels"].build(lbbd), "plan.csv")
    assert plan.k == 4 and all(any(h in loc for loc in plan.localities) for h in HOSTILE[:5])


def test_ward_names_in_the_code_column_give_the_same_plan(lbbd):
    assert read_plan(lbbd, PLANS["ward_names_for_codes"].build(lbbd), "plan.csv").same_assignment(current_plan(lbbd))


def test_look_alike_names_are_normalised_and_case_variants_noted(lbbd):
    plan = read_plan(lbbd, PLANS["look_alike_labels"].build(lbbd), "plan.csv")
    assert set(plan.localities) == {"North", "north", "W\u00e9st", "East"}  # NFC, no zero-width space, trimmed
    assert plan.assignment[lbbd.ids[2]] == plan.assignment[lbbd.ids[3]] == "W\u00e9st"
    assert len(LOOK_ALIKES) == 6
    notes = " ".join(p.what + " " + p.fix for p in plan.warnings).lower()
    for words in PLANS["look_alike_labels"].note:
        assert words in notes
    assert all(p.severity == "warning" for p in plan.warnings)


def test_numbers_written_differently_are_noted(lbbd):
    plan = read_plan(lbbd, PLANS["numeric_labels"].build(lbbd), "plan.csv")
    assert plan.k == 4
    notes = " ".join(p.what + " " + p.fix for p in plan.warnings).lower()
    assert all(words in notes for words in PLANS["numeric_labels"].note) and "01, 1, 1.0" in notes


def test_a_plain_plan_has_no_notes(lbbd):
    assert read_plan(lbbd, PLANS["bom"].build(lbbd), "plan.csv").warnings == ()


# --- layers -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key, encoding", [("no_cpg_utf8", "utf-8"), ("no_cpg_cp1252", "cp1252")])
def test_shapefile_names_read_as_written_without_a_cpg(lbbd, key, encoding):
    frame = read_uploaded_layer(LAYER_CASES[key].build(lbbd), "wards.zip")
    assert frame["ward_name"].tolist() == [accented_name(i) for i in range(19)]
    assert any(a in "".join(frame["ward_name"]) for a in ACCENTED)


def test_a_finder_zip_reads_like_the_plain_one(lbbd):
    area = study_area_from_upload(lbbd, LAYER_CASES["finder_zip"].build(lbbd), "wards.zip", "ward_code", "ward_name",
                                  "population")
    assert sorted(area.ids) == sorted(lbbd.ids)


def test_swapped_axes_would_have_measured_the_wrong_area(lbbd):
    """Without the check, the swapped layer measures far more than the borough's 36.1 km² (the issue saw 165 km²)."""
    import geopandas as gpd

    frame = read_uploaded_layer(LAYER_CASES["swapped_axes"].build(lbbd), "wards.geojson")
    wrong = gpd.GeoSeries(frame.geometry.to_numpy(), crs="EPSG:4326").to_crs("EPSG:32631").area.sum() / 1e6
    assert lbbd.units.area.sum() / 1e6 == pytest.approx(36.1, abs=0.2)
    assert not math.isclose(wrong, 36.1, rel_tol=0.5)
    with pytest.raises(LocalignError, match="wrong order"):
        study_area_from_upload(lbbd, LAYER_CASES["swapped_axes"].build(lbbd), "wards.geojson", "ward_code",
                               "ward_name", "population")


# --- bundles -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["manifest_typo_key", "manifest_typo_section"])
def test_misspelt_manifest_settings_load_with_a_did_you_mean_note(tmp_path, key):
    folder = copy_bundle(tmp_path)
    BUNDLES[key].corrupt(folder)
    area = load_bundle(folder)
    notes = [p for p in area.warnings if "not one localign knows" in p.what]
    assert len(notes) == 1 and notes[0].severity == "warning"
    text = (notes[0].what + " " + notes[0].fix).lower()
    assert all(words in text for words in BUNDLES[key].expect)


def test_the_bundled_manifest_has_no_unknown_settings(lbbd):
    assert not [p for p in lbbd.warnings if "not one localign knows" in p.what]


def test_a_decimal_comma_is_refused_not_read_as_ten_times_more(tmp_path):
    folder = copy_bundle(tmp_path)
    BUNDLES["decimal_comma"].corrupt(folder)
    with pytest.raises(LocalignError, match="decimal comma"):
        load_bundle(folder)
    # a thousands separator is still fine
    text = (folder / "ward_population.csv").read_text(encoding="utf-8").replace('"3849,5"', '"3,849"')
    (folder / "ward_population.csv").write_text(text, encoding="utf-8")
    assert load_bundle(folder).population.iloc[0] == 3849


def test_a_link_inside_the_bundle_is_fine(tmp_path):
    folder = copy_bundle(tmp_path)
    (folder / "data").mkdir()
    (folder / "ward_population.csv").rename(folder / "data" / "population.csv")
    (folder / "ward_population.csv").symlink_to(folder / "data" / "population.csv")
    assert len(load_bundle(folder).ids) == 19


# --- command line --------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CLI_CASES, ids=lambda c: c.key)
def test_command_line_case(case, tmp_path):
    status, out, err = run_cli(case, tmp_path)
    assert status == case.status, err
    assert "Traceback" not in out + err
    for words in case.expect:
        assert words in err.lower(), f"{case.key}: {words!r} not in {err!r}"
    if case.key == "count_too_long":
        assert out.strip().splitlines()[-1].startswith("~")
        assert float(out.strip().splitlines()[-1][1:]) > 1e9
    if case.key == "stale_out":
        left = sorted(p.name for p in (tmp_path / "out").iterdir())
        assert left == ["my_notes.csv", "option_01.csv", "option_01.geojson", "option_02.csv", "option_02.geojson",
                        "summary.csv", "summary.md"]


def test_an_exact_count_within_its_budget_is_unchanged(capsys):
    from analysis.cli import main

    assert main(["enumerate", "--k", "3", "--count", "--budget-s", "120"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "34807"


@pytest.mark.parametrize("text", ["balance=inf", "balance=-inf", "nesting=nan", "compactness=1e999"])
def test_non_finite_weights_are_refused(text):
    with pytest.raises(LocalignError, match="not a finite number"):
        Weights.parse(text)


# --- autosaves ------------------------------------------------------------------------------------------

def test_session_keys_are_random_and_checked():
    keys = {new_session_key() for _ in range(50)}
    assert len(keys) == 50 and all(valid_session_key(k) for k in keys)
    for bad in ("", "abc", "../" + new_session_key(), new_session_key() + "/x", None, 42):
        assert not valid_session_key(bad)
    with pytest.raises(ValueError):
        AutosaveStore("x", session="../../etc")


def test_each_session_saves_and_discards_only_its_own(tmp_path, lbbd):
    a, b = AutosaveStore(tmp_path, new_session_key()), AutosaveStore(tmp_path, new_session_key())
    plan = current_plan(lbbd)
    session = EditSession.start(lbbd, plan)
    session.move(lbbd, {lbbd.ids[0]: "North"})
    a.save(session)
    assert a.load(lbbd) is not None and b.load(lbbd) is None
    b.discard(study_area_key(lbbd))
    assert a.load(lbbd) is not None
    a.discard(study_area_key(lbbd))
    assert a.load(lbbd) is None


def test_old_autosaves_are_cleaned(tmp_path, lbbd):
    import os
    import time

    old, recent = AutosaveStore(tmp_path, new_session_key()), AutosaveStore(tmp_path, new_session_key())
    session = EditSession.start(lbbd, current_plan(lbbd))
    old_path = old.save(session)
    legacy = tmp_path / "legacy-shared.json"
    legacy.write_text("{}", encoding="utf-8")
    month_ago = time.time() - 31 * 86400
    for path in (old_path, old_path.parent, legacy):
        os.utime(path, (month_ago, month_ago))
    recent.save(session)  # saving cleans up
    assert not old_path.parent.exists() and not legacy.exists()
    assert recent.load(lbbd) is not None
    assert Path(recent.folder).stat().st_mode & 0o077 == 0  # only the owner can read a session's folder


def test_dollar_signs_in_names_are_not_read_as_mathematics_in_pictures(lbbd):
    plan = current_plan(lbbd).renamed({"North": "$x$ $y$", "East": "$$$ \\undefined$"})
    assert export_bytes(lbbd, [plan], "png").startswith(b"\x89PNG")
    assert export_bytes(lbbd, [plan], "pdf").startswith(b"%PDF")


def test_the_command_line_prints_look_alike_notes(lbbd, tmp_path, capsys, monkeypatch):
    import analysis.cli.evaluate as evaluate_command
    from analysis.cli import main

    monkeypatch.setattr(evaluate_command, "load", lambda args: lbbd)
    path = tmp_path / "plan.csv"
    path.write_bytes(PLANS["look_alike_labels"].build(lbbd))
    assert main(["evaluate", "--plan", str(path)]) == 0
    err = capsys.readouterr().err
    assert "Note in" in err and "differ only in capital letters" in err
