"""GeoJSON exports follow RFC 7946, carry the right figures and assumptions, and round-trip through read_plan."""

from __future__ import annotations

import json
import math
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import shape

from analysis.present.exports.geojson import localities_geojson, wards_geojson, write_geojson
from analysis.plan.partition import current_plan, grouping_plan, make_plan
from analysis.plan.io import read_plan
from geo.bundle import DEFAULT_BUNDLE
from geo.errors import LocalignError

WARDS_FILE = DEFAULT_BUNDLE / "wards_2022.geojson"
POPULATION_FILE = DEFAULT_BUNDLE / "ward_population.csv"


@pytest.fixture(scope="module")
def plans(lbbd):
    """The current localities, a four-locality edit, the PCN grouping as a plan, and a random assignment."""
    current = current_plan(lbbd)
    four = current.reassign({"E05014053": "South", "E05014055": "South", "E05014066": "South",
                             "E05014062": "South"}, name="Four localities")
    rng = np.random.default_rng(7)
    labels = rng.choice(["Riverside", "Heathway", "Gale Street", "Chadwell"], size=len(lbbd.ids))
    labels[:4] = ["Riverside", "Heathway", "Gale Street", "Chadwell"]
    random = make_plan(lbbd, dict(zip(lbbd.ids, labels)), name="Random")
    return [current, four, grouping_plan(lbbd, "pcn"), random]


def _polygons(geometry: dict):
    coords = geometry["coordinates"]
    return [coords] if geometry["type"] == "Polygon" else coords


def _all_positions(geometry: dict):
    for polygon in _polygons(geometry):
        for ring in polygon:
            yield from ring


def check_rfc7946(collection: dict) -> None:
    """Assert the RFC 7946 rules that GIS tools rely on."""
    assert collection["type"] == "FeatureCollection"
    assert "crs" not in collection
    assert collection["features"]
    for feature in collection["features"]:
        assert "crs" not in feature
        geometry = feature["geometry"]
        assert geometry["type"] in ("Polygon", "MultiPolygon")
        geom = shape(geometry)
        assert geom.is_valid and not geom.is_empty, shapely.is_valid_reason(geom)
        for lon, lat in _all_positions(geometry):
            # Longitude/latitude of east London, not metres: Barking and Dagenham is near 0.1°E, 51.5°N.
            assert -0.1 < lon < 0.3 and 51.4 < lat < 51.7
            assert round(lon, 6) == lon and round(lat, 6) == lat  # 6 decimal places at most
        for polygon in _polygons(geometry):
            exterior, *holes = polygon
            assert exterior[0] == exterior[-1]
            assert shapely.is_ccw(shapely.LinearRing(exterior)), "exterior ring must be counter-clockwise"
            for hole in holes:
                assert not shapely.is_ccw(shapely.LinearRing(hole)), "holes must be clockwise"


def test_localities_follow_rfc7946(lbbd, plans):
    for plan in plans:
        check_rfc7946(localities_geojson(lbbd, plan))


def test_wards_follow_rfc7946(lbbd, plans):
    check_rfc7946(wards_geojson(lbbd, plans[0]))


def test_dissolved_localities_cover_the_study_area_without_overlap(lbbd, plans):
    wards = gpd.read_file(WARDS_FILE).to_crs("EPSG:27700")
    study_area_m2 = wards.geometry.area.sum()
    for plan in plans:
        data = localities_geojson(lbbd, plan)
        frame = gpd.GeoDataFrame.from_features(data["features"], crs="EPSG:4326").to_crs("EPSG:27700")
        assert len(frame) == plan.k
        assert frame.geometry.area.sum() == pytest.approx(study_area_m2, rel=0.005)
        overlap = sum(a.intersection(b).area for i, a in enumerate(frame.geometry)
                      for b in frame.geometry[i + 1:])
        assert overlap < 0.001 * study_area_m2


