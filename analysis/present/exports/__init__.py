"""Exports for GIS colleagues (GeoJSON, CSV) and for leadership (PNG map, PDF briefing pack).

``export(area, plans, fmt, path)`` writes any format to a file; ``export_bytes(area, plans, fmt)`` returns
the same content for a download button. ``FORMATS`` says what each format is, its file ending and how
many plans it takes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from analysis.plan.partition import Plan
from geo.bundle import StudyArea
from geo.errors import LocalignError


@dataclass(frozen=True)
class ExportFormat:
    """One export format: its name, what it holds, file endings, MIME type and how many plans it takes."""

    name: str
    description: str
    suffixes: tuple[str, ...]
    mime: str
    max_plans: int
    make: Callable[..., bytes]
    options: tuple[str, ...] = ()
    """Keyword options the format takes (others are ignored)."""


def _localities(area: StudyArea, plans: list[Plan]) -> bytes:
    from analysis.present.exports.geojson import geojson_text, localities_geojson

    return geojson_text(localities_geojson(area, plans[0])).encode("utf-8")


def _wards(area: StudyArea, plans: list[Plan]) -> bytes:
    from analysis.present.exports.geojson import geojson_text, wards_geojson

    return geojson_text(wards_geojson(area, plans[0])).encode("utf-8")


def _assignment(area: StudyArea, plans: list[Plan]) -> bytes:
    from analysis.present.exports.tables import assignment_csv

    return assignment_csv(area, plans[0]).encode("utf-8")


def _metrics(area: StudyArea, plans: list[Plan]) -> bytes:
    from analysis.present.exports.tables import METRICS_CSV_ENCODING, metrics_csv

    return metrics_csv(area, plans).encode(METRICS_CSV_ENCODING)


def _png(area: StudyArea, plans: list[Plan], **options) -> bytes:
    from analysis.present.exports.map_png import plan_png_bytes

    return plan_png_bytes(area, plans[0], **options)


def _pdf(area: StudyArea, plans: list[Plan], **options) -> bytes:
    from analysis.present.exports.briefing_pdf import briefing_pdf_bytes

    return briefing_pdf_bytes(area, plans, **options)


FORMATS: dict[str, ExportFormat] = {f.name: f for f in (
    ExportFormat("geojson", "localities (dissolved wards) with residents, deviation, wards and PCN shares",
                 (".geojson", ".json"), "application/geo+json", 1, _localities),
    ExportFormat("wards-geojson", "wards with their locality (imports back as the same plan)",
                 (".geojson", ".json"), "application/geo+json", 1, _wards),
    ExportFormat("csv", "ward_code,ward_name,locality (Districtr / Dave's Redistricting shape)",
                 (".csv",), "text/csv", 1, _assignment),
    ExportFormat("metrics-csv", "every measure of one or more plans, with assumptions (opens in Excel)",
                 (".csv",), "text/csv", 8, _metrics),
    ExportFormat("png", "16:9 map for slides, 2560 × 1440 pixels", (".png",), "image/png", 1, _png,
                 ("title", "purpose", "show_pcns", "show_practices")),
    ExportFormat("pdf", "briefing pack for 1–4 options", (".pdf",), "application/pdf", 4, _pdf,
                 ("tolerance", "title", "purpose")),
)}


def _check(plans: Plan | Sequence[Plan], fmt: str) -> tuple[ExportFormat, list[Plan]]:
    plans = [plans] if isinstance(plans, Plan) else list(plans)
    if fmt not in FORMATS:
        raise LocalignError.single(f"'{fmt}' is not an export format.", "--format",
                                   f"use one of: {', '.join(FORMATS)}.")
    spec = FORMATS[fmt]
    if not plans:
        raise LocalignError.single("no plan was given to export.", "--plan", "name at least one plan.")
    if len(plans) > spec.max_plans:
        more = ("one plan" if spec.max_plans == 1 else f"at most {spec.max_plans} plans")
        fix = ("export each plan separately, or use --format pdf or metrics-csv to put several plans "
               "in one file." if spec.max_plans == 1 else f"choose at most {spec.max_plans} plans.")
        raise LocalignError.single(f"the {fmt} export takes {more}; {len(plans)} were given.", "--plan", fix)
    return spec, plans


DRAWING_MODULES = ("analysis.present.exports.briefing_pdf", "analysis.present.exports.map_png")
"""The modules that draw the PNG map and the PDF pack: imported only when first needed (they bring matplotlib's
figure code, its PDF backend and fontTools, about a second)."""


def preload() -> None:
    """Import the drawing code now, with the code for each table of the fonts it embeds, so that a first PNG or PDF
    does not wait for it (the app calls this in the background once the first page is sent)."""
    import importlib

    for name in DRAWING_MODULES:
        importlib.import_module(name)
    # fontTools imports the code of each table of a font when it first subsets one
    from fontTools.ttLib import TTFont, getTableModule
    from matplotlib.font_manager import FontProperties, findfont

    from analysis.present.exports.layout import FONT

    for weight in ("normal", "bold"):
        with TTFont(findfont(FontProperties(family=FONT, weight=weight)), lazy=True) as font:
            for tag in font.keys():
                getTableModule(tag)


def export_bytes(area: StudyArea, plans: Plan | Sequence[Plan], fmt: str, **options) -> bytes:
    """The content of an export in format ``fmt`` (see FORMATS), for a download button.

    Options: png takes ``title``, ``purpose``, ``show_pcns``, ``show_practices``; pdf takes ``tolerance``,
    ``title`` and ``purpose``; None means default.
    """
    spec, plans = _check(plans, fmt)
    given = {k: v for k, v in options.items() if k in spec.options and v is not None}
    return spec.make(area, plans, **given)


def export(area: StudyArea, plans: Plan | Sequence[Plan], fmt: str, path: str | Path, **options) -> Path:
    """Write plans to ``path`` in format ``fmt`` (see FORMATS); the file is replaced only when complete."""
    from analysis.present.exports.files import check_output_path, write_bytes

    spec, _ = _check(plans, fmt)
    check_output_path(path, spec.suffixes)  # fail before the slow part if the file cannot be written
    return write_bytes(export_bytes(area, plans, fmt, **options), path, spec.suffixes)


__all__ = ["DRAWING_MODULES", "FORMATS", "ExportFormat", "export", "export_bytes", "preload"]
