"""Figure furniture shared by the PNG map and the PDF pack: a 16:9 page measured in inches, a title block,
wrapped text columns, tables with colour swatches, the north arrow, the scale bar and the footer of
assumptions, sources and date.

Figures are plain ``matplotlib.figure.Figure`` objects drawn on an Agg canvas (never pyplot), so they
are safe to build from the app's threads and need no display, browser or network.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from pyproj import Transformer

from analysis.metrics.definitions import with_true_minus
from geo.bundle import StudyArea
from geo.crs import LONLAT_CRS, METRIC_CRS

PAGE_SIZE = (40 / 3, 7.5)
"""Page size in inches: a 16:9 widescreen slide (PowerPoint's default)."""

PNG_DPI = 192
"""Dots per inch of PNG maps: 13⅓ × 7.5 in gives 2560 × 1440 pixels (exactly 16:9)."""

MARGIN = 0.35
INK = "#222222"
MUTED = "#555555"
RULE = "#BBBBBB"
ROW_SHADE = "#F3F3F3"
FONT = "DejaVu Sans"

TITLE_SIZE = 20
SUBTITLE_SIZE = 11.5
HEADING_SIZE = 12
BODY_SIZE = 10
SMALL_SIZE = 8


class PageCanvas(FigureCanvasAgg):
    """An Agg canvas that draws a page only when it is saved: a request to redraw "when idle" is ignored.

    geopandas asks for an idle redraw after each layer it plots; on an Agg canvas that renders the whole page, three
    times per map (about 0.1 s a map), though nothing ever shows the page between layers.
    """

    def draw_idle(self, *args, **kwargs) -> None:
        """Nothing: no page is on screen, so nothing needs redrawing until it is saved."""


def new_figure() -> Figure:
    """A blank 16:9 page on an Agg canvas (white background, the project's font)."""
    fig = Figure(figsize=PAGE_SIZE, facecolor="white")
    PageCanvas(fig)
    return fig


def today(generated: dt.date | None = None) -> str:
    """The production date as people write it, e.g. '30 November 2026'."""
    day = generated or dt.date.today()
    return f"{day.day} {day:%B %Y}"


def signed_percent(value: float, digits: int = 1) -> str:
    """A signed percentage with a true minus sign, e.g. '+2.1%' or '−6.2%'."""
    return with_true_minus(f"{value:+.{digits}%}")


WIDTH_SLACK = 1.01
"""Measured widths are taken 1 % wide, so hinting at another resolution never pushes a line past its column."""


@lru_cache(maxsize=1)
def _renderer() -> RendererAgg:
    return RendererAgg(10, 10, PNG_DPI)


@lru_cache(maxsize=50_000)
def text_width(text: str, size: float, weight: str = "normal", style: str = "normal") -> float:
    """Width of one line of text in inches when set in the project's font, measured at the PNG's resolution (at 72
    dots per inch small type is hinted up to 6 % narrower than it prints; cached: measuring is slow)."""
    prop = FontProperties(family=FONT, size=size, weight=weight, style=style)
    width, _, _ = _renderer().get_text_width_height_descent(text, prop, ismath=False)
    return width / PNG_DPI * WIDTH_SLACK


def _space_width(size: float, weight: str) -> float:
    return text_width("n n", size, weight) - text_width("nn", size, weight)


def wrap(text: str, size: float, width: float, weight: str = "normal") -> list[str]:
    """Break text into lines no wider than ``width`` inches (words are never split).

    Words are measured once each and joined with the width of a space, so long notes wrap quickly.
    """
    space = _space_width(size, weight)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, line_w = "", 0.0
        for word in paragraph.split():
            word_w = text_width(word, size, weight)
            if line and line_w + space + word_w > width:
                lines.append(line)
                line, line_w = word, word_w
            else:
                line, line_w = (f"{line} {word}", line_w + space + word_w) if line else (word, word_w)
        lines.append(line)
    return lines


def line_height(size: float, spacing: float = 1.3) -> float:
    """Baseline-to-baseline distance in inches for text of ``size`` points."""
    return size * spacing / 72.0


@dataclass
class Page:
    """A figure addressed in inches from its lower-left corner."""

    fig: Figure = field(default_factory=new_figure)

    @property
    def width(self) -> float:
        return float(self.fig.get_figwidth())

    @property
    def height(self) -> float:
        return float(self.fig.get_figheight())

    def text(self, x: float, y: float, s: str, size: float = BODY_SIZE, **kwargs) -> Text:
        """Place text at (x, y) inches; ``va`` defaults to 'top', colour to ink."""
        kwargs.setdefault("va", "top")
        kwargs.setdefault("color", INK)
        return self.fig.text(x / self.width, y / self.height, s, fontsize=size, family=FONT,
                             parse_math=False, **kwargs)

    def rect(self, x: float, y: float, w: float, h: float, **kwargs) -> Rectangle:
        """A rectangle with its lower-left corner at (x, y) inches."""
        patch = Rectangle((x / self.width, y / self.height), w / self.width, h / self.height,
                          transform=self.fig.transFigure, **kwargs)
        self.fig.add_artist(patch)
        return patch

    def line(self, xs: Sequence[float], ys: Sequence[float], **kwargs) -> Line2D:
        """A line through points given in inches."""
        artist = Line2D([x / self.width for x in xs], [y / self.height for y in ys],
                        transform=self.fig.transFigure, **kwargs)
        self.fig.add_artist(artist)
        return artist

    def axes(self, left: float, bottom: float, width: float, height: float, **kwargs):
        """Axes occupying the given box in inches."""
        return self.fig.add_axes((left / self.width, bottom / self.height, width / self.width,
                                  height / self.height), **kwargs)


class DryPage(Page):
    """A page that only measures: Column layouts run on it to find their height before drawing."""

    def text(self, *args, **kwargs):  # type: ignore[override]
        return None

    def rect(self, *args, **kwargs):  # type: ignore[override]
        return None

    def line(self, *args, **kwargs):  # type: ignore[override]
        return None


def title_block(page: Page, title: str, subtitle: str) -> float:
    """Draw the title and subtitle at the top left; return the y (inches) where content may start."""
    top = page.height - MARGIN
    width = page.width - 2 * MARGIN
    size = TITLE_SIZE
    while text_width(title, size, "bold") > width and size > 12:
        size -= 1
    page.text(MARGIN, top, title, size, weight="bold", gid="title")
    y = top - line_height(size, 1.25)
    lines = wrap(subtitle, SUBTITLE_SIZE, width)
    page.text(MARGIN, y, "\n".join(lines), SUBTITLE_SIZE, color=MUTED, linespacing=1.3, gid="subtitle")
    y -= line_height(SUBTITLE_SIZE) * len(lines) + 0.08
    page.line([MARGIN, page.width - MARGIN], [y, y], color=RULE, linewidth=0.8)
    return y - 0.12


@dataclass
class Column:
    """A column of stacked blocks (headings, paragraphs, tables, key items) filled top to bottom."""

    page: Page
    left: float
    top: float
    width: float
    y: float = 0.0
    overflow: bool = False
    """Set when a table came out wider than the column."""

    def __post_init__(self) -> None:
        self.y = self.top

    def space(self, inches: float) -> None:
        self.y -= inches

    def heading(self, text: str, size: float = HEADING_SIZE, gid: str | None = None) -> None:
        if self.y < self.top:
            self.space(0.07)
        lines = wrap(text, size, self.width, "bold")
        self.page.text(self.left, self.y, "\n".join(lines), size, weight="bold", gid=gid, linespacing=1.25)
        self.y -= line_height(size, 1.25) * (len(lines) - 1) + line_height(size, 1.45)

    def paragraph(self, text: str, size: float = BODY_SIZE, color: str = INK, indent: float = 0.0,
                  bullet: str = "", gid: str | None = None) -> None:
        """Wrapped text; a bullet hangs in the left margin of the indent."""
        lines = wrap(text, size, self.width - indent)
        if bullet:
            self.page.text(self.left + indent - 0.15, self.y, bullet, size, color=color)
        self.page.text(self.left + indent, self.y, "\n".join(lines), size, color=color, linespacing=1.3,
                       gid=gid)
        self.y -= line_height(size) * len(lines) + size / 72.0 * 0.35

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]], align: Sequence[str],
              widths: Sequence[float] | None = None, size: float = BODY_SIZE,
              swatches: Sequence[str | None] | None = None, bold: Sequence[bool] | None = None,
              gid: str | None = None, cell_colours: Sequence[Sequence[str | None]] | None = None,
              stretch: int | None = None, cell_bold: Sequence[Sequence[bool]] | None = None) -> float:
        """A table with a ruled header, shaded alternate rows and optional colour swatches in the first column.

        ``align`` is 'left' or 'right' per column; ``widths`` (inches) default to the widest cell of each
        column, and column ``stretch`` (if given) takes whatever width of the column is left.
        """
        row_h = line_height(size, 1.55)
        swatch_w = 0.28 if swatches else 0.0
        if widths is None:
            widths = column_widths(header, rows, size)
        if stretch is not None:
            widths = list(widths)
            widths[stretch] += max(0.0, self.width - swatch_w - sum(widths))
        total = swatch_w + sum(widths)
        self.overflow |= total > self.width + 1e-6

        def cells(values: Sequence[str], y: float, weights: Sequence[str], colour: str) -> None:
            x = self.left + swatch_w
            for value, w, a, weight in zip(values, widths, align, weights):
                tx = x + (w - 0.06 if a == "right" else 0.0)
                self.page.text(tx, y - row_h / 2, value, size, ha=a, va="center_baseline", weight=weight,
                               color=colour, gid=gid)
                x += w

        header_lines = max(str(h).count("\n") + 1 for h in header)
        header_h = row_h + line_height(size, 1.2) * (header_lines - 1)
        x = self.left + swatch_w
        for value, w, a in zip(header, widths, align):
            self.page.text(x + (w - 0.06 if a == "right" else 0.0), self.y - header_h + row_h * 0.28, value,
                           size, ha=a, va="baseline", weight="bold", color=MUTED, gid=gid, linespacing=1.2,
                           multialignment=a)
            x += w
        self.y -= header_h
        self.page.line([self.left, self.left + total], [self.y, self.y], color=RULE, linewidth=0.8)
        for i, row in enumerate(rows):
            if i % 2 == 1:
                self.page.rect(self.left, self.y - row_h, total, row_h, facecolor=ROW_SHADE, edgecolor="none",
                               zorder=-1)
            if cell_colours:
                x = self.left + swatch_w
                for colour, w in zip(cell_colours[i], widths):
                    if colour:
                        self.page.rect(x, self.y - row_h, w, row_h, facecolor=colour, edgecolor="none",
                                       zorder=-0.5)
                    x += w
            if swatches and swatches[i]:
                pad = row_h * 0.18
                self.page.rect(self.left + 0.02, self.y - row_h + pad, swatch_w - 0.1, row_h - 2 * pad,
                               facecolor=swatches[i], edgecolor="#333333", linewidth=0.6, gid="legend-swatch")
            weights = ["bold" if (bold and bold[i]) or (cell_bold and cell_bold[i][c]) else "normal"
                       for c in range(len(row))]
            cells(row, self.y, weights, INK)
            self.y -= row_h
        self.page.line([self.left, self.left + total], [self.y, self.y], color=RULE, linewidth=0.8)
        self.y -= 0.1
        return total

    def key_item(self, kind: str, label: str, size: float = BODY_SIZE, x: float | None = None,
                 **style) -> None:
        """One entry of the map key: a 'patch', 'line' or 'marker' symbol followed by its label."""
        x = self.left if x is None else x
        row_h = line_height(size, 1.5)
        mid = self.y - row_h / 2
        if kind == "patch":
            self.page.rect(x + 0.02, mid - 0.08, 0.3, 0.16, **style)
        elif kind == "line":
            self.page.line([x + 0.02, x + 0.32], [mid, mid], **style)
        else:
            self.page.line([x + 0.17], [mid], linestyle="none", **style)
        self.page.text(x + 0.42, mid, label, size, va="center_baseline")
        self.y -= row_h


