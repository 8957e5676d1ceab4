"""Coordinate systems: areas and lengths in British National Grid metres, maps in WGS84."""

from __future__ import annotations

import geopandas as gpd
import pytest
from pyproj import Geod
from shapely.geometry import Point

from geo.crs import (LONLAT_CRS, METRIC_CRS, looks_like_bng, looks_like_lonlat, require_same_crs, resolve_crs,
                     to_lonlat, to_metric)
from geo.errors import LocalignError
from synthetic import units_frame


def test_ward_areas_are_measured_in_british_national_grid(lbbd):
    """The data README: 36.103 km² in EPSG:27700; geodesic areas on the WGS84 ellipsoid about 0.03 % larger (36.110)."""
    assert METRIC_CRS == "EPSG:27700" and LONLAT_CRS == "EPSG:4326"
    planar = lbbd.units.geometry.area.sum() / 1e6
    geod = Geod(ellps="WGS84")
    geodesic = sum(abs(geod.geometry_area_perimeter(g)[0]) for g in lbbd.units_lonlat.geometry) / 1e6
    assert planar == pytest.approx(36.103, abs=0.0005)
    assert geodesic == pytest.approx(36.110, abs=0.0005)
    assert geodesic / planar - 1 == pytest.approx(0.0002, abs=0.0001)


def test_round_trip_through_lonlat_keeps_positions(lbbd):
    back = to_metric(to_lonlat(lbbd.units))
    assert back.crs.to_epsg() == 27700
    assert back.geometry.geom_equals_exact(lbbd.units.geometry, tolerance=0.01).all()
    lonlat = lbbd.units_lonlat.total_bounds
    assert 0.05 < lonlat[0] < lonlat[2] < 0.2 and 51.5 < lonlat[1] < lonlat[3] < 51.6  # east London


def test_extent_heuristics():
    assert looks_like_lonlat((0.06, 51.5, 0.19, 51.6))
    assert not looks_like_bng((0.06, 51.5, 0.19, 51.6))
    assert looks_like_bng((543_000, 181_000, 551_000, 188_000))
    assert not looks_like_lonlat((543_000, 181_000, 551_000, 188_000))
    assert not looks_like_bng((2_000_000, 5_000_000, 2_100_000, 5_100_000))


def test_metres_without_a_crs_are_named_as_probably_british_national_grid():
    frame = units_frame({"a": (0, 0)}).set_crs(None, allow_override=True)
    with pytest.raises(LocalignError) as error:
        resolve_crs(frame, "wards.shp")
    assert "EPSG:27700" in str(error.value) and "wards.shp" in str(error.value)


def test_metres_labelled_as_degrees_are_refused():
    frame = units_frame({"a": (0, 0)}).set_crs("EPSG:4326", allow_override=True)
    with pytest.raises(LocalignError, match="degrees"):
        resolve_crs(frame, "wards.geojson")


def test_declared_crs_wins_and_a_bad_one_is_explained():
    frame = units_frame({"a": (0, 0)}).set_crs(None, allow_override=True)
    assert resolve_crs(frame, "wards.shp", "EPSG:27700").crs.to_epsg() == 27700
    with pytest.raises(LocalignError, match="EPSG"):
        resolve_crs(frame, "wards.shp", "not a crs")


def test_lonlat_layer_keeps_its_crs():
    frame = gpd.GeoDataFrame(geometry=[Point(0.1, 51.54)], crs="EPSG:4326")
    assert resolve_crs(frame, "points.geojson").crs.to_epsg() == 4326
    metric = to_metric(frame)
    assert 540_000 < metric.geometry.x[0] < 550_000 and 180_000 < metric.geometry.y[0] < 190_000


def test_require_same_crs_refuses_mixed_layers():
    @require_same_crs
    def overlay(first, second):
        return len(first) + len(second)

    metric = units_frame({"a": (0, 0)})
    assert overlay(metric, metric) == 2
    with pytest.raises(ValueError, match="one CRS"):
        overlay(metric, to_lonlat(metric))
