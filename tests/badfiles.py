"""Bad input files for the reliability tests, built in code (no binary fixtures are committed).

Each case says what is wrong in a planner's words, builds the file from the bundled Barking and
Dagenham data, and lists the words the message must contain: the problem and the fix. The same
catalogue drives the API tests, the CLI tests and the README table (run this file to print it).
"""

from __future__ import annotations

import io
import json
import shutil
import struct
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import LineString, Polygon, mapping

from analysis.plan.partition import current_plan
from analysis.plan.io import plan_csv
from geo.bundle import DEFAULT_BUNDLE, StudyArea
from geo.read import MAX_FILE_BYTES

STRANGE_LABELS = ("Barking, Riverside", 'The "North"', "Dagenham – Ост", "東 East", "Ward's end; 1,2")
"""Locality names with commas, quotes, non-Latin letters and punctuation: all must work and round-trip."""

HOSTILE = ("<img src=x onerror=alert(document.domain)>", "${alert(1)}", "Dr O`Neil`", "\"quoted\" & 'single'",
           "</script><script>alert(2)</script>", "<b onmouseover=alert(3)>bold</b>", "[link](javascript:alert(4))",
           "{{7*7}} `${alert(5)}`")
"""Text a hostile user puts in names: HTML that runs script, JavaScript template syntax, backticks, quotes,
Markdown links. Every name localign shows or saves must stay plain text."""


INERT = "Accepted; every name is shown as plain text (map tooltips, labels, legend, layer names, tables, the Brief) and no script runs; CSV cells that would run as formulas start with an apostrophe."
"""What the README table says for hostile names: they are accepted and stay inert."""


def hostile(i: int, base: str = "") -> str:
    """A hostile name (one of HOSTILE), made unique with ``base`` (e.g. the ward's real name)."""
    return f"{HOSTILE[i % len(HOSTILE)]} {base}".strip()


LOOK_ALIKES = ("North", "north", "We\u0301st", "W\u00e9st", "East\u200b", " East ")
"""Locality names that look alike: two spellings differing in capitals, 'Wést' in decomposed (NFD) and composed
(NFC) form, and 'East' with a zero-width space or spaces around it."""


# --- plans as CSV --------------------------------------------------------------------------------

def plan_bytes(area: StudyArea) -> bytes:
    """The current localities as a two-column plan CSV (ward_code,locality)."""
    return plan_csv(area, current_plan(area), with_names=False).encode("utf-8")


def _rows(area: StudyArea) -> list[bytes]:
    return plan_bytes(area).splitlines(keepends=True)


def _strange_labels_csv(area: StudyArea) -> bytes:
    lines = ["ward_code,locality"]
    for i, unit in enumerate(area.ids):
        label = STRANGE_LABELS[i % len(STRANGE_LABELS)]
        lines.append(f'{unit},"{label.replace(chr(34), chr(34) * 2)}"')
    return ("\n".join(lines) + "\n").encode("utf-8")


