"""Geometry checks: a unit must have a non-empty valid polygon; invalid ones are repaired with make_valid and reported."""

from __future__ import annotations

import warnings

import geopandas as gpd
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geo.errors import Problem, list_items

POLYGON_TYPES = ("Polygon", "MultiPolygon")


def polygonal_part(geometry: BaseGeometry) -> BaseGeometry:
    """Keep only the polygons of a geometry (make_valid can return collections with stray lines)."""
    if geometry.geom_type in POLYGON_TYPES:
        return geometry
    parts = [g for g in getattr(geometry, "geoms", []) if g.geom_type in POLYGON_TYPES]
    polygons: list[Polygon] = []
    for part in parts:
        polygons.extend(part.geoms if isinstance(part, MultiPolygon) else [part])
    return MultiPolygon(polygons) if polygons else Polygon()


def check_polygons(frame: gpd.GeoDataFrame, labels: list[str], where: str) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Return the layer with invalid polygons repaired, plus a problem for each missing, empty, non-polygon or repaired feature.

    ``labels`` names each feature for messages (its id, or its row number when the id is missing).
    """
    problems: list[Problem] = []
    geoms = frame.geometry.array
    missing = [labels[i] for i, g in enumerate(geoms) if g is None]
    empty = [labels[i] for i, g in enumerate(geoms) if g is not None and g.is_empty]
    if missing:
        problems.append(Problem(f"{len(missing)} feature(s) have no geometry: {list_items(missing)}.", where,
                                "draw the boundary for each of them, or remove them from the layer."))
    if empty:
        problems.append(Problem(f"{len(empty)} feature(s) have an empty geometry: {list_items(empty)}.", where,
                                "draw the boundary for each of them, or remove them from the layer."))
    wrong_type = [f"{labels[i]} ({g.geom_type})" for i, g in enumerate(geoms)
                  if g is not None and not g.is_empty and g.geom_type not in POLYGON_TYPES
                  and g.geom_type != "GeometryCollection"]
    if wrong_type:
        problems.append(Problem(
            f"units must be areas (polygons), but {list_items(wrong_type)} "
            f"{'is' if len(wrong_type) == 1 else 'are'} not.", where,
            "export the area layer, not points or lines; convert lines to polygons in your GIS if needed."))
    if missing or empty or wrong_type:
        return frame, problems

    repaired = list(geoms)
    fixed: list[str] = []
    for i, geometry in enumerate(geoms):
        with warnings.catch_warnings():  # GEOS warns on NaN coordinates; the problem is reported below instead
            warnings.simplefilter("ignore", RuntimeWarning)
            if geometry.geom_type != "GeometryCollection" and geometry.is_valid:
                continue
            reason = ("a collection of mixed shapes" if geometry.geom_type == "GeometryCollection"
                      else shapely.is_valid_reason(geometry))
            fixed_geometry = polygonal_part(shapely.make_valid(geometry))
            if fixed_geometry.is_empty:
                problems.append(Problem(f"the geometry of {labels[i]} is invalid ({reason}) and has no area "
                                        "once repaired.", where, "redraw this boundary in your GIS."))
                continue
            repaired[i] = fixed_geometry
            fixed.append(f"{labels[i]} ({reason})")
    if fixed:
        problems.append(Problem(
            f"{len(fixed)} invalid geometr{'y was' if len(fixed) == 1 else 'ies were'} repaired with "
            f"make_valid: {list_items(fixed, 5)}.", where,
            "nothing to do unless the repaired shapes look wrong on the map; to silence this, run "
            "'Fix geometries' in QGIS and save the layer again.", severity="warning"))
    out = frame.copy()
    out[out.geometry.name] = gpd.GeoSeries(repaired, index=frame.index, crs=frame.crs)
    return out, problems
