"""What the app offers to download for a plan: each export (analysis.present.exports) with a button label, file name and type.

Files are made when the planner clicks; the drawn ones (PNG, PDF) can be prepared ahead in the background
(analysis.present.prepared_exports), so the click hands them over at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from analysis.present import prepared_exports
from analysis.plan.partition import Plan
from geo.bundle import StudyArea
from geo.escape import file_name_part

BUTTONS = (
    # key, export format, button label, file ending, what it is for
    ("csv", "Ward list (CSV)", "wards.csv",
     "One row per ward: code, name and locality. Opens in Excel; imports back as the same plan."),
    ("metrics-csv", "Measures (CSV)", "measures.csv", "Every measure of the plan{others}, with the assumptions."),
    ("geojson", "Localities (GeoJSON)", "localities.geojson",
     "Locality boundaries with residents, deviation and PCN shares, for QGIS or ArcGIS."),
    ("wards-geojson", "Wards (GeoJSON)", "wards.geojson",
     "Ward boundaries with their locality, for QGIS or ArcGIS; imports back as the same plan."),
    ("png", "Map for slides (PNG)", "map.png", "A 16:9 map with legend, key figures, sources and assumptions."),
    ("pdf", "Briefing pack (PDF)", "briefing.pdf",
     "A page per option{others} and a comparison page, with sources and assumptions."),
)
"""The download buttons in order: export format, label, file-name ending and help text."""

DRAWN = ("png", "pdf")
"""Exports drawn with matplotlib: one at a time, and they can be prepared ahead."""


@dataclass(frozen=True)
class Download:
    """One downloadable file: its format, button label, file name, type, help, and how to make it."""

    key: str
    label: str
    file_name: str
    mime: str
    help: str
    make: Callable[[], bytes]
    prepare: Callable[[], None] | None = None
    """Start making the file in the background (drawn exports only)."""


def slug(text: str) -> str:
    """A file-name-safe version of a plan name ('Option 3 (edited)' -> 'option-3-edited')."""
    return file_name_part(text)


def distinct_plans(plans: Sequence[Plan], limit: int = 4) -> list[Plan]:
    """The plans in the order given, leaving out any that repeats an earlier one's assignment (at most ``limit``)."""
    kept: list[Plan] = []
    for plan in plans:
        if not any(plan.same_assignment(k) for k in kept):
            kept.append(plan)
    return kept[:limit]


def with_baseline(plans: Sequence[Plan], baseline: Plan | None, first: bool = True) -> list[Plan]:
    """The plans with today's localities added (first, or last when ``first`` is False) unless one of them is
    already the same plan: a briefing pack always compares with today."""
    plans = list(plans)
    if baseline is None or any(p.same_assignment(baseline) for p in plans):
        return plans
    return [baseline, *plans] if first else [*plans, baseline]


def plan_downloads(area: StudyArea, plan: Plan, others: Sequence[Plan] = (), tolerance: float | None = None,
                   show_pcns: bool = True, show_practices: bool = True, *, pack: Sequence[Plan] | None = None,
                   title: str | None = None, purpose: str | None = None) -> list[Download]:
    """Every export of ``plan``; the measures table and the briefing pack cover ``pack`` in its order (option A
    first), by default ``plan`` then ``others`` (up to 4 plans). ``title`` and ``purpose`` (the planner's own)
    head the PNG and the PDF."""
    from analysis.present.exports import FORMATS, export_bytes  # matplotlib loads only when a plan view shows its buttons

    plans = distinct_plans(pack if pack is not None else [plan, *others])
    together = " and the plans compared with it" if len(plans) > 1 else ""
    options = {"png": {"title": title or plan.name, "purpose": purpose, "show_pcns": show_pcns,
                       "show_practices": show_practices},
               "pdf": {"tolerance": tolerance, "title": title, "purpose": purpose}}
    items = []
    for fmt, label, ending, help_text in BUTTONS:
        spec = FORMATS[fmt]
        chosen = plans[:spec.max_plans] if spec.max_plans > 1 else [plan]

        def make(fmt=fmt, chosen=chosen) -> bytes:
            return export_bytes(area, chosen, fmt, **options.get(fmt, {}))

        ahead = None
        if fmt in DRAWN:
            key = prepared_exports.export_key(area, chosen, fmt, options.get(fmt, {}))
            make, ahead = (partial(prepared_exports.fetch, key, area, make),
                           partial(prepared_exports.prepare, key, area, make))
        items.append(Download(fmt, label, f"{slug(plan.name)}-{ending}", spec.mime,
                              help_text.format(others=together), make, ahead))
    return items
