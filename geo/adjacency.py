"""Unit adjacency: rook (a shared boundary longer than a tolerance) and queen (touching, even at a point) graphs.

Tiny generalisation gaps and overlaps are bridged: units closer than ``snap_m`` metres count as touching,
and shared lengths are measured on a copy of the layer cleaned into an exact coverage with GEOS's coverage
cleaner (``shapely.coverage_clean``: gaps narrower than ``snap_m`` filled, overlaps split, vertices within
``snap_m`` snapped together). A layer whose neighbours already share vertices, as ONS boundaries do, is
measured exactly as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import networkx as nx
import pandas as pd
import shapely

Adjacency = Literal["rook", "queen"]
ADJACENCY_KINDS: tuple[Adjacency, ...] = ("rook", "queen")

DEFAULT_SNAP_M = 1.0
"""Units closer than this many metres are treated as touching (bridges generalisation gaps)."""

DEFAULT_MIN_SHARED_M = 1.0
"""A rook edge needs a shared boundary longer than this many metres."""


@dataclass(frozen=True)
class Contact:
    """Two units that touch or nearly touch, with the length of boundary they share in metres."""

    a: str
    b: str
    shared_m: float
    gap_m: float


def contacts(units: gpd.GeoDataFrame, snap_m: float = DEFAULT_SNAP_M) -> pd.DataFrame:
    """Every pair of units within ``snap_m`` metres of each other, with ``shared_m`` and ``gap_m`` (units in a metric CRS)."""
    if units.crs is None or not units.crs.is_projected:
        raise ValueError("contacts() needs units in a projected CRS in metres; call geo.crs.to_metric first")
    geoms = units.geometry.to_numpy()
    ids = units.index.to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=snap_m)
    keep = left < right
    left, right = left[keep], right[keep]
    cleaned = clean_coverage(geoms, snap_m)
    rows = []
    for i, j in zip(left.tolist(), right.tolist()):
        gap = float(shapely.distance(geoms[i], geoms[j]))
        if cleaned is not None:
            shared = float(shapely.intersection(cleaned[i].boundary, cleaned[j].boundary).length)
        elif gap == 0.0 and not shapely.overlaps(geoms[i], geoms[j]):
            shared = float(shapely.intersection(geoms[i].boundary, geoms[j].boundary).length)
        else:  # no clean coverage: the length of a's boundary near b, less the ends
            near = shapely.intersection(geoms[i].boundary, shapely.buffer(geoms[j], snap_m)).length
            shared = max(0.0, float(near) - 2 * snap_m)
        rows.append(Contact(str(ids[i]), str(ids[j]), shared, gap))
    return pd.DataFrame(rows, columns=["a", "b", "shared_m", "gap_m"])


def clean_coverage(geoms, snap_m: float):
    """The polygons as an exact coverage (gaps under ``snap_m`` wide filled, overlaps split, vertices within
    ``snap_m`` snapped), or None when GEOS cannot clean them (contacts then fall back to buffering)."""
    try:
        cleaned = shapely.coverage_clean(geoms, gap_width=snap_m, snapping_distance=snap_m)
    except (shapely.errors.GEOSException, TypeError):
        return None
    lost = shapely.is_empty(cleaned) & ~shapely.is_empty(geoms)
    return None if lost.any() else cleaned


def adjacency_graph(units: gpd.GeoDataFrame, kind: Adjacency = "rook", snap_m: float = DEFAULT_SNAP_M,
                    min_shared_m: float = DEFAULT_MIN_SHARED_M, contact_table: pd.DataFrame | None = None) -> nx.Graph:
    """Build the unit graph: rook keeps pairs sharing more than ``min_shared_m`` of boundary, queen keeps every contact.

    Nodes are unit ids in the layer's order; each edge carries ``shared_m`` (metres of common boundary).
    """
    if kind not in ADJACENCY_KINDS:
        raise ValueError(f"adjacency must be 'rook' or 'queen', not {kind!r}")
    table = contacts(units, snap_m) if contact_table is None else contact_table
    if kind == "rook":
        table = table[table["shared_m"] > min_shared_m]
    graph = nx.Graph(adjacency=kind, snap_m=snap_m, min_shared_m=min_shared_m)
    graph.add_nodes_from(str(i) for i in units.index)
    for row in table.itertuples(index=False):
        graph.add_edge(row.a, row.b, shared_m=row.shared_m, gap_m=row.gap_m)
    return graph


def islands(graph: nx.Graph) -> list[list[str]]:
    """Every connected component except the largest, each as a sorted list of unit ids."""
    components = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c))
    return components[1:]


def link_islands(graph: nx.Graph, units: gpd.GeoDataFrame) -> nx.Graph:
    """Return a copy where each island is joined to the nearest unit outside it (edge flagged ``linked``), until one component remains."""
    linked = graph.copy()
    geoms = units.geometry
    while True:
        parts = islands(linked)
        if not parts:
            return linked
        island = parts[-1]
        others = [n for n in linked.nodes if n not in set(island)]
        best = min(((float(geoms[a].distance(geoms[b])), a, b) for a in island for b in others))
        linked.add_edge(best[1], best[2], shared_m=0.0, gap_m=best[0], linked=True)


def to_gerrychain(graph: nx.Graph, population: pd.Series, population_column: str = "population"):
    """Convert to a gerrychain ``Graph`` with each node's population under ``population_column``."""
    from gerrychain import Graph

    copy = graph.copy()
    nx.set_node_attributes(copy, {str(k): float(v) for k, v in population.items()}, population_column)
    return Graph.from_networkx(copy)
