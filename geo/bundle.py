"""Loading a study-area bundle: units, attributes, groupings and points, checked and measured in metres."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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
from geo.registrations import UNASSIGNED, Registrations, check_units, read_registrations
from geo.repair import check_polygons
from geo.scenarios import Scenario, find_scenario, read_scenarios

AREA_BASIS = "approximate areas"
"""The PCN basis in words when PCN membership of residents comes from areas (Voronoi or uploaded), not patients."""

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
    basis: str = AREA_BASIS
    """What ``people`` counts: residents by area overlap ("approximate areas"), residents by table, or registered
    patients ("registered patients, July 2022")."""
    unassigned: pd.Series | None = None
    """Per unit, registered patients of practices in no listed PCN (registrations only)."""

    @property
    def groups(self) -> list[str]:
        """Group names in a stable order."""
        return list(self.people.columns)

    @property
    def approximate(self) -> bool:
        """True when the grouping's areas are derived rather than given unit by unit."""
        return self.kind != "table"

    @property
    def layer_label(self) -> str:
        """The PCN map layer's name for legends and keys, saying what it is drawn from."""
        if self.kind == "registrations":
            return "PCN catchment (patients)"
        return "PCN areas (approximate)"

    @property
    def registered(self) -> bool:
        """True when the grouping counts registered patients (PCN catchments from registrations)."""
        return self.kind == "registrations"


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
    registrations: Registrations | None = None
    """GP registrations by small area, when the bundle has them (then PCN alignment is on registered patients)."""
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    """Growth scenarios the bundle lists (assumptions), by name."""
    balance_on: tuple[str, ...] = ()
    """Numeric attributes balance is judged on (empty: residents only)."""
    scenario: Scenario | None = None
    """The growth scenario applied to residents, if any."""
    _variants: dict[tuple, "StudyArea"] = field(default_factory=dict, repr=False)
    """This study area's variants by choices (written only by ``variant``), so the same choices give the same object."""
    _without_scenario: "StudyArea | None" = field(default=None, repr=False)
    """For a variant with a growth scenario: the same choices without it (set only by ``variant``)."""

    @property
    def balance_columns(self) -> tuple[str, ...]:
        """The attributes balance is judged on: the chosen measures, else the population column."""
        return self.balance_on or (self.population_column,)

    @property
    def balance_matrix(self):
        """Values per unit (rows, in ``ids`` order) of each balance measure (columns), as floats."""
        return self.attributes[list(self.balance_columns)].to_numpy(dtype=float)

    def measure_title(self, column: str) -> str:
        """A balance measure's title for people."""
        return self.attribute_titles.get(column, column)

    @property
    def balance_text(self) -> str:
        """The balance measures in words, e.g. 'Balance on: residents; children 0-15'."""
        return "Balance on: " + "; ".join(self.measure_title(c) for c in self.balance_columns)

    @property
    def pcn_basis(self) -> str | None:
        """What PCN alignment is computed on: 'registered patients, July 2022' or 'approximate areas' (None without
        PCNs)."""
        pcn = self.pcn
        if pcn is None:
            return None
        return pcn.basis

    @property
    def pcn_basis_text(self) -> str | None:
        """The PCN basis as a sentence for screens and exports."""
        basis = self.pcn_basis
        if basis is None:
            return None
        if self.pcn.registered:
            return f"PCN basis: {basis} (where each PCN's patients live)."
        return f"PCN basis: {basis} (PCNs have no official boundaries)."

    @property
    def export_notes(self) -> list[str]:
        """What every export states: the evidence choices (PCN basis, balance measures, scenario), then the
        assumption notes."""
        return [*self.choice_lines, *self.assumption_notes]

    @property
    def choice_lines(self) -> list[str]:
        """The planner's evidence choices in words (PCN basis, balance measures, scenario): on every export."""
        lines = [line for line in (self.pcn_basis_text,) if line]
        lines.append(self.balance_text + ".")
        if self.scenario is not None:
            lines.append(f"{self.scenario.label()}. Basis: {self.scenario.basis} Source: {self.scenario.source}")
        return lines

    def variant(self, balance_on: tuple[str, ...] | list[str] | None = None, scenario: str | None = None,
                assignments: dict[str, str] | None = None) -> "StudyArea":
        """This study area with balance judged on other measures, a growth scenario added to residents, and/or
        practices assigned to PCNs; cached, so the same choices give the same object (and its caches)."""
        balance = tuple(balance_on or ())
        if balance == (self.population_column,):
            balance = ()
        unknown = [c for c in balance if c not in self.attributes.columns]
        if unknown:
            raise LocalignError.single(
                f"'{', '.join(unknown)}' {'is' if len(unknown) == 1 else 'are'} not a numeric attribute of this "
                "study area.", "--balance-on", f"use names from: {', '.join(self.attributes.columns)}.")
        chosen = find_scenario(self.scenarios, scenario) if scenario else None
        assigned = tuple(sorted((assignments or {}).items()))
        if not balance and chosen is None and not assigned:
            return self
        key = ("variant", balance, chosen.name if chosen else None, assigned)
        if key in self._variants:
            return self._variants[key]
        attributes = self.attributes
        groupings = dict(self.groupings)
        registrations = self.registrations
        if assigned and registrations is not None and self.manifest.pcn_grouping in groupings:
            registrations = registrations.with_assignments(dict(assigned))
            groupings[self.manifest.pcn_grouping] = registration_grouping(
                registrations, self.units, self.manifest.pcn_grouping, groupings[self.manifest.pcn_grouping].title)
        if chosen is not None:
            attributes = attributes.copy()
            base = attributes[self.population_column]
            added = pd.Series(chosen.added).reindex(attributes.index, fill_value=0.0)
            attributes[self.population_column] = base + added
            ratio = (attributes[self.population_column] / base.replace(0.0, 1.0)).where(base > 0, 1.0)
            for name, grouping in list(groupings.items()):
                if not grouping.registered:  # residents by area or table grow with the scenario
                    groupings[name] = replace(grouping, people=grouping.people.mul(ratio.reindex(
                        grouping.people.index).fillna(1.0), axis=0))
        out = self._copy(attributes=attributes, groupings=groupings, registrations=registrations,
                         balance_on=balance, scenario=chosen)
        if chosen is not None:  # the same choices without the scenario, to show base and scenario side by side
            out._without_scenario = self.variant(balance, None, dict(assigned))
        self._variants[key] = out
        return out

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
        return self._copy(groupings=groupings)

    def without_registrations(self) -> "StudyArea":
        """The same study area on the approximate-area PCN basis (the fallback Voronoi grouping in the PCN role), as a
        bundle without registrations would be; itself when it has no registrations."""
        role = self.manifest.pcn_grouping
        fallback = self.groupings.get(f"{role}_areas")
        if self.registrations is None or fallback is None:
            return self
        groupings = {k: v for k, v in self.groupings.items() if k != fallback.name}
        groupings[role] = replace(fallback, name=role, labels=fallback.labels.rename(role))
        return self._copy(groupings=groupings, registrations=None)

    def without_scenario(self) -> "StudyArea":
        """The same study area and choices with no growth scenario (itself when none is applied)."""
        return (self._without_scenario or self) if self.scenario is not None else self

    def _copy(self, **changes) -> "StudyArea":
        """A copy with some fields changed and fresh caches; geometry-only derived data (same units) is kept."""
        out = replace(self, warnings=list(self.warnings), _variants={}, _without_scenario=None, **changes)
        for name in ("contacts", "units_lonlat", "outline"):
            if name in self.__dict__:
                out.__dict__[name] = self.__dict__[name]
        return out


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


