"""The briefing pack for leadership: a PDF of 16:9 pages for 1–4 options.

Pages, in order: "Options compared" (the planner's title and purpose, the measures a director asks about
side by side, best in bold, and the population balance of each locality against the ±tolerance band),
"PCNs and localities" (for each option, the residents of each PCN's approximate area by locality), one
page per option (the slide map with its legend and key figures), "Technical measures" (compactness
scores, cut edges … with their one-line meanings) and "Sources, assumptions and measures". Options keep
the order given: option A is the first plan on every page. Localities keep one colour across all options. Every page carries the attribution and date; every
page states the assumptions, in full or (option pages) beside the map.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from pathlib import Path

from matplotlib import rc_context
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter

from analysis.metrics.evaluate import Evaluation, evaluate
from analysis.present.exports.files import write_bytes
from analysis.present.exports.layout import (
    BODY_SIZE,
    MARGIN,
    MUTED,
    Column,
    DryPage,
    Page,
    footer,
    plural,
    signed_percent,
    text_width,
    title_block,
    two_lines,
)
from analysis.present.exports.map_png import plan_figure
from analysis.metrics.audience import director_metrics, technical_metrics
from analysis.metrics.definitions import METRICS, MetricDefinition
from analysis.metrics.population import DEFAULT_TOLERANCE
from geo.registrations import UNASSIGNED
from analysis.present.palette import OUTLINE, TOLERANCE_BAND, locality_colours
from analysis.plan.partition import Plan
from geo.bundle import StudyArea
from geo.errors import LocalignError

MAX_OPTIONS = 4
"""Most options one pack compares (more would not fit a page legibly)."""

"""Balance band drawn on the comparison chart: ±10% of an equal share (the app's default too)."""

LETTERS = "ABCDEFGH"


def check_options(area: StudyArea, plans: Plan | Sequence[Plan]) -> list[Plan]:
    """The plans as a list of 1 to MAX_OPTIONS options of this study area, else a LocalignError."""
    plans = [plans] if isinstance(plans, Plan) else list(plans)
    if not 1 <= len(plans) <= MAX_OPTIONS:
        raise LocalignError.single(
            f"a briefing pack compares 1 to {MAX_OPTIONS} options; {len(plans)} were given.", "the options",
            f"choose at most {MAX_OPTIONS} options (the strongest candidates), or make two packs.")
    foreign = [p.name for p in plans if tuple(p.unit_ids) != tuple(area.ids)]
    if foreign:
        raise LocalignError.single(f"these plans are not plans of {area.name}: {', '.join(foreign)}.",
                                   "the options", "load each plan against the same study area (--bundle).")
    return plans


def _fit(draw: Callable[[Page, float], tuple[float, bool]], page: Page, bottom: float,
         sizes: Sequence[float]) -> float:
    """Draw with the largest font size whose layout fits above ``bottom`` and within its columns.

    ``sizes`` run from largest to smallest. The first is tried alone (it usually fits); otherwise the rest are
    bisected, as a smaller size never needs more room (each trial lays out every word, so 3 trials instead of 8 make
    a server's first pack about a second quicker). Only a size whose trial fitted is chosen, else the smallest.
    """
    def fits(size: float) -> bool:
        lowest, overflow = draw(DryPage(), size)
        return lowest >= bottom and not overflow

    chosen = sizes[-1]
    if fits(sizes[0]):
        chosen = sizes[0]
    else:
        low, high = 1, len(sizes) - 1  # the first fitting size lies in sizes[low:high + 1], if any does
        while low <= high:
            middle = (low + high) // 2
            if fits(sizes[middle]):
                chosen, high = sizes[middle], middle - 1
            else:
                low = middle + 1
    draw(page, chosen)
    return chosen


def _sizes(start: float) -> list[float]:
    return [start - 0.5 * i for i in range(int((start - 6) * 2) + 1)]


def _best(values: list[float | None], better: str) -> set[int]:
    """Indices of the best value(s) in a row, or none when all are equal or the metric has no direction."""
    known = [(i, float(v)) for i, v in enumerate(values) if v is not None]
    if better not in ("lower", "higher") or len({v for _, v in known}) < 2:
        return set()
    target = min(v for _, v in known) if better == "lower" else max(v for _, v in known)
    return {i for i, v in known if abs(v - target) < 1e-12}


def comparison_rows(area: StudyArea, results: list[Evaluation],
                    measures: Sequence[MetricDefinition] | None = None,
                    counts: bool = True) -> tuple[list[list[str]], list[list[bool]]]:
    """Rows of the comparison table (measure, one value per option) and which cells are the best in their row.

    ``measures`` defaults to the director-level ones; ``counts`` adds the number of localities and equal share.
    """
    rows = [["Localities", *(str(r.k) for r in results)],
            ["Equal share (residents)", *(f"{r.ideal:,.0f}" for r in results)]] if counts else []
    best = [[False] * (len(results) + 1) for _ in rows]
    for m in (director_metrics() if measures is None else measures):
        values = [r.headline().get(m.key) for r in results]
        wins = _best([None if v is None else float(v) for v in values], m.better)
        rows.append([m.title, *(m.format(v) for v in values)])
        best.append([False, *(i in wins for i in range(len(results)))])
    return rows, best


def comparison_page(area: StudyArea, plans: list[Plan], results: list[Evaluation], tolerance: float,
                    generated: dt.date | None, page_label: str, title: str | None = None, purpose: str | None = None,
                    technical_page: int | None = None) -> Figure:
    """The planner's title and purpose, the director-level measures of every option side by side, and the
    population balance chart with the tolerance band."""
    page = Page()
    letters = LETTERS[:len(plans)]
    facts = (f"{len(plans)} option{'s' if len(plans) > 1 else ''} · {area.total_population:,.0f} residents "
             f"in {len(area.ids)} {plural(area.manifest.unit_label)} · best value in each row in bold · "
             f"balance band ±{tolerance:.0%} of an equal share")
    top = title_block(page, title or f"Options compared: {area.manifest.short_name}",
                      f"{purpose}\n{facts}" if purpose else facts)
    bottom = footer(page, area.export_notes, area.source_line, generated, page_label)
    rows, best = comparison_rows(area, results)
    left_w = (page.width - 2 * MARGIN) * 0.47

    def draw(target: Page, size: float) -> tuple[float, bool]:
        column = Column(target, MARGIN, top, left_w)
        column.heading("Options", size + 1.5)
        for letter, plan in zip(letters, plans):
            column.paragraph(f"{letter}: {plan.name}", size)
        column.heading("Key measures", size + 1.5)
        column.table(["Measure", *letters], rows, ["left", *("right" for _ in letters)], size=size,
                     bold=None, gid="comparison", stretch=0, cell_bold=best)
        if technical_page is not None:
            column.paragraph(f"Compactness scores and other technical measures, with what each means, are on page "
                             f"{technical_page}.", size - 1, color=MUTED)
        return column.y, column.overflow

    _fit(draw, page, bottom, _sizes(BODY_SIZE))
    chart_left = MARGIN + left_w + 0.45
    chart_w = page.width - MARGIN - chart_left
    page.text(chart_left, top, "Population balance", BODY_SIZE + 1.5, weight="bold")
    page.text(chart_left, top - 0.3, f"Each locality's difference from an equal share of residents. Grey band: "
              f"within ±{tolerance:.0%}.", BODY_SIZE - 1, color=MUTED)
    ax = page.axes(chart_left + 0.55, bottom + 0.75, chart_w - 0.6, top - bottom - 1.5)
    balance_chart(ax, plans, results, tolerance)
    return page.fig


def balance_chart(ax, plans: list[Plan], results: list[Evaluation], tolerance: float) -> None:
    """Each locality's deviation from an equal share as a bar in its colour, grouped by option, over the ±band."""
    positions, heights, colours, names, groups = [], [], [], [], []
    x = 0.0
    every = [loc for plan in plans for loc in plan.localities]
    for letter, plan, result in zip(LETTERS, plans, results):
        palette = locality_colours(plan.localities, among=every)
        start = x
        for loc in plan.localities:
            positions.append(x)
            heights.append(result.deviations[loc] * 100)
            colours.append(palette[loc])
            names.append(loc)
            x += 1
        groups.append((letter, (start + x - 1) / 2))
        x += 0.9
    band = tolerance * 100
    ax.axhspan(-band, band, color=TOLERANCE_BAND, zorder=0, linewidth=0)
    ax.axhline(0, color=OUTLINE, linewidth=0.9, zorder=2)
    ax.bar(positions, heights, width=0.78, color=colours, edgecolor=OUTLINE, linewidth=0.6, zorder=3)
    ax.set_xlim(-0.8, x - 0.1)
    box = ax.get_position()
    bar_inches = box.width * ax.figure.get_figwidth() / (x + 0.7)
    values = [signed_percent(h / 100) for h in heights]
    size = 7.0
    upright = max(text_width(v, size) for v in values) < bar_inches
    # Leave room beyond the longest bar for its value label (longer when the labels are turned upright).
    top = max(band, *(abs(h) for h in heights)) * (1.3 if upright else 1.55)
    ax.set_ylim(-top, top)
    for px, h, value in zip(positions, heights, values):
        ax.annotate(value, (px, h), xytext=(0, 3 if h >= 0 else -3), textcoords="offset points", fontsize=size,
                    ha="center", va="bottom" if h >= 0 else "top", rotation=0 if upright else 90, zorder=4,
                    annotation_clip=False)
    flat = max(text_width(n, size) for n in names) < bar_inches * 0.95
    ax.set_xticks(positions, names, fontsize=size, rotation=0 if flat else 35, ha="center" if flat else "right",
                  rotation_mode="anchor")
    ax.tick_params(axis="x", length=0, pad=4)
    for letter, centre in groups:
        ax.text(centre, 1.0, f"Option {letter}", transform=ax.get_xaxis_transform(), ha="center", va="bottom",
                fontsize=9, fontweight="bold")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: signed_percent(v / 100, 0) if v else "0%"))
    ax.tick_params(axis="y", labelsize=8)
    ax.set_ylabel("Difference from an equal share of residents", fontsize=8.5, color=MUTED)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def pcn_page(area: StudyArea, plans: list[Plan], results: list[Evaluation], generated: dt.date | None,
             page_label: str) -> Figure:
    """For each option, the residents of each PCN's approximate area by locality (main locality shaded)."""
    page = Page()
    pcn = area.pcn
    registered = pcn is not None and pcn.registered
    top = title_block(page, "PCNs and localities: " + ("registered patients of each PCN by locality" if registered
                                                       else "residents of each PCN area by locality"),
                      "Each row is one Primary Care Network; each number is " +
                      (f"its registered patients ({pcn.basis}) living in that locality; patients of practices in no "
                       "listed PCN are shown but not counted in nesting." if registered else
                       "the residents of its approximate area living in that locality.") +
                      " Shaded: the locality holding most of the PCN.")
    bottom = footer(page, area.export_notes, area.source_line, generated, page_label)
    if pcn is None:
        page.text(MARGIN, top, "This study area has no PCN grouping, so there is nothing to show here.",
                  BODY_SIZE + 1)
        return page.fig
    per_row = 1 if len(plans) == 1 else 2
    gap = 0.45
    cell_w = (page.width - 2 * MARGIN - gap * (per_row - 1)) / per_row

    def draw(target: Page, size: float) -> tuple[float, bool]:
        lowest, overflow = top, False
        y = top
        for i, (letter, plan, result) in enumerate(zip(LETTERS, plans, results)):
            if i and i % per_row == 0:
                y = lowest - 0.1
            column = Column(target, MARGIN + (i % per_row) * (cell_w + gap), y, cell_w)
            column.heading(f"Option {letter}: {plan.name}", size + 1)
            if result.pcn_nesting is not None:
                column.paragraph(f"PCN nesting {result.pcn_nesting:.1%} · {result.pcns_split} of "
                                 f"{len(result.pcn_residents)} PCNs split", size - 0.5, color=MUTED)
            pcn_matrix(column, plan, result, size, among=[loc for p in plans for loc in p.localities])
            lowest = min(lowest, column.y)
            overflow |= column.overflow
        return lowest, overflow

    _fit(draw, page, bottom, _sizes(BODY_SIZE + 1))
    return page.fig


