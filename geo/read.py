"""Reading layers (GeoJSON, GeoPackage, zipped Shapefile) and CSV tables, refusing anything unsafe or unreadable."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.errors import LocalignError, list_items

MAX_FILE_BYTES = 50 * 1024 * 1024
"""Largest file localign reads (50 MB): a ward layer is a few hundred kilobytes."""

MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
"""Largest total size of a zip's contents once unpacked."""

MAX_ZIP_RATIO = 100
"""Largest compression ratio accepted in a zip; beyond it the file is treated as a zip bomb."""

LAYER_SUFFIXES = (".geojson", ".json", ".gpkg", ".zip")
SHAPEFILE_PARTS = {".shp": "the shapes", ".shx": "the shape index", ".dbf": "the attribute table"}


def _check_size(size: int, where: str) -> None:
    if size > MAX_FILE_BYTES:
        raise LocalignError.single(
            f"the file is {size / 1e6:.1f} MB, over localign's {MAX_FILE_BYTES / 1e6:.0f} MB limit.",
            where, "simplify the boundaries in your GIS (ward layers are usually under 5 MB) or "
            "split the file.",
        )
    if size == 0:
        raise LocalignError.single("the file is empty (0 bytes).", where,
                                   "check that the file was saved or copied completely.")


def _inspect_zip(path: Path, where: str) -> str:
    """Check a zip is safe and holds one complete Shapefile (or one GeoPackage/GeoJSON); return the member to read."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise LocalignError.single("the file ends in .zip but is not a readable zip archive.", where,
                                   "zip the Shapefile again (all of .shp, .shx, .dbf and .prj).") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        unsafe = [m.filename for m in members
                  if m.filename.startswith(("/", "\\")) or ".." in PurePosixPath(m.filename.replace("\\", "/")).parts
                  or ":" in m.filename]
        if unsafe:
            raise LocalignError.single(
                f"the zip contains entries that point outside the archive ({list_items(unsafe, 3)}).",
                where, "this is not a normal GIS export; re-export the layer from your GIS and zip it again.",
            )
        total = sum(m.file_size for m in members)
        packed = sum(m.compress_size for m in members) or 1
        if total > MAX_UNZIPPED_BYTES or total / packed > MAX_ZIP_RATIO:
            raise LocalignError.single(
                f"the zip would unpack to {total / 1e6:.0f} MB from {packed / 1e6:.1f} MB "
                "(a 'zip bomb' or a far larger layer than a set of wards).",
                where, "zip just the boundary layer's files and try again.",
            )
        by_suffix: dict[str, list[str]] = {}
        for m in members:
            by_suffix.setdefault(PurePosixPath(m.filename).suffix.lower(), []).append(m.filename)
    for suffix in (".gpkg", ".geojson"):
        if len(by_suffix.get(suffix, [])) == 1 and ".shp" not in by_suffix:
            return by_suffix[suffix][0]
    shp = by_suffix.get(".shp", [])
    if len(shp) != 1:
        found = list_items(sorted(m.filename for m in members), 6) or "nothing"
        what = "holds no .shp file" if not shp else f"holds {len(shp)} .shp files ({list_items(shp, 3)})"
        raise LocalignError.single(f"the zip {what}; it contains {found}.", where,
                                   "zip exactly one Shapefile: its .shp, .shx, .dbf and .prj files.")
    stem = shp[0][: -len(".shp")]
    missing = [f"{stem}{s} ({why})" for s, why in SHAPEFILE_PARTS.items()
               if not any(name.lower() == (stem + s).lower() for name in by_suffix.get(s, []))]
    if missing:
        raise LocalignError.single(f"the zipped Shapefile is missing {list_items(missing)}.", where,
                                   "add every part of the Shapefile (.shp, .shx, .dbf, .prj) to the zip.")
    return shp[0]


def read_layer(path: str | Path, where: str | None = None) -> gpd.GeoDataFrame:
    """Read one vector layer as-is (CRS untouched), or raise a LocalignError saying why it cannot be read."""
    path = Path(path)
    where = where or path.name
    if not path.exists():
        raise LocalignError.single("the file does not exist.", f"{where} ({path})",
                                   "check the path in manifest.toml or choose the file again.")
    suffix = path.suffix.lower()
    if suffix not in LAYER_SUFFIXES:
        raise LocalignError.single(
            f"'{path.suffix or 'no extension'}' is not a boundary format localign reads.", where,
            "save the layer as GeoJSON (.geojson), GeoPackage (.gpkg) or a zipped Shapefile (.zip).",
        )
    _check_size(path.stat().st_size, where)
    source = str(path)
    if suffix == ".zip":
        member = _inspect_zip(path, where)
        source = f"/vsizip/{path}/{member}"
    try:
        frame = pyogrio.read_dataframe(source)
    except Exception as exc:  # pyogrio/GDAL raise several types; the user needs one plain answer
        detail = str(exc).split("\n")[0][:200]
        raise LocalignError.single(
            f"the file could not be read as a boundary layer ({detail}).", where,
            "open it in QGIS to check it, then save it again as GeoJSON or GeoPackage.",
        ) from None
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame:
        raise LocalignError.single("the file has no geometry column.", where,
                                   "export the layer with its boundaries, not just its attribute table.")
    if len(frame) == 0:
        raise LocalignError.single("the layer has no features.", where,
                                   "check that you exported the right layer and that it is not filtered.")
    return frame


def _decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LocalignError.single(
            f"the file is not UTF-8 text (unexpected byte 0x{data[exc.start]:02x} on line {line}).",
            where, "in Excel choose Save As > 'CSV UTF-8 (Comma delimited)'; in other tools pick "
            "UTF-8 encoding.",
        ) from None


def read_table(source: str | Path | bytes, where: str, required: list[str] | None = None) -> pd.DataFrame:
    """Read a comma-separated UTF-8 table (a byte-order mark is allowed) as text columns, or explain why not."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise LocalignError.single("the file does not exist.", f"{where} ({path})",
                                       "check the path in manifest.toml or choose the file again.")
        if path.suffix.lower() not in (".csv", ".txt"):
            raise LocalignError.single(
                f"'{path.suffix or 'no extension'}' is not a table format localign reads.", where,
                "save the table as CSV (comma separated values).")
        _check_size(path.stat().st_size, where)
        data = path.read_bytes()
    else:
        data = bytes(source)
        _check_size(len(data), where)
    if b"\x00" in data[:4096]:
        raise LocalignError.single("the file is binary, not a CSV text table.", where,
                                   "in Excel use Save As > 'CSV UTF-8 (Comma delimited)' rather than .xlsx.")
    text = _decode(data, where)
    if not text.strip():
        raise LocalignError.single("the file has no rows or columns.", where,
                                   "check that the file was saved completely.")
    header = text.splitlines()[0]
    if "," not in header and len(required or []) > 1:
        for delimiter, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
            if delimiter in header:
                raise LocalignError.single(
                    f"the columns are separated by {name}, not commas.", where,
                    "save the file as CSV with commas between columns (in Excel: 'CSV UTF-8 "
                    "(Comma delimited)').")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True,
                            on_bad_lines="error", engine="python")
    except pd.errors.EmptyDataError:
        raise LocalignError.single("the file has no header row.", where,
                                   "the first line must name the columns, e.g. ward_code,locality.") from None
    except (pd.errors.ParserError, csv.Error) as exc:
        detail = str(exc).split("\n")[0]
        hint = ("a quoted value is never closed, so the file may be cut short"
                if "EOF" in detail or "quote" in detail.lower() else detail)
        raise LocalignError.single(f"the table could not be read: {hint}.", where,
                                   "open it in a spreadsheet to check the rows, then save it again as "
                                   "CSV.") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.apply(lambda col: col.str.strip())
    if required:
        missing = [c for c in required if c not in frame.columns]
        if missing:
            raise LocalignError.single(
                f"the column{'s' if len(missing) > 1 else ''} {list_items(missing)} "
                f"{'are' if len(missing) > 1 else 'is'} missing; found {list_items(frame.columns) or 'none'}.",
                where, f"name the columns exactly {', '.join(required)} in the first row.")
    return frame


def to_number(frame: pd.DataFrame, column: str, where: str, id_column: str,
              allow_negative: bool = False) -> pd.Series:
    """Convert a text column to numbers, naming the rows that are blank, not numeric or negative."""
    text = frame[column].astype(str).str.replace(",", "", regex=False)
    numbers = pd.to_numeric(text, errors="coerce")
    bad = frame.loc[numbers.isna(), id_column].tolist()
    if bad:
        raise LocalignError.single(
            f"'{column}' is blank or not a number for {list_items(bad)}.", where,
            f"fill in a number for every row of '{column}'.")
    if not allow_negative and (numbers < 0).any():
        raise LocalignError.single(
            f"'{column}' is negative for {list_items(frame.loc[numbers < 0, id_column])}.", where,
            f"'{column}' counts people or things, so it cannot be below zero.")
    return numbers.astype(float)
