"""Coordinate reference systems: metres (EPSG:27700) for measuring, WGS84 (EPSG:4326) for maps."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import TypeVar

import geopandas as gpd
from pyproj import CRS

from geo.errors import LocalignError

METRIC_CRS = "EPSG:27700"
"""British National Grid: every area and length is measured in this CRS, in metres."""

LONLAT_CRS = "EPSG:4326"
"""WGS84 longitude/latitude: every map and GeoJSON export uses this CRS."""

# British National Grid's valid extent in metres (the grid covers Great Britain and its waters).
_BNG_X = (-100_000.0, 800_000.0)
_BNG_Y = (-100_000.0, 1_400_000.0)

F = TypeVar("F", bound=Callable)


def looks_like_lonlat(bounds: tuple[float, float, float, float]) -> bool:
    """Coordinates are plausibly degrees when every x is within ±180 and every y within ±90."""
    minx, miny, maxx, maxy = bounds
    return -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90


def looks_like_bng(bounds: tuple[float, float, float, float]) -> bool:
    """Coordinates are plausibly British National Grid metres when they fall in the grid's extent."""
    minx, miny, maxx, maxy = bounds
    return (_BNG_X[0] <= minx <= maxx <= _BNG_X[1] and _BNG_Y[0] <= miny <= maxy <= _BNG_Y[1]
            and not looks_like_lonlat(bounds))


def _looks_like_degrees_in_metres(bounds: tuple[float, float, float, float]) -> bool:
    """Coordinates labelled as metres that fit within ±180/±90 and span under 20 m are really degrees."""
    minx, miny, maxx, maxy = bounds
    return looks_like_lonlat(bounds) and maxx - minx < 20 and maxy - miny < 20


def _named(crs: CRS) -> str:
    code = crs.to_epsg()
    return f"EPSG:{code}" if code else crs.name


def _parse_declared(declared: object, where: str) -> CRS:
    try:
        return CRS.from_user_input(declared)
    except Exception as exc:  # pyproj raises CRSError (and TypeError for odd values); report it plainly
        detail = str(exc).split("\n")[0].split(": (")[0]
        raise LocalignError.single(
            f"the CRS '{declared}' is not one localign recognises ({detail}).",
            where, "give an EPSG code such as EPSG:27700 (British National Grid) or EPSG:4326.",
        ) from None


def _mismatch(crs: CRS, bounds: tuple[float, float, float, float]) -> str | None:
    """Why coordinates cannot be in this CRS (degrees out of range, or metres that are really degrees), or None."""
    if crs.is_geographic and not looks_like_lonlat(bounds):
        return (f"the layer is said to be in degrees ({_named(crs)}), but its coordinates are far outside "
                "±180/±90")
    if crs.is_projected and _looks_like_degrees_in_metres(bounds):
        return (f"the layer is said to be in metres ({_named(crs)}), but its coordinates look like "
                "longitude/latitude degrees")
    return None


_GB_LONLAT = (-9.01, 49.75, 2.01, 61.01)
"""Where British National Grid applies, in longitude/latitude (west, south, east, north): every study area localign
measures lies inside it."""


def _inside_gb(minx: float, miny: float, maxx: float, maxy: float) -> bool:
    west, south, east, north = _GB_LONLAT
    return west <= minx <= maxx <= east and south <= miny <= maxy <= north


def swapped_axes(crs: CRS | None, bounds: tuple[float, float, float, float]) -> bool:
    """Degrees with latitude and longitude swapped: outside Great Britain as given, inside it the other way round."""
    if crs is None or not crs.is_geographic:
        return False
    minx, miny, maxx, maxy = bounds
    return not _inside_gb(minx, miny, maxx, maxy) and _inside_gb(miny, minx, maxy, maxx)


