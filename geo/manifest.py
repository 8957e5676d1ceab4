"""The bundle manifest (manifest.toml): which files make up a study area and what their columns mean."""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from geo.errors import LocalignError, Problem, ProblemLog, safe_text

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
    snap_m: float | None = None
    min_shared_m: float | None = None
    link_islands: bool = False
    """True: a unit group that touches no other unit (an island) is joined to its nearest unit in the graph."""


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
class RegistrationsSpec:
    """Patients registered at GP practices by small area, with a practice -> PCN table and small-area -> unit
    weights: with them, PCN alignment is measured on registered patients instead of approximate areas."""

    path: Path
    practice: str
    small_area: str
    patients: str
    pcn_path: Path
    pcn_practice: str
    pcn_column: str
    weights_path: Path
    weights_small_area: str
    weights_unit: str
    weights_weight: str
    basis: str = "registered patients"
    title: str = "Primary Care Networks (registered patients)"
    practice_name: str | None = None
    assumption: str | None = None


@dataclass(frozen=True)
class ScenarioSpec:
    """A table of growth scenarios: scenario name, unit, residents added, basis and source (one row per unit)."""

    path: Path
    scenario: str = "scenario"
    unit: str = "ward_code"
    added: str = "added_residents"
    basis: str = "basis"
    source: str = "source"
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
    registrations: RegistrationsSpec | None = None
    scenarios: ScenarioSpec | None = None
    warnings: tuple[Problem, ...] = ()
    """Notes about the manifest itself (settings localign does not know, with a guess at what was meant)."""


_EXAMPLE = "see the bundled data/boundaries/lbbd/manifest.toml for an example"

KNOWN_SETTINGS: dict[str, tuple[str, ...]] = {
    "": ("study_area", "units", "attributes", "points", "groupings", "roles", "assumptions", "provenance",
         "registrations", "scenarios"),
    "study_area": ("name", "short_name", "code", "unit_label", "locality_label", "default_k"),
    "units": ("path", "id", "name", "title", "crs", "snap_m", "min_shared_m", "link_islands"),
    "attributes": ("path", "id", "population", "columns", "titles", "assumption"),
    "points": ("name", "path", "title", "label", "x", "y", "crs", "id", "group", "assumption"),
    "groupings": ("name", "title", "kind", "column", "path", "id", "points", "crs", "assumption"),
    "roles": ("current", "pcn"),
    "registrations": ("title", "basis", "path", "practice", "practice_name", "small_area", "patients", "assumption",
                      "practice_pcn", "weights"),
    "scenarios": ("path", "scenario", "unit", "added", "basis", "source", "assumption"),
    "provenance": ("attribution", "sources", "licence"),
}
"""Every setting a manifest may hold, by section ("" for the top level); [assumptions] and titles take any names."""


def unknown_settings(data: dict[str, Any], where: str) -> list[Problem]:
    """A note for each setting localign does not know (a typo is otherwise silently ignored), with a 'did you mean'."""
    notes = []

    def check(table: dict, section: str, shown: str) -> None:
        known = KNOWN_SETTINGS[section]
        for key in table:
            if key in known:
                continue
            guess = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            label = f"[{key}]" if not section else f"'{key}' in {shown}"
            hint = (f"did you mean {'[' + guess[0] + ']' if not section else repr(guess[0])}? " if guess else "")
            notes.append(Problem(f"the manifest setting {label} is not one localign knows, so it is ignored.",
                                 where, f"{hint}Correct or remove it (the settings are listed in the README, "
                                 "'Bundles for other councils').", "warning"))

    check(data, "", "")
    for section in KNOWN_SETTINGS:
        if not section:
            continue
        value = data.get(section)
        tables = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
        for i, table in enumerate(t for t in tables if isinstance(t, dict)):
            check(table, section, f"[[{section}]] #{i + 1}" if isinstance(value, list) else f"[{section}]")
    return notes