def pcn_matrix(column: Column, plan: Plan, result: Evaluation, size: float,
               among: Sequence[str] | None = None) -> None:
    """One option's PCN × locality table of residents, with each PCN's share in its main locality."""
    palette = locality_colours(plan.localities, among=among)
    rows, shades, bold = [], [], []
    for pcn_name, by_locality in result.pcn_residents.items():
        main = result.pcn_main_locality[pcn_name]
        rows.append([pcn_name, *(f"{by_locality[loc]:,.0f}" if by_locality[loc] >= 0.5 else "–"
                                 for loc in plan.localities),
                     f"{result.pcn_share_in_main_locality[pcn_name]:.0%}"])
        shades.append([None, *(palette[loc] if loc == main else None for loc in plan.localities), None])
        bold.append(False)
    if result.pcn_unassigned:
        rows.append([UNASSIGNED.capitalize(), *(f"{result.pcn_unassigned[loc]:,.0f}" for loc in plan.localities),
                     "not counted"])
        shades.append([None] * (len(plan.localities) + 2))
        bold.append(False)
    totals = [sum(r[loc] for r in result.pcn_residents.values()) for loc in plan.localities]
    rows.append(["All PCNs" if result.pcn_unassigned else "All PCN areas", *(f"{t:,.0f}" for t in totals), ""])
    shades.append([None] * (len(plan.localities) + 2))
    bold.append(True)
    column.table(["PCN", *(two_lines(loc, 10) for loc in plan.localities), "In main\nlocality"], rows,
                 ["left", *("right" for _ in plan.localities), "right"], size=size, bold=bold,
                 cell_colours=shades, gid="pcn-matrix")


