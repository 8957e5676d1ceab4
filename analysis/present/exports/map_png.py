"""The plan map for slides: localities in the app's colours with ward labels that never overlap, optional
approximate PCN outlines and GP practices, a legend of each locality's residents and deviation, key
figures, north arrow, scale bar, assumptions, sources and date, drawn with matplotlib (Agg, no network).

The map is drawn in EPSG:27700 (British National Grid metres), so the scale bar is true in kilometres;
the north arrow points to true north.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from analysis.metrics.evaluate import Evaluation, evaluate
from analysis.present.exports.files import write_bytes
from analysis.present.exports.labels import LabelRequest, anchor_point, place_labels
from analysis.present.exports.layout import (
    BODY_SIZE,
    MARGIN,
    MUTED,
    PNG_DPI,
    Column,
    DryPage,
    Page,
    footer,
    north_arrow,
    plural,
    scale_bar,
    signed_percent,
    title_block,
    two_lines,
)
from analysis.plan.geometry import dissolve_plan
from analysis.metrics.definitions import metric, shown_in
from analysis.present.palette import OUTLINE, PCN_OUTLINE, PRACTICE, locality_colours
from analysis.plan.partition import Plan
from geo.bundle import StudyArea

KEY_FIGURES = shown_in("map_png")
"""The metrics shown beside the map (the PDF pack's comparison page shows every metric)."""

PRACTICE_LAYER = "practices"
MAP_SHARE = 0.52
"""Widest the map may be, as a share of the page width."""

WARD_EDGE = "#FFFFFF"
PCN_DASH = (0, (5, 3))
PCN_EDGE_CLEARANCE_M = 25.0


def subtitle(area: StudyArea, plan: Plan, result: Evaluation) -> str:
    """One line saying what the map shows: localities, units, residents and the equal share."""
    units = area.manifest.units.title
    return (f"{area.manifest.short_name}: {plan.k} {plural(area.manifest.locality_label)} from "
            f"{len(plan.unit_ids)} {units[:1].lower()}{units[1:]} · {area.total_population:,.0f} residents · "
            f"equal share {result.ideal:,.0f} residents each")


def _map_extent(area: StudyArea) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = area.outline.bounds
    pad_x, pad_y = (maxx - minx) * 0.05, (maxy - miny) * 0.06
    return minx - pad_x, miny - pad_y * 1.8, maxx + pad_x, maxy + pad_y


def draw_plan_map(ax, area: StudyArea, plan: Plan, *, show_pcns: bool = True,
                  show_practices: bool = True, among: Sequence[str] | None = None) -> None:
    """Draw a plan on axes in EPSG:27700: filled wards, locality outlines, PCN outlines, practices and labels.

    ``among``: every locality name of the plans shown together, so each name keeps one colour (see palette).
    """
    colours = locality_colours(plan.localities, among=among)
    units = area.units
    minx, miny, maxx, maxy = _map_extent(area)
    # Widen the extent to the axes' shape so one data metre is as long across as up (true scale).
    box = ax.get_position()
    box_ratio = (box.width * ax.figure.get_figwidth()) / (box.height * ax.figure.get_figheight())
    cx, cy, half_w, half_h = (minx + maxx) / 2, (miny + maxy) / 2, (maxx - minx) / 2, (maxy - miny) / 2
    half_w, half_h = max(half_w, half_h * box_ratio), max(half_h, half_w / box_ratio)
    ax.set_xlim(cx - half_w, cx + half_w)
    ax.set_ylim(cy - half_h, cy + half_h)
    ax.set_aspect("equal", adjustable="box")
    ax.set_axis_off()
    units.plot(ax=ax, color=[colours[label] for label in plan.labels], edgecolor=WARD_EDGE, linewidth=0.8,
               zorder=1)
    dissolve_plan(area, plan).boundary.plot(ax=ax, color=OUTLINE, linewidth=1.9, zorder=3)
    requests = [LabelRequest(two_lines(str(name)), anchor_point(geom), geom, {"fontsize": 8},
                             "ward-label")
                for name, geom in zip(units["name"], units.geometry)]
    pcn = area.pcn
    if show_pcns and pcn is not None and pcn.areas is not None:
        pcn_areas = pcn.areas
        # Draw only the PCN boundaries inside the study area: along its edge they would hide the outline.
        edge = area.outline.boundary.buffer(PCN_EDGE_CLEARANCE_M)
        pcn_areas.boundary.difference(edge).plot(ax=ax, color=PCN_OUTLINE, linewidth=1.5, linestyle=PCN_DASH,
                                                 zorder=4)
        name_column = next(c for c in pcn_areas.columns if c not in ("geometry", "sites"))
        requests += [LabelRequest(two_lines(str(name), 14), anchor_point(geom), geom,
                                  {"fontsize": 7.5, "style": "italic", "color": PCN_OUTLINE}, "pcn-label")
                     for name, geom in zip(pcn_areas[name_column], pcn_areas.geometry)]
    obstacles: list[Bbox] = []
    practices = area.points.get(PRACTICE_LAYER)
    if show_practices and practices is not None and len(practices):
        xs, ys = practices.geometry.x.to_numpy(), practices.geometry.y.to_numpy()
        ax.plot(xs, ys, linestyle="none", marker="o", markersize=4.5, markerfacecolor=PRACTICE,
                markeredgecolor="white", markeredgewidth=0.8, zorder=6, gid="practices")
        ax.apply_aspect()
        half = 4.5 / 72 * ax.figure.dpi
        obstacles += [Bbox.from_extents(px - half, py - half, px + half, py + half)
                      for px, py in ax.transData.transform(np.column_stack([xs, ys]))]
    scale_bar(ax)
    north_arrow(ax, area)
    renderer = ax.figure.canvas.get_renderer()
    obstacles += [artist.get_window_extent(renderer) for artist in [*ax.patches, *ax.texts]
                  if (artist.get_gid() or "") in ("scale-bar", "north-arrow")]
    place_labels(ax, requests, obstacles)


def legend_table(column: Column, area: StudyArea, plan: Plan, result: Evaluation, size: float,
                 among: Sequence[str] | None = None) -> float:
    """The locality legend: colour, name, units, residents and deviation from an equal share; returns its width."""
    colours = locality_colours(plan.localities, among=among)
    rows = [(loc, str(len(result.units[loc])), f"{result.populations[loc]:,.0f}",
             signed_percent(result.deviations[loc])) for loc in plan.localities]
    width = column.table([area.manifest.locality_label.capitalize(), plural(area.manifest.unit_label).capitalize(),
                  "Residents", "Deviation"], rows, ["left", "right", "right", "right"], size=size,
                 swatches=[colours[loc] for loc in plan.localities], gid="legend")
    note = Column(column.page, column.left, column.y, width)  # wrapped to the table: key figures may sit beside it
    note.paragraph(f"Deviation: difference from an equal share of {result.ideal:,.0f} residents "
                   f"({area.total_population:,.0f} ÷ {plan.k}).", size - 1.5, color=MUTED)
    column.y = note.y
    return width


def map_key(column: Column, area: StudyArea, show_pcns: bool, show_practices: bool, size: float,
            per_row: int = 2) -> None:
    """The symbols on the map, ``per_row`` to a row."""
    items: list[tuple[str, str, dict]] = [
        ("line", f"{area.manifest.locality_label.capitalize()} boundary", {"color": OUTLINE, "linewidth": 1.9}),
        ("patch", f"{area.manifest.unit_label.capitalize()} (white outline)",
         {"facecolor": "#CCCCCC", "edgecolor": "white", "linewidth": 1.0}),
    ]
    if show_pcns and area.pcn is not None and area.pcn.areas is not None:
        items.append(("line", area.pcn.layer_label,
                      {"color": PCN_OUTLINE, "linewidth": 1.5, "linestyle": PCN_DASH}))
    practices = area.points.get(PRACTICE_LAYER)
    if show_practices and practices is not None and len(practices):
        items.append(("marker", f"GP practice ({len(practices)} sites)",
                      {"marker": "o", "markersize": 6, "markerfacecolor": PRACTICE, "markeredgecolor": "white"}))
    step = column.width / per_row
    for i in range(0, len(items), per_row):
        top = column.y
        for j, (kind, label, style) in enumerate(items[i:i + per_row]):
            column.y = top
            column.key_item(kind, label, size, x=column.left + j * step, **style)
    column.space(0.06)


def metrics_table(column: Column, result: Evaluation, keys: tuple[str, ...], size: float) -> None:
    """Headline metrics with their titles and formats from analysis.metrics.definitions."""
    headline = result.headline()
    rows = []
    for key in keys:
        m = metric(key)
        value = m.format(headline.get(key))
        if m.counts_pcns and headline.get(key) is not None:
            value += f" of {len(result.pcn_share_in_main_locality)}"
        rows.append((m.title, value))
    column.table(["Measure", "Value"], rows, ["left", "right"], size=size, gid="metrics", stretch=0)


def side_panel(page: Page, area: StudyArea, plan: Plan, result: Evaluation, box: tuple[float, float, float],
               size: float, show_pcns: bool, show_practices: bool, notes: list[str],
               stacked: bool = False, among: Sequence[str] | None = None) -> tuple[float, bool]:
    """Legend and key figures side by side (or one above the other), the map key, wards that move and the notes.

    Returns the lowest y reached and whether a table came out wider than its column.
    """
    left, top, width = box
    legend = Column(page, left, top, width if stacked else width * 0.55)
    legend.heading(plural(area.manifest.locality_label).capitalize(), size + 1, gid="legend-heading")
    legend_width = legend_table(legend, area, plan, result, size, among)
    if stacked:
        figures = Column(page, left, legend.y - 0.02, width)
    else:
        figures = Column(page, left + legend_width + 0.35, top, width - legend_width - 0.35)
    figures.heading("Key figures", size + 1)
    metrics_table(figures, result, KEY_FIGURES, size - 1.5)
    below = Column(page, left, min(legend.y, figures.y) - 0.02, width)
    below.heading("Map key", size)
    map_key(below, area, show_pcns, show_practices, size - 1.5)
    if result.moved_wards:
        names = ", ".join(str(area.unit_names[u]) for u in result.moved_wards)
        below.heading(f"{plural(area.manifest.unit_label).capitalize()} that change locality", size)
        below.paragraph(f"{names}: {result.population_moved:,.0f} residents (each {area.manifest.locality_label} "
                        "is matched to the current one it overlaps most).", size - 1.5)
    if notes:
        below.heading("Assumptions", size)
        for note in notes:
            below.paragraph(note, size - 2, indent=0.15, bullet="•", gid="assumptions")
    return below.y, legend.overflow or figures.overflow


def plan_figure(area: StudyArea, plan: Plan, *, title: str | None = None, show_pcns: bool = True,
                show_practices: bool = True, generated: dt.date | None = None, page_label: str = "",
                purpose: str | None = None, among: Sequence[str] | None = None) -> Figure:
    """A 16:9 page: the plan map with its legend, key figures, map key, wards that move and assumption notes.

    ``title`` (default: the plan's name) and ``purpose`` (one line, under the title) are the planner's own.
    """
    result = evaluate(area, plan)
    page = Page()
    facts = subtitle(area, plan, result)
    top = title_block(page, title or plan.name, f"{purpose}\n{facts}" if purpose else facts)
    bottom = footer(page, [], area.source_line, generated, page_label)
    minx, miny, maxx, maxy = _map_extent(area)
    height = top - bottom
    width = min(height * (maxx - minx) / (maxy - miny), page.width * MAP_SHARE)
    ax = page.axes(MARGIN, bottom, width, height)
    draw_plan_map(ax, area, plan, show_pcns=show_pcns, show_practices=show_practices, among=among)
    panel_left = MARGIN + width + 0.35
    box = (panel_left, top, page.width - MARGIN - panel_left)
    notes = area.export_notes
    # The largest type that fits; at equal size, legend and key figures side by side rather than stacked.
    choices = [(stack, BODY_SIZE + 1 - 0.5 * i) for i in range(9) for stack in (False, True)]
    stacked, size = choices[-1]
    for option in choices:
        lowest, overflow = side_panel(DryPage(), area, plan, result, box, option[1], show_pcns, show_practices,
                                      notes, option[0], among)
        if lowest >= bottom and not overflow:
            stacked, size = option
            break
    side_panel(page, area, plan, result, box, size, show_pcns, show_practices, notes, stacked, among)
    return page.fig


def render_plan_png(area: StudyArea, plan: Plan, path: str | Path, *, title: str | None = None,
                    show_pcns: bool = True, show_practices: bool = True, purpose: str | None = None) -> Path:
    """Write the plan map as a 2560 × 1440 PNG (16:9) and return its path."""
    return write_bytes(plan_png_bytes(area, plan, title=title, show_pcns=show_pcns,
                                      show_practices=show_practices, purpose=purpose), path, (".png",))


PNG_COMPRESSION = 3
"""zlib level of the slide PNG: on the 2560 × 1440 map, level 3 encodes in about 0.1 s less than the default (6) and
makes a smaller file (647 kB against 691 kB), as the map is large areas of flat colour."""


def plan_png_bytes(area: StudyArea, plan: Plan, *, title: str | None = None, show_pcns: bool = True,
                   show_practices: bool = True, generated: dt.date | None = None,
                   purpose: str | None = None) -> bytes:
    """The plan map as PNG bytes (for the app's download button), with the planner's title and purpose."""
    fig = plan_figure(area, plan, title=title, show_pcns=show_pcns, show_practices=show_practices,
                      generated=generated, purpose=purpose)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": "localign"},
                pil_kwargs={"compress_level": PNG_COMPRESSION})
    return buffer.getvalue()


__all__ = ["KEY_FIGURES", "draw_plan_map", "plan_figure", "plan_png_bytes", "render_plan_png"]
