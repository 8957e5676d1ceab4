"""Chart specifications (Altair / Vega-Lite) for the app: balance on several measures with the tolerance band, and the
Pareto front (the population balance alone is drawn in HTML: analysis.present.html_panels).

Charts are built from plain data, use the locality palette, and need no network (Vega-Lite ships with Streamlit).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt
import pandas as pd

from analysis.metrics.evaluate import Evaluation
from analysis.present.palette import OUTLINE, TOLERANCE_BAND

PARETO_SELECTION = "option"
"""Name of the point selection on the Pareto chart (the app reads the chosen option from it)."""


def d3_format(fmt: str) -> str:
    """The Vega/d3 number format matching a metric's Python format ('{:.2%}' → '.2%', '{:,.0f}' → ',.0f')."""
    inner = fmt.strip("{}").lstrip(":")
    return {"d": "d", ",d": ",d", "": ""}.get(inner, inner)


def metric_tooltips(keys: Sequence[str]) -> list[alt.Tooltip]:
    """Tooltip rows for metric columns, with each metric's title and format from analysis.metrics.definitions."""
    from analysis.metrics.definitions import metric

    tips = []
    for key in keys:
        m = metric(key)
        fmt = d3_format(m.fmt)
        tips.append(alt.Tooltip(f"{key}:Q", title=m.title, format=fmt) if fmt else alt.Tooltip(key, title=m.title))
    return tips


def measures_frame(evaluation: Evaluation, titles: Mapping[str, str]) -> pd.DataFrame:
    """Deviation per locality and balance measure (rows), in the plan's order."""
    return pd.DataFrame([{"Locality": loc, "Measure": titles.get(m, m), "Deviation": devs[loc]}
                         for m, devs in evaluation.deviations_by_measure.items() for loc in evaluation.localities])


def measures_height(k: int, measures: int) -> int:
    """Pixel height to give the per-measure balance chart on screen (bars, axis and legend)."""
    return 90 + 26 * k * measures


def measures_chart(evaluation: Evaluation, tolerance: float, titles: Mapping[str, str],
                   height: int | None = None) -> alt.LayerChart:
    """Each locality's deviation from an equal share of every balance measure (one bar per measure), with the
    ±tolerance band: the bound applies to each measure."""
    short = {key: title.split(" (")[0] for key, title in titles.items()}  # full titles go in the caption
    frame = measures_frame(evaluation, short)
    order = list(evaluation.localities)
    measures = list(dict.fromkeys(frame["Measure"]))
    frame["Label"] = [f"{d:+.1%}" for d in frame["Deviation"]]
    y = alt.Y("Locality:N", sort=order, title=None, axis=alt.Axis(labelFontSize=12, labelLimit=140))
    band = alt.Chart(pd.DataFrame({"low": [-tolerance], "high": [tolerance],
                                   "what": [f"Within ±{tolerance:.0%} of an equal share"]})).mark_rect(
        color=TOLERANCE_BAND, opacity=0.7).encode(x="low:Q", x2="high:Q", tooltip=alt.Tooltip("what:N", title="Band"))
    palette = ["#4C72B0", "#DD8452", "#55A868", "#8172B3", "#937860", "#DA8BC3"]
    bars = alt.Chart(frame).mark_bar(stroke=OUTLINE, strokeWidth=0.5).encode(
        x=alt.X("Deviation:Q", title="Deviation from an equal share", axis=alt.Axis(format="+.0%")),
        y=y, yOffset=alt.YOffset("Measure:N", sort=measures),
        color=alt.Color("Measure:N", sort=measures, scale=alt.Scale(domain=measures,
                                                                     range=palette[:len(measures)]),
                        legend=alt.Legend(orient="top", direction="horizontal", title=None, labelLimit=220)),
        tooltip=[alt.Tooltip("Locality:N"), alt.Tooltip("Measure:N"),
                 alt.Tooltip("Deviation:Q", format="+.1%", title="Deviation from equal share")])
    rule = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color=OUTLINE, strokeWidth=1.2).encode(x="zero:Q")
    chart = alt.layer(band, bars, rule).properties(
        height=height or 26 * len(order) * max(1, len(measures)))
    return chart.configure_view(stroke=None)


def pareto_chart(frame: pd.DataFrame, x: str, y: str, x_title: str, y_title: str, *,
                 colour: str | None = None, colour_title: str | None = None,
                 tooltip: Sequence[str | alt.Tooltip] = (),
                 x_format: str = ".1%", y_format: str = ".1%", colour_format: str = ".0%", chosen: int | None = None,
                 height: int = 360) -> alt.LayerChart:
    """An interactive scatter of options (one row each, column ``option`` = its number); a click selects one.

    ``chosen`` rings the option currently shown on the map.
    """
    selection = alt.selection_point(name=PARETO_SELECTION, fields=["option"], on="click", clear=False)
    encodings = {
        "x": alt.X(f"{x}:Q", title=x_title, axis=alt.Axis(format=x_format), scale=alt.Scale(zero=False)),
        "y": alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=y_format), scale=alt.Scale(zero=False)),
        "tooltip": [alt.Tooltip("option:O", title="Option"),
                    *[alt.Tooltip(t) if isinstance(t, str) else t for t in tooltip]],
        "size": alt.condition(selection, alt.value(160), alt.value(70)),
        "opacity": alt.condition(selection, alt.value(1.0), alt.value(0.75)),
    }
    if colour:
        encodings["color"] = alt.Color(f"{colour}:Q", title=colour_title or colour,
                                       scale=alt.Scale(scheme="viridis", reverse=True),
                                       legend=alt.Legend(format=colour_format))
    points = alt.Chart(frame).mark_circle(stroke=OUTLINE, strokeWidth=0.6).encode(**encodings).add_params(selection)
    layers = [points]
    if chosen is not None and "option" in frame and (frame["option"] == chosen).any():
        ring = alt.Chart(frame[frame["option"] == chosen]).mark_point(
            shape="circle", size=420, stroke="#000000", strokeWidth=2, filled=False).encode(
            x=f"{x}:Q", y=f"{y}:Q")
        layers.append(ring)
    return alt.layer(*layers).properties(height=height).configure_view(stroke=None)


def selected_option(state) -> int | None:
    """The option number chosen on a Pareto chart, from the state ``st.altair_chart(on_select=...)`` returns."""
    try:
        points = state["selection"][PARETO_SELECTION]
    except (KeyError, TypeError):
        return None
    if isinstance(points, list) and points and isinstance(points[0], dict) and "option" in points[0]:
        return int(points[0]["option"])
    return None