def technical_page(area: StudyArea, plans: list[Plan], results: list[Evaluation], generated: dt.date | None,
                   page_label: str) -> Figure:
    """The technical measures of every option side by side, each with its one-line meaning."""
    page = Page()
    letters = LETTERS[:len(plans)]
    measures = technical_metrics()
    top = title_block(page, "Technical measures",
                      "Compactness scores and other measures for specialists, option by option · best value in "
                      "each row in bold · what each measure means is beside the table")
    bottom = footer(page, area.assumption_notes, area.source_line, generated, page_label)
    rows, best = comparison_rows(area, results, measures, counts=False)
    left_w = (page.width - 2 * MARGIN) * 0.47

    def draw(target: Page, size: float) -> tuple[float, bool]:
        left = Column(target, MARGIN, top, left_w)
        for letter, plan in zip(letters, plans):
            left.paragraph(f"{letter}: {plan.name}", size)
        left.space(0.05)
        left.table(["Measure", *letters], rows, ["left", *("right" for _ in letters)], size=size, gid="technical",
                   stretch=0, cell_bold=best)
        right = Column(target, MARGIN + left_w + 0.45, top, page.width - 2 * MARGIN - left_w - 0.45)
        _meanings(right, "What they mean", measures, size)
        return min(left.y, right.y), left.overflow or right.overflow

    _fit(draw, page, bottom, _sizes(BODY_SIZE))
    return page.fig


