"""Plan geometry: localities dissolved from their units, cached per plan so maps and exports redraw cheaply."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from analysis.plan.context import StudyContext, recall
from analysis.plan.partition import Plan
from geo.bundle import StudyArea

CACHE_SIZE = 32
"""Dissolved plans kept per study area."""


def dissolve_plan(area: StudyArea, plan: Plan, lonlat: bool = False) -> gpd.GeoDataFrame:
    """Localities as polygons (EPSG:27700, or WGS84 from the units' WGS84 shapes when ``lonlat``, for web maps: no
    reprojection per plan), one row per locality in the plan's order, indexed by label.

    Columns: ``units`` (number of units) and ``geometry``; results are cached per assignment.
    """
    cache = StudyContext.of(area).memo.dissolved
    units = area.units_lonlat if lonlat else area.units

    def build() -> gpd.GeoDataFrame:
        parent = plan.parent
        before = cache.get(parent.key() + (parent.localities, lonlat)) if parent is not None else None
        if before is not None and parent.localities == plan.localities and plan.flips \
                and set(plan.labels) == set(plan.localities):  # no locality left empty
            return _redissolved(units, plan, before)
        frame = units[["geometry"]].assign(locality=list(plan.labels), units=1)
        dissolved = frame.dissolve(by="locality", aggfunc={"units": "sum"}).reindex(list(plan.localities))
        dissolved.index.name = "locality"
        return dissolved

    return recall(cache, plan.key() + (plan.localities, lonlat), build, CACHE_SIZE)


def _redissolved(units: gpd.GeoDataFrame, plan: Plan, before: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The parent's dissolved localities with only those the edit touched (left or joined by a moved unit) unioned
    again from their units, in unit order as ``GeoDataFrame.dissolve`` unions them."""
    old, new = plan.parent.assignment, plan.assignment
    touched = {old[u] for u in plan.flips} | {new[u] for u in plan.flips}
    dissolved = before.copy()
    labels = pd.Series(plan.labels, index=units.index)
    for locality in touched:
        members = units.geometry[labels == locality]
        dissolved.loc[locality, "geometry"] = members.union_all()
        dissolved.loc[locality, "units"] = len(members)
    return dissolved