def test_locality_properties_match_the_ward_table(lbbd, plans):
    population = pd.read_csv(POPULATION_FILE, dtype={"ward_code": str}).set_index("ward_code")["population"]
    names = pd.read_csv(POPULATION_FILE, dtype={"ward_code": str}).set_index("ward_code")["ward_name"]
    for plan in plans:
        data = localities_geojson(lbbd, plan)
        total = population.sum()
        for feature in data["features"]:
            props = feature["properties"]
            members = sorted(u for u, loc in plan.assignment.items() if loc == props["locality"])
            assert sorted(props["wards"].split("; ")) == members
            assert sorted(props["ward_names"].split("; ")) == sorted(names[members])
            assert props["population"] == population[members].sum()
            assert props["deviation"] == pytest.approx(population[members].sum() / (total / plan.k) - 1, abs=1e-6)
        guide = data["localign"]["fields"]
        shares = [{k: v for k, v in f["properties"].items() if k.startswith("pcn") and k.endswith("_shr")}
                  for f in data["features"]]
        assert len(shares[0]) == len(lbbd.pcn.groups)
        # the field guide names the PCN behind each short share field
        assert sorted(guide[k].split("'s residents")[0].removeprefix("share of ") for k in shares[0]) == \
            sorted(lbbd.pcn.groups)
        for pcn_key in shares[0]:
            assert sum(s[pcn_key] for s in shares) == pytest.approx(1.0, abs=1e-3)


def test_property_names_are_short_lower_snake_case_with_scalar_values(lbbd, plans):
    """Shapefile (DBF, 10-character names) and QGIS expressions take every field as it is; lists become strings."""
    for plan in plans:
        for data in (localities_geojson(lbbd, plan), wards_geojson(lbbd, plan)):
            guide = data["localign"]["fields"]
            short = data["localign"]["layer"] == "localities"
            for feature in data["features"]:
                for key, value in feature["properties"].items():
                    assert re.fullmatch(r"[a-z0-9_]+", key), key
                    assert len(key) <= 10 or not short, key
                    assert value is None or isinstance(value, (str, int, float, bool)), (key, value)
                    assert key in guide, f"{key} is missing from the field guide"


def test_collection_carries_plan_assumptions_and_attribution(lbbd, plans):
    data = localities_geojson(lbbd, plans[1])
    meta = data["localign"]
    assert meta["plan"] == "Four localities"
    assert meta["assumptions"] == lbbd.assumption_notes
    text = " ".join(meta["assumptions"])
    assert "inferred" in text and "approximate" in text
    assert any("Crown copyright" in a for a in meta["attribution"])
    assert len(meta["generated"]) == 10 and meta["generated"][4] == "-"


def test_exported_files_open_in_geopandas(lbbd, plans, tmp_path):
    path = write_geojson(localities_geojson(lbbd, plans[1]), tmp_path / "localities.geojson")
    frame = gpd.read_file(path)
    assert frame.crs.to_epsg() == 4326
    assert sorted(frame["locality"]) == sorted(plans[1].localities)
    assert frame["population"].sum() == lbbd.total_population
    wards = gpd.read_file(write_geojson(wards_geojson(lbbd, plans[1]), tmp_path / "wards.geojson"))
    assert len(wards) == 19 and set(wards.columns) >= {"ward_code", "ward_name", "locality", "population"}
    json.loads(path.read_text(encoding="utf-8"))  # strict JSON: no NaN


def test_wards_file_round_trips_to_the_identical_plan(lbbd, plans, tmp_path):
    for i, plan in enumerate(plans):
        path = write_geojson(wards_geojson(lbbd, plan), tmp_path / f"plan{i}.geojson")
        back = read_plan(lbbd, path)
        assert back.same_assignment(plan), plan.name
        assert dict(back.assignment) == dict(plan.assignment)
        assert back.localities == tuple(sorted(plan.localities))
        from_bytes = read_plan(lbbd, path.read_bytes(), filename="upload.geojson")
        assert from_bytes.same_assignment(plan)


def test_write_geojson_refuses_bad_paths_and_keeps_existing_files(lbbd, plans, tmp_path):
    data = wards_geojson(lbbd, plans[0])
    with pytest.raises(LocalignError, match="does not exist"):
        write_geojson(data, tmp_path / "missing-folder" / "wards.geojson")
    with pytest.raises(LocalignError, match="file name"):
        write_geojson(data, tmp_path / "wards.txt")
    with pytest.raises(LocalignError, match="folder, not a file"):
        write_geojson(data, tmp_path)
    existing = tmp_path / "keep.geojson"
    existing.write_text("previous", encoding="utf-8")
    bad = dict(data, localign={"broken": math.nan})  # cannot be written as strict JSON
    with pytest.raises(ValueError):
        write_geojson(bad, existing)
    assert existing.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.geojson"]  # no temporary file left behind
