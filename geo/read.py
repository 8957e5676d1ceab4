"""Reading layers (GeoJSON, GeoPackage, zipped Shapefile) and CSV tables, refusing anything unsafe or unreadable.

Nothing is half-read: a file is either read completely and checked, or refused with one plain
message (what is wrong, where, and the fix). Zip archives are unpacked by localign itself, member
by member, into a private temporary folder under fixed names, with every size checked as it is
read, so a hostile archive cannot write outside that folder or expand without limit.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
import warnings
import zipfile
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from geo.errors import LocalignError, list_items

MAX_FILE_BYTES = 50 * 1024 * 1024
"""Largest file localign reads (50 MB): a ward layer is a few hundred kilobytes."""

MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
"""Largest total size of a zip's contents once unpacked."""

MAX_ZIP_RATIO = 100
"""Largest compression ratio accepted in a zip; beyond it the file is treated as a zip bomb."""

MAX_ZIP_MEMBERS = 1000
"""Most entries a zip may hold: a zipped Shapefile has five or six."""

LAYER_SUFFIXES = (".geojson", ".json", ".gpkg", ".zip")
SHAPEFILE_PARTS = {".shp": "the shapes", ".shx": "the shape index", ".dbf": "the attribute table"}
SHAPEFILE_EXTRAS = (".prj", ".cpg")
"""Optional Shapefile parts unpacked with the required ones (.prj holds the CRS, .cpg the text encoding)."""

CRS_NOTE = "crs_note"
"""Key in a frame's ``attrs`` explaining why its CRS may be missing or assumed (used by geo.crs.resolve_crs)."""

_FORMAT_NAMES = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GeoPackage", ".shp": "Shapefile"}
_CHUNK = 1024 * 1024


def _problem(what: str, where: str, fix: str) -> LocalignError:
    return LocalignError.single(what, where, fix)


def check_size(size: int, where: str) -> None:
    """Refuse a file that is empty or over MAX_FILE_BYTES, before anything reads it."""
    if size > MAX_FILE_BYTES:
        raise _problem(f"the file is larger than localign's {MAX_FILE_BYTES // 2**20} MB limit ({_size(size)}).",
                       where, "check that you chose the right file: ward layers and tables are usually well "
                       "under 5 MB (simplify the boundaries in your GIS if a layer is too large).")
    if size == 0:
        raise _problem("the file is empty (0 bytes).", where, "check that the file was saved or copied completely.")


def _check_file(path: Path, where: str) -> None:
    """Refuse a path that is missing, a folder, empty or too large, before anything reads it."""
    if not path.exists():
        raise _problem("the file does not exist.", f"{where} ({path})",
                       "check the path in manifest.toml or choose the file again.")
    if path.is_dir():
        raise _problem("this is a folder, not a file.", f"{where} ({path})",
                       "point to the file itself (for a Shapefile, zip its .shp, .shx, .dbf and .prj files).")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _unreadable(exc, where) from None
    check_size(size, where)


def _unreadable(exc: OSError, where: str) -> LocalignError:
    reason = exc.strerror or type(exc).__name__
    return _problem(f"the file could not be opened ({reason.lower()}).", where,
                    "check that the file is not open in another program and that you may read it, "
                    "then try again.")


def _read_bytes(path: Path, where: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _unreadable(exc, where) from None


# --- zip archives ------------------------------------------------------------------------------

def is_zip_clutter(name: str) -> bool:
    """Entries a Mac's Finder or Windows adds to zips (``__MACOSX/``, ``._*`` resource forks, ``.DS_Store``,
    ``Thumbs.db``): never part of a layer, so they are skipped."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return bool(parts) and (parts[0] == "__MACOSX" or parts[-1].startswith("._")
                            or parts[-1] in (".DS_Store", "Thumbs.db", "desktop.ini"))


def _zip_members(archive: zipfile.ZipFile, where: str) -> list[zipfile.ZipInfo]:
    """The archive's file entries, refusing traversal, encryption, too many entries and zip bombs (clutter skipped)."""
    members = [m for m in archive.infolist() if not m.is_dir() and not is_zip_clutter(m.filename)]
    if len(members) > MAX_ZIP_MEMBERS:
        raise _problem(f"the zip holds {len(members)} files; a zipped Shapefile has about five.", where,
                       "zip just the boundary layer's files and try again.")
    unsafe = [m.filename for m in members
              if m.filename.startswith(("/", "\\")) or ".." in PurePosixPath(m.filename.replace("\\", "/")).parts
              or ":" in m.filename]
    if unsafe:
        raise _problem(f"the zip contains entries that point outside the archive ({list_items(unsafe, 3)}).",
                       where, "this is not a normal GIS export; re-export the layer from your GIS and zip it again.")
    locked = [m.filename for m in members if m.flag_bits & 0x1]
    if locked:
        raise _problem(f"the zip is password-protected ({list_items(locked, 3)}).", where,
                       "zip the files again without a password.")
    total = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members) or 1
    if total > MAX_UNZIPPED_BYTES or total / packed > MAX_ZIP_RATIO:
        raise _zip_bomb(total, packed, where)
    return members