def _labels_csv(area: StudyArea, label_of: Callable[[int], str]) -> bytes:
    lines = ["ward_code,locality"] + [f'{u},"{label_of(i)}"' for i, u in enumerate(area.ids)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def hostile_plan_csv(area: StudyArea) -> bytes:
    """A valid four-locality plan (today's localities, the last one split in two) whose locality names are all
    hostile."""
    plan = current_plan(area)
    names = {loc: hostile(i) for i, loc in enumerate(plan.localities)}
    last = plan.members(plan.localities[-1])
    split = set(last[len(last) // 2:])
    extra = hostile(3) + " " + hostile(4)
    lines = ["ward_code,locality"] + [f'{u},"{(extra if u in split else names[lab]).replace(chr(34), chr(34) * 2)}"'
                                      for u, lab in zip(plan.unit_ids, plan.labels)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _ward_names_csv(area: StudyArea, first_only: bool = False) -> bytes:
    """The current plan with ward names (in lower case) in the code column: every ward, or only the first."""
    plan = current_plan(area)
    rows = [f'"{(area.unit_names[u].lower() if (i == 0 or not first_only) else u)}",{lab}'
            for i, (u, lab) in enumerate(zip(plan.unit_ids, plan.labels))]
    return ("ward_code,locality\n" + "\n".join(rows) + "\n").encode("utf-8")


@dataclass(frozen=True)
class BadFile:
    """One input file: what is wrong with it, how to build it, and what the message must say."""

    key: str
    what: str
    filename: str
    build: Callable[[StudyArea], bytes]
    expect: tuple[str, ...] = ()
    """Lower-case words the message must contain; empty when the file must be accepted."""
    note: tuple[str, ...] = ()
    """For an accepted file: lower-case words a note (a warning that does not stop it) must contain."""
    shown: str = ""
    """What the README table says a planner sees, when that is more than 'Accepted'."""
    plan_ok: bool = False
    """True when a plan reader must accept it (only the shapes are wrong; a plan takes its shapes from the study area)."""
    pcn_ok: bool = False
    """True when it is fine as uploaded PCN areas (e.g. duplicate ward codes do not matter there)."""

    @property
    def works(self) -> bool:
        return not self.expect


PLAN_CSVS: tuple[BadFile, ...] = (
    BadFile("empty", "Empty CSV (0 bytes)", "plan.csv", lambda a: b"", ("empty (0 bytes)", "saved or copied")),
    BadFile("blank", "CSV holding only blank lines", "plan.csv", lambda a: b"\n \r\n\n",
            ("no rows or columns", "saved completely")),
    BadFile("header_only", "CSV with a header but no rows", "plan.csv", lambda a: b"ward_code,locality\n",
            ("header but no rows", "one row per ward")),
    BadFile("truncated", "CSV cut off part-way through a row", "plan.csv",
            lambda a: plan_bytes(a)[: len(plan_bytes(a)) // 2 + 5].rstrip(b"\n"),
            ("stops part-way", "cut short", "again in full")),
    BadFile("unclosed_quote", "CSV cut off inside a quoted name", "plan.csv",
            lambda a: b"".join(_rows(a)[:5]) + b'E05014057,"Dagenham\nE05014058,West\n',
            ("never closed", "cut short", "spreadsheet")),
    BadFile("latin1", "Non-UTF-8 CSV (Windows-1252 'Wést')", "plan.csv",
            lambda a: plan_bytes(a).replace(b"West", "Wést".encode("cp1252")),
            ("not utf-8", "line 2", "csv utf-8")),
    BadFile("binary", "Binary junk named .csv", "plan.csv", lambda a: bytes(range(256)) * 4,
            ("binary", "csv utf-8")),
    BadFile("xlsx", "Excel workbook renamed to .csv", "plan.csv", lambda a: b"PK\x03\x04" + bytes(200),
            ("excel workbook", "csv utf-8")),
    BadFile("json_as_csv", "GeoJSON renamed to .csv", "plan.csv",
            lambda a: b'{"type": "FeatureCollection", "features": []}', ("json", ".geojson")),
    BadFile("html", "A web page saved as .csv", "plan.csv", lambda a: b"<!DOCTYPE html><html></html>",
            ("web page", "export the table again")),
    BadFile("semicolons", "Semicolon-separated CSV", "plan.csv", lambda a: plan_bytes(a).replace(b",", b";"),
            ("separated by semicolons", "commas")),
    BadFile("tabs", "Tab-separated file named .csv", "plan.csv", lambda a: plan_bytes(a).replace(b",", b"\t"),
            ("separated by tabs", "commas")),
    BadFile("bom", "CSV with a UTF-8 byte-order mark (Excel's 'CSV UTF-8')", "plan.csv",
            lambda a: b"\xef\xbb\xbf" + plan_bytes(a).replace(b"\n", b"\r\n")),
    BadFile("utf16", "CSV saved as UTF-16 with a byte-order mark", "plan.csv",
            lambda a: plan_bytes(a).decode().encode("utf-16")),
    BadFile("excel_sep_line", "CSV starting with Excel's 'sep=,' line", "plan.csv",
            lambda a: b"sep=,\r\n" + plan_bytes(a)),
    BadFile("no_header", "CSV without a header row", "plan.csv", lambda a: b"".join(_rows(a)[1:])),
    BadFile("strange_labels", "Locality names with commas, quotes and non-Latin letters", "plan.csv",
            _strange_labels_csv),
    BadFile("duplicate", "A ward listed twice", "plan.csv", lambda a: plan_bytes(a) + _rows(a)[3],
            ("listed more than once", "e05014055", "one row per ward")),
    BadFile("duplicate_conflict", "A ward listed twice with different localities", "plan.csv",
            lambda a: plan_bytes(a) + _rows(a)[3].replace(b"West", b"North").replace(b"East", b"North"),
            ("listed more than once", "e05014055")),
    BadFile("unknown", "A ward code that is not in the borough", "plan.csv",
            lambda a: plan_bytes(a) + b"E05099999,North\n", ("not wards of barking and dagenham", "e05099999",
                                                             "correct the codes")),
    BadFile("old_codes", "Ward codes from the old (pre-2022) boundaries", "plan.csv",
            lambda a: plan_bytes(a).replace(b"E0501405", b"E0500003"),
            ("not wards of", "have no locality", "correct the codes")),
    BadFile("missing", "Three wards left out", "plan.csv", lambda a: b"".join(_rows(a)[:-3]),
            ("3 ward(s) have no locality", "whalebone", "add a row for each ward")),
    BadFile("blank_locality", "A ward with a blank locality", "plan.csv",
            lambda a: plan_bytes(a).replace(b"E05014053,West", b"E05014053,"),
            ("blank locality", "e05014053", "fill in")),
    BadFile("one_locality", "Every ward in one locality", "plan.csv",
            lambda a: _labels_csv(a, lambda i: "All"), ("at least 2 localities", "two or more")),
    BadFile("unquoted_comma", "A locality name with an unquoted comma", "plan.csv",
            lambda a: plan_bytes(a).replace(b"E05014053,West", b"E05014053,West, Barking"),
            ("more values than the header", "line 2", "double quotes")),
    BadFile("no_locality_column", "One column only (no locality column)", "plan.csv",
            lambda a: b"ward_code\n" + b"\n".join(u.encode() for u in a.ids) + b"\n",
            ("needs a ward-code column and a locality column", "ward_code,locality")),
    BadFile("formula_label", "A locality name that is a spreadsheet formula (=HYPERLINK…)", "plan.csv",
            lambda a: _labels_csv(a, lambda i: ("=HYPERLINK(\"\"http://x\"\")", "North")[i % 2]),
            ("cannot be used", "formula", "rename")),
    BadFile("control_label", "A locality name holding a line break", "plan.csv",
            lambda a: _labels_csv(a, lambda i: ("North\nEast", "West")[i % 2]),
            ("cannot be used", "control characters", "rename")),
    BadFile("long_label", "A 500-character locality name", "plan.csv",
            lambda a: _labels_csv(a, lambda i: ("N" * 500, "West")[i % 2]),
            ("cannot be used", "500 characters", "rename")),
    BadFile("oversize", "A 50 MB+ file", "plan.csv",
            lambda a: plan_bytes(a) + b"#" * (MAX_FILE_BYTES + 1 - len(plan_bytes(a))),
            ("larger than localign's 50 mb limit", "chose the right file")),
    BadFile("wrong_type", "A plan saved as .xlsx", "plan.xlsx", lambda a: b"PK\x03\x04" + bytes(100),
            ("not a plan format", "save the plan as csv")),
    BadFile("hostile_labels", "Locality names holding HTML, `${…}`, backticks and quotes (shown as plain text "
            "everywhere)", "plan.csv", hostile_plan_csv, shown=INERT),
    BadFile("ward_names_for_codes", "Ward names (any case) in the code column instead of codes", "plan.csv",
            _ward_names_csv, shown="Accepted: each name is matched to its ward code."),
    BadFile("ward_names_mixed", "One ward given by name among codes", "plan.csv",
            lambda a: _ward_names_csv(a, first_only=True), ("ward names, not codes", "abbey (e05014053)",
                                                            "give every ward by its code")),
    BadFile("look_alike_labels", "Look-alike locality names: 'North'/'north', 'Wést' in two Unicode forms, a "
            "zero-width space", "plan.csv", lambda a: _labels_csv(a, lambda i: LOOK_ALIKES[i % len(LOOK_ALIKES)]),
            note=("differ only in capital letters", "north", "spell them the same way")),
    BadFile("numeric_labels", "Localities numbered '1', '1.0' and '01'", "plan.csv",
            lambda a: _labels_csv(a, lambda i: ("1", "1.0", "01", "2")[i % 4]),
            note=("same number written differently", "write the number the same way")),
)


# --- boundary layers (GeoJSON, GeoPackage, zipped Shapefile) --------------------------------------

def wards_frame(area: StudyArea, lonlat: bool = True) -> gpd.GeoDataFrame:
    """The wards with code, name, residents and current locality, as a plain layer a GIS would export."""
    units = area.units_lonlat if lonlat else area.units
    plan = current_plan(area)
    return gpd.GeoDataFrame({"ward_code": list(area.ids), "ward_name": list(area.unit_names),
                             "population": [int(v) for v in area.population], "locality": list(plan.labels)},
                            geometry=list(units.geometry), crs=units.crs)


def geojson_bytes(frame: gpd.GeoDataFrame, with_crs: bool = True) -> bytes:
    """A GeoJSON FeatureCollection; ``with_crs=False`` leaves out the "crs" member (as RFC 7946 files do)."""
    document = json.loads(frame.to_json(drop_id=True))
    if not with_crs:
        document.pop("crs", None)
    return json.dumps(document).encode("utf-8")


def _with_geometry(area: StudyArea, position: int, geometry: object) -> bytes:
    document = json.loads(geojson_bytes(wards_frame(area)))
    document["features"][position]["geometry"] = geometry
    return json.dumps(document).encode("utf-8")


def bowtie(polygon) -> Polygon:
    """The polygon's outer ring with two neighbouring vertices swapped: a self-intersecting ring."""
    ring = list(polygon.geoms[0].exterior.coords if hasattr(polygon, "geoms") else polygon.exterior.coords)[:-1]
    ring[1], ring[2] = ring[2], ring[1]
    broken = Polygon(ring)
    assert not broken.is_valid, "swapping two vertices should make the ring cross itself"
    return broken


def _self_intersecting(area: StudyArea) -> bytes:
    return _with_geometry(area, 3, mapping(bowtie(area.units_lonlat.geometry.iloc[3])))


def _flat_polygon(area: StudyArea) -> bytes:
    x, y = area.units_lonlat.geometry.iloc[2].representative_point().coords[0]
    line = [[x, y], [x + 0.001, y], [x + 0.002, y], [x, y]]  # every corner on one line: no area
    return _with_geometry(area, 2, {"type": "Polygon", "coordinates": [line]})


def _mixed(area: StudyArea) -> bytes:
    point = area.units_lonlat.geometry.iloc[1].representative_point()
    line = LineString([point.coords[0], (point.x + 0.01, point.y)])
    document = json.loads(_with_geometry(area, 1, mapping(point)))
    document["features"][2]["geometry"] = mapping(line)
    return json.dumps(document).encode("utf-8")


def _duplicate_codes(area: StudyArea) -> bytes:
    frame = wards_frame(area)
    frame.loc[1, "ward_code"] = frame.loc[0, "ward_code"]
    return geojson_bytes(frame)


def zip_bytes(members: dict[str, bytes]) -> bytes:
    """A zip archive of the given entries (names are written as given, even hostile ones)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data,
                             compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def shapefile_parts(area: StudyArea, lonlat: bool = False) -> dict[str, bytes]:
    """The wards as a Shapefile (British National Grid by default): file name -> bytes of each part."""
    with tempfile.TemporaryDirectory() as folder:
        wards_frame(area, lonlat).to_file(Path(folder) / "wards.shp", driver="ESRI Shapefile")
        return {p.name: p.read_bytes() for p in sorted(Path(folder).iterdir())}


def shapefile_zip(area: StudyArea, drop: tuple[str, ...] = (), extra: dict[str, bytes] | None = None) -> bytes:
    """The wards as a zipped Shapefile without the parts whose suffixes are in ``drop``."""
    parts = {n: b for n, b in shapefile_parts(area).items() if Path(n).suffix not in drop}
    return zip_bytes({**parts, **(extra or {})})


def zip_bomb(megabytes: int = 30) -> bytes:
    """A small zip that unpacks to ``megabytes`` MB of zeros (over a thousand times its packed size)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive, \
            archive.open("wards.geojson", "w", force_zip64=True) as entry:
        block = bytes(1024 * 1024)
        for _ in range(megabytes):
            entry.write(block)
    return buffer.getvalue()


def encrypted_zip(area: StudyArea) -> bytes:
    """A zipped Shapefile whose entries are flagged as password-protected."""
    data = bytearray(shapefile_zip(area))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = data.find(signature)
        while start >= 0:
            flags = struct.unpack_from("<H", data, start + offset)[0]
            struct.pack_into("<H", data, start + offset, flags | 0x1)
            start = data.find(signature, start + 4)
    return bytes(data)


def _swapped(area: StudyArea) -> bytes:
    """The wards with every coordinate written (latitude, longitude) instead of (longitude, latitude)."""
    frame = wards_frame(area)
    frame = frame.set_geometry(shapely.transform(frame.geometry.to_numpy(), lambda xy: xy[:, ::-1]))
    return geojson_bytes(frame)


def finder_zip(area: StudyArea) -> bytes:
    """A zipped Shapefile as a Mac's Finder makes it: each part with a ``__MACOSX/._`` twin and a .DS_Store."""
    parts = shapefile_parts(area)
    clutter = {f"__MACOSX/._{name}": b"\x00\x05\x16\x07junk" for name in parts}
    return zip_bytes({**parts, **clutter, ".DS_Store": b"\x00\x00\x00\x01Bud1", "._wards.shp": b"junk"})


ACCENTED = ("Wést Ham", "Café Östra", "Ærø Gårdens", "Dagenham – Heath")
"""Ward names with letters outside ASCII (all in Windows-1252 too), to check the text encoding of Shapefiles."""


def accented_name(i: int) -> str:
    return f"{ACCENTED[i % len(ACCENTED)]} {i}"


def shapefile_without_cpg(area: StudyArea, encoding: str) -> bytes:
    """The wards (names with accented letters) as a zipped Shapefile in ``encoding``, with no .cpg to say so."""
    frame = wards_frame(area, lonlat=False)
    frame["ward_name"] = [accented_name(i) for i in range(len(frame))]
    with tempfile.TemporaryDirectory() as folder:
        frame.to_file(Path(folder) / "wards.shp", driver="ESRI Shapefile", encoding=encoding)
        parts = {p.name: p.read_bytes() for p in sorted(Path(folder).iterdir()) if p.suffix != ".cpg"}
    dbf = bytearray(parts["wards.dbf"])
    dbf[29] = 0  # no language driver either: nothing in the files says how the text is encoded
    parts["wards.dbf"] = bytes(dbf)
    return zip_bytes(parts)


def geopackage(area: StudyArea, layers: tuple[str, ...] = ("wards",)) -> bytes:
    """The wards as a GeoPackage holding the named layers (each a copy of the wards)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "wards.gpkg"
        for name in layers:
            wards_frame(area).to_file(path, layer=name, driver="GPKG")
        return path.read_bytes()


LAYERS: tuple[BadFile, ...] = (
    BadFile("good_geojson", "A correct GeoJSON of wards", "wards.geojson", lambda a: geojson_bytes(wards_frame(a))),
    BadFile("good_shapefile", "A correct zipped Shapefile (British National Grid)", "wards.zip",
            lambda a: shapefile_zip(a)),
    BadFile("good_geopackage", "A correct GeoPackage", "wards.gpkg", lambda a: geopackage(a)),
    BadFile("self_intersecting", "A self-intersecting ward (a 'bow-tie'): repaired and reported as a note",
            "wards.geojson", _self_intersecting),
    BadFile("flat_polygon", "A ward drawn as a flat polygon with no area", "wards.geojson", _flat_polygon,
            ("invalid", "no area once repaired", "redraw this boundary"), plan_ok=True),
    BadFile("empty_geometry", "A ward with an empty geometry", "wards.geojson",
            lambda a: _with_geometry(a, 1, {"type": "Polygon", "coordinates": []}),
            ("empty geometry", "e05014054", "draw the boundary"), plan_ok=True),
    BadFile("null_geometry", "A ward with no geometry (null)", "wards.geojson",
            lambda a: _with_geometry(a, 1, None), ("no geometry", "e05014054", "draw the boundary"), plan_ok=True),
    BadFile("mixed_types", "Mixed geometry types (a point and a line among the wards)", "wards.geojson", _mixed,
            ("must be areas (polygons)", "point", "linestring", "export the area layer"), plan_ok=True),
    BadFile("duplicate_codes", "Two wards with the same code", "wards.geojson", _duplicate_codes,
            ("more than once", "e05014053", "dissolve"), pcn_ok=True),
    BadFile("bng_without_crs", "British National Grid metres in a GeoJSON with no CRS", "wards.geojson",
            lambda a: geojson_bytes(wards_frame(a, lonlat=False), with_crs=False),
            ("no coordinate reference system", "not longitude/latitude", "british national grid", "epsg:27700"),
            plan_ok=True),
    BadFile("truncated_geojson", "GeoJSON cut off part-way", "wards.geojson",
            lambda a: geojson_bytes(wards_frame(a))[:5000], ("cut short", "export or download the layer again")),
    BadFile("not_json", "Text that is not JSON, named .geojson", "wards.geojson", lambda a: b"ward_code,locality\n",
            ("not valid json", "export or download")),
    BadFile("json_not_geojson", "JSON that is not GeoJSON", "wards.geojson", lambda a: b'{"wards": [1, 2, 3]}',
            ("not geojson", "export the layer as geojson")),
    BadFile("no_features", "GeoJSON with no features", "wards.geojson",
            lambda a: b'{"type": "FeatureCollection", "features": []}', ("no features", "right layer")),
    BadFile("deep_json", "JSON nested 100,000 levels deep", "wards.geojson", lambda a: b"[" * 100_000,
            ("nested too deeply",)),
    BadFile("fake_geopackage", "Text renamed to .gpkg", "wards.gpkg", lambda a: b"not a database\n" * 10,
            ("contents are not geopackage", "qgis")),
    BadFile("two_layer_geopackage", "A GeoPackage with two map layers", "wards.gpkg",
            lambda a: geopackage(a, ("wards", "wards_copy")), ("2 map layers", "wards_copy", "its own file")),
    BadFile("zip_no_shp", "Zipped Shapefile missing its .shp", "wards.zip", lambda a: shapefile_zip(a, (".shp",)),
            ("no .shp file", "wards.dbf", "exactly one shapefile")),
    BadFile("zip_no_dbf", "Zipped Shapefile missing its .dbf", "wards.zip", lambda a: shapefile_zip(a, (".dbf",)),
            ("missing wards.dbf", "attribute table", "every part")),
    BadFile("zip_no_shx", "Zipped Shapefile missing its .shx", "wards.zip", lambda a: shapefile_zip(a, (".shx",)),
            ("missing wards.shx", "every part")),
    BadFile("zip_no_prj", "Zipped Shapefile missing its .prj (so no CRS)", "wards.zip",
            lambda a: shapefile_zip(a, (".prj",)),
            ("no coordinate reference system", ".prj", "put the shapefile's .prj file in the zip", "british national grid",
             "epsg:27700"), plan_ok=True),
    BadFile("zip_two_shapefiles", "A zip holding two Shapefiles", "wards.zip",
            lambda a: shapefile_zip(a, extra={"other.shp": b"x", "other.shx": b"x", "other.dbf": b"x"}),
            ("2 .shp files", "exactly one shapefile")),
    BadFile("zip_traversal", "A zip with a path-traversal entry (../../evil.shp)", "wards.zip",
            lambda a: zip_bytes({"../../evil.shp": b"x", "wards.dbf": b"x"}),
            ("point outside the archive", "../../evil.shp", "re-export")),
    BadFile("zip_absolute", "A zip with an absolute path entry (/etc/cron.d/x)", "wards.zip",
            lambda a: zip_bytes({"/etc/cron.d/x.shp": b"x"}), ("point outside the archive", "re-export")),
    BadFile("zip_bomb", "A zip bomb (30 MB of zeros in 30 KB)", "wards.zip", lambda a: zip_bomb(),
            ("zip bomb", "zip just the boundary layer")),
    BadFile("zip_encrypted", "A password-protected zip", "wards.zip", encrypted_zip,
            ("password-protected", "without a password")),
    BadFile("not_a_zip", "Junk named .zip", "wards.zip", lambda a: b"this is not a zip" * 10,
            ("not a readable zip", "zip the shapefile again")),
    BadFile("layer_empty", "An empty (0 byte) boundary file", "wards.geojson", lambda a: b"",
            ("empty (0 bytes)",)),
    BadFile("layer_oversize", "A 50 MB+ boundary file", "wards.geojson",
            lambda a: b" " * (MAX_FILE_BYTES + 1), ("larger than localign's 50 mb limit", "simplify the boundaries")),
    BadFile("layer_wrong_type", "A KML file (not a format localign reads)", "wards.kml", lambda a: b"<kml/>",
            ("not a format localign reads", "geojson", "zipped shapefile")),
    BadFile("swapped_axes", "Latitude and longitude swapped (the wards would land in the Gulf of Guinea)",
            "wards.geojson", _swapped, ("latitude and longitude in the wrong order", "51.", "longitude first"),
            plan_ok=True),
    BadFile("finder_zip", "A zip made by a Mac's Finder (__MACOSX/._wards.shp, .DS_Store)", "wards.zip", finder_zip),
    BadFile("no_cpg_utf8", "A zipped Shapefile in UTF-8 without its .cpg (names like 'Wést Ham')", "wards.zip",
            lambda a: shapefile_without_cpg(a, "utf-8"), shown="Accepted: the encoding is detected, so 'Wést Ham' "
            "reads as written (not 'WÃ©st Ham')."),
    BadFile("no_cpg_cp1252", "A zipped Shapefile in Windows-1252 without its .cpg", "wards.zip",
            lambda a: shapefile_without_cpg(a, "cp1252"), shown="Accepted: the encoding is detected (Windows-1252)."),
)


# --- broken bundles ------------------------------------------------------------------------------

def copy_bundle(destination: Path) -> Path:
    """A copy of the bundled Barking and Dagenham study area in ``destination``/bundle."""
    target = destination / "bundle"
    shutil.copytree(DEFAULT_BUNDLE, target)
    return target


def edit_text(folder: Path, name: str, old: str, new: str) -> None:
    """Replace the first ``old`` with ``new`` in one of the bundle's text files (``old`` must be there)."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_wards(folder: Path, change: Callable[[dict], None]) -> None:
    """Apply ``change`` to the parsed ward GeoJSON and write it back."""
    path = folder / "wards_2022.geojson"
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document), encoding="utf-8")


def _geometry_setter(position: int, geometry: Callable[[dict], object]) -> Callable[[dict], None]:
    def change(document: dict) -> None:
        document["features"][position]["geometry"] = geometry(document["features"][position]["geometry"])
    return change


def _bowtie_geometry(geometry: dict) -> dict:
    return mapping(bowtie(shapely.geometry.shape(geometry)))


def _flat_geometry(geometry: dict) -> dict:
    x, y = shapely.geometry.shape(geometry).representative_point().coords[0]
    return {"type": "Polygon", "coordinates": [[[x, y], [x + 0.001, y], [x + 0.002, y], [x, y]]]}


def _wards_in_metres_without_crs(folder: Path) -> None:
    frame = gpd.read_file(folder / "wards_2022.geojson").to_crs("EPSG:27700")
    (folder / "wards_2022.geojson").write_bytes(geojson_bytes(frame, with_crs=False))


def _wards_as_shapefile_without_prj(folder: Path) -> None:
    frame = gpd.read_file(folder / "wards_2022.geojson").to_crs("EPSG:27700")
    with tempfile.TemporaryDirectory() as scratch:
        frame.to_file(Path(scratch) / "wards.shp")
        parts = {p.name: p.read_bytes() for p in Path(scratch).iterdir() if p.suffix != ".prj"}
    (folder / "wards.zip").write_bytes(zip_bytes(parts))
    edit_text(folder, "manifest.toml", 'path = "wards_2022.geojson"', 'path = "wards.zip"')


def _append(name: str, line: str) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        with (folder / name).open("a", encoding="utf-8") as handle:
            handle.write(line)
    return change


def _drop_last_rows(name: str, count: int) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        lines = (folder / name).read_text(encoding="utf-8").splitlines(keepends=True)
        (folder / name).write_text("".join(lines[:-count]), encoding="utf-8")
    return change


def _replace_file(name: str, data: bytes) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        (folder / name).write_bytes(data)
    return change


def _make_folder(name: str) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        (folder / name).unlink()
        (folder / name).mkdir()
    return change


def _edit(name: str, old: str, new: str) -> Callable[[Path], None]:
    return lambda folder: edit_text(folder, name, old, new)


def _zero_population(folder: Path) -> None:
    path = folder / "ward_population.csv"
    frame = path.read_text(encoding="utf-8").splitlines()
    rows = [frame[0]] + [",".join(r.split(",")[:2] + ["0"] + r.split(",")[3:]) for r in frame[1:]]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def _swap_ward_axes(folder: Path) -> None:
    frame = gpd.read_file(folder / "wards_2022.geojson")
    frame = frame.set_geometry(shapely.transform(frame.geometry.to_numpy(), lambda xy: xy[:, ::-1]))
    (folder / "wards_2022.geojson").write_bytes(geojson_bytes(frame))


def _link_outside(folder: Path) -> None:
    """Replace the population table with a symbolic link to a copy of it outside the bundle folder."""
    outside = folder.parent / "outside_the_bundle.csv"
    outside.write_bytes((folder / "ward_population.csv").read_bytes())
    (folder / "ward_population.csv").unlink()
    (folder / "ward_population.csv").symlink_to(outside)


def make_hostile_bundle(folder: Path) -> None:
    """Every name in the bundle made hostile (HTML, `${…}`, backticks, quotes): study area, wards, PCNs,
    practices, current localities, titles, assumption notes and attribution. The bundle still loads."""
    def rename(document: dict) -> None:
        for i, feature in enumerate(document["features"]):
            feature["properties"]["ward_name"] = hostile(i, feature["properties"]["ward_name"])
    edit_wards(folder, rename)
    for name, column in (("gp_practices.csv", "pcn_name"), ("gp_practices.csv", "practice_name"),
                         ("current_localities_INFERRED.csv", "locality_candidate")):
        frame = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
        names = sorted(set(frame[column]))
        frame[column] = frame[column].map({n: hostile(i + 3, n) for i, n in enumerate(names)})
        frame.to_csv(folder / name, index=False)
    text = (folder / "manifest.toml").read_text(encoding="utf-8")
    for old in ('name = "London Borough of Barking and Dagenham"', 'short_name = "Barking and Dagenham"',
                'title = "Current localities (inferred)"', 'title = "GP practices"',
                'title = "Primary Care Networks (approximate areas)"'):
        key, value = old.split(" = ")
        text = text.replace(old, f"{key} = {json.dumps(hostile(len(key), value.strip(chr(34))))}", 1)
    text = text.replace('current_localities = "The current', 'current_localities = "<img src=x onerror=alert(6)> '
                        '${alert(7)} `The current', 1)
    text = text.replace('attribution = [', 'attribution = ["<script>alert(8)</script> [x](javascript:alert(9))", ', 1)
    (folder / "manifest.toml").write_text(text, encoding="utf-8")


FORMULAS = ("=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\t=1+1")
"""Ward names that spreadsheets would run as formulas (the first character is = + - @ or a tab)."""


def make_formula_bundle(folder: Path) -> None:
    """Ward names that begin like spreadsheet formulas ('=HYPERLINK(…)', '+cmd|…', '-2+3', '@SUM(…)')."""
    def rename(document: dict) -> None:
        for i, feature in enumerate(document["features"]):
            feature["properties"]["ward_name"] = f"{FORMULAS[i % len(FORMULAS)]} {feature['properties']['ward_name']}"
    edit_wards(folder, rename)


@dataclass(frozen=True)
class BrokenBundle:
    """A copy of the bundled study area with one thing broken, and the words its one error must contain."""

    key: str
    what: str
    corrupt: Callable[[Path], None]
    expect: tuple[str, ...]
    loads: bool = False
    """True when the bundle must still load (the problem is repaired and reported as a note)."""
    shown: str = ""
    """What the README table says a planner sees, when that is more than 'Accepted'."""


BROKEN_BUNDLES: tuple[BrokenBundle, ...] = (
    BrokenBundle("self_intersecting_ward", "A self-intersecting ward boundary",
                 lambda f: edit_wards(f, _geometry_setter(3, _bowtie_geometry)),
                 ("repaired with make_valid", "e05014056", "fix geometries"), loads=True),
    BrokenBundle("flat_ward", "A ward boundary with no area (invalid, unrepairable)",
                 lambda f: edit_wards(f, _geometry_setter(2, _flat_geometry)),
                 ("wards_2022.geojson", "e05014055", "no area once repaired", "redraw")),
    BrokenBundle("null_geometry", "A ward with no geometry",
                 lambda f: edit_wards(f, _geometry_setter(1, lambda g: None)),
                 ("wards_2022.geojson", "no geometry", "e05014054", "draw the boundary")),
    BrokenBundle("point_ward", "A ward stored as a point (mixed geometry types)",
                 lambda f: edit_wards(f, _geometry_setter(1, lambda g: mapping(
                     shapely.geometry.shape(g).representative_point()))),
                 ("must be areas (polygons)", "e05014054 (point)", "export the area layer")),
    BrokenBundle("duplicate_ward", "Two wards with the same code",
                 lambda f: edit_wards(f, lambda d: d["features"][1]["properties"].update(ward_code="E05014053")),
                 ("more than once", "e05014053", "dissolve")),
    BrokenBundle("unknown_ids_attributes", "Population rows for wards that do not exist",
                 _append("ward_population.csv", "E05099999,Nowhere,10,10,10,x\n"),
                 ("ward_population.csv", "matches no unit", "e05099999", "same vintage")),
    BrokenBundle("units_missing_attributes", "Wards with no population row",
                 _drop_last_rows("ward_population.csv", 2),
                 ("ward_population.csv", "2 unit(s) have no row", "e05014071", "add a row")),
    BrokenBundle("population_not_number", "A population that is not a number",
                 _edit("ward_population.csv", ",3849,", ",about 3800,"),
                 ("'population' is blank or not a number", "e05014053", "fill in a number")),
    BrokenBundle("population_negative", "A negative population", _edit("ward_population.csv", ",3849,", ",-3849,"),
                 ("negative", "e05014053", "cannot be below zero")),
    BrokenBundle("population_zero", "Every population zero", _zero_population,
                 ("adds up to zero", "fill in the residents")),
    BrokenBundle("unknown_ids_grouping", "A current-localities row for a ward that does not exist",
                 _append("current_localities_INFERRED.csv", "E05099999,Nowhere,North,low,x,x\n"),
                 ("current_localities_inferred.csv", "matches no unit", "e05099999")),
    BrokenBundle("missing_crs", "Wards in British National Grid metres with no CRS", _wards_in_metres_without_crs,
                 ("wards_2022.geojson", "no coordinate reference system", "british national grid",
                  'crs = "epsg:27700"')),
    BrokenBundle("shapefile_without_prj", "Wards as a zipped Shapefile without .prj", _wards_as_shapefile_without_prj,
                 ("wards.zip", "no coordinate reference system", ".prj", "british national grid")),
    BrokenBundle("wrong_declared_crs", "Degrees declared as EPSG:27700 in the manifest",
                 _edit("manifest.toml", '# crs = "EPSG:27700"', 'crs = "EPSG:27700"'),
                 ("said to be in metres (epsg:27700)", "look like longitude/latitude", "epsg:4326")),
    BrokenBundle("unknown_crs", "A CRS that does not exist (EPSG:99999)",
                 _edit("manifest.toml", '# crs = "EPSG:27700"', 'crs = "EPSG:99999"'),
                 ("epsg:99999", "not one localign recognises", "epsg:27700")),
    BrokenBundle("empty_wards_file", "An empty (0 byte) ward file", _replace_file("wards_2022.geojson", b""),
                 ("wards_2022.geojson", "empty (0 bytes)", "saved or copied completely")),
    BrokenBundle("no_features", "A ward file with no features",
                 _replace_file("wards_2022.geojson", b'{"type": "FeatureCollection", "features": []}'),
                 ("wards_2022.geojson", "no features", "right layer")),
    BrokenBundle("empty_population_file", "An empty population table", _replace_file("ward_population.csv", b""),
                 ("ward_population.csv", "empty (0 bytes)")),
    BrokenBundle("wrong_file_type", "Wards given as an Excel file",
                 lambda f: (_replace_file("wards.xlsx", b"PK\x03\x04" + bytes(100))(f),
                            edit_text(f, "manifest.toml", 'path = "wards_2022.geojson"', 'path = "wards.xlsx"')),
                 ("wards.xlsx", "not a boundary format", "geojson")),
    BrokenBundle("image_as_geojson", "A PNG image renamed to .geojson",
                 _replace_file("wards_2022.geojson", b"\x89PNG\r\n\x1a\n" + bytes(range(256))),
                 ("wards_2022.geojson", "not geojson")),
    BrokenBundle("truncated_wards", "A ward file cut off part-way",
                 lambda f: (f / "wards_2022.geojson").write_bytes((f / "wards_2022.geojson").read_bytes()[:4000]),
                 ("wards_2022.geojson", "cut short")),
    BrokenBundle("unreadable_file", "A ward 'file' that is really a folder", _make_folder("wards_2022.geojson"),
                 ("wards_2022.geojson", "folder, not a file")),
    BrokenBundle("missing_file", "The manifest names a file that is not there",
                 lambda f: (f / "ward_deprivation.csv").unlink(),
                 ("ward_deprivation.csv", "does not exist", "check the path in manifest.toml")),
    BrokenBundle("semicolon_table", "A population table separated by semicolons",
                 lambda f: (f / "ward_population.csv").write_text(
                     (f / "ward_population.csv").read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8"),
                 ("ward_population.csv", "separated by semicolons", "commas")),
    BrokenBundle("latin1_table", "A population table that is not UTF-8",
                 lambda f: (f / "ward_population.csv").write_bytes(
                     (f / "ward_population.csv").read_bytes().replace(b"Abbey", "Abbéy".encode("latin-1"))),
                 ("ward_population.csv", "not utf-8", "line 2")),
    BrokenBundle("bad_toml", "A manifest that is not valid TOML (unquoted text)",
                 _edit("manifest.toml", 'name = "London Borough of Barking and Dagenham"',
                       "name = London Borough of Barking and Dagenham"),
                 ("manifest.toml", "not valid toml", "line 5", "double quotes")),
    BrokenBundle("no_manifest", "A folder without manifest.toml", lambda f: (f / "manifest.toml").unlink(),
                 ("no manifest.toml", "copy the one in data/boundaries/lbbd")),
    BrokenBundle("manifest_missing_section", "A manifest without its [units] section",
                 _edit("manifest.toml", "[units]", "[unit_layer]"),
                 ("manifest.toml", "[units] section is missing", "add a [units] section")),
    BrokenBundle("manifest_missing_key", "A manifest whose [units] has no id",
                 _edit("manifest.toml", 'id = "ward_code"\nname = "ward_name"', 'name = "ward_name"'),
                 ("[units] has no 'id'", 'add id = "ward_code"')),
    BrokenBundle("manifest_wrong_column", "A manifest naming an id column the layer lacks",
                 _edit("manifest.toml", 'id = "ward_code"\nname = "ward_name"', 'id = "WD22CD"\nname = "ward_name"'),
                 ("'wd22cd' is not in the layer", "ward_code, ward_name", "set id =")),
    BrokenBundle("manifest_wrong_type", "A manifest listing columns as text, not a list",
                 _edit("manifest.toml", 'columns = ["residents_most_deprived_20pct"]',
                       'columns = "residents_most_deprived_20pct"'),
                 ("'columns' must be a list", 'columns = ["first", "second"]')),
    BrokenBundle("manifest_path_outside", "A manifest pointing outside the bundle (../../etc/passwd.csv)",
                 _edit("manifest.toml", 'path = "ward_population.csv"', 'path = "../../etc/passwd.csv"'),
                 ("points outside the bundle folder", "copy the file into the bundle folder")),
    BrokenBundle("manifest_not_utf8", "A manifest that is not UTF-8",
                 lambda f: (f / "manifest.toml").write_bytes(
                     (f / "manifest.toml").read_bytes().replace(b"Barking", "Bärking".encode("latin-1"), 1)),
                 ("not utf-8", "save manifest.toml with utf-8")),
    BrokenBundle("decimal_comma", "A population with a decimal comma ('3849,5')",
                 _edit("ward_population.csv", ",3849,", ',"3849,5",'),
                 ("decimal comma", "e05014053 ('3849,5')", "full stop", "3849.5")),
    BrokenBundle("swapped_axes", "Wards with latitude and longitude swapped", _swap_ward_axes,
                 ("wards_2022.geojson", "latitude and longitude in the wrong order", "longitude first")),
    BrokenBundle("link_outside", "A bundle file that is a symbolic link to a file outside the bundle", _link_outside,
                 ("ward_population.csv", "link", "outside the bundle folder", "copy the file itself")),
    BrokenBundle("manifest_typo_key", "A misspelt manifest setting (snap_metres)",
                 _edit("manifest.toml", "snap_m = 1.0", "snap_metres = 1.0"),
                 ("snap_metres", "not one localign knows", "did you mean 'snap_m'"), loads=True),
    BrokenBundle("manifest_typo_section", "A misspelt manifest section ([role])",
                 _edit("manifest.toml", "[roles]", "[role]"),
                 ("[role]", "not one localign knows", "did you mean [roles]"), loads=True),
    BrokenBundle("formula_ward_names", "Ward names beginning like spreadsheet formulas (=, +, -, @)",
                 make_formula_bundle, (), loads=True,
                 shown="Accepted; every CSV export (ward list, measures, propose summary) writes such names with a "
                       "leading apostrophe, so Excel shows them as text and runs nothing."),
    BrokenBundle("hostile_names", "Every name in the bundle holding HTML, `${…}`, backticks and quotes (shown as "
                 "plain text everywhere)", make_hostile_bundle, (), loads=True, shown=INERT),
)




# --- the command line ---------------------------------------------------------------------------

def write_grid_graph(folder: Path, rows: int = 7, columns: int = 9) -> Path:
    """A rows × columns grid as GerryChain/networkx adjacency JSON (63 units by default: too many plans to count)."""
    import networkx as nx
    from networkx.readwrite import json_graph

    graph = nx.convert_node_labels_to_integers(nx.grid_2d_graph(rows, columns))
    nx.set_node_attributes(graph, 100, "population")
    path = folder / "grid.json"
    path.write_text(json.dumps(json_graph.adjacency_data(graph)), encoding="utf-8")
    return path


def _old_options(folder: Path) -> None:
    (folder / "out").mkdir()
    for name in ("option_01.csv", "option_07.csv", "option_07.geojson", "option_12.csv", "my_notes.csv"):
        (folder / "out" / name).write_text("old\n", encoding="utf-8")


@dataclass(frozen=True)
class CliCase:
    """A command with one wrong argument: the words its message (or note) must contain."""

    key: str
    what: str
    args: tuple[str, ...]
    expect: tuple[str, ...]
    status: int = 2
    prepare: Callable[[Path], object] | None = None

    def argv(self, folder: Path) -> list[str]:
        """The arguments, with {dir} replaced by a scratch folder."""
        return [a.replace("{dir}", str(folder)) for a in self.args]


CLI_CASES: tuple[CliCase, ...] = (
    CliCase("weight_inf", "A weight that is infinite", ("propose", "--weights", "balance=inf"),
            ("'inf'", "not a finite number", "ordinary number")),
    CliCase("weight_nan", "A weight that is not a number (nan)", ("propose", "--weights", "nesting=nan"),
            ("'nan'", "not a finite number")),
    CliCase("max_deviation_5", "--max-deviation 5 (meaning 5 %)", ("propose", "--max-deviation", "5"),
            ("±500%", "did you mean 5 %?", "write 5%")),
    CliCase("require_max_deviation_5", "--require max-deviation=5", ("propose", "--require", "max-deviation=5"),
            ("±500%", "did you mean 5 %?")),
    CliCase("budget_negative", "A negative time budget", ("propose", "--budget-s", "-1"),
            ("--budget-s -1 is not a time", "above 0")),
    CliCase("budget_zero", "A zero time budget for counting", ("enumerate", "--k", "4", "--count", "--budget-s", "0"),
            ("--budget-s 0 is not a time", "above 0")),
    CliCase("count_too_long", "Counting every plan of a 63-unit graph (minutes or more)",
            ("enumerate", "--k", "4", "--graph", "{dir}/grid.json", "--count", "--budget-s", "1"),
            ("did not finish within 1 s", "knuth's random-probe estimate", "--budget-s"), status=0,
            prepare=write_grid_graph),
    CliCase("stale_out", "propose --out into a folder holding an earlier run's option files",
            ("propose", "--k", "4", "--top", "2", "--max-deviation", "10%", "--out", "{dir}/out"),
            ("removed 3 option file(s)", "option_07.csv", "option_12.csv", "no longer lists"), status=0,
            prepare=_old_options),
)


def run_cli(case: CliCase, folder: Path) -> tuple[int, str, str]:
    """Run a command line case in ``folder`` (prepared first); return the status, stdout and stderr."""
    import contextlib

    from analysis.cli import main

    if case.prepare is not None:
        case.prepare(folder)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(case.argv(folder))
    return status, out.getvalue(), err.getvalue()


# --- using the app --------------------------------------------------------------------------------

def app_rows() -> list[str]:
    """The README rows for hostile use of the app and server (tested in the browser and AppTest tests)."""
    from analysis.cli.serving import shared_settings
    from geo.errors import LocalignError

    try:
        shared_settings(None, [])
        refused = "started"
    except LocalignError as exc:
        refused = _short(exc.problems[0].what, 200) + " **Fix:** " + _short(exc.problems[0].fix, 400)
    return [
        "| Two planners using the app at the same time | app | Each browser session has its own working plan, "
        "history, locks and autosave (a random key in the page address, `?session=…`); a reload restores only that "
        "session's plan (\"Restored your unsaved plan from …\") and *Discard it* deletes only its own. Autosaves "
        "untouched for 30 days are deleted. |",
        "| Someone on the network opens the app started with `make run` | server | Nothing: `make run` listens on "
        "127.0.0.1 only. |",
        f"| `make serve` (share on the network) without sign-in or the acknowledgement | server | {refused} |",
        "| The *bundle folder on this computer* box on a shared server | app | Not shown: on a shared server other "
        "study areas come in as uploads only. |",
    ]


def table() -> str:
    """The README table: every case above, run through the Python API, with the message a planner sees."""
    from analysis.plan.io import read_plan
    from geo.bundle import load_bundle
    from geo.errors import LocalignError
    from geo.uploads import study_area_from_upload

    area = load_bundle()

    def outcome(call: Callable[[], object]) -> str:  # called at once, so late binding of loop names is safe
        try:
            result = call()
        except LocalignError as exc:
            return _short(exc.problems[0].what) + " **Fix:** " + _short(exc.problems[0].fix)
        notes = [p for p in getattr(result, "warnings", []) if "have no coordinates" not in p.what]
        if not notes:
            return "Accepted"
        hint = f" **Fix:** {_short(notes[0].fix)}" if "did you mean" in notes[0].fix else ""
        return "Accepted; note: " + _short(notes[0].what) + hint

    lines = ["| Bad input | Where | What you see |", "| --- | --- | --- |"]
    for case in PLAN_CSVS:
        seen = case.shown or outcome(lambda: read_plan(area, case.build(area), case.filename))  # noqa: B023
        lines.append(f"| {case.what} | plan file | {seen} |")
    for case in LAYERS:
        seen = case.shown or outcome(lambda: study_area_from_upload(  # noqa: B023
            area, case.build(area), case.filename, "ward_code", "ward_name", "population"))  # noqa: B023
        lines.append(f"| {case.what} | boundary upload | {seen} |")
    with tempfile.TemporaryDirectory() as scratch:
        for i, case in enumerate(BROKEN_BUNDLES):
            folder = copy_bundle(Path(scratch) / str(i))
            case.corrupt(folder)
            seen = case.shown or outcome(lambda: load_bundle(folder))  # noqa: B023
            lines.append(f"| {case.what} | bundle (`--bundle DIR`) | {seen} |")
        for i, case in enumerate(CLI_CASES):
            folder = Path(scratch) / f"cli{i}"
            folder.mkdir()
            status, _, err = run_cli(case, folder)
            err = err.replace(str(folder), "DIR")
            problem = next((line for line in err.splitlines() if line.startswith("Problem in ")), None)
            if problem is not None:
                what, _, fix = problem.split(": ", 1)[1].partition(" Fix: ")
                seen = _short(what) + " **Fix:** " + _short(fix)
            else:
                seen = "Accepted; " + _short(next(line for line in err.splitlines()
                                                   if line.startswith(("Removed", "The exact count"))), 200)
            lines.append(f"| {case.what} | `localign {case.args[0]}` | {seen} |")
    lines += app_rows()
    return "\n".join(lines)


def _short(text: str, limit: int = 120) -> str:
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


if __name__ == "__main__":
    print(table())