def two_lines(name: str, longest: int = 12) -> str:
    """Split a long name onto two lines at the space nearest its middle."""
    if len(name) <= longest or " " not in name:
        return name
    spaces = [i for i, c in enumerate(name) if c == " "]
    cut = min(spaces, key=lambda i: abs(i - len(name) / 2))
    return name[:cut] + "\n" + name[cut + 1:]


def column_widths(header: Sequence[str], rows: Sequence[Sequence[str]], size: float,
                  gap: float = 0.22) -> list[float]:
    """Each column's width in inches: its widest cell (the header in bold) plus a gap."""
    widths = [max(text_width(line, size, "bold") for line in str(h).split("\n")) for h in header]
    for row in rows:
        widths = [max(w, max(text_width(line, size) for line in str(c).split("\n")))
                  for w, c in zip(widths, row)]
    return [w + gap for w in widths]


def plural(word: str) -> str:
    """English plural of a unit or locality label ('ward' → 'wards', 'locality' → 'localities')."""
    if word.endswith("y") and word[-2:-1] not in tuple("aeiou"):
        return word[:-1] + "ies"
    return word if word.endswith("s") else word + "s"


def footer(page: Page, notes: Sequence[str], attribution: str, generated: dt.date | None,
           page_label: str = "", size: float = SMALL_SIZE) -> float:
    """Draw assumption notes (if any), the attribution and the date at the foot; return the footer's top (inches)."""
    width = page.width - 2 * MARGIN
    stamp = f"Produced {today(generated)} with localign" + (f"  ·  {page_label}" if page_label else "")
    stamp_w = text_width(stamp, size) + 0.3
    note_lines: list[str] = []
    for note in notes:
        wrapped = wrap(note, size, width - 0.15)
        note_lines += ["• " + wrapped[0], *("   " + line for line in wrapped[1:])]
    source_lines = wrap(attribution, size, width - stamp_w)
    y = MARGIN + line_height(size) * len(source_lines)
    page.text(MARGIN, y, "\n".join(source_lines), size, color=MUTED, linespacing=1.3, gid="attribution")
    page.text(page.width - MARGIN, MARGIN + line_height(size), stamp, size, color=MUTED, ha="right", gid="date")
    if note_lines:
        y += 0.06 + line_height(size) * len(note_lines)
        page.text(MARGIN, y, "\n".join(note_lines), size, linespacing=1.3, gid="assumptions")
        y += line_height(size, 1.5)
        page.text(MARGIN, y, "Assumptions", size, weight="bold", gid="assumptions-heading")
    y += 0.1
    page.line([MARGIN, page.width - MARGIN], [y, y], color=RULE, linewidth=0.8)
    return y + 0.12