def _size(size: int) -> str:
    """A file size for a message: kilobytes below a megabyte, else megabytes."""
    return f"{size / 2**10:.0f} KB" if size < 2**20 else f"{size / 2**20:.1f} MB"


def _zip_bomb(total: int, packed: int, where: str) -> LocalignError:
    return _problem(f"the zip would unpack to {_size(total)} from {_size(packed)} "
                    "(a 'zip bomb' or a far larger layer than a set of wards).",
                    where, "zip just the boundary layer's files and try again.")


def _choose_zip_layer(members: list[zipfile.ZipInfo], where: str) -> tuple[str, list[zipfile.ZipInfo]]:
    """The suffix of the layer to read and the entries that make it up (one Shapefile, GeoPackage or GeoJSON)."""
    by_suffix: dict[str, list[zipfile.ZipInfo]] = {}
    for m in members:
        by_suffix.setdefault(PurePosixPath(m.filename).suffix.lower(), []).append(m)
    for suffix in (".gpkg", ".geojson"):
        if len(by_suffix.get(suffix, [])) == 1 and ".shp" not in by_suffix:
            return suffix, by_suffix[suffix]
    shp = [m.filename for m in by_suffix.get(".shp", [])]
    if len(shp) != 1:
        found = list_items(sorted(m.filename for m in members), 6) or "nothing"
        what = "holds no .shp file" if not shp else f"holds {len(shp)} .shp files ({list_items(shp, 3)})"
        raise _problem(f"the zip {what}; it contains {found}.", where,
                       "zip exactly one Shapefile: its .shp, .shx, .dbf and .prj files.")
    stem = shp[0][: -len(".shp")].lower()
    parts = {PurePosixPath(m.filename).suffix.lower(): m for m in members
             if m.filename.lower()[: -len(PurePosixPath(m.filename).suffix) or None] == stem}
    missing = [f"{shp[0][:-4]}{s} ({why})" for s, why in SHAPEFILE_PARTS.items() if s not in parts]
    if missing:
        raise _problem(f"the zipped Shapefile is missing {list_items(missing)}.", where,
                       "add every part of the Shapefile (.shp, .shx, .dbf, .prj) to the zip.")
    chosen = [parts[s] for s in (*SHAPEFILE_PARTS, *SHAPEFILE_EXTRAS) if s in parts]
    return ".shp", chosen


def dbf_encoding(path: Path) -> str | None:
    """The text encoding of a Shapefile's attribute table (.dbf) that has no .cpg file to say it.

    None when the table declares its own code page (its language driver byte) or holds only ASCII text;
    otherwise "UTF-8" when its text reads as UTF-8 (what QGIS and ArcGIS Pro write), else "CP1252"
    (Windows Western European, what older ArcGIS and Excel write in the UK).
    """
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if len(data) < 32 or data[29] != 0:
        return None
    records = data[int.from_bytes(data[8:10], "little"):]
    if records.isascii():
        return None
    text = records.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    readable = sum(1 for ch in text if ord(ch) > 127 and ch != "\ufffd")
    return "UTF-8" if readable > broken else "CP1252"