def _meanings(column: Column, heading: str, measures, size: float) -> None:
    """Each measure's title and one-line meaning, with which way is better, as bullets under a heading."""
    column.heading(heading, size + 1.5)
    for m in measures:
        direction = {"lower": " Lower is better.", "higher": " Higher is better."}.get(m.better, "")
        column.paragraph(f"{m.title}: {m.meaning}{direction}", size - 0.5, indent=0.18, bullet="•")


def notes_page(area: StudyArea, tolerance: float, generated: dt.date | None, page_label: str) -> Figure:
    """Data sources, assumptions, attribution and what each measure means."""
    page = Page()
    manifest = area.manifest
    top = title_block(page, "Sources, assumptions and measures",
                      f"{area.name} ({manifest.code}) · {manifest.units.title} · licence: {manifest.licence}")
    bottom = footer(page, [], area.source_line, generated, page_label)
    half = (page.width - 2 * MARGIN - 0.5) / 2

    def draw(target: Page, size: float) -> tuple[float, bool]:
        left = Column(target, MARGIN, top, half)
        left.heading("Assumptions", size + 1.5)
        for note in area.export_notes:
            left.paragraph(note, size, indent=0.18, bullet="•", gid="assumptions")
        left.heading("Sources", size + 1.5)
        for source in manifest.sources:
            left.paragraph(source, size, indent=0.18, bullet="•")
        left.heading("How to read the pack", size + 1.5)
        left.paragraph(f"Deviation is a locality's difference from an equal share of residents (total ÷ number of "
                       f"localities). The balance chart's grey band is ±{tolerance:.0%}. Residents are estimates; "
                       + (f"PCN figures count registered patients ({area.pcn_basis}) where they live."
                          if area.pcn is not None and area.pcn.registered else
                          "PCN figures use approximate PCN areas and assume residents are spread evenly across "
                          f"each {manifest.unit_label}."), size)
        right = Column(target, MARGIN + half + 0.5, top, half)
        _meanings(right, "Measures", METRICS, size)
        return min(left.y, right.y), left.overflow or right.overflow

    _fit(draw, page, bottom, _sizes(BODY_SIZE))
    return page.fig


