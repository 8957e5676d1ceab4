"""Small synthetic study areas for hand-checked tests: squares of 100 m on British National Grid.

Cells are given as ``{unit_id: (column, row)}``; cell (c, r) is the square [x0 + 100c, x0 + 100(c+1)] x
[y0 + 100r, y0 + 100(r+1)], so row 0 is the southern row. Every expected value in the tests that use
these helpers is worked out by hand from the picture, not from the code under test.
"""

from __future__ import annotations

from typing import Mapping

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from analysis.plan.partition import Plan, make_plan
from geo.bundle import StudyArea, study_area_from_frames

SIZE = 100.0
"""Side of one square unit in metres."""

ORIGIN = (530_000.0, 180_000.0)
"""South-west corner of cell (0, 0): a point in London, in EPSG:27700 metres."""


def square(column: float, row: float, size: float = SIZE):
    """The square cell at (column, row) of a grid of ``size``-metre squares."""
    x0, y0 = ORIGIN[0] + column * size, ORIGIN[1] + row * size
    return box(x0, y0, x0 + size, y0 + size)


def grid_cells(columns: int, rows: int) -> dict[str, tuple[int, int]]:
    """Every cell of a columns x rows grid, with ids ``c{column}r{row}``."""
    return {f"c{c}r{r}": (c, r) for r in range(rows) for c in range(columns)}


def units_frame(cells: Mapping[str, tuple[float, float]], size: float = SIZE) -> gpd.GeoDataFrame:
    """A unit layer (index = unit id, column ``name``) of square cells, in EPSG:27700."""
    ids = list(cells)
    return gpd.GeoDataFrame({"name": [f"Unit {u}" for u in ids]},
                            geometry=[square(*cells[u], size=size) for u in ids],
                            index=pd.Index(ids, name="unit_id"), crs="EPSG:27700")


def make_area(cells: Mapping[str, tuple[float, float]], population: Mapping[str, float] | None = None,
              groupings: Mapping[str, Mapping[str, str]] | None = None, current: str | None = None,
              pcn: str | None = None, **kwargs) -> StudyArea:
    """A study area of square cells; population defaults to 100 per unit; groupings are unit -> group maps."""
    units = units_frame(cells)
    people = pd.Series({u: float((population or {}).get(u, 100.0)) for u in cells})
    series = {name: pd.Series(dict(labels)) for name, labels in (groupings or {}).items()}
    return study_area_from_frames(units, people, name="Synthetic", groupings=series, current=current,
                                  pcn=pcn, **kwargs)


def plan_of(area: StudyArea, localities: Mapping[str, list[str]] | Mapping[str, str], name: str = "test plan") -> Plan:
    """A plan from ``{locality: [unit ids]}`` (or a plain unit -> locality mapping)."""
    first = next(iter(localities.values()))
    if isinstance(first, str):
        return make_plan(area, dict(localities), name=name)
    assignment = {u: loc for loc, members in localities.items() for u in members}
    return make_plan(area, assignment, name=name)


def random_connected_plan(area: StudyArea, k: int, seed: int, adjacency: str = "rook") -> Plan:
    """A random plan of k connected localities: k random seed units grown one neighbour at a time."""
    import numpy as np

    rng = np.random.default_rng(seed)
    graph = area.graph(adjacency)
    ids = list(area.ids)
    owner = {u: None for u in ids}
    for j, unit in enumerate(rng.choice(ids, size=k, replace=False)):
        owner[str(unit)] = j
    while any(v is None for v in owner.values()):
        frontier = sorted({(n, owner[u]) for u in ids if owner[u] is not None for n in graph.neighbors(u)
                           if owner[n] is None})
        unit, j = frontier[rng.integers(len(frontier))]
        owner[unit] = j
    return make_plan(area, {u: f"L{j + 1}" for u, j in owner.items()}, name=f"random {seed}")


def code_of(area: StudyArea, name: str) -> str:
    """The id of the unit with this name (e.g. 'Chadwell Heath' -> 'E05014058')."""
    return {n: c for c, n in area.unit_names.items()}[name]
