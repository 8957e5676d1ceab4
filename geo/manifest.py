"""The bundle manifest (manifest.toml): which files make up a study area and what their columns mean."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from geo.errors import LocalignError, ProblemLog

MANIFEST_NAME = "manifest.toml"
GroupingKind = Literal["table", "areas", "points_voronoi"]


@dataclass(frozen=True)
class UnitLayer:
    """The unit layer (wards): its file, id and name columns, and an optional CRS override."""

    path: Path
    id: str
    name: str
    title: str = "Units"
    crs: str | None = None


@dataclass(frozen=True)
class AttributeTable:
    """A CSV of numeric columns keyed by unit id; at most one table names the population column."""

    path: Path
    id: str
    columns: tuple[str, ...]
    population: str | None = None
    titles: dict[str, str] = field(default_factory=dict)
    assumption: str | None = None


@dataclass(frozen=True)
class PointLayer:
    """A point layer (GP practices): a CSV with coordinate columns or a vector layer file."""

    name: str
    path: Path
    title: str
    label: str
    x: str | None = None
    y: str | None = None
    crs: str | None = None
    id: str | None = None
    group: str | None = None
    assumption: str | None = None


@dataclass(frozen=True)
class GroupingSpec:
    """A named grouping of units: from a unit -> group table, from group polygons, or from Voronoi cells of points."""

    name: str
    title: str
    kind: GroupingKind
    column: str
    path: Path | None = None
    id: str | None = None
    points: str | None = None
    crs: str | None = None
    assumption: str | None = None


@dataclass(frozen=True)
class Manifest:
    """Everything a bundle declares, with paths resolved against the bundle folder."""

    folder: Path
    name: str
    short_name: str
    code: str
    unit_label: str
    locality_label: str
    default_k: int
    units: UnitLayer
    attributes: tuple[AttributeTable, ...]
    points: tuple[PointLayer, ...]
    groupings: tuple[GroupingSpec, ...]
    current_grouping: str | None
    pcn_grouping: str | None
    assumptions: dict[str, str]
    attribution: tuple[str, ...]
    sources: tuple[str, ...]
    licence: str


def _section(data: dict[str, Any], key: str, log: ProblemLog, where: str, required: bool = True) -> dict:
    value = data.get(key, {})
    if required and not value:
        log.error(f"the [{key}] section is missing.", where, f"add a [{key}] section (see the bundled "
                  "data/boundaries/lbbd/manifest.toml for an example).")
    if not isinstance(value, dict):
        log.error(f"[{key}] must be a table of settings.", where, f"write it as [{key}] followed by key = value lines.")
        return {}
    return value


def _get(table: dict, key: str, section: str, log: ProblemLog, where: str, example: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        log.error(f"[{section}] has no '{key}'.", where, f"add {key} = {example} to [{section}].")
        return ""
    return value


def read_manifest(folder: str | Path) -> Manifest:
    """Parse and check a bundle's manifest.toml, raising one LocalignError that lists every problem."""
    folder = Path(folder)
    where = str(folder / MANIFEST_NAME)
    if not folder.is_dir():
        raise LocalignError.single("the bundle folder does not exist.", str(folder),
                                   "pass --bundle with the folder that holds manifest.toml.")
    if not (folder / MANIFEST_NAME).is_file():
        raise LocalignError.single(f"the folder has no {MANIFEST_NAME}.", str(folder),
                                   "add a manifest.toml describing the layers (copy the one in "
                                   "data/boundaries/lbbd/ and edit it).")
    try:
        data = tomllib.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LocalignError.single(f"the manifest is not valid TOML ({exc}).", where,
                                   "fix the line named, e.g. put text values in double quotes.") from None

    log = ProblemLog()
    study = _section(data, "study_area", log, where)
    units = _section(data, "units", log, where)
    unit_layer = UnitLayer(
        path=folder / _get(units, "path", "units", log, where, '"wards.geojson"'),
        id=_get(units, "id", "units", log, where, '"ward_code"'),
        name=_get(units, "name", "units", log, where, '"ward_name"'),
        title=str(units.get("title", "Wards")),
        crs=units.get("crs") or None,
    )

    attributes = []
    for i, table in enumerate(data.get("attributes", [])):
        section = f"attributes #{i + 1}"
        columns = table.get("columns") or ([table["population"]] if table.get("population") else [])
        if not columns:
            log.error(f"[[attributes]] #{i + 1} lists no columns.", where,
                      'add columns = ["population", ...] naming its numeric columns.')
        attributes.append(AttributeTable(
            path=folder / _get(table, "path", section, log, where, '"population.csv"'),
            id=_get(table, "id", section, log, where, '"ward_code"'),
            columns=tuple(columns), population=table.get("population"),
            titles=dict(table.get("titles", {})), assumption=table.get("assumption")))
    populations = [a.population for a in attributes if a.population]
    if len(populations) != 1:
        log.error(f"{'no' if not populations else len(populations)} attribute tables name the population column.",
                  where, 'name it in exactly one [[attributes]] table: population = "population".')

    points = []
    for i, layer in enumerate(data.get("points", [])):
        section = f"points #{i + 1}"
        points.append(PointLayer(
            name=_get(layer, "name", section, log, where, '"practices"'),
            path=folder / _get(layer, "path", section, log, where, '"practices.csv"'),
            title=str(layer.get("title", layer.get("name", "Points"))),
            label=_get(layer, "label", section, log, where, '"practice_name"'),
            x=layer.get("x"), y=layer.get("y"), crs=layer.get("crs"), id=layer.get("id"),
            group=layer.get("group"), assumption=layer.get("assumption")))

    groupings = []
    for i, spec in enumerate(data.get("groupings", [])):
        section = f"groupings #{i + 1}"
        kind = spec.get("kind", "table")
        if kind not in ("table", "areas", "points_voronoi"):
            log.error(f"grouping kind '{kind}' is not known.", where,
                      'use kind = "table", "areas" or "points_voronoi".')
        needs_path = kind in ("table", "areas")
        groupings.append(GroupingSpec(
            name=_get(spec, "name", section, log, where, '"pcn"'),
            title=str(spec.get("title", spec.get("name", ""))), kind=kind,
            column=_get(spec, "column", section, log, where, '"pcn_name"'),
            path=folder / _get(spec, "path", section, log, where, '"groups.csv"') if needs_path else None,
            id=_get(spec, "id", section, log, where, '"ward_code"') if kind == "table" else None,
            points=_get(spec, "points", section, log, where, '"practices"') if kind == "points_voronoi" else None,
            crs=spec.get("crs"), assumption=spec.get("assumption")))
    point_names = {p.name for p in points}
    for g in groupings:
        if g.points and g.points not in point_names:
            log.error(f"grouping '{g.name}' uses point layer '{g.points}', which is not defined.", where,
                      f"add a [[points]] table named '{g.points}', or correct the name.")
    names = [g.name for g in groupings]
    roles = data.get("roles", {})
    for role in ("current", "pcn"):
        if roles.get(role) and roles[role] not in names:
            log.error(f"[roles] {role} = '{roles[role]}' names no grouping.", where,
                      f"use one of: {', '.join(names) or 'define a [[groupings]] table first'}.")
    assumptions = {str(k): str(v) for k, v in data.get("assumptions", {}).items()}
    used = [x.assumption for x in (*attributes, *points, *groupings) if x.assumption]
    for key in used:
        if key not in assumptions:
            log.error(f"the assumption note '{key}' is referred to but not written.", where,
                      f"add {key} = \"...\" under [assumptions].")
    default_k = study.get("default_k", 4)
    if not isinstance(default_k, int) or default_k < 2:
        log.error("default_k must be a whole number of at least 2.", where, "set default_k = 4.")
        default_k = 4
    log.raise_if_errors()
    provenance = data.get("provenance", {})
    return Manifest(
        folder=folder, name=str(study.get("name", folder.name)),
        short_name=str(study.get("short_name", study.get("name", folder.name))),
        code=str(study.get("code", "")), unit_label=str(study.get("unit_label", "ward")),
        locality_label=str(study.get("locality_label", "locality")), default_k=default_k,
        units=unit_layer, attributes=tuple(attributes), points=tuple(points), groupings=tuple(groupings),
        current_grouping=roles.get("current"), pcn_grouping=roles.get("pcn"), assumptions=assumptions,
        attribution=tuple(provenance.get("attribution", [])), sources=tuple(provenance.get("sources", [])),
        licence=str(provenance.get("licence", "")),
    )