def registration_grouping(registrations: Registrations, units: gpd.GeoDataFrame, name: str,
                          title: str | None = None) -> Grouping:
    """The PCN grouping from registrations: R_gj (patients of PCN g living in unit j), each unit labelled with its
    main PCN, and a map layer of units dissolved by main PCN (with that PCN's share of the unit's patients)."""
    people, unassigned = registrations.patients_by_unit(units.index)
    labels = people.idxmax(axis=1).where(people.sum(axis=1) > 0, UNASSIGNED).rename(name)
    share = (people.max(axis=1) / (people.sum(axis=1) + unassigned).replace(0.0, 1.0))
    cells = gpd.GeoDataFrame({"pcn_name": labels.to_numpy(), "share": share.to_numpy()},
                             geometry=units.geometry.to_numpy(), crs=units.crs)
    areas = cells.dissolve(by="pcn_name", aggfunc="mean").reset_index()[["pcn_name", "share", "geometry"]]
    return Grouping(name, title or registrations.spec.title, "registrations", labels, people, areas,
                    registrations.spec.assumption, registrations.basis, unassigned)


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
    registrations = None
    if manifest.registrations is not None:
        try:
            registrations = read_registrations(manifest.registrations)
            log.extend(check_units(registrations, units.index))
        except LocalignError as exc:
            log.extend(exc.problems)
    scenarios: dict[str, Scenario] = {}
    if manifest.scenarios is not None:
        try:
            scenarios = read_scenarios(manifest.scenarios, units.index)
        except LocalignError as exc:
            log.extend(exc.problems)
    log.raise_if_errors()
    role = manifest.pcn_grouping
    if registrations is not None and role:
        if role in groupings:  # the area-based PCN grouping stays as the fallback layer
            fallback = groupings.pop(role)
            groupings[f"{role}_areas"] = replace(fallback, name=f"{role}_areas",
                                                 labels=fallback.labels.rename(f"{role}_areas"))
        groupings[role] = registration_grouping(registrations, units, role)
    area = StudyArea(manifest, units, attributes, population_column, titles, groupings, points, log.warnings,
                     snap_m=adj.DEFAULT_SNAP_M if unit_spec.snap_m is None else unit_spec.snap_m,
                     min_shared_m=adj.DEFAULT_MIN_SHARED_M if unit_spec.min_shared_m is None
                     else unit_spec.min_shared_m, registrations=registrations, scenarios=scenarios)
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
        "pcn_basis": area.pcn_basis,
        "scenarios": {name: scenario.total_added for name, scenario in area.scenarios.items()},
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
