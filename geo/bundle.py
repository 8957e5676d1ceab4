"""Loading a study-area bundle: units, attributes, groupings and points, checked and measured in metres."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import networkx as nx
import pandas as pd

from geo import adjacency as adj
from geo.crs import METRIC_CRS, resolve_crs, to_lonlat, to_metric
from geo.errors import LocalignError, Problem, ProblemLog, list_items
from geo.manifest import AttributeTable, GroupingSpec, Manifest, PointLayer, read_manifest
from geo.overlays import area_shares, one_hot_people, people_by_group
from geo.pcn_areas import voronoi_areas
from geo.read import read_layer, read_table, to_number
from geo.repair import check_polygons

DEFAULT_BUNDLE = Path(__file__).resolve().parent.parent / "data" / "boundaries" / "lbbd"
"""The embedded default study area: London Borough of Barking and Dagenham."""


@dataclass
class Grouping:
    """A named grouping of units (current localities, PCNs): labels per unit and residents per unit and group."""

    name: str
    title: str
    kind: str
    labels: pd.Series
    people: pd.DataFrame
    areas: gpd.GeoDataFrame | None = None
    assumption: str | None = None

    @property
    def groups(self) -> list[str]:
        """Group names in a stable order."""
        return list(self.people.columns)

    @property
    def approximate(self) -> bool:
        """True when the grouping's areas are derived rather than given unit by unit."""
        return self.kind != "table"


@dataclass(eq=False)
class StudyArea:
    """A loaded, validated bundle; every geometry is in EPSG:27700 and units are indexed by id.

    Compared and hashed by identity: everything derived from it (graphs, per-unit arrays, scored plans) lives in
    analysis.plan.context.StudyContext, built once per study area and adjacency.
    """

    manifest: Manifest
    units: gpd.GeoDataFrame
    attributes: pd.DataFrame
    population_column: str
    attribute_titles: dict[str, str]
    groupings: dict[str, Grouping]
    points: dict[str, gpd.GeoDataFrame]
    warnings: list[Problem] = field(default_factory=list)
    snap_m: float = adj.DEFAULT_SNAP_M
    min_shared_m: float = adj.DEFAULT_MIN_SHARED_M

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def ids(self) -> list[str]:
        """Unit ids in the study area's fixed order."""
        return list(self.units.index)

    @property
    def unit_names(self) -> pd.Series:
        return self.units["name"]

    @property
    def population(self) -> pd.Series:
        """Residents per unit (the bundle's population column)."""
        return self.attributes[self.population_column]

    @property
    def total_population(self) -> float:
        return float(self.population.sum())

    @cached_property
    def contacts(self) -> pd.DataFrame:
        """Every pair of touching units with its shared boundary length (metres)."""
        return adj.contacts(self.units, self.snap_m)

    def graph(self, kind: adj.Adjacency = "rook") -> nx.Graph:
        """The unit adjacency graph of the given kind as networkx, built from the measured contacts on each call
        (nodes carry population and name; island links carry ``linked`` and ``gap_m``). Analysis keeps one compact
        copy per adjacency in its study context instead of calling this repeatedly."""
        graph = adj.adjacency_graph(self.units, kind, self.snap_m, self.min_shared_m, self.contacts)
        if self.manifest.units.link_islands:
            graph = adj.link_islands(graph, self.units)
        nx.set_node_attributes(graph, self.population.to_dict(), "population")
        nx.set_node_attributes(graph, self.unit_names.to_dict(), "name")
        return graph

    @cached_property
    def units_lonlat(self) -> gpd.GeoDataFrame:
        """Units in WGS84 for maps."""
        return to_lonlat(self.units)

    @cached_property
    def outline(self):
        """The study area's outline: the union of its units (fits the units exactly)."""
        return self.units.geometry.union_all()

    @property
    def current(self) -> Grouping | None:
        """The grouping that continuity is measured against (today's localities), if the bundle has one."""
        return self.groupings.get(self.manifest.current_grouping or "")

    @property
    def pcn(self) -> Grouping | None:
        """The grouping that PCN alignment is measured against, if the bundle has one."""
        return self.groupings.get(self.manifest.pcn_grouping or "")

    def note(self, key: str | None) -> str | None:
        """The assumption note with this key."""
        return self.manifest.assumptions.get(key) if key else None

    @property
    def assumption_notes(self) -> list[str]:
        """Every assumption note of the bundle, in manifest order: shown on screen and in every export."""
        return list(self.manifest.assumptions.values())

    @property
    def source_line(self) -> str:
        """One line naming the data sources and licence, for maps and exports."""
        return " ".join(self.manifest.attribution)

    def with_grouping(self, grouping: Grouping) -> "StudyArea":
        """A copy of the study area with one grouping added or replaced (e.g. PCN areas uploaded by the user)."""
        groupings = dict(self.groupings)
        groupings[grouping.name] = grouping
        return StudyArea(self.manifest, self.units, self.attributes, self.population_column,
                         self.attribute_titles, groupings, self.points, list(self.warnings),
                         self.snap_m, self.min_shared_m)