# --- map furniture (axes in EPSG:27700 metres) ------------------------------------------------------

def _nice_length(target_m: float) -> float:
    """The largest 1, 2 or 5 × 10^n metres not above ``target_m``."""
    exponent = math.floor(math.log10(target_m))
    for step in (5, 2, 1):
        if step * 10 ** exponent <= target_m:
            return step * 10 ** exponent
    return 10 ** exponent


def scale_bar(ax, fraction: float = 0.25, size: float = SMALL_SIZE + 1) -> float:
    """Draw a two-segment scale bar in kilometres at the map's lower left; return its length in metres.

    The axes must be in a metric CRS (EPSG:27700) with equal aspect, so a data metre is a ground metre.
    """
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length((x1 - x0) * fraction)
    height = (y1 - y0) * 0.011
    left, base = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.045
    half = length / 2
    for i, colour in enumerate(("#222222", "white")):
        ax.add_patch(Rectangle((left + i * half, base), half, height, facecolor=colour, edgecolor="#222222",
                               linewidth=0.8, zorder=20, gid="scale-bar"))
    label = (lambda m: f"{m / 1000:g}")
    for i, metres in enumerate((0.0, half, length)):
        text = label(metres) + (" km" if i == 2 else "")
        ax.text(left + metres, base + height * 1.6, text, fontsize=size, ha="center", va="bottom", zorder=20,
                family=FONT, parse_math=False, gid="scale-bar")
    return length


