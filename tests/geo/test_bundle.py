"""The bundled Barking and Dagenham study area loads with the facts of the shared data (the happy path)."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import networkx as nx
import pandas as pd
import pytest

from geo.bundle import DEFAULT_BUNDLE, summary, study_area_from_frames
from geo.errors import LocalignError
from synthetic import make_area, units_frame

SHARED = Path("/work/shared/data")
BUNDLE = DEFAULT_BUNDLE


def shared_or_bundle(shared_name: str, bundle_name: str) -> Path:
    """The shared data file when this machine has it, else the bundle's copy of it."""
    path = SHARED / shared_name
    return path if path.exists() else BUNDLE / bundle_name


def test_units_are_the_19_may_2022_wards(lbbd):
    wards = gpd.read_file(shared_or_bundle("bd_wards_2022.geojson", "wards_2022.geojson"))
    assert len(lbbd.units) == 19
    assert sorted(lbbd.ids) == sorted(wards["ward_code"])
    assert lbbd.ids == [f"E050140{n}" for n in range(53, 72)]
    assert lbbd.unit_names.to_dict() == dict(zip(wards["ward_code"], wards["ward_name"]))
    assert lbbd.units.crs.to_epsg() == 27700
    assert lbbd.units_lonlat.crs.to_epsg() == 4326


def test_ward_areas_match_the_data_readme_table(lbbd):
    readme = SHARED / "README.md"
    if not readme.exists():
        pytest.skip("the shared data README is not on this machine")
    table = dict(re.findall(r"^\s*\| (E05\d{6}) \| [^|]+ \| (\d+\.\d{3}) \|", readme.read_text(), re.M))
    assert len(table) == 19
    areas = (lbbd.units.geometry.area / 1e6).round(3)
    assert {code: f"{areas[code]:.3f}" for code in lbbd.ids} == table
    assert lbbd.units.geometry.area.sum() / 1e6 == pytest.approx(36.103, abs=0.0005)
    assert lbbd.outline.area == pytest.approx(lbbd.units.geometry.area.sum(), rel=1e-9)  # no gaps, no overlaps


def test_population_is_the_ward_estimate_file(lbbd):
    table = pd.read_csv(shared_or_bundle("bd_ward_population.csv", "ward_population.csv")).set_index("ward_code")
    assert lbbd.population_column == "population"
    assert lbbd.population.to_dict() == table["population"].astype(float).to_dict()
    assert lbbd.total_population == 218_865
    for column in ("population_lsoa21_bestfit", "population_alt_split_children_bestfit"):
        assert lbbd.attributes[column].to_dict() == table[column].astype(float).to_dict()
    assert "residents_most_deprived_20pct" in lbbd.attributes.columns
    assert "estimate" in lbbd.attribute_titles["population"].lower()


def test_current_localities_are_the_inferred_table(lbbd):
    table = pd.read_csv(shared_or_bundle("bd_localities_current_CANDIDATE_inferred.csv",
                                         "current_localities_INFERRED.csv")).set_index("ward_code")
    current = lbbd.current
    assert current.name == "current_localities"
    assert current.groups == ["East", "North", "West"]
    assert current.labels.to_dict() == table["locality_candidate"].to_dict()
    assert not current.approximate
    people = current.people.sum()
    expected = pd.read_csv(BUNDLE / "ward_population.csv").set_index("ward_code")["population"] \
        .groupby(table["locality_candidate"]).sum()
    assert people.to_dict() == expected.astype(float).to_dict()
    assert people.to_dict() == {"East": 68_445, "North": 77_877, "West": 72_543}


def test_pcns_and_practices_come_from_the_pcn_list(lbbd):
    pcns = pd.read_csv(shared_or_bundle("bd_pcns.csv", "gp_practices.csv"))
    assert lbbd.pcn.groups == sorted(pcns["pcn_name"].unique())
    assert len(lbbd.pcn.groups) == 6
    assert lbbd.pcn.approximate
    practices = lbbd.points["practices"]
    with_coordinates = pcns.dropna(subset=["lat", "lon"])
    assert len(pcns) == 33 and len(practices) == len(with_coordinates) == 32
    assert practices.crs.to_epsg() == 27700
    missing = set(pcns["practice_name"]) - set(practices["practice_name"])
    assert missing == {"DR C OLA'S PRACTICE"}
    assert any("DR C OLA'S PRACTICE" in str(w) for w in lbbd.warnings)  # left off the map, and said so
    # every practice lies in or right by the borough (within 1 km of its outline)
    assert practices.distance(lbbd.outline).max() < 1000


