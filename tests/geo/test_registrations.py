"""PCN catchments from registered patients: the CLI's pcn_nesting against an independent computation from the shared
CSVs, the unassigned-practice patients, assignments, and a bundle without registrations keeping the area basis."""

from __future__ import annotations

import io
import json
import re
import shutil
from contextlib import redirect_stdout
from pathlib import Path

import pandas as pd
import pytest

from analysis.cli import main
from analysis.metrics.evaluate import evaluate
from analysis.plan.partition import current_plan
from geo.bundle import AREA_BASIS, DEFAULT_BUNDLE, load_bundle
from geo.errors import LocalignError
from geo.registrations import UNASSIGNED, parse_assignments

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
"""The project's shared data folder (../shared/data from the checkout); the bundle holds byte copies."""


def shared(name: str, bundled: str) -> Path:
    """A shared CSV, or its byte copy in the bundle where the shared folder is not beside the checkout."""
    return SHARED / name if (SHARED / name).exists() else DEFAULT_BUNDLE / bundled


def cli_json(*argv: str) -> dict:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(list(argv)) == 0
    return json.loads(out.getvalue())


def independent_nesting() -> tuple[float, float]:
    """PCN nesting of the inferred current localities from the raw CSVs with plain pandas: every registration of a
    borough LSOA, apportioned by the GLA weights, grouped by PCN (practices in no PCN left out) and locality.
    Also returns the patients of practices in no listed PCN."""
    registrations = pd.read_csv(shared("bd_gp_registrations_lsoa11_jul2022.csv", "gp_registrations_lsoa11_jul2022.csv"))
    pcns = pd.read_csv(shared("bd_pcns.csv", "gp_practices.csv")).dropna(subset=["ods_code"])
    weights = pd.read_csv(shared("bd_lsoa11_ward22_weights_2021.csv", "lsoa/bd_lsoa11_ward22_weights_2021.csv"))
    localities = pd.read_csv(shared("bd_localities_current_CANDIDATE_inferred.csv", "current_localities_INFERRED.csv"))
    locality_of = dict(zip(localities["ward_code"], localities["locality_candidate"]))
    rows = registrations.merge(weights, on="lsoa11_code")
    rows = rows[rows["ward22_code"].isin(locality_of)]
    rows["pcn"] = rows["practice_code"].map(dict(zip(pcns["ods_code"], pcns["pcn_name"])))
    rows["people"] = rows["patients"] * rows["weight_2021"]
    rows["locality"] = rows["ward22_code"].map(locality_of)
    unassigned = rows.loc[rows["pcn"].isna(), "people"].sum()
    table = rows.dropna(subset=["pcn"]).pivot_table(index="locality", columns="pcn", values="people", aggfunc="sum")
    return float(table.max().sum() / table.to_numpy().sum()), float(unassigned)


def test_evaluate_json_gives_pcn_nesting_on_registered_patients():
    data = cli_json("evaluate", "--plan", "current", "--json")
    assert "registered patients" in data["pcn_basis"]
    nesting, unassigned = independent_nesting()
    assert data["pcn_nesting"] == pytest.approx(nesting, abs=1e-9)
    assert round(data["pcn_nesting"], 2) == 0.69  # the "about 69 %"
    assert data["pcn_unassigned_total"] == pytest.approx(unassigned, abs=1e-6)
    assert round(data["pcn_unassigned_total"]) == 39_719  # SOURCES.md: 39,719 with practices not in the PCN list
    assert data["pcn_nesting_approximate_areas"] > data["pcn_nesting"]
    assert any("registered patients" in line for line in data["choices"])


def test_bundle_without_registrations_keeps_the_area_basis_and_todays_figures(tmp_path, lbbd):
    copy = tmp_path / "lbbd"
    shutil.copytree(DEFAULT_BUNDLE, copy)
    manifest = (copy / "manifest.toml").read_text(encoding="utf-8")
    manifest = re.sub(r"\n\[registrations\].*?(?=\n\[scenarios\])", "\n", manifest, flags=re.S)
    (copy / "manifest.toml").write_text(manifest, encoding="utf-8")
    data = cli_json("evaluate", "--plan", "current", "--json", "--bundle", str(copy))
    assert data["pcn_basis"] == AREA_BASIS
    assert data["pcn_unassigned"] == {} and data["pcn_unassigned_total"] is None
    with_registrations = evaluate(lbbd, current_plan(lbbd))
    assert data["pcn_nesting"] == pytest.approx(with_registrations.pcn_nesting_approximate_areas, abs=1e-12)
    assert round(data["pcn_nesting"], 3) == 0.815  # the 81.5 % on the Voronoi areas
    assert load_bundle(copy).pcn.kind == "points_voronoi"


def test_practices_not_in_a_listed_pcn_are_shown_and_can_be_assigned(lbbd):
    table = lbbd.registrations.unassigned_practices(lbbd.units.index)
    assert list(table["practice_code"][:3]) == ["F82019", "F82621", "F82009"]
    assert round(table["patients"].sum()) == 39_719
    csv = b"practice_code,pcn\nF82019,North PCN\nf82621,East PCN\n"
    assignments = parse_assignments(csv, "assign.csv", lbbd.registrations)
    assert assignments == {"F82019": "North PCN", "F82621": "East PCN"}
    base = evaluate(lbbd, current_plan(lbbd))
    moved = evaluate(lbbd.variant(assignments=assignments), current_plan(lbbd))
    patients = dict(zip(table["practice_code"], table["patients"]))
    assert moved.pcn_unassigned_total == pytest.approx(base.pcn_unassigned_total - patients["F82019"]
                                                       - patients["F82621"])
    assert sum(moved.pcn_residents["East PCN"].values()) == pytest.approx(
        sum(base.pcn_residents["East PCN"].values()) + patients["F82621"])
    assert moved.pcn_nesting != base.pcn_nesting
    with pytest.raises(LocalignError, match="XX0000"):
        parse_assignments(b"practice_code,pcn\nXX0000,North PCN\n", "bad.csv", lbbd.registrations)


def test_pcn_table_and_map_layer_come_from_registrations(lbbd):
    from analysis.present import views

    result = evaluate(lbbd, current_plan(lbbd))
    matrix = views.pcn_matrix(result)
    assert UNASSIGNED in matrix.index and "Patients" in matrix.columns
    areas = lbbd.pcn.areas
    assert set(areas["pcn_name"]) <= set(lbbd.pcn.groups)
    assert lbbd.groupings["pcn_areas"].kind == "points_voronoi"  # the Voronoi areas stay as the fallback layer
    assert lbbd.pcn.layer_label.startswith("PCN catchment")
