"""Overlays of units on group areas: the share of each unit's area (and so, assumed, its residents) in each group."""

from __future__ import annotations

import geopandas as gpd
import maup
import pandas as pd

from geo.crs import require_same_crs


@require_same_crs
def area_shares(units: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, group_column: str) -> pd.DataFrame:
    """Share of each unit's area lying in each group's area (rows: units, columns: groups; rows sum to 1 where covered).

    Intersections come from maup; slivers under 1 m² are ignored.
    """
    pieces = maup.intersections(units.geometry, areas.geometry, area_cutoff=1.0)
    frame = pd.DataFrame({
        "unit": pieces.index.get_level_values(0),
        "group": areas[group_column].to_numpy()[areas.index.get_indexer(pieces.index.get_level_values(1))],
        "area_m2": pieces.area.to_numpy(),
    })
    table = frame.pivot_table(index="unit", columns="group", values="area_m2", aggfunc="sum", fill_value=0.0)
    table = table.reindex(index=units.index, fill_value=0.0)
    table = table.div(units.geometry.area, axis=0)
    table.index.name, table.columns.name = units.index.name, group_column
    return table


def people_by_group(shares: pd.DataFrame, population: pd.Series) -> pd.DataFrame:
    """Residents of each unit in each group, assuming residents are spread evenly over the unit's area.

    Each row is rescaled to sum to the unit's population, so no resident is lost to generalisation slivers.
    """
    totals = shares.sum(axis=1).replace(0.0, 1.0)
    return shares.div(totals, axis=0).mul(population.reindex(shares.index), axis=0)


def one_hot_people(labels: pd.Series, population: pd.Series) -> pd.DataFrame:
    """Residents of each unit in its one group: a unit -> group table as a people matrix."""
    table = pd.crosstab(labels.index, labels.to_numpy()).astype(float)
    table.index.name = labels.index.name
    table = table.reindex(labels.index)
    return table.mul(population.reindex(labels.index), axis=0)
