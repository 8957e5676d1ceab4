"""What the app offers to download for a plan: each export (analysis.exports) as bytes, with a file name and type.

Builders run only when the planner clicks (exports such as the PDF take a few seconds). An export that is
not installed in this build is listed with the reason, so the app can say so instead of offering a dead button.
"""

from __future__ import annotations

import importlib
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from analysis.plan import Plan
from geo.bundle import StudyArea


@dataclass(frozen=True)
class Download:
    """One downloadable file: a button label, a file name, its type, what it is for, and how to make it."""

    key: str
    label: str
    file_name: str
    mime: str
    help: str
    make: Callable[[], bytes] | None
    missing: str = ""
    """Why the file cannot be made in this build (empty when it can)."""


def slug(text: str) -> str:
    """A file-name-safe version of a plan name ('Option 3 (edited)' -> 'option-3-edited')."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "plan"


def _exporter(module: str, name: str) -> tuple[Callable | None, str]:
    """The export function ``module.name``, or None and the reason it is not available."""
    try:
        return getattr(importlib.import_module(f"analysis.exports.{module}"), name), ""
    except (ImportError, AttributeError):
        return None, "This export is not available in this version of localign yet."


def _via_file(write: Callable[[Path], object], suffix: str) -> bytes:
    """Run an exporter that writes a file, inside a private temporary folder, and return the file's bytes."""
    with tempfile.TemporaryDirectory(prefix="localign-export-") as folder:
        path = Path(folder) / f"export{suffix}"
        written = write(path)
        return Path(written or path).read_bytes()


def plan_downloads(area: StudyArea, plan: Plan, others: Sequence[Plan] = ()) -> list[Download]:
    """Every export of one plan (and a briefing pack / metrics table covering ``others`` too), in button order."""
    name = slug(plan.name)
    plans = [plan, *[p for p in others if not p.same_assignment(plan)]][:4]
    assignment, why_assignment = _exporter("tables", "assignment_csv")
    metrics, why_metrics = _exporter("tables", "metrics_csv")
    localities, why_localities = _exporter("geojson", "localities_geojson")
    wards, why_wards = _exporter("geojson", "wards_geojson")
    png, why_png = _exporter("map_png", "render_plan_png")
    pdf, why_pdf = _exporter("briefing_pdf", "briefing_pdf")

    def text(data: dict) -> bytes:
        return json.dumps(data, ensure_ascii=False).encode("utf-8")

    return [
        Download("assignment_csv", "Ward list (CSV)", f"{name}-wards.csv", "text/csv",
                 "One row per ward: code, name and locality. Opens in Excel; can be imported again.",
                 (lambda: assignment(area, plan).encode("utf-8")) if assignment else None, why_assignment),
        Download("metrics_csv", "Measures (CSV)", f"{name}-measures.csv", "text/csv",
                 "Every measure of this plan" + (" and the plans compared with it" if len(plans) > 1 else "")
                 + ", with the assumptions.",
                 (lambda: metrics(area, plans).encode("utf-8")) if metrics else None, why_metrics),
        Download("localities_geojson", "Localities (GeoJSON)", f"{name}-localities.geojson", "application/geo+json",
                 "Locality boundaries with residents and deviation, for QGIS or ArcGIS.",
                 (lambda: text(localities(area, plan))) if localities else None, why_localities),
        Download("wards_geojson", "Wards (GeoJSON)", f"{name}-wards.geojson", "application/geo+json",
                 "Ward boundaries with their locality, for QGIS or ArcGIS; can be imported again.",
                 (lambda: text(wards(area, plan))) if wards else None, why_wards),
        Download("png", "Map for slides (PNG)", f"{name}-map.png", "image/png",
                 "A 16:9 map with legend, key figures, sources and assumptions.",
                 (lambda: _via_file(lambda p: png(area, plan, p, title=plan.name), ".png")) if png else None,
                 why_png),
        Download("pdf", "Briefing pack (PDF)", f"{name}-briefing.pdf", "application/pdf",
                 "A page per option" + (f" ({len(plans)} plans)" if len(plans) > 1 else "")
                 + " and a comparison page, with sources and assumptions.",
                 (lambda: _via_file(lambda p: pdf(area, plans, p), ".pdf")) if pdf else None, why_pdf),
    ]
