"""Panels of the app's first screen written as plain HTML: the population balance as bars against the tolerance band,
key figures as cards, and tables of figures.

They show the same figures as a chart or a data grid would, but the browser has no chart or grid code to fetch and
start for them (about 2 MB of script), so a planner's first screen is drawn sooner and a ward move redraws less. Every
text from data is escaped (``html_text``); colours come from the palette.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import pandas as pd

from analysis.metrics.definitions import MetricDefinition, metric, with_true_minus
from analysis.metrics.evaluate import Evaluation
from analysis.present.palette import OUTLINE, TOLERANCE_BAND, locality_colours
from analysis.present.views import Figure
from geo.escape import html_text

OUT_OF_BAND = "#B2182B"
"""Deviations outside the tolerance band are written in this red (as on the balance chart of the PDF)."""

BAR_HEADROOM = 1.08
"""The bar track runs to 8 % past the larger of the biggest locality and the top of the band."""


def balance_bars_html(evaluation: Evaluation, tolerance: float, colours: Mapping[str, str] | None = None) -> str:
    """The balance chart as an HTML table: each locality's bar in its colour over the grey ±tolerance band, the
    dashed equal-share line, then its residents and deviation (red when outside the band)."""
    colours = dict(colours or locality_colours(evaluation.localities))
    residents, deviation, ideal = metric("populations"), metric("deviations"), evaluation.ideal
    top = max(max(evaluation.populations.values()), ideal * (1 + tolerance)) * BAR_HEADROOM  # the track's right end
    band = (f'<div class="band" style="left:{ideal * (1 - tolerance) / top:.2%};width:{2 * ideal * tolerance / top:.2%};'
            f'background:{TOLERANCE_BAND}"></div>')
    equal_line = f'<div class="equal" style="left:{ideal / top:.2%};border-color:{OUTLINE}"></div>'
    equal = html_text(f"{metric('ideal').title}: {metric('ideal').format(ideal)} residents (dashed line)")
    head = (f'<tr><th>Locality</th><th class="bar" title="{equal}">Against an equal share</th>'
            f'<th class="v" title="{html_text(residents.meaning)}">Residents</th>'
            f'<th class="v" title="{html_text(deviation.meaning)}">Deviation</th></tr>')
    rows = []
    for loc in evaluation.localities:
        people, colour = evaluation.populations[loc], colours[loc]
        shown = with_true_minus(deviation.format(evaluation.deviations[loc]))
        tip = html_text(f"{loc}: {people:,.0f} residents ({shown} against an equal share)")
        fill = f'<div class="fill" style="width:{people / top:.2%};background:{colour};border-color:{OUTLINE}"></div>'
        within = abs(evaluation.deviations[loc]) <= tolerance + 1e-12
        style = "" if within else f' style="color:{OUT_OF_BAND}"'
        rows.append(f'<tr><td class="name"><span class="swatch" style="background:{colour}"></span>{html_text(loc)}</td>'
                    f'<td class="bar"><div class="track" title="{tip}">{band}{fill}{equal_line}</div></td>'
                    f'<td class="v">{html_text(residents.format(people))}</td><td class="v"{style}>{html_text(shown)}</td></tr>')
    return f'<table class="localign-balance">{head}{"".join(rows)}</table>'


def figures_html(rows: Iterable[tuple[object, Sequence[object]]], head: Sequence[object] | None = None,
                 tips: Sequence[str] | None = None) -> str:
    """Labelled figures as the app's compact table: each row's label, then its figures right-aligned, under an
    optional header of column names; a row's meaning (``tips``) shows when pointed at. Every text is escaped."""
    def row(label: object, figures: Sequence[object], tip: str | None = None) -> str:
        title = f' title="{html_text(tip)}"' if tip else ""
        cells = "".join(f'<td class="v">{html_text(f)}</td>' for f in figures)
        return f"<tr{title}><td>{html_text(label)}</td>{cells}</tr>"

    rows = list(rows)
    top = row("", head) if head is not None else ""
    body = "".join(row(label, figures, tips[i] if tips else None) for i, (label, figures) in enumerate(rows))
    return f'<table class="localign-figures">{top}{body}</table>'


def key_figures_html(figures: Iterable[Figure], per_row: int = 4) -> str:
    """Key figures as bordered cards, ``per_row`` to a row: each its title over its value, its meaning shown when pointed
    at (the look of Streamlit's metric, without its script). Every text is escaped."""
    cards = "".join(f'<div class="localign-figure" title="{html_text(f.meaning)}"><div class="t">{html_text(f.title)}'
                    f'</div><div class="v">{html_text(f.value)}</div></div>' for f in figures)
    return f'<div class="localign-figures-grid" style="grid-template-columns:repeat({per_row},1fr)">{cards}</div>'


Formatter = Callable[[object], str]


def yes_no(value: object) -> str:
    return "Yes" if bool(value) else "No"


def table_html(frame: pd.DataFrame, formats: Mapping[str, Formatter] | None = None,
               meanings: Mapping[str, str] | None = None, colours: Mapping[str, str] | None = None) -> str:
    """A data frame as a plain HTML table: each column formatted by ``formats`` (else as text; numbers right-aligned),
    a header's meaning shown when pointed at, and a colour swatch before first-column values found in ``colours``."""
    formats, meanings, colours = dict(formats or {}), dict(meanings or {}), dict(colours or {})
    numeric = {c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])
               and not pd.api.types.is_bool_dtype(frame[c])}

    right = ' class="v"'

    def header(column: str) -> str:
        tip = f' title="{html_text(meanings[column])}"' if column in meanings else ""
        return f'<th{right if column in numeric else ""}{tip}>{html_text(column)}</th>'

    def cell(column: str, value: object, first: bool) -> str:
        text = html_text(formats[column](value) if column in formats else value)
        swatch = colours.get(str(value)) if first else None
        if swatch:
            text = f'<span class="swatch" style="background:{swatch}"></span>{text}'
        return f'<td{right if column in numeric else ""}>{text}</td>'

    columns = list(frame.columns)
    head = "<tr>" + "".join(header(c) for c in columns) + "</tr>"
    body = "".join("<tr>" + "".join(cell(c, v, i == 0) for i, (c, v) in enumerate(zip(columns, values))) + "</tr>"
                   for values in frame.itertuples(index=False, name=None))
    return f'<table class="localign-table">{head}{body}</table>'


def formatter(definition: MetricDefinition) -> Formatter:
    """Format values as a metric is formatted everywhere (its definition's format, with a true minus sign)."""
    return lambda value: with_true_minus(definition.format(value))


CONTINUES = "Continues (current, inferred)"


def locality_table_html(frame: pd.DataFrame, colours: Mapping[str, str] | None = None) -> str:
    """The Localities table (``views.locality_table``) as HTML, with each measure's format and meaning from the
    metric definitions."""
    measures = {"Residents": metric("populations"), "Deviation": metric("deviations"),
                "Polsby–Popper": metric("polsby_popper"), "Reock": metric("reock"),
                "Convex hull": metric("convex_hull")}
    formats: dict[str, Formatter] = {column: formatter(definition) for column, definition in measures.items()}
    formats.update({"Area (km²)": lambda v: f"{v:.2f}", "One piece": yes_no})
    meanings = {column: definition.meaning for column, definition in measures.items()}
    meanings[CONTINUES] = metric("matched_to_current").meaning
    shown = frame.rename(columns={"Continues": CONTINUES})
    return table_html(shown, formats, meanings, colours or locality_colours(frame["Locality"]))
