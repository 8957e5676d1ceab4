"""Uploads from the app: files arrive as bytes, are written only inside a temporary folder, and are read, never run.

Nothing here unpickles or executes anything; every failure is a LocalignError in plain words.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.bundle import (
    Grouping,
    StudyArea,
    build_grouping,
    check_coverage,
    check_population_total,
    read_units,
)
from geo.crs import resolve_crs
from geo.errors import LocalignError, list_items
from geo.manifest import GroupingSpec, UnitLayer
from geo.read import LAYER_SUFFIXES, MAX_FILE_BYTES, check_size, read_layer, read_table, to_number


def _display_name(filename: str | None) -> str:
    """The upload's own name for messages: its last path part only, printable, at most 80 characters."""
    name = Path(str(filename or "upload").replace("\\", "/")).name or "upload"
    name = "".join(ch if ch.isprintable() else "?" for ch in name)
    return name if len(name) <= 80 else name[:60] + "…" + name[-12:]


def _safe_name(filename: str) -> str:
    """The upload's extension on a fixed name: the user's file name never becomes a path."""
    suffix = Path(filename).suffix.lower()
    return f"upload{suffix if suffix.isascii() and len(suffix) <= 8 else ''}"


def upload_bytes(data: object) -> bytes:
    """The bytes of an upload (bytes, a memoryview, or a file-like object such as Streamlit's UploadedFile)."""
    if hasattr(data, "getvalue"):
        data = data.getvalue()
    elif hasattr(data, "read"):
        data = data.read(MAX_FILE_BYTES + 1)
    return bytes(data)


def _check_upload(data: bytes, filename: str, suffixes: tuple[str, ...], formats: str) -> None:
    check_size(len(data), filename)
    if Path(filename).suffix.lower() not in suffixes:
        raise LocalignError.single(
            f"'{Path(filename).suffix or 'no extension'}' is not a format localign reads here.", filename,
            f"upload {formats}.")


def read_uploaded_layer(data: bytes, filename: str) -> gpd.GeoDataFrame:
    """Read uploaded boundary bytes (GeoJSON, GeoPackage or zipped Shapefile) via a private temporary folder."""
    data, filename = upload_bytes(data), _display_name(filename)
    _check_upload(data, filename, LAYER_SUFFIXES,
                  "GeoJSON (.geojson), GeoPackage (.gpkg) or a zipped Shapefile (.zip)")
    with tempfile.TemporaryDirectory(prefix="localign-upload-") as folder:
        path = Path(folder) / _safe_name(filename)
        path.write_bytes(data)
        frame = read_layer(path, filename)
        frame = frame.copy()  # detach from the file before the folder is removed
    return frame


def study_area_from_upload(base: StudyArea, units_data: bytes, units_filename: str, id_column: str,
                           name_column: str, population_column: str, attributes_data: bytes | None = None,
                           attributes_filename: str | None = None, crs: str | None = None) -> StudyArea:
    """A new study area from uploaded boundaries, with residents from the layer itself or from an uploaded CSV.

    The base study area lends its labels; groupings that need the old units (current localities, PCNs)
    are dropped, since they no longer apply.
    """
    units_filename = _display_name(units_filename)
    frame = read_uploaded_layer(units_data, units_filename)
    units, warnings = read_units(frame, id_column, name_column, units_filename, crs)
    if attributes_data is not None:
        where = _display_name(attributes_filename or "attributes.csv")
        attributes_data = upload_bytes(attributes_data)
        _check_upload(attributes_data, where, (".csv", ".txt"), "a CSV table (.csv)")
        table = read_table(attributes_data, where, required=[id_column, population_column])
        problems = check_coverage(pd.Index(table[id_column]), units.index, where, id_column, "row in this table")
        if problems:
            raise LocalignError(problems)
        numbers = to_number(table, population_column, where, id_column)
        attributes = pd.DataFrame({population_column: numbers.to_numpy()}, index=table[id_column]).reindex(units.index)
    else:
        if population_column not in frame.columns:
            raise LocalignError.single(
                f"the layer has no '{population_column}' column and no attribute table was given.", units_filename,
                "choose the column holding residents, or upload a CSV with the unit code and population.")
        source = pd.DataFrame({id_column: frame[id_column].astype(str).str.strip(),
                               population_column: frame[population_column].astype(str)})
        numbers = to_number(source, population_column, units_filename, id_column)
        attributes = pd.DataFrame({population_column: numbers.to_numpy()},
                                  index=source[id_column]).reindex(units.index)
    check_population_total(attributes[population_column], population_column,
                           where if attributes_data is not None else units_filename)
    manifest = replace(base.manifest, folder=Path(tempfile.gettempdir()), name=f"Uploaded: {units_filename}",
                       short_name=Path(units_filename).stem, code="",
                       units=UnitLayer(Path(units_filename), id_column, name_column, "Uploaded units", crs),
                       attributes=(), points=(), groupings=(), current_grouping=None, pcn_grouping=None,
                       assumptions={"uploaded": "Boundaries and residents were uploaded by the user; localign has "
                                                "not checked their source."})
    return StudyArea(manifest, units, attributes, population_column, {population_column: "Residents"}, {}, {},
                     warnings)


def pcn_grouping_from_upload(area: StudyArea, data: bytes, filename: str, column: str,
                             id_column: str | None = None, crs: str | None = None) -> Grouping:
    """PCN groups from an upload: polygons with a PCN column (``crs`` for a layer that has none), or a CSV table of
    unit code -> PCN."""
    name = area.manifest.pcn_grouping or "pcn"
    note = area.manifest.assumptions.get("pcn_areas")
    data, filename = upload_bytes(data), _display_name(filename)
    if Path(filename).suffix.lower() in (".csv", ".txt"):
        _check_upload(data, filename, (".csv", ".txt"), "a CSV table (.csv)")
        id_column = id_column or area.manifest.units.id
        with tempfile.TemporaryDirectory(prefix="localign-upload-") as folder:
            path = Path(folder) / "upload.csv"
            path.write_bytes(data)
            spec = GroupingSpec(name, "Primary Care Networks (uploaded table)", "table", column, path, id_column)
            grouping = build_grouping(spec, area.units, area.population, area.points, where=filename)
    else:
        frame = resolve_crs(read_uploaded_layer(data, filename), filename, crs)
        if column not in frame.columns:
            columns = [c for c in frame.columns if c != frame.geometry.name]
            raise LocalignError.single(f"the column '{column}' is not in the layer; its columns are "
                                       f"{list_items(columns) or 'none'}.", filename,
                                       "choose the column that holds each area's PCN name.")
        with tempfile.TemporaryDirectory(prefix="localign-upload-") as folder:
            path = Path(folder) / "upload.gpkg"
            frame[[column, frame.geometry.name]].astype({column: str}).to_file(path, driver="GPKG")
            spec = GroupingSpec(name, "Primary Care Networks (uploaded areas)", "areas", column, path)
            grouping = build_grouping(spec, area.units, area.population, area.points, where=filename)
    grouping.assumption = "pcn_areas" if note else None
    return grouping


def with_uploaded_pcns(area: StudyArea, grouping: Grouping) -> StudyArea:
    """The study area with its PCN grouping replaced by an uploaded one (the manifest role follows)."""
    updated = area.with_grouping(grouping)
    if updated.manifest.pcn_grouping != grouping.name:
        updated.manifest = replace(updated.manifest, pcn_grouping=grouping.name)
    return updated


__all__ = ["pcn_grouping_from_upload", "read_uploaded_layer", "study_area_from_upload", "upload_bytes",
           "with_uploaded_pcns"]
