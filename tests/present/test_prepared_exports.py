"""Exports prepared ahead: the briefing pack drawn in the background is the one the button hands over, made once;
a different plan or title never gets another's file."""

from __future__ import annotations

import analysis.present.views as views
from analysis.present import prepared_exports
from analysis.present.downloads import plan_downloads


def test_prepared_pack_is_made_once_and_handed_over(lbbd, no_prepared_exports):
    current = views.reference_plans(lbbd)[next(iter(views.reference_plans(lbbd)))]
    items = {d.key: d for d in plan_downloads(lbbd, current, title="Board paper")}
    pdf = items["pdf"]
    assert pdf.prepare is not None and items["csv"].prepare is None, "only drawn files are prepared ahead"
    pdf.prepare()
    first = pdf.make()
    again = pdf.make()
    assert first.startswith(b"%PDF") and first is again, "the prepared file is handed over, not drawn again"
    assert len(prepared_exports.held("pdf")) == 1 and not prepared_exports.held("png")
    # the same plan with another title is a different file: drawn afresh, never the prepared one
    other = {d.key: d for d in plan_downloads(lbbd, current, title="Another title")}["pdf"]
    assert other.make() is not first


def test_prepared_files_are_keyed_by_plan(lbbd):
    """A moved ward, another plan, format or option each make a different file."""
    a, b = list(views.reference_plans(lbbd).values())[:2]
    ward = a.unit_ids[0]
    moved = a.reassign({ward: next(loc for loc in a.localities if loc != a.assignment[ward])})
    keys = {prepared_exports.export_key(lbbd, [a], "pdf", {}), prepared_exports.export_key(lbbd, [b], "pdf", {}),
            prepared_exports.export_key(lbbd, [moved], "pdf", {}), prepared_exports.export_key(lbbd, [a], "png", {}),
            prepared_exports.export_key(lbbd, [a], "pdf", {"title": "x"})}
    assert len(keys) == 5
