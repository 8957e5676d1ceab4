"""The study context: everything derived from one study area and one adjacency kind, built once and shared.

One typed, immutable object per (study area, adjacency) holds the unit order, the one stored graph (CSR arrays,
``analysis.plan.graph.UnitGraph``; networkx, GerryChain and bit-mask views are made from it on demand), the
per-unit arrays every metric and solver reads (residents, other attributes, shapes, residents per PCN, today's
locality) and the groupings. Its memo tables keep results that are expensive to remake (scored enumerations,
evaluations, locality hulls, dissolved plans, map layers); each table belongs to the one module that fills it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.plan.graph import UnitGraph
from analysis.plan.partition import Plan, current_plan
from geo.adjacency import Adjacency
from geo.bundle import StudyArea

DEFAULT_ADJACENCY: Adjacency = "rook"
"""Units are neighbours when they share a stretch of boundary, unless a caller asks for queen adjacency."""


@dataclass(frozen=True)
class UnitShapes:
    """Per-unit measurements, in unit order, that every compactness score is built from: area, perimeter, every
    pair of touching units with the boundary they share (metres), and each unit's convex-hull points."""

    area_m2: np.ndarray
    perimeter_m: np.ndarray
    edge_a: np.ndarray
    edge_b: np.ndarray
    edge_shared_m: np.ndarray
    hull_points: tuple[np.ndarray, ...]

    @classmethod
    def from_units(cls, units: gpd.GeoDataFrame, contacts: pd.DataFrame) -> "UnitShapes":
        """Measure units (in a metric CRS) and their shared boundaries (from geo.adjacency.contacts)."""
        position = {u: i for i, u in enumerate(units.index)}
        hulls = shapely.convex_hull(units.geometry.to_numpy())
        points = tuple(np.asarray(shapely.get_coordinates(h)) for h in hulls)
        return cls(
            area_m2=units.geometry.area.to_numpy(dtype=float),
            perimeter_m=units.geometry.length.to_numpy(dtype=float),
            edge_a=contacts["a"].map(position).to_numpy(dtype=np.int64),
            edge_b=contacts["b"].map(position).to_numpy(dtype=np.int64),
            edge_shared_m=contacts["shared_m"].to_numpy(dtype=float),
            hull_points=points,
        )


T = TypeVar("T")

_MEMO_LOCK = threading.Lock()
"""Guards the memo tables: sessions share a study context, so two may touch one table at once."""


def recall(table: OrderedDict, key: Hashable, build: Callable[[], T], keep: int) -> T:
    """The value kept under ``key`` in a memo table, built the first time; the ``keep`` most recently used are kept.

    ``build`` runs outside the lock (it may be slow, and may read the same table, e.g. for a parent plan's entry).
    """
    with _MEMO_LOCK:
        if key in table:
            table.move_to_end(key)
            return table[key]
    value = build()
    with _MEMO_LOCK:
        table[key] = value
        table.move_to_end(key)
        while len(table) > keep:
            table.popitem(last=False)
    return value


@dataclass
class Memo:
    """Results kept for a study context, one typed table per kind (each filled by the module named)."""

    hulls: OrderedDict = field(default_factory=OrderedDict)
    """Reock and hull scores by locality membership (analysis.metrics.evaluate)."""
    evaluations: OrderedDict = field(default_factory=OrderedDict)
    """Evaluations by plan assignment and name (analysis.metrics.evaluate)."""
    enumerations: dict = field(default_factory=dict)
    """Scored enumerations by (k, rules) (analysis.solvers.enumeration.study_area)."""
    all_plans: dict = field(default_factory=dict)
    """Every valid plan of k localities, ranked, by k (analysis.present.views)."""
    dissolved: OrderedDict = field(default_factory=OrderedDict)
    """Localities dissolved from their units, by assignment (analysis.plan.geometry)."""
    map_layers: dict = field(default_factory=dict)
    """GeoJSON of the fixed map layers (analysis.present.webmap)."""
    map_frames: OrderedDict = field(default_factory=OrderedDict)
    """Base maps rendered for the app's map component, by layer choice (analysis.present.map_frame)."""
    reference_plans: dict = field(default_factory=dict)
    """The plans every study area offers, by purpose (app.py through analysis.present.views)."""


