"""Reading and writing plans: a two-column CSV (``ward_code,locality``, as Districtr and Dave's Redistricting App use) and a GeoJSON of units."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd

from analysis.plan.partition import Plan, current_plan, grouping_plan, make_plan
from geo.bundle import StudyArea
from geo.errors import LocalignError, Problem
from geo.escape import csv_cell, uncsv_cell
from geo.read import read_layer, read_table
from geo.uploads import read_uploaded_layer

ID_COLUMN_NAMES = ("ward_code", "code", "id", "unit", "unit_id", "unit_code", "geoid", "geoid20", "geoid10", "wd22cd")
LOCALITY_COLUMN_NAMES = ("locality", "district", "assignment", "group", "zone", "area")
PLAN_SUFFIXES = (".csv", ".txt", ".geojson", ".json", ".gpkg", ".zip")


def _find_column(columns: list[str], preferred: str, names: tuple[str, ...]) -> str | None:
    lowered = {c.lower(): c for c in columns}
    for name in (preferred.lower(), *names):
        if name in lowered:
            return lowered[name]
    return None


def assignment_from_table(area: StudyArea, frame: pd.DataFrame, where: str) -> tuple[dict[str, str], list[str]]:
    """Pick the unit-code and locality columns of a table; return the assignment and any codes listed twice."""
    id_column = area.manifest.units.id
    columns = list(frame.columns)
    unit_col = _find_column(columns, id_column, ID_COLUMN_NAMES)
    locality_col = _find_column(columns, "locality", LOCALITY_COLUMN_NAMES)
    if (unit_col is None or locality_col is None) and len(columns) == 2:
        if columns[0] in set(area.ids):  # a file with no header row: its first row is data
            frame = pd.concat([pd.DataFrame([columns], columns=columns), frame], ignore_index=True)
        unit_col, locality_col = columns
    if unit_col is None or locality_col is None:
        raise LocalignError.single(
            f"the file needs a {area.manifest.unit_label}-code column and a locality column; it has "
            f"{', '.join(columns) or 'no columns'}.", where,
            f"use two columns headed {id_column},locality (one row per {area.manifest.unit_label}).")
    codes = frame[unit_col].astype(str).str.strip().map(uncsv_cell)
    codes = codes_from_names(area, codes)
    duplicated = sorted(set(codes[codes.duplicated()]))
    assignment = dict(zip(codes, frame[locality_col].astype(str).str.strip().map(uncsv_cell)))
    return assignment, duplicated


def codes_from_names(area: StudyArea, given: pd.Series) -> pd.Series:
    """Unit codes for a column that names units instead (ward names, any case), when every value is a unique name.

    A column of codes is returned as it is; so is one mixing codes and names, which the plan checks then report.
    """
    ids = set(area.ids)
    if given.isin(ids).any():
        return given
    by_name: dict[str, list[str]] = {}
    for unit, unit_name in area.unit_names.items():
        by_name.setdefault(" ".join(str(unit_name).split()).casefold(), []).append(str(unit))
    keys = given.map(lambda text: " ".join(str(text).split()).casefold())
    if len(keys) and all(len(by_name.get(key, ())) == 1 for key in keys):
        return keys.map(lambda key: by_name[key][0])
    return given


def read_plan(area: StudyArea, source: str | Path | bytes, filename: str | None = None,
              name: str | None = None) -> Plan:
    """Read a plan from a CSV or a GeoJSON/GeoPackage/zipped Shapefile of units with a locality property.

    ``source`` is a path, or the bytes of an upload together with its ``filename``.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        source = bytes(source)
        filename = filename or _guess_name(source)
    else:
        filename = filename or Path(source).name
    suffix = Path(filename).suffix.lower()
    where = filename
    if suffix not in PLAN_SUFFIXES:
        raise LocalignError.single(
            f"'{suffix or 'no extension'}' is not a plan format localign reads.", where,
            "save the plan as CSV (ward_code,locality) or as GeoJSON of wards with a 'locality' property.")
    if suffix in (".csv", ".txt"):
        frame = read_table(source, where)
    else:
        if isinstance(source, bytes):
            layer = read_uploaded_layer(source, where)
        else:
            layer = read_layer(source, where)
        # only the properties matter: the shapes of the units come from the study area
        frame = pd.DataFrame(layer.drop(columns=layer.geometry.name)).fillna("").astype(str)
    if frame.empty:
        raise LocalignError.single("the file has a header but no rows.", where,
                                   f"add one row per {area.manifest.unit_label} with its locality.")
    assignment, duplicated = assignment_from_table(area, frame, where)
    plan_name = name or Path(filename).stem
    try:
        return make_plan(area, assignment, name=plan_name, source="imported", where=where, duplicates=duplicated,
                         check_labels=True)
    except LocalignError as exc:
        if suffix in (".csv", ".txt") and any("have no locality" in p.what for p in exc.problems) \
                and not _ends_with_line_break(source):
            cut = Problem("the file does not end with a line break, so it may have been cut short.", where,
                          "save or copy the file again in full.")
            raise LocalignError([cut, *exc.problems]) from None
        raise


