"""Approximate PCN areas (Voronoi cells around practice sites) and the ward x PCN overlay."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from scipy.spatial import cKDTree
from shapely.geometry import Point

from geo.overlays import area_shares, people_by_group
from geo.pcn_areas import resolve_shared_sites, voronoi_areas
from synthetic import ORIGIN, units_frame

SHARED_SITE = "RM10 9HU"


@pytest.fixture(scope="module")
def lbbd(lbbd_areas):
    """These tests are about the approximate-area (Voronoi) PCN basis: the bundle as without registrations."""
    return lbbd_areas


def test_six_pcn_areas_cover_the_borough_without_overlap(lbbd):
    areas = lbbd.pcn.areas
    assert sorted(areas["pcn_name"]) == lbbd.pcn.groups and len(areas) == 6
    union = lbbd.units.geometry.union_all()
    assert areas.area.sum() == pytest.approx(union.area, rel=1e-3)
    assert areas.geometry.union_all().symmetric_difference(union).area < 1e-3 * union.area
    for i in range(len(areas)):
        for j in range(i + 1, len(areas)):
            assert areas.geometry.iloc[i].intersection(areas.geometry.iloc[j]).area < 1.0


def test_shared_site_goes_to_east_pcn(lbbd):
    """RM10 9HU hosts one East One PCN and one East PCN practice; East has fewer other sites, so it keeps it."""
    practices = lbbd.points["practices"]
    here = practices[practices["postcode"] == SHARED_SITE]
    assert sorted(here["pcn_name"]) == ["East One PCN", "East PCN"]
    assert here.geometry.iloc[0].distance(here.geometry.iloc[1]) < 1.0
    site = here.geometry.iloc[0]
    owner = lbbd.pcn.areas.set_index("pcn_name").geometry
    assert owner["East PCN"].contains(site)
    assert not owner["East One PCN"].contains(site)
    # the tie-break counted independently: distinct sites (to the metre) each PCN has besides the shared one
    others = {pcn: len({(round(p.x), round(p.y)) for p in practices[practices["pcn_name"] == pcn].geometry}) - 1
              for pcn in ("East One PCN", "East PCN")}
    assert others["East PCN"] < others["East One PCN"]


def test_every_point_lies_in_the_area_of_its_nearest_site(lbbd):
    """The Voronoi property, checked independently with a k-d tree on random points across the borough."""
    practices = lbbd.points["practices"]
    sites = practices.assign(x=practices.geometry.x.round(), y=practices.geometry.y.round())
    owner_of_site = {}
    for (x, y), group in sites.groupby(["x", "y"]):
        pcns = sorted(group["pcn_name"].unique())
        owner_of_site[(x, y)] = pcns[0] if len(pcns) == 1 else "East PCN"  # the shared site, see above
    coords = np.array(list(owner_of_site))
    tree = cKDTree(coords)
    rng = np.random.default_rng(7)
    minx, miny, maxx, maxy = lbbd.outline.bounds
    union = lbbd.outline
    areas = lbbd.pcn.areas.set_index("pcn_name").geometry
    checked = 0
    for x, y in zip(rng.uniform(minx, maxx, 400), rng.uniform(miny, maxy, 400)):
        point = Point(x, y)
        if not union.contains(point):
            continue
        distances, nearest = tree.query([x, y], k=2)
        if distances[1] - distances[0] < 1.0:  # on a cell edge
            continue
        expected = owner_of_site[tuple(coords[nearest[0]])]
        assert areas[expected].contains(point), (x, y, expected)
        checked += 1
    assert checked > 150


def test_ward_by_pcn_shares_sum_to_one_and_match_direct_intersections(lbbd):
    shares = area_shares(lbbd.units, lbbd.pcn.areas, "pcn_name")
    assert shares.sum(axis=1).to_numpy() == pytest.approx(np.ones(19), abs=1e-6)
    areas = lbbd.pcn.areas.set_index("pcn_name").geometry
    for code in lbbd.ids:
        ward = lbbd.units.geometry[code]
        for pcn in lbbd.pcn.groups:
            direct = ward.intersection(areas[pcn]).area / ward.area
            assert shares.loc[code, pcn] == pytest.approx(direct, abs=1e-6)


def test_people_matrix_spreads_each_wards_residents_by_area(lbbd):
    people = lbbd.pcn.people
    assert people.sum().sum() == pytest.approx(218_865)
    assert people.sum(axis=1).to_dict() == pytest.approx(lbbd.population.to_dict())
    shares = area_shares(lbbd.units, lbbd.pcn.areas, "pcn_name")
    expected = shares.mul(lbbd.population, axis=0)
    assert np.allclose(people.to_numpy(), expected.reindex(columns=people.columns).to_numpy(), atol=0.01)
    # each ward's label is the PCN holding most of its residents
    assert (lbbd.pcn.labels == people.idxmax(axis=1)).all()


def test_people_by_group_rescales_rows_lost_to_slivers():
    import pandas as pd

    shares = pd.DataFrame({"P": [0.5, 0.0], "Q": [0.49, 1.0]}, index=["a", "b"])
    people = people_by_group(shares, pd.Series({"a": 99.0, "b": 10.0}))
    assert people.loc["a"].tolist() == pytest.approx([50.0, 49.0])
    assert people.loc["b"].tolist() == [0.0, 10.0]


def points(rows: list[tuple[float, float, str]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"pcn": [r[2] for r in rows]},
                            geometry=[Point(ORIGIN[0] + r[0], ORIGIN[1] + r[1]) for r in rows], crs="EPSG:27700")


def test_shared_site_rule_most_practices_then_fewest_other_sites_then_name():
    sites = resolve_shared_sites(points([(0, 0, "A"), (0.2, 0, "A"), (0, 0, "B"), (500, 0, "B")]), "pcn")
    assert sites.set_index("pcn").loc["A", "practices"] == 3  # two A practices beat one B
    # a tie: B has no other site, A has one, so B keeps the shared site
    sites = resolve_shared_sites(points([(0, 0, "A"), (0, 0, "B"), (500, 0, "A")]), "pcn")
    shared = sites[sites["practices"] == 2].iloc[0]
    assert shared["pcn"] == "B" and shared["shared_with"] == ["A"]
    # a full tie goes alphabetically
    sites = resolve_shared_sites(points([(0, 0, "Z"), (0, 0, "Y")]), "pcn")
    assert sites["pcn"].tolist() == ["Y"]


def test_voronoi_areas_split_a_strip_halfway_between_two_sites():
    strip = units_frame({"a": (0, 0), "b": (1, 0), "c": (2, 0), "d": (3, 0)}).geometry.union_all()  # 400 x 100 m
    areas = voronoi_areas(points([(50, 50, "West"), (250, 50, "East")]), "pcn", strip).set_index("pcn")
    # the bisector of x=50 and x=250 is x=150: West gets 150 x 100 m, East 250 x 100 m
    assert areas.geometry["West"].area == pytest.approx(15_000)
    assert areas.geometry["East"].area == pytest.approx(25_000)
    shares = area_shares(units_frame({"a": (0, 0), "b": (1, 0), "c": (2, 0), "d": (3, 0)}),
                         areas.reset_index(), "pcn")
    assert shares.loc["b"].to_dict() == pytest.approx({"East": 0.5, "West": 0.5})
    assert shares.loc["a", "West"] == pytest.approx(1.0) and shares.loc["d", "East"] == pytest.approx(1.0)
