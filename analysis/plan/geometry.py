"""Plan geometry: localities dissolved from their units, cached per plan so maps and exports redraw cheaply."""

from __future__ import annotations

from collections import OrderedDict

import geopandas as gpd

from analysis.plan.partition import Plan
from geo.bundle import StudyArea

CACHE_SIZE = 32
"""Dissolved plans kept per study area."""


def dissolve_plan(area: StudyArea, plan: Plan) -> gpd.GeoDataFrame:
    """Localities as polygons (EPSG:27700), one row per locality in the plan's order, indexed by label.

    Columns: ``units`` (number of units) and ``geometry``; results are cached per assignment.
    """
    cache: OrderedDict = area.cache.setdefault("dissolved_plans", OrderedDict())
    key = plan.key() + (plan.localities,)
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    frame = area.units[["geometry"]].assign(locality=list(plan.labels), units=1)
    dissolved = frame.dissolve(by="locality", aggfunc={"units": "sum"}).reindex(list(plan.localities))
    dissolved.index.name = "locality"
    cache[key] = dissolved
    if len(cache) > CACHE_SIZE:
        cache.popitem(last=False)
    return dissolved