def read_units(frame: gpd.GeoDataFrame, id_column: str, name_column: str, where: str,
               declared_crs: str | None = None) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Check a unit layer (ids, names, geometry, CRS) and return it in metres indexed by id, with warnings."""
    log = ProblemLog()
    columns = [c for c in frame.columns if c != frame.geometry.name]
    for column, role in ((id_column, "id"), (name_column, "name")):
        if column not in frame.columns:
            raise LocalignError.single(
                f"the {role} column '{column}' is not in the layer; its columns are {list_items(columns)}.",
                where, f"set {role} = \"<one of those columns>\" under [units] in manifest.toml, "
                "or rename the column.")
    ids = frame[id_column].astype("string").str.strip()
    blank = [f"feature {i + 1}" for i, v in enumerate(ids) if pd.isna(v) or v == ""]
    if blank:
        log.error(f"{len(blank)} feature(s) have no '{id_column}': {list_items(blank)}.", where,
                  f"fill in the code of each unit in '{id_column}'.")
    duplicated = sorted(set(ids[ids.duplicated(keep=False) & ids.notna()]))
    if duplicated:
        log.error(f"these codes appear more than once in '{id_column}': {list_items(duplicated)}.", where,
                  "each unit must appear once; merge the duplicate features (Dissolve in QGIS) or fix the codes.")
    labels = [v if not (pd.isna(v) or v == "") else f"feature {i + 1}" for i, v in enumerate(ids)]
    repaired, problems = check_polygons(frame, labels, where)
    log.extend(problems)
    log.raise_if_errors()
    repaired = resolve_crs(repaired, where, declared_crs)
    units = gpd.GeoDataFrame(
        {"name": repaired[name_column].astype(str).str.strip().to_numpy()},
        geometry=repaired.geometry.to_numpy(), index=pd.Index(ids.to_numpy().astype(str), name=id_column),
        crs=repaired.crs,
    )
    units = to_metric(units).sort_index()
    return units, log.warnings


def check_coverage(found: pd.Index, expected: pd.Index, where: str, id_column: str, what: str) -> list[Problem]:
    """Problems for ids in a table that match no unit, units the table misses, and ids repeated in the table."""
    problems = []
    unknown = sorted(set(found) - set(expected))
    missing = sorted(set(expected) - set(found))
    repeated = sorted(set(found[found.duplicated()]))
    if unknown:
        problems.append(Problem(
            f"{len(unknown)} row(s) have a '{id_column}' that matches no unit: {list_items(unknown)}.", where,
            "remove those rows, or check that the table and the boundaries are the same vintage "
            "(e.g. May 2022 ward codes)."))
    if missing:
        problems.append(Problem(f"{len(missing)} unit(s) have no {what}: {list_items(missing)}.", where,
                                "add a row for each of them to the table."))
    if repeated:
        problems.append(Problem(f"these codes appear more than once: {list_items(repeated)}.", where,
                                "keep one row per unit."))
    return problems


def check_population_total(population: pd.Series, column: str, where: str) -> None:
    """Refuse a population column whose total is zero: shares of nobody cannot be balanced."""
    if not float(population.sum()) > 0:
        raise LocalignError.single(f"'{column}' adds up to zero, so localities cannot be balanced by residents.",
                                   where, f"fill in the residents of each unit in '{column}'.")


def read_attributes(table: AttributeTable, units: gpd.GeoDataFrame) -> pd.DataFrame:
    """Read one attribute table: every unit once, every listed column numeric and not negative."""
    where = table.path.name
    frame = read_table(table.path, where, required=[table.id, *table.columns])
    frame[table.id] = frame[table.id].astype(str)
    problems = check_coverage(pd.Index(frame[table.id]), units.index, where, table.id, "row in this table")
    if problems:
        raise LocalignError(problems)
    numbers = {c: to_number(frame, c, where, table.id) for c in table.columns}
    return pd.DataFrame(numbers).set_axis(frame[table.id]).reindex(units.index)


def read_points(layer: PointLayer) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Read a point layer (CSV with coordinates or a vector file) in metres; rows without coordinates are left out and reported."""
    where = layer.path.name
    warnings: list[Problem] = []
    if layer.path.suffix.lower() == ".csv":
        required = [c for c in (layer.x, layer.y, layer.label, layer.group) if c]
        frame = read_table(layer.path, where, required=required)
        blank = (frame[layer.x] == "") | (frame[layer.y] == "")
        if blank.any():
            warnings.append(Problem(
                f"{int(blank.sum())} row(s) have no coordinates and are left off the map: "
                f"{list_items(frame.loc[blank, layer.label])}.", where,
                "add their coordinates if they should appear and count towards PCN areas.", "warning"))
        frame = frame[~blank].reset_index(drop=True)
        x = to_number(frame, layer.x, where, layer.label, allow_negative=True)
        y = to_number(frame, layer.y, where, layer.label, allow_negative=True)
        points = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(x, y))
        points = resolve_crs(points, where, layer.crs)
    else:
        points = resolve_crs(read_layer(layer.path, where), where, layer.crs)
    return to_metric(points), warnings