def briefing_figures(area: StudyArea, plans: Plan | Sequence[Plan], *, tolerance: float = DEFAULT_TOLERANCE,
                     generated: dt.date | None = None, title: str | None = None,
                     purpose: str | None = None) -> list[Figure]:
    """The pack's pages as figures: comparison, PCNs, one per option, technical measures, sources and assumptions.

    Option A is the first plan given, B the second, … on every page; ``title`` and ``purpose`` (the planner's)
    head the first page.
    """
    plans = check_options(area, plans)
    results = [evaluate(area, p) for p in plans]
    total = len(plans) + 4
    every = [loc for plan in plans for loc in plan.localities]

    def label(n: int) -> str:
        return f"page {n} of {total}"

    figures = [comparison_page(area, plans, results, tolerance, generated, label(1), title=title, purpose=purpose,
                               technical_page=total - 1),
               pcn_page(area, plans, results, generated, label(2))]
    for i, (letter, plan) in enumerate(zip(LETTERS, plans)):
        figures.append(plan_figure(area, plan, title=f"Option {letter}: {plan.name}", generated=generated,
                                   page_label=label(3 + i), among=every))
    figures.append(technical_page(area, plans, results, generated, label(total - 1)))
    figures.append(notes_page(area, tolerance, generated, label(total)))
    return figures


PDF_FONTS = {"pdf.fonttype": 42, "ps.fonttype": 42, "text.parse_math": False}
"""TrueType fonts (type 42) keep the text searchable and copyable. Matplotlib 3.11 starts a second copy of a font
for characters past the first block of ``ps.fonttype``'s size (256 for its default, 3): at 42 the dashes, true minus
signs and bullets stay in the first copy."""


def without_ligatures(fig: Figure) -> Figure:
    """Set the figure's one-line texts without ligatures ("fi", "ff"), which matplotlib embeds as another copy of the
    font (it passes no font features for a text of several lines, so those keep theirs).

    Each copy of a font costs about 0.1 s of subsetting: the pack now embeds three copies instead of four.
    """
    for text in fig.findobj(Text):
        if text.get_fontfeatures() is None:
            text.set_fontfeatures(("-liga",))
    return fig


def briefing_pdf_bytes(area: StudyArea, plans: Plan | Sequence[Plan], *, tolerance: float = DEFAULT_TOLERANCE,
                       generated: dt.date | None = None, title: str | None = None,
                       purpose: str | None = None) -> bytes:
    """The briefing pack as PDF bytes (for the app's download button)."""
    with rc_context({"text.parse_math": False}):  # names from data are plain text: a "$" is never mathematics
        figures = briefing_figures(area, plans, tolerance=tolerance, generated=generated, title=title,
                                   purpose=purpose)
    names = [p.name for p in ([plans] if isinstance(plans, Plan) else plans)]
    buffer = io.BytesIO()
    metadata = {"Title": title or f"Locality options for {area.manifest.short_name}: briefing pack",
                "Subject": "; ".join(names), "Author": "localign", "Creator": "localign",
                "Keywords": "localities, wards, PCN, population balance"}
    with rc_context(PDF_FONTS), PdfPages(buffer, metadata=metadata) as pdf:
        for fig in figures:
            pdf.savefig(without_ligatures(fig))
    return buffer.getvalue()


def briefing_pdf(area: StudyArea, plans: Plan | Sequence[Plan], path: str | Path, *,
                 tolerance: float = DEFAULT_TOLERANCE, title: str | None = None, purpose: str | None = None) -> Path:
    """Write the briefing pack for 1–4 options to ``path`` and return it."""
    plans = check_options(area, plans)
    return write_bytes(briefing_pdf_bytes(area, plans, tolerance=tolerance, title=title, purpose=purpose), path,
                       (".pdf",))


__all__ = ["DEFAULT_TOLERANCE", "MAX_OPTIONS", "briefing_figures", "briefing_pdf", "briefing_pdf_bytes"]