@dataclass(frozen=True, eq=False)
class StudyContext:
    """A study area and adjacency kind with everything derived from them, in the study area's unit order."""

    area: StudyArea = field(repr=False)
    adjacency: Adjacency
    graph: UnitGraph
    index: Mapping[str, int]
    shapes: UnitShapes
    population: np.ndarray
    attributes: np.ndarray
    attribute_names: tuple[str, ...]
    pcn_people: np.ndarray | None
    pcn_names: tuple[str, ...]
    current: Plan | None
    current_codes: np.ndarray
    current_k: int
    balance: np.ndarray
    """Values per unit (rows) of each balance measure (columns): residents unless the planner chose others."""
    balance_names: tuple[str, ...]
    balance_totals: tuple[float, ...]
    """Each balance measure summed over the study area."""
    pcn_unassigned: np.ndarray | None
    """Per unit, registered patients of practices in no listed PCN (registrations basis only)."""
    pcn_area_people: np.ndarray | None
    """Residents per unit and PCN on the approximate-area basis, kept for comparison when registrations are used."""
    memo: Memo = field(default_factory=Memo, repr=False)

    @property
    def ids(self) -> tuple[str, ...]:
        """Unit ids in the study area's fixed order."""
        return self.graph.ids

    @property
    def n(self) -> int:
        return self.graph.n

    @property
    def total(self) -> float:
        """All residents of the study area."""
        return float(self.population.sum())

    def positions(self, units: Mapping[str, Any] | list[str] | tuple[str, ...]) -> list[int]:
        """Positions (in unit order) of unit ids."""
        return [self.index[u] for u in units]

    @classmethod
    def of(cls, area: StudyArea, adjacency: Adjacency = DEFAULT_ADJACENCY) -> "StudyContext":
        """The context of a study area and adjacency kind, built on first use and then shared.

        The contexts are kept on the study area object itself (one private slot, written only here), so they go
        when the study area does."""
        with _LOCK:
            contexts = area.__dict__.setdefault(_SLOT, {})
            if adjacency not in contexts:
                contexts[adjacency] = cls._build(area, adjacency)
            return contexts[adjacency]

    @classmethod
    def _build(cls, area: StudyArea, adjacency: Adjacency) -> "StudyContext":
        ids = tuple(area.ids)
        index = {u: i for i, u in enumerate(ids)}
        population = area.population.to_numpy(dtype=float)
        edges = np.array([(index[a], index[b]) for a, b in area.graph(adjacency).edges], dtype=np.int64)
        pcn = area.pcn
        current = current_plan(area) if area.current is not None else None
        balance = area.balance_matrix
        return cls(
            area=area, adjacency=adjacency, graph=UnitGraph.build(ids, population, edges, area.name),
            index=MappingProxyType(index),
            shapes=UnitShapes.from_units(area.units, area.contacts),
            population=population,
            attributes=area.attributes.to_numpy(dtype=float),
            attribute_names=tuple(area.attributes.columns),
            pcn_people=None if pcn is None else pcn.people.reindex(area.ids).to_numpy(dtype=float),
            pcn_names=() if pcn is None else tuple(pcn.groups),
            current=current,
            current_codes=current.codes() if current is not None else np.zeros(len(ids), dtype=np.int64),
            current_k=current.k if current is not None else 1,
            balance=balance, balance_names=tuple(area.balance_columns),
            balance_totals=tuple(float(balance[:, m].sum()) for m in range(balance.shape[1])),
            pcn_unassigned=None if pcn is None or pcn.unassigned is None
            else pcn.unassigned.reindex(area.ids).to_numpy(dtype=float),
            pcn_area_people=_area_basis_people(area),
        )


def _area_basis_people(area: StudyArea) -> np.ndarray | None:
    """Residents per unit and PCN from the approximate PCN areas, when registrations replaced them as the basis."""
    pcn = area.pcn
    fallback = area.groupings.get(f"{area.manifest.pcn_grouping}_areas")
    if pcn is None or not pcn.registered or fallback is None:
        return None
    return fallback.people.reindex(area.ids).to_numpy(dtype=float)


_SLOT = "_study_contexts"
"""The attribute of a StudyArea holding its contexts by adjacency kind."""

_LOCK = threading.RLock()