def _guess_name(data: bytes) -> str:
    """A file name for unnamed upload bytes, from their first bytes: zip, GeoPackage, GeoJSON or CSV."""
    if data.startswith(b"PK\x03\x04"):
        return "upload.zip"
    if data.startswith(b"SQLite format 3"):
        return "upload.gpkg"
    return "upload.geojson" if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else "upload.csv"


def _ends_with_line_break(source: str | Path | bytes) -> bool:
    data = source if isinstance(source, bytes) else Path(source).read_bytes()[-2:]
    return data.endswith((b"\n", b"\r"))


def plan_csv(area: StudyArea, plan: Plan, with_names: bool = True) -> str:
    """The plan as CSV text: ``ward_code,ward_name,locality`` (or just ``ward_code,locality``), one row per unit."""
    frame = pd.DataFrame({area.manifest.units.id: plan.unit_ids})
    if with_names:
        frame[area.manifest.units.name] = [area.unit_names[u] for u in plan.unit_ids]
    frame["locality"] = plan.labels
    frame = frame.map(csv_cell)  # no cell runs as a spreadsheet formula (reading the plan back undoes it)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def write_plan_csv(area: StudyArea, plan: Plan, path: str | Path, with_names: bool = True) -> Path:
    """Write the plan's assignment CSV (UTF-8) and return its path."""
    path = Path(path)
    path.write_text(plan_csv(area, plan, with_names), encoding="utf-8")
    return path


def resolve_plan(area: StudyArea, spec: str) -> Plan:
    """Turn a --plan argument into a plan: 'current', a grouping name, or a CSV/GeoJSON file path."""
    if spec == "current":
        return current_plan(area)
    if spec in area.groupings:
        return grouping_plan(area, spec)
    path = Path(spec)
    if not path.exists():
        raise LocalignError.single(
            f"'{spec}' is neither a plan name nor an existing file.", "--plan",
            f"use 'current', one of {', '.join(area.groupings)}, or the path of a CSV or GeoJSON plan.")
    return read_plan(area, path)


def plan_from_json_text(area: StudyArea, text: str, name: str = "restored plan") -> Plan:
    """A plan from the JSON the app autosaves ({"localities": [...], "assignment": {...}})."""
    try:
        data = json.loads(text)
        assignment = data["assignment"]
        localities = tuple(data.get("localities", ()))
    except (ValueError, KeyError, TypeError):
        raise LocalignError.single("the saved plan could not be read.", "autosave",
                                   "start from the current localities; the damaged file was left untouched.") from None
    return make_plan(area, assignment, name=data.get("name", name), localities=localities, where="autosave")


__all__ = [
    "assignment_from_table",
    "plan_csv",
    "plan_from_json_text",
    "read_plan",
    "resolve_plan",
    "write_plan_csv",
]