def _extract_zip(path: Path, where: str, folder: Path) -> tuple[Path, str | None]:
    """Unpack the one layer in a zip into ``folder`` under fixed names; return its path and a CRS note."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _problem("the file ends in .zip but is not a readable zip archive.", where,
                       "zip the Shapefile again (all of .shp, .shx, .dbf and .prj).") from None
    with archive:
        members = _zip_members(archive, where)
        suffix, chosen = _choose_zip_layer(members, where)
        budget = MAX_UNZIPPED_BYTES
        for member in chosen:
            part = PurePosixPath(member.filename).suffix.lower()
            target = folder / f"layer{part}"
            written = 0
            try:
                with archive.open(member) as source, target.open("wb") as out:
                    while chunk := source.read(_CHUNK):
                        written += len(chunk)
                        if written > budget or written > MAX_ZIP_RATIO * max(member.compress_size, 1):
                            raise _zip_bomb(written, member.compress_size, where)
                        out.write(chunk)
            except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
                raise _problem(f"the zip entry {member.filename} could not be unpacked ({exc}).", where,
                               "zip the files again with your system's standard zip tool.") from None
            budget -= written
    layer = folder / f"layer{suffix}"
    note = None
    if suffix == ".shp" and not (folder / "layer.prj").exists():
        note = "the zipped Shapefile has no .prj file"
    elif suffix == ".geojson":
        note = _geojson_crs_note(_read_bytes(layer, where), where)
    return layer, note


# --- vector layers -----------------------------------------------------------------------------

_GEOJSON_TYPES = {"FeatureCollection", "Feature", "Topology", "Polygon", "MultiPolygon", "GeometryCollection",
                  "Point", "MultiPoint", "LineString", "MultiLineString"}


def _geojson_crs_note(data: bytes, where: str) -> str | None:
    """Check GeoJSON bytes are complete JSON of a GeoJSON object; note when they carry no "crs" member."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise _problem("the file is not UTF-8 text, so it is not GeoJSON.", where,
                       "export the layer again as GeoJSON from your GIS.") from None
    except RecursionError:
        raise _problem("the file is nested too deeply to be a boundary layer.", where,
                       "export the layer again as GeoJSON from your GIS.") from None
    except json.JSONDecodeError as exc:
        if exc.pos >= len(exc.doc.rstrip()) - 1:
            what = "the file stops before the GeoJSON is complete, so it looks cut short"
        else:
            what = f"the file is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        raise _problem(f"{what}.", where, "export or download the layer again; do not edit GeoJSON by hand.") from None
    if not isinstance(document, dict) or document.get("type") not in _GEOJSON_TYPES:
        raise _problem("the file is JSON but not GeoJSON (it has no \"type\": \"FeatureCollection\").", where,
                       "export the layer as GeoJSON from your GIS.")
    if document.get("crs") is None:
        return "GeoJSON without a \"crs\" member is read as degrees"
    return None


def _plain_gdal_message(exc: Exception, source: str, where: str, suffix: str) -> str:
    """GDAL's message, without temporary paths or driver advice meant for programmers."""
    detail = str(exc).split("\n")[0].replace(source, where)
    if "not recognized as being in a supported file format" in detail or "not recognised" in detail:
        return f"its contents are not {_FORMAT_NAMES.get(suffix, 'a boundary layer')}, whatever its name says"
    detail = re.sub(r"\s*It might help to specify.*", "", detail)
    detail = re.sub(r"(/[^\s'\"]+/)+", "", detail)  # no folders of this machine in a user's message
    return f"it could not be read as a boundary layer ({detail[:200].rstrip('.; ')})"


def _read_vector(source: Path, where: str, suffix: str) -> gpd.GeoDataFrame:
    encoding = None
    if suffix == ".shp" and not source.with_suffix(".cpg").exists():
        encoding = dbf_encoding(source.with_suffix(".dbf"))  # no .cpg: find the encoding rather than garble names
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            layers = [str(name) for name, geometry in pyogrio.list_layers(source) if geometry]
            if len(layers) > 1:
                raise _problem(f"the file holds {len(layers)} map layers ({list_items(layers, 5)}), so it is "
                               "not clear which one holds the units.", where,
                               "save the one layer you want to its own file and choose that file.")
            return pyogrio.read_dataframe(source, layer=layers[0] if layers else None, encoding=encoding)
        except LocalignError:
            raise
        except Exception as exc:  # noqa: BLE001 - pyogrio/GDAL raise several types; the user needs one plain answer
            what = _plain_gdal_message(exc, str(source), where, suffix)
            raise _problem(f"{what}.", where,
                           "open it in QGIS to check it, then save it again as GeoJSON or GeoPackage.") from None


