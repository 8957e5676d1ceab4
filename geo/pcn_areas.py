"""Approximate PCN areas: Voronoi cells around practice sites, clipped to the study area and merged by PCN.

PCNs have no official boundaries, so these areas are an approximation and are labelled as such.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

SITE_PRECISION_M = 1.0
"""Practices whose coordinates lie within the same metre are treated as one site."""


def resolve_shared_sites(points: gpd.GeoDataFrame, group_column: str) -> gpd.GeoDataFrame:
    """One row per site, owned by one group: the group with most practices there, then the one with fewest other sites, then alphabetical.

    The second rule keeps a group from losing its only ground to a co-located neighbour.
    """
    sites = points.assign(
        _x=(points.geometry.x / SITE_PRECISION_M).round(), _y=(points.geometry.y / SITE_PRECISION_M).round()
    )
    sites["_site"] = sites.groupby(["_x", "_y"]).ngroup()
    sites_per_group = sites.groupby(group_column)["_site"].nunique()
    rows = []
    for site_id, here in sites.groupby("_site", sort=True):
        counts = here[group_column].value_counts()
        candidates = pd.DataFrame({
            "practices_here": counts,
            "other_sites": sites_per_group.reindex(counts.index) - 1,
        })
        candidates["name"] = candidates.index
        owner = candidates.sort_values(["practices_here", "other_sites", "name"],
                                       ascending=[False, True, True]).index[0]
        rows.append({"site": site_id, group_column: owner, "practices": len(here),
                     "shared_with": sorted(set(counts.index) - {owner}), "geometry": here.geometry.iloc[0]})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=points.crs)


def voronoi_areas(points: gpd.GeoDataFrame, group_column: str, study_area: BaseGeometry) -> gpd.GeoDataFrame:
    """Areas per group: each site's Voronoi cell clipped to ``study_area``, dissolved by group (same CRS as the points)."""
    sites = resolve_shared_sites(points, group_column)
    if len(sites) == 1:
        cells = [study_area]
    else:
        diagram = shapely.voronoi_polygons(shapely.MultiPoint(list(sites.geometry)), extend_to=study_area)
        cells = list(diagram.geoms)
    cell_frame = gpd.GeoDataFrame(geometry=cells, crs=points.crs)
    owner = gpd.sjoin(cell_frame, sites[[group_column, "geometry"]], predicate="contains", how="inner")
    owner["geometry"] = owner.geometry.intersection(study_area)
    areas = owner[[group_column, "geometry"]].dissolve(by=group_column).reset_index()
    areas["sites"] = areas[group_column].map(sites.groupby(group_column).size())
    return areas