def _section(data: dict[str, Any], key: str, log: ProblemLog, where: str, required: bool = True) -> dict | None:
    """A [key] table; None (after recording why) when it is missing or not a table."""
    if key not in data:
        if required:
            log.error(f"the [{key}] section is missing.", where, f"add a [{key}] section ({_EXAMPLE}).")
            return None
        return {}
    value = data[key]
    if not isinstance(value, dict):
        log.error(f"'{key}' must be a [{key}] section of settings, not {_kind(value)}.", where,
                  f"write it as [{key}] followed by key = value lines ({_EXAMPLE}).")
        return None
    return value


def _tables(data: dict[str, Any], key: str, log: ProblemLog, where: str) -> list[dict]:
    """The [[key]] tables (an array of tables); those that are not tables are reported and left out."""
    value = data.get(key, [])
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        log.error(f"'{key}' must be written as [[{key}]] tables, not {_kind(value)}.", where,
                  f"start each entry with a [[{key}]] line ({_EXAMPLE}).")
        return []
    good = [v for v in value if isinstance(v, dict)]
    if len(good) < len(value):
        log.error(f"'{key}' holds values that are not [[{key}]] tables.", where,
                  f"start each entry with a [[{key}]] line ({_EXAMPLE}).")
    return good


def _kind(value: object) -> str:
    names = {str: "text", int: "a number", float: "a number", bool: "true/false", list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def _get(table: dict, key: str, section: str, log: ProblemLog, where: str, example: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        if value is None:
            what = f"[{section}] has no '{key}'."
        elif isinstance(value, str):
            what = f"[{section}] '{key}' is blank."
        else:
            what = f"[{section}] '{key}' must be text in double quotes, not {_kind(value)}."
        log.error(what, where, f"add {key} = {example} to [{section}].")
        return ""
    return value.strip()


def _optional_text(table: dict, key: str, section: str, log: ProblemLog, where: str) -> str | None:
    value = table.get(key)
    if value is None or (isinstance(value, str) and value.strip()):
        return value.strip() if isinstance(value, str) else None
    if isinstance(value, str):
        return None
    log.error(f"[{section}] '{key}' must be text in double quotes, not {_kind(value)}.", where,
              f'write {key} = "..." in [{section}].')
    return None


def _crs(table: dict, section: str, log: ProblemLog, where: str) -> str | None:
    value = table.get("crs")
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return f"EPSG:{value}"
    if isinstance(value, str):
        return value.strip()
    log.error(f"[{section}] 'crs' must be an EPSG code in double quotes, not {_kind(value)}.", where,
              'write crs = "EPSG:27700" (British National Grid) or crs = "EPSG:4326".')
    return None


def _metres(table: dict, key: str, section: str, log: ProblemLog, where: str) -> float | None:
    """An optional distance in metres (zero or more)."""
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    log.error(f"[{section}] '{key}' must be a distance in metres (a number, zero or more), not {value!r}.", where,
              f"write e.g. {key} = 1.0")
    return None


def _flag(table: dict, key: str, section: str, log: ProblemLog, where: str) -> bool:
    """An optional true/false setting (false when absent)."""
    value = table.get(key, False)
    if isinstance(value, bool):
        return value
    log.error(f"[{section}] '{key}' must be true or false, not {value!r}.", where, f"write {key} = true")
    return False


def _text_list(table: dict, key: str, section: str, log: ProblemLog, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
        return tuple(v.strip() for v in value)
    log.error(f"[{section}] '{key}' must be a list of names in double quotes.", where,
              f'write {key} = ["first", "second"].')
    return ()


def _text_table(table: dict, key: str, section: str, log: ProblemLog, where: str) -> dict[str, str]:
    value = table.get(key, {})
    if isinstance(value, dict) and all(isinstance(v, (str, int, float)) for v in value.values()):
        return {str(k): str(v) for k, v in value.items()}
    log.error(f"[{section}] '{key}' must be a table of name = \"text\" lines.", where,
              f'write [{section.split(" #")[0]}.{key}] followed by name = "text" lines.')
    return {}


def _path(folder: Path, relative: str, section: str, log: ProblemLog, where: str) -> Path:
    """A file path from the manifest: relative to the bundle folder and inside it, also once links are followed."""
    if not relative:
        return folder / "<missing>"
    if "\x00" in relative:
        log.error(f"[{section}] path holds a null character, which no file name can contain.", where,
                  "retype the path in manifest.toml.")
        return folder / "<missing>"
    path = (folder / relative)
    inside = Path(relative).is_absolute() is False and ".." not in Path(relative).parts
    if not inside:
        log.error(f"[{section}] path '{relative}' points outside the bundle folder.", where,
                  "copy the file into the bundle folder and give its path relative to manifest.toml.")
    elif not path.resolve().is_relative_to(folder.resolve()):
        log.error(f"[{section}] path '{relative}' is a link (symbolic link or shortcut) to a file outside the bundle "
                  "folder, so it is not read.", where,
                  "copy the file itself into the bundle folder in place of the link.")
    return path


def read_manifest(folder: str | Path) -> Manifest:
    """Parse and check a bundle's manifest.toml, raising one LocalignError that lists every problem."""
    folder = Path(folder)
    where = str(folder / MANIFEST_NAME)
    if not folder.is_dir():
        what = "is a file, not a bundle folder" if folder.is_file() else "does not exist"
        raise LocalignError.single(f"the bundle folder {what}.", str(folder),
                                   "pass --bundle with the folder that holds manifest.toml.")
    if not (folder / MANIFEST_NAME).is_file():
        raise LocalignError.single(f"the folder has no {MANIFEST_NAME}.", str(folder),
                                   "add a manifest.toml describing the layers (copy the one in "
                                   "data/boundaries/lbbd/ and edit it).")
    try:
        raw = (folder / MANIFEST_NAME).read_bytes()
    except OSError as exc:
        raise LocalignError.single(f"the manifest could not be opened ({(exc.strerror or str(exc)).lower()}).",
                                   where, "check that you may read the file, then try again.") from None
    try:
        text = raw.decode("utf-8-sig")
        data = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LocalignError.single(f"the manifest is not UTF-8 text (unexpected byte on line {line}).", where,
                                   "save manifest.toml with UTF-8 encoding.") from None
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        lines = text.splitlines()
        shown = (f": {safe_text(lines[int(found[1]) - 1].strip(), 80)}"
                 if found and 0 < int(found[1]) <= len(lines) else "")
        raise LocalignError.single(f"the manifest is not valid TOML ({exc}){shown}.", where,
                                   "fix the line named, e.g. put text values in double quotes.") from None

    log = ProblemLog()
    log.extend(unknown_settings(data, where))
    study = _section(data, "study_area", log, where) or {}
    units = _section(data, "units", log, where)
    unit_layer = UnitLayer(folder / "<missing>", "", "")
    if units is not None:
        unit_layer = UnitLayer(
            path=_path(folder, _get(units, "path", "units", log, where, '"wards.geojson"'), "units", log, where),
            id=_get(units, "id", "units", log, where, '"ward_code"'),
            name=_get(units, "name", "units", log, where, '"ward_name"'),
            title=str(units.get("title", "Wards")),
            crs=_crs(units, "units", log, where),
            snap_m=_metres(units, "snap_m", "units", log, where),
            min_shared_m=_metres(units, "min_shared_m", "units", log, where),
            link_islands=_flag(units, "link_islands", "units", log, where),
        )

    attributes = []
    for i, table in enumerate(_tables(data, "attributes", log, where)):
        section = f"attributes #{i + 1}"
        population = _optional_text(table, "population", section, log, where)
        columns = _text_list(table, "columns", section, log, where) or ((population,) if population else ())
        if not columns and not table.get("columns"):
            log.error(f"[[attributes]] #{i + 1} lists no columns.", where,
                      'add columns = ["population", ...] naming its numeric columns.')
        if population and population not in columns:
            columns = (population, *columns)
        attributes.append(AttributeTable(
            path=_path(folder, _get(table, "path", section, log, where, '"population.csv"'), section, log, where),
            id=_get(table, "id", section, log, where, '"ward_code"'),
            columns=columns, population=population,
            titles=_text_table(table, "titles", section, log, where),
            assumption=_optional_text(table, "assumption", section, log, where)))
    populations = [a.population for a in attributes if a.population]
    if len(populations) != 1:
        log.error(f"{'no' if not populations else len(populations)} attribute tables name the population column.",
                  where, 'name it in exactly one [[attributes]] table: population = "population".')

    points = []
    for i, layer in enumerate(_tables(data, "points", log, where)):
        section = f"points #{i + 1}"
        points.append(PointLayer(
            name=_get(layer, "name", section, log, where, '"practices"'),
            path=_path(folder, _get(layer, "path", section, log, where, '"practices.csv"'), section, log, where),
            title=str(layer.get("title", layer.get("name", "Points"))),
            label=_get(layer, "label", section, log, where, '"practice_name"'),
            x=_optional_text(layer, "x", section, log, where), y=_optional_text(layer, "y", section, log, where),
            crs=_crs(layer, section, log, where), id=_optional_text(layer, "id", section, log, where),
            group=_optional_text(layer, "group", section, log, where),
            assumption=_optional_text(layer, "assumption", section, log, where)))

    groupings = []
    for i, spec in enumerate(_tables(data, "groupings", log, where)):
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
            path=_path(folder, _get(spec, "path", section, log, where, '"groups.csv"'), section, log, where)
            if needs_path else None,
            id=_get(spec, "id", section, log, where, '"ward_code"') if kind == "table" else None,
            points=_get(spec, "points", section, log, where, '"practices"') if kind == "points_voronoi" else None,
            crs=_crs(spec, section, log, where), assumption=_optional_text(spec, "assumption", section, log, where)))
    point_names = {p.name for p in points}
    for g in groupings:
        if g.points and g.points not in point_names:
            log.error(f"grouping '{g.name}' uses point layer '{g.points}', which is not defined.", where,
                      f"add a [[points]] table named '{g.points}', or correct the name.")
    names = [g.name for g in groupings]
    repeated = sorted({n for n in names if names.count(n) > 1 and n})
    if repeated:
        log.error(f"more than one grouping is named {', '.join(repeated)}.", where, "give each grouping its own name.")
    roles = _section(data, "roles", log, where, required=False) or {}
    role_names: dict[str, str | None] = {}
    for role in ("current", "pcn"):
        role_names[role] = _optional_text(roles, role, "roles", log, where)
        if role_names[role] and role_names[role] not in names:
            log.error(f"[roles] {role} = '{role_names[role]}' names no grouping.", where,
                      f"use one of: {', '.join(names) or 'define a [[groupings]] table first'}.")
    registrations = _registrations(data, folder, log, where)
    scenarios = _scenarios(data, folder, log, where)
    assumptions = _text_table(data, "assumptions", "assumptions", log, where) if "assumptions" in data else {}
    used = [x.assumption for x in (*attributes, *points, *groupings, *(y for y in (registrations, scenarios) if y))
            if x.assumption]
    for key in used:
        if key not in assumptions:
            log.error(f"the assumption note '{key}' is referred to but not written.", where,
                      f"add {key} = \"...\" under [assumptions].")
    default_k = study.get("default_k", 4)
    if not isinstance(default_k, int) or isinstance(default_k, bool) or default_k < 2:
        log.error("default_k must be a whole number of at least 2.", where, "set default_k = 4.")  # noqa: PLE1205
        default_k = 4
    provenance = _section(data, "provenance", log, where, required=False) or {}
    attribution = _text_list(provenance, "attribution", "provenance", log, where)
    sources = _text_list(provenance, "sources", "provenance", log, where)
    log.raise_if_errors()
    return Manifest(
        folder=folder, name=str(study.get("name", folder.name)),
        short_name=str(study.get("short_name", study.get("name", folder.name))),
        code=str(study.get("code", "")), unit_label=str(study.get("unit_label", "ward")),
        locality_label=str(study.get("locality_label", "locality")), default_k=default_k,
        units=unit_layer, attributes=tuple(attributes), points=tuple(points), groupings=tuple(groupings),
        current_grouping=role_names["current"], pcn_grouping=role_names["pcn"], assumptions=assumptions,
        attribution=attribution, sources=sources, licence=str(provenance.get("licence", "")),
        registrations=registrations, scenarios=scenarios,
        warnings=tuple(log.warnings),
    )


def _registrations(data: dict[str, Any], folder: Path, log: ProblemLog, where: str) -> RegistrationsSpec | None:
    """The optional [registrations] section with its [registrations.practice_pcn] and [registrations.weights]."""
    table = _section(data, "registrations", log, where, required=False)
    if not table:
        return None
    parts = {}
    for key in ("practice_pcn", "weights"):
        part = table.get(key)
        if not isinstance(part, dict):
            log.error(f"[registrations] needs a [registrations.{key}] section.", where,
                      f"add [registrations.{key}] with path and column names ({_EXAMPLE}).")
            return None
        parts[key] = part
    pcn, weights = parts["practice_pcn"], parts["weights"]
    section = "registrations"
    return RegistrationsSpec(
        path=_path(folder, _get(table, "path", section, log, where, '"registrations.csv"'), section, log, where),
        practice=_get(table, "practice", section, log, where, '"practice_code"'),
        small_area=_get(table, "small_area", section, log, where, '"lsoa11_code"'),
        patients=_get(table, "patients", section, log, where, '"patients"'),
        practice_name=_optional_text(table, "practice_name", section, log, where),
        basis=_optional_text(table, "basis", section, log, where) or "registered patients",
        title=_optional_text(table, "title", section, log, where) or "Primary Care Networks (registered patients)",
        assumption=_optional_text(table, "assumption", section, log, where),
        pcn_path=_path(folder, _get(pcn, "path", "registrations.practice_pcn", log, where, '"gp_practices.csv"'),
                       "registrations.practice_pcn", log, where),
        pcn_practice=_get(pcn, "practice", "registrations.practice_pcn", log, where, '"ods_code"'),
        pcn_column=_get(pcn, "pcn", "registrations.practice_pcn", log, where, '"pcn_name"'),
        weights_path=_path(folder, _get(weights, "path", "registrations.weights", log, where, '"weights.csv"'),
                           "registrations.weights", log, where),
        weights_small_area=_get(weights, "small_area", "registrations.weights", log, where, '"lsoa11_code"'),
        weights_unit=_get(weights, "unit", "registrations.weights", log, where, '"ward_code"'),
        weights_weight=_get(weights, "weight", "registrations.weights", log, where, '"weight"'),
    )


def _scenarios(data: dict[str, Any], folder: Path, log: ProblemLog, where: str) -> ScenarioSpec | None:
    """The optional [scenarios] section: a CSV of growth scenarios."""
    table = _section(data, "scenarios", log, where, required=False)
    if not table:
        return None
    section = "scenarios"
    names = {key: _optional_text(table, key, section, log, where) for key in
             ("scenario", "unit", "added", "basis", "source")}
    return ScenarioSpec(
        path=_path(folder, _get(table, "path", section, log, where, '"growth_scenarios.csv"'), section, log, where),
        **{k: v for k, v in names.items() if v}, assumption=_optional_text(table, "assumption", section, log, where))