def read_layer(path: str | Path, where: str | None = None) -> gpd.GeoDataFrame:
    """Read one vector layer as-is (CRS untouched), or raise a LocalignError saying why it cannot be read.

    When the CRS is missing or only assumed (a GeoJSON without a "crs" member, a Shapefile without
    .prj), ``frame.attrs["crs_note"]`` says so, for geo.crs.resolve_crs to explain.
    """
    path = Path(path)
    where = where or path.name
    suffix = path.suffix.lower()
    if suffix not in LAYER_SUFFIXES:
        if not path.exists():
            _check_file(path, where)
        raise _problem(f"'{path.suffix or 'no extension'}' is not a boundary format localign reads.", where,
                       "save the layer as GeoJSON (.geojson), GeoPackage (.gpkg) or a zipped Shapefile (.zip).")
    _check_file(path, where)
    with tempfile.TemporaryDirectory(prefix="localign-read-") as folder:
        note = None
        source = path
        if suffix == ".zip":
            source, note = _extract_zip(path, where, Path(folder))
        elif suffix in (".geojson", ".json"):
            note = _geojson_crs_note(_read_bytes(path, where), where)
        frame = _read_vector(source, where, source.suffix.lower())
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame:
        raise _problem("the file has no geometry column.", where,
                       "export the layer with its boundaries, not just its attribute table.")
    if len(frame) == 0:
        raise _problem("the layer has no features.", where,
                       "check that you exported the right layer and that it is not filtered.")
    if note:
        frame.attrs[CRS_NOTE] = note
    return frame


# --- CSV tables --------------------------------------------------------------------------------

_DELIMITERS = ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars"))
_SAVE_CSV = "in Excel choose Save As > 'CSV UTF-8 (Comma delimited)'; in other tools pick UTF-8 encoding."


def _table_bytes(source: str | Path | bytes, where: str) -> bytes:
    if isinstance(source, (str, Path)):
        path = Path(source)
        if path.exists() and not path.is_dir() and path.suffix.lower() not in (".csv", ".txt"):
            raise _problem(f"'{path.suffix or 'no extension'}' is not a table format localign reads.", where,
                           "save the table as CSV (comma separated values).")
        _check_file(path, where)
        return _read_bytes(path, where)
    data = bytes(source)
    check_size(len(data), where)
    return data