def _swapped_problem(bounds: tuple[float, float, float, float], where: str) -> LocalignError:
    minx, miny, maxx, maxy = bounds
    return LocalignError.single(
        f"the coordinates look like latitude and longitude in the wrong order: the first (x) runs {minx:.2f} to "
        f"{maxx:.2f}, a latitude in Great Britain, and the second (y) {miny:.2f} to {maxy:.2f}, so every area "
        "would be drawn and measured in the wrong place.", where,
        "export the layer again with longitude first (GeoJSON always puts longitude first; in QGIS, Processing > "
        "'Swap X and Y coordinates' repairs it).")


def _hint(bounds: tuple[float, float, float, float]) -> str:
    if looks_like_bng(bounds):
        return ("The coordinates look like British National Grid metres; declare crs = \"EPSG:27700\" for this "
                "layer in manifest.toml, or choose EPSG:27700 when uploading.")
    if looks_like_lonlat(bounds):
        return ("The coordinates look like longitude/latitude degrees; declare crs = \"EPSG:4326\", or save "
                "the file as GeoJSON from your GIS.")
    return ("Declare the layer's CRS (an EPSG code) in manifest.toml, or re-export it from your GIS with its "
            "projection (.prj) included.")


def resolve_crs(frame: gpd.GeoDataFrame, where: str, declared: str | None = None) -> gpd.GeoDataFrame:
    """Give a layer its true CRS: the declared one, else the file's, refusing coordinates that cannot be in it.

    GeoJSON readers assume WGS84 when a file says nothing, so a file whose coordinates cannot be
    degrees is treated as having no CRS at all, and the error names the likely one. A declared or
    file CRS is also refused when the coordinates plainly do not fit it (metres labelled as degrees,
    or degrees labelled as metres).
    """
    bounds = tuple(float(b) for b in frame.total_bounds)
    finite = all(math.isfinite(b) for b in bounds)
    if declared not in (None, ""):
        crs = _parse_declared(declared, where)
        problem = _mismatch(crs, bounds) if finite else None
        if problem:
            raise LocalignError.single(f"{problem}, so the declared CRS cannot be right.", where, _hint(bounds))
        if finite and swapped_axes(crs, bounds):
            raise _swapped_problem(bounds, where)
        return frame.set_crs(crs, allow_override=True)

    file_crs = frame.crs
    note = frame.attrs.get("crs_note")
    problem = _mismatch(file_crs, bounds) if file_crs is not None and finite else None
    if file_crs is not None and problem is None:
        if finite and swapped_axes(CRS.from_user_input(file_crs), bounds):
            raise _swapped_problem(bounds, where)
        return frame
    if file_crs is None:
        what = "the layer has no coordinate reference system (CRS)" + (f": {note}" if note else "")
    elif note:  # a CRS assumed by the reader, not written in the file
        what = ("the layer has no coordinate reference system (CRS), and its coordinates are not "
                f"longitude/latitude degrees ({note})")
    else:
        what = problem
    fix = _hint(bounds)
    if note and ".prj" in note:
        fix = "Put the Shapefile's .prj file in the zip too. Otherwise: " + fix[0].lower() + fix[1:]
    raise LocalignError.single(f"{what}, so its positions cannot be placed on a map.", where, fix)


def to_metric(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Reproject a layer to British National Grid metres for areas and lengths."""
    return frame.to_crs(METRIC_CRS)


def to_lonlat(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Reproject a layer to WGS84 longitude/latitude for maps and GeoJSON."""
    return frame.to_crs(LONLAT_CRS)


def require_same_crs(func: F) -> F:
    """Guard a function taking two GeoDataFrames first: both must share one CRS."""

    @functools.wraps(func)
    def wrapper(first: gpd.GeoDataFrame, second: gpd.GeoDataFrame, *args, **kwargs):
        if first.crs != second.crs:
            raise ValueError(
                f"{func.__name__} needs both layers in one CRS, got {first.crs} and {second.crs}; "
                "reproject one with to_metric() first."
            )
        return func(first, second, *args, **kwargs)

    return wrapper  # type: ignore[return-value]
