"""Chart specifications (Altair / Vega-Lite) for the app: population balance with its tolerance band, and the Pareto front.

Charts are built from plain data, use the locality palette, and need no network (Vega-Lite ships with Streamlit).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import threading
from collections.abc import Mapping, Sequence

import altair as alt
import pandas as pd

from analysis.metrics.evaluate import Evaluation
from analysis.present.palette import OUTLINE, TOLERANCE_BAND, locality_colours

PARETO_SELECTION = "option"
"""Name of the point selection on the Pareto chart (the app reads the chosen option from it)."""


def balance_height(k: int) -> int:
    """Pixel height to give the balance chart of k localities on screen (bars, labels and the axis)."""
    return 70 + 38 * k


def balance_frame(evaluation: Evaluation) -> pd.DataFrame:
    """Residents and deviation per locality, in the plan's order."""
    return pd.DataFrame({
        "Locality": evaluation.localities,
        "Residents": [evaluation.populations[loc] for loc in evaluation.localities],
        "Deviation": [evaluation.deviations[loc] for loc in evaluation.localities],
    })


BALANCE_DATA = ("band", "localities", "equal")
"""The named datasets of the balance chart: the tolerance band, one row per locality, the equal-share line."""


def balance_data(evaluation: Evaluation, tolerance: float) -> dict[str, pd.DataFrame]:
    """The balance chart's data, by dataset name: band edges, residents and labels per locality, the equal share."""
    frame = balance_frame(evaluation)
    ideal = evaluation.ideal
    frame["Label"] = [f"{r:,.0f} ({d:+.1%})" for r, d in zip(frame["Residents"], frame["Deviation"])]
    frame["Within band"] = frame["Deviation"].abs() <= tolerance + 1e-12
    return {"band": pd.DataFrame({"low": [ideal * (1 - tolerance)], "high": [ideal * (1 + tolerance)],
                                  "what": [f"Within ±{tolerance:.0%} of an equal share"]}),
            "localities": frame,
            "equal": pd.DataFrame({"equal": [ideal], "what": [f"Equal share: {ideal:,.0f}"]})}


def balance_chart(evaluation: Evaluation, tolerance: float, colours: Mapping[str, str] | None = None,
                  height: int | None = None) -> alt.LayerChart:
    """Residents per locality as bars, the equal share as a line and the ±tolerance band around it."""
    order = tuple(evaluation.localities)
    colours = dict(colours or locality_colours(evaluation.localities))
    return _balance_layers(order, colours, height, balance_data(evaluation, tolerance))


def _balance_layers(order: tuple[str, ...], colours: Mapping[str, str], height: int | None,
                    data: Mapping[str, pd.DataFrame | alt.NamedData]) -> alt.LayerChart:
    """The balance chart's layers over the given data (data frames, or named datasets filled in later)."""
    y = alt.Y("Locality:N", sort=list(order), title=None, axis=alt.Axis(labelFontSize=12, labelOverlap=False,
                                                                         labelLimit=140))
    band = alt.Chart(data["band"]).mark_rect(color=TOLERANCE_BAND, opacity=0.7).encode(
        x="low:Q", x2="high:Q", tooltip=alt.Tooltip("what:N", title="Band"))
    bars = alt.Chart(data["localities"]).mark_bar(stroke=OUTLINE, strokeWidth=0.6, height={"band": 0.7}).encode(
        x=alt.X("Residents:Q", title="Residents", axis=alt.Axis(format=",.0f"),
                scale=alt.Scale(domainMin=0, nice=True)),
        y=y,
        color=alt.Color("Locality:N", scale=alt.Scale(domain=list(order), range=[colours[loc] for loc in order]),
                        legend=None),
        tooltip=[alt.Tooltip("Locality:N"), alt.Tooltip("Residents:Q", format=",.0f"),
                 alt.Tooltip("Deviation:Q", format="+.1%", title="Deviation from equal share")],
    )
    labels = alt.Chart(data["localities"]).mark_text(align="left", dx=5, fontSize=12, fontWeight="bold").encode(
        x=alt.datum(0), y=y, text="Label:N",
        color=alt.condition(alt.datum["Within band"], alt.value("#222222"), alt.value("#B2182B")))
    rule = alt.Chart(data["equal"]).mark_rule(color=OUTLINE, strokeDash=[5, 3], strokeWidth=1.5).encode(
        x="equal:Q", tooltip=alt.Tooltip("what:N", title=""))
    chart = alt.layer(band, bars, labels, rule).properties(height=height or max(120, 44 * len(order)))
    return chart.configure_view(stroke=None)


@functools.lru_cache(maxsize=64)
def _balance_template(order: tuple[str, ...], colours: tuple[str, ...], height: int | None) -> dict:
    """The balance chart's Vega-Lite spec over named datasets, built and validated by Altair once per layout (Altair
    takes about 0.1 s to build and check it, which a ward move should not pay)."""
    chart = _balance_layers(order, dict(zip(order, colours)), height, {n: alt.NamedData(n) for n in BALANCE_DATA})
    from streamlit.elements import vega_charts  # Streamlit's lock over Altair's global theme

    with getattr(vega_charts, "_altair_globals_lock", threading.Lock()):
        with alt.theme.enable("none") if alt.theme.active == "default" else contextlib.nullcontext():
            return chart.to_dict()  # as st.altair_chart converts it: without Altair's default chart size


def balance_spec(evaluation: Evaluation, tolerance: float, colours: Mapping[str, str] | None = None,
                 height: int | None = None) -> dict:
    """The balance chart as a Vega-Lite spec for st.vega_lite_chart: a kept layout with this plan's data."""
    order = tuple(evaluation.localities)
    colours = dict(colours or locality_colours(evaluation.localities))
    spec = copy.deepcopy(_balance_template(order, tuple(colours[loc] for loc in order), height))
    spec["datasets"] = balance_data(evaluation, tolerance)
    return spec


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