def build_grouping(spec: GroupingSpec, units: gpd.GeoDataFrame, population: pd.Series,
                   points: dict[str, gpd.GeoDataFrame], assumption: str | None = None,
                   where: str | None = None) -> Grouping:
    """Build a grouping from its spec: a unit -> group table, group polygons, or Voronoi cells around points.

    ``where`` names the source file in messages (default: the spec's file name).
    """
    if spec.kind == "table":
        where = where or spec.path.name
        frame = read_table(spec.path, where, required=[spec.id, spec.column])
        problems = check_coverage(pd.Index(frame[spec.id]), units.index, where, spec.id, "group")
        blank = frame.loc[frame[spec.column] == "", spec.id].tolist()
        if blank:
            problems.append(Problem(f"{len(blank)} unit(s) have a blank '{spec.column}': {list_items(blank)}.",
                                    where, "give every unit a group."))
        if problems:
            raise LocalignError(problems)
        labels = frame.set_index(spec.id)[spec.column].reindex(units.index).rename(spec.name)
        return Grouping(spec.name, spec.title, spec.kind, labels, one_hot_people(labels, population),
                        None, spec.assumption)
    if spec.kind == "areas":
        where = where or spec.path.name
        layer = resolve_crs(read_layer(spec.path, where), where, spec.crs)
        if spec.column not in layer.columns:
            raise LocalignError.single(f"the column '{spec.column}' is not in the layer.", where,
                                       "name the group column in manifest.toml (column = ...).")
        labels = [f"feature {i + 1} ({name})" for i, name in enumerate(layer[spec.column].astype(str))]
        layer, problems = check_polygons(layer, labels, where)
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise LocalignError(errors)
        areas = to_metric(layer)[[spec.column, "geometry"]].dissolve(by=spec.column).reset_index()
        areas["geometry"] = areas.geometry.intersection(units.geometry.union_all())
    else:
        source = points[spec.points]
        if spec.column not in source.columns:
            raise LocalignError.single(f"the column '{spec.column}' is not in point layer '{spec.points}'.",
                                       spec.points, "set column = ... to the point layer's group column.")
        areas = voronoi_areas(source, spec.column, units.geometry.union_all())
    shares = area_shares(units, areas, spec.column)
    people = people_by_group(shares, population)
    uncovered = people.index[shares.sum(axis=1) < 0.5].tolist()
    if uncovered:
        raise LocalignError.single(
            f"{len(uncovered)} unit(s) are mostly outside every group area: {list_items(uncovered)}.",
            where or spec.title, "supply group areas that cover the whole study area, or a unit -> group table.")
    labels = people.idxmax(axis=1).rename(spec.name)
    return Grouping(spec.name, spec.title, spec.kind, labels, people, areas, spec.assumption)