def true_north_angle(area: StudyArea) -> float:
    """Angle in degrees (anticlockwise from the map's grid up) at which true north points at the area's centre."""
    centre = area.outline.centroid
    return _true_north_at(centre.x, centre.y)


@lru_cache(maxsize=64)
def _true_north_at(x0: float, y0: float) -> float:
    """True north's angle at a point of the metric grid (kept: making the two transformers takes about 0.1 s)."""
    to_lonlat = Transformer.from_crs(METRIC_CRS, LONLAT_CRS, always_xy=True)
    to_metric = Transformer.from_crs(LONLAT_CRS, METRIC_CRS, always_xy=True)
    lon, lat = to_lonlat.transform(x0, y0)
    x, y = to_metric.transform(lon, lat + 0.01)
    return math.degrees(math.atan2(-(x - x0), y - y0))


def north_arrow(ax, area: StudyArea, size: float = 13) -> None:
    """Draw a north arrow at the map's upper right, turned to true north (grid convergence in EPSG:27700)."""
    angle = math.radians(true_north_angle(area))
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = (y1 - y0) * 0.07
    cx, cy = x1 - (x1 - x0) * 0.05, y1 - (y1 - y0) * 0.15
    dx, dy = -math.sin(angle) * length, math.cos(angle) * length
    ax.annotate("", xy=(cx + dx / 2, cy + dy / 2), xytext=(cx - dx / 2, cy - dy / 2), zorder=20,
                arrowprops={"arrowstyle": "-|>,head_length=0.9,head_width=0.45", "color": "#222222", "lw": 2.2},
                gid="north-arrow")
    ax.text(cx + dx * 0.62, cy + dy * 0.62, "N", fontsize=size, fontweight="bold", ha="center", va="bottom",
            zorder=20, family=FONT, gid="north-arrow")