def test_assumption_notes_label_the_inferred_and_approximate_parts(lbbd):
    notes = lbbd.assumption_notes
    assert all(isinstance(n, str) and n for n in notes)
    assert lbbd.note(lbbd.current.assumption) in notes
    assert "inferred" in lbbd.note(lbbd.current.assumption)
    assert "approximate" in lbbd.note(lbbd.groupings["pcn_areas"].assumption)  # the fallback Voronoi areas
    assert "registered" in lbbd.note(lbbd.pcn.assumption)  # PCN catchments from registrations
    assert "not the official" in lbbd.note("population_estimate")
    assert "Open Government Licence" in lbbd.source_line


def test_summary_reports_the_issue_facts(lbbd):
    facts = summary(lbbd)
    assert facts["units"] == 19
    assert facts["population_total"] == 218_865
    assert facts["groupings"] == {"current_localities": 3, "pcn": 6, "pcn_areas": 6}
    assert facts["adjacency_edges"] == {"rook": 37, "queen": 41}
    assert facts["components"] == 1 and facts["islands"] == []
    assert facts["assumptions"] == lbbd.assumption_notes
    assert facts["crs"]["measure"] == "EPSG:27700"


def test_study_area_from_frames_builds_a_small_area():
    area = make_area({"a": (0, 0), "b": (1, 0), "c": (2, 0)}, {"a": 10, "b": 20, "c": 30},
                     groupings={"old": {"a": "X", "b": "X", "c": "Y"}}, current="old")
    assert area.ids == ["a", "b", "c"]
    assert area.total_population == 60
    assert area.current.groups == ["X", "Y"]
    assert area.current.people.loc["b", "X"] == 20 and area.current.people.loc["b", "Y"] == 0
    assert area.pcn is None
    assert area.graph("rook").number_of_edges() == 2
    assert nx.get_node_attributes(area.graph("rook"), "population") == {"a": 10, "b": 20, "c": 30}


def test_study_area_from_frames_needs_a_crs():
    units = units_frame({"a": (0, 0)}).set_crs(None, allow_override=True)
    with pytest.raises(LocalignError, match="no CRS"):
        study_area_from_frames(units, [1.0])


def test_with_grouping_adds_a_grouping_without_touching_the_original(lbbd):
    labels = pd.Series({u: ("A" if i < 10 else "B") for i, u in enumerate(lbbd.ids)})
    area = study_area_from_frames(lbbd.units, lbbd.population, groupings={"halves": labels})
    other = lbbd.with_grouping(area.groupings["halves"])
    assert "halves" in other.groupings and "halves" not in lbbd.groupings
    assert other.groupings["halves"].people.sum().sum() == pytest.approx(218_865)


def _bundle_with_units_settings(tmp_path, settings: str):
    import shutil

    from geo.bundle import DEFAULT_BUNDLE

    folder = tmp_path / "bundle"
    shutil.copytree(DEFAULT_BUNDLE, folder)
    manifest = folder / "manifest.toml"
    text = manifest.read_text(encoding="utf-8")
    text = text.replace("snap_m = 1.0", "").replace("min_shared_m = 1.0", "")
    manifest.write_text(text.replace('title = "Electoral wards (May 2022)"',
                                     f'title = "Electoral wards (May 2022)"\n{settings}'), encoding="utf-8")
    return folder


def test_the_manifest_sets_the_rook_tolerance_and_keeps_only_longer_shared_boundaries(tmp_path, lbbd):
    from geo.bundle import load_bundle, summary

    area = load_bundle(_bundle_with_units_settings(tmp_path, "min_shared_m = 1000.0"))
    longer = int((lbbd.contacts["shared_m"] > 1000.0).sum())
    assert area.min_shared_m == 1000.0
    assert summary(area)["adjacency_edges"] == {"rook": longer, "queen": 41}
    assert 0 < longer < 37


def test_a_negative_snapping_distance_in_the_manifest_is_refused_in_plain_words(tmp_path):
    from geo.bundle import load_bundle
    from geo.errors import LocalignError

    with pytest.raises(LocalignError, match="snap_m' must be a distance in metres"):
        load_bundle(_bundle_with_units_settings(tmp_path, "snap_m = -2"))