def load_bundle(folder: str | Path | None = None) -> StudyArea:
    """Load and check a bundle folder (the bundled Barking and Dagenham area by default).

    Raises a LocalignError listing every problem found, each with the file, the feature and the fix.
    """
    manifest = read_manifest(folder or DEFAULT_BUNDLE)
    unit_spec = manifest.units
    units, warnings = read_units(read_layer(unit_spec.path), unit_spec.id, unit_spec.name,
                                 unit_spec.path.name, unit_spec.crs)
    log = ProblemLog()
    log.extend(manifest.warnings)
    log.extend(warnings)
    tables = []
    for table in manifest.attributes:
        try:
            tables.append(read_attributes(table, units))
        except LocalignError as exc:
            log.extend(exc.problems)
    log.raise_if_errors()
    attributes = pd.concat(tables, axis=1)
    population_column = next(t.population for t in manifest.attributes if t.population)
    check_population_total(attributes[population_column], population_column,
                           next(t.path.name for t in manifest.attributes if t.population))
    titles = {c: c for c in attributes.columns}
    for table in manifest.attributes:
        titles.update(table.titles)
    points: dict[str, gpd.GeoDataFrame] = {}
    for layer in manifest.points:
        frame, point_warnings = read_points(layer)
        points[layer.name] = frame
        log.extend(point_warnings)
    groupings = {}
    for spec in manifest.groupings:
        try:
            groupings[spec.name] = build_grouping(spec, units, attributes[population_column], points)
        except LocalignError as exc:
            log.extend(exc.problems)
    log.raise_if_errors()
    area = StudyArea(manifest, units, attributes, population_column, titles, groupings, points, log.warnings,
                     snap_m=adj.DEFAULT_SNAP_M if unit_spec.snap_m is None else unit_spec.snap_m,
                     min_shared_m=adj.DEFAULT_MIN_SHARED_M if unit_spec.min_shared_m is None
                     else unit_spec.min_shared_m)
    return area


def summary(area: StudyArea) -> dict:
    """The facts `localign info` prints: units, residents, groupings, adjacency, components, CRS and assumptions."""
    rook, queen = area.graph("rook"), area.graph("queen")
    return {
        "study_area": area.name,
        "units": len(area.units),
        "unit_label": area.manifest.unit_label,
        "population_total": round(area.total_population, 3),
        "population_column": area.population_column,
        "attributes": list(area.attributes.columns),
        "groupings": {name: len(g.groups) for name, g in area.groupings.items()},
        "adjacency_edges": {"rook": rook.number_of_edges(), "queen": queen.number_of_edges()},
        "components": nx.number_connected_components(rook),
        "islands": adj.islands(nx.subgraph_view(rook, filter_edge=lambda a, b: not rook.edges[a, b].get("linked"))),
        "island_links": [[a, b, round(float(d.get("gap_m", 0.0)))] for a, b, d in rook.edges(data=True)
                         if d.get("linked")],
        "crs": {"measure": METRIC_CRS, "maps": "EPSG:4326"},
        "snap_m": area.snap_m,
        "min_shared_m": area.min_shared_m,
        "points": {name: len(frame) for name, frame in area.points.items()},
        "assumptions": area.assumption_notes,
        "attribution": list(area.manifest.attribution),
        "warnings": [str(w) for w in area.warnings],
    }


def study_area_from_frames(units: gpd.GeoDataFrame, population: pd.Series | list[float], name: str = "Study area",
                           groupings: dict[str, pd.Series] | None = None, current: str | None = None,
                           pcn: str | None = None, assumptions: dict[str, str] | None = None,
                           unit_label: str = "ward", snap_m: float = adj.DEFAULT_SNAP_M,
                           min_shared_m: float = adj.DEFAULT_MIN_SHARED_M) -> StudyArea:
    """A study area built in code from a unit layer (index = unit ids, column ``name``; a projected CRS in metres)
    and residents per unit; ``groupings`` are unit -> group Series, ``current``/``pcn`` name their roles.
    """
    from geo.manifest import UnitLayer

    if units.crs is None:
        raise LocalignError.single("the unit layer has no CRS.", name, "set one, e.g. units.set_crs('EPSG:27700').")
    units = units.copy()
    units.index = units.index.astype(str)
    if "name" not in units.columns:
        units["name"] = units.index
    given_order = units.index  # a plain list of residents follows the units as given, before sorting
    units = to_metric(units[["name", units.geometry.name]]).sort_index()
    population = pd.Series(population, index=given_order if not isinstance(population, pd.Series) else None)
    population.index = population.index.astype(str)
    attributes = pd.DataFrame({"population": population.reindex(units.index).astype(float)})
    manifest = Manifest(
        folder=Path("."), name=name, short_name=name, code="", unit_label=unit_label, locality_label="locality",
        default_k=4, units=UnitLayer(Path("<in memory>"), "unit_id", "name"), attributes=(), points=(),
        groupings=(), current_grouping=current, pcn_grouping=pcn, assumptions=dict(assumptions or {}),
        attribution=(), sources=(), licence="")
    built = {}
    for key, labels in (groupings or {}).items():
        labels = labels.copy()
        labels.index = labels.index.astype(str)
        labels = labels.reindex(units.index).rename(key)
        built[key] = Grouping(key, key, "table", labels, one_hot_people(labels, attributes["population"]))
    return StudyArea(manifest, units, attributes, "population", {"population": "Residents"}, built, {},
                     snap_m=snap_m, min_shared_m=min_shared_m)