def _decode(data: bytes, where: str) -> str:
    """Text of a table: UTF-8 (with or without a byte-order mark) or UTF-16 with its byte-order mark."""
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise _problem("the file is an Excel workbook (or another binary file), not a CSV text table.", where,
                       "in Excel use Save As > 'CSV UTF-8 (Comma delimited)' rather than .xlsx.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise _problem("the file says it is UTF-16 text but is damaged.", where, _SAVE_CSV) from None
    else:
        if b"\x00" in data:
            raise _problem("the file is binary, not a CSV text table.", where,
                           "in Excel use Save As > 'CSV UTF-8 (Comma delimited)' rather than .xlsx.")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise _problem(f"the file is not UTF-8 text (unexpected byte 0x{data[exc.start]:02x} on line {line}).",
                           where, _SAVE_CSV) from None
    if "\x00" in text:
        raise _problem("the file is binary, not a CSV text table.", where, _SAVE_CSV)
    start = text.lstrip()[:1]
    if start == "<":
        raise _problem("the file is a web page or XML, not a CSV table.", where,
                       "download or export the table again as CSV.")
    if start in ("{", "["):
        raise _problem("the file is JSON (perhaps GeoJSON), not a CSV table.", where,
                       "give it a .geojson name if it is a boundary layer, or export the table as CSV.")
    return text


def _delimiter_problem(header: str, where: str) -> None:
    for delimiter, name in _DELIMITERS:
        if delimiter in header:
            raise _problem(f"the columns are separated by {name}, not commas.", where,
                           "save the file as CSV with commas between columns (in Excel: 'CSV UTF-8 "
                           "(Comma delimited)').")


def _parse_rows(text: str, where: str) -> tuple[list[str], list[list[str]]]:
    """Header and data rows of CSV text; every row as long as the header, blank rows dropped."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    rows: list[list[str]] = []
    too_long: list[str] = []
    tail: list[str] = []  # the last row read, if it held data
    try:
        for row in reader:
            cells = [c.strip() for c in row]
            tail = row if any(cells) else []
            if not any(cells):
                continue
            if header is None:
                header = cells
                continue
            if len(cells) > len(header):
                if any(cells[len(header):]):
                    too_long.append(f"line {reader.line_num} ({len(cells)} values)")
                cells = cells[: len(header)]
            rows.append(cells + [""] * (len(header) - len(cells)))
    except csv.Error as exc:
        if "end of data" in str(exc) or "EOF" in str(exc):
            what = (f"a quoted value that opens on line {reader.line_num} is never closed, so the file may "
                    "have been cut short")
        else:
            what = f"line {reader.line_num} could not be read ({exc})"
        raise _problem(f"the table could not be read: {what}.", where,
                       "open it in a spreadsheet to check the rows, then save it again as CSV.") from None
    if header is None:
        raise _problem("the file has no rows or columns.", where, "check that the file was saved completely.")
    if too_long:
        raise _problem(f"some rows have more values than the header has columns ({len(header)}): "
                       f"{list_items(too_long, 4)}.", where,
                       "put double quotes around any value that contains a comma, e.g. \"Barking, East\", "
                       "or remove the extra values.")
    if rows and tail and len(tail) < len(header) and not text.endswith(("\n", "\r")):
        raise _problem(f"the last line (line {reader.line_num}) stops part-way, after {len(tail)} of "
                       f"{len(header)} columns, so the file looks cut short.", where,
                       "save or copy the file again in full.")
    duplicated = sorted({c for c in header if header.count(c) > 1 and c})
    if duplicated:
        raise _problem(f"the column{'s' if len(duplicated) > 1 else ''} {list_items(duplicated)} "
                       f"appear{'' if len(duplicated) > 1 else 's'} more than once in the header.", where,
                       "give every column its own name in the first row.")
    return header, rows


def read_table(source: str | Path | bytes, where: str, required: list[str] | None = None) -> pd.DataFrame:
    """Read a comma-separated UTF-8 table (a byte-order mark is allowed) as text columns, or explain why not."""
    text = _decode(_table_bytes(source, where), where)
    if not text.strip():
        raise _problem("the file has no rows or columns.", where, "check that the file was saved completely.")
    first = text.lstrip("\r\n").splitlines()[0]
    if re.fullmatch(r"\s*sep=.\s*", first):  # Excel's 'sep=' hint line
        if first.strip() != "sep=,":
            _delimiter_problem(first, where)
        text = text.lstrip("\r\n")[len(first):].lstrip("\r\n")
        first = text.splitlines()[0] if text.strip() else ""
    if "," not in first and (required is None or len(required) > 1):
        _delimiter_problem(first, where)
    header, rows = _parse_rows(text, where)
    frame = pd.DataFrame(rows, columns=header, dtype=str) if rows else pd.DataFrame(columns=header, dtype=str)
    if required:
        missing = [c for c in required if c not in frame.columns]
        if missing:
            raise _problem(
                f"the column{'s' if len(missing) > 1 else ''} {list_items(missing)} "
                f"{'are' if len(missing) > 1 else 'is'} missing; found {list_items(frame.columns) or 'none'}.",
                where, f"name the columns exactly {', '.join(required)} in the first row.")
    return frame


def to_number(frame: pd.DataFrame, column: str, where: str, id_column: str,
              allow_negative: bool = False) -> pd.Series:
    """Convert a text column to finite numbers, naming the rows that are blank, not numeric, infinite or negative.

    Commas are read as thousands separators only where they group digits in threes ('38,495'); a
    decimal comma ('3849,5') is refused rather than read as a different number.
    """
    raw = frame[column].astype(str).str.strip()
    grouped = raw.str.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
    decimal_comma = raw.str.fullmatch(r"[+-]?\d*,\d+") & ~grouped
    if decimal_comma.any():
        rows = [f"{unit} ('{value}')" for unit, value in zip(frame.loc[decimal_comma, id_column],
                                                              raw[decimal_comma])]
        raise _problem(f"'{column}' has a decimal comma for {list_items(rows, 4)}, so the number is unclear "
                       "(localign reads commas only as thousands separators).", where,
                       f"write decimals with a full stop, e.g. {raw[decimal_comma].iloc[0].replace(',', '.')}: "
                       "in Excel, untick File > Options > Advanced > 'Use system separators' and set the decimal "
                       "separator to '.', then save as CSV again.")
    text = raw.where(~grouped, raw.str.replace(",", "", regex=False))
    numbers = pd.to_numeric(text, errors="coerce").astype(float)
    bad = frame.loc[~np.isfinite(numbers.to_numpy()), id_column].tolist()
    if bad:
        raise _problem(f"'{column}' is blank or not a number for {list_items(bad)}.", where,
                       f"fill in a number for every row of '{column}'.")
    if not allow_negative and (numbers < 0).any():
        raise _problem(f"'{column}' is negative for {list_items(frame.loc[numbers < 0, id_column])}.", where,
                       f"'{column}' counts people or things, so it cannot be below zero.")
    return numbers
