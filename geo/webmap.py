"""The interactive map (folium): wards coloured by locality, reference layers, a legend and tooltips, served offline.

Layers, each switchable in the map's layer control: the plan being examined (wards filled in their
locality's colour, locality boundaries drawn thick), ward names, the current localities (an inferred
assumption), the approximate PCN areas, GP practices, and optionally a street map (needs internet).
Colours and legend text come from the caller, so this module knows nothing about how plans are scored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import folium
import geopandas as gpd
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template
from shapely.geometry import Point

from geo.bundle import StudyArea
from geo.crs import LONLAT_CRS
from geo.escape import html_text
from geo.offline_assets import STATIC_URL, use_local_assets

BACKGROUND = "#F4F4F1"
"""Plain background behind the wards when no street map is shown (works offline)."""
WARD_EDGE = "#555555"
LOCALITY_EDGE = "#222222"
CURRENT_EDGE = "#000000"
HIGHLIGHT_EDGE = "#000000"
TEXT = "#1A1A1A"
DEFAULT_REFERENCE_COLOURS = {"pcn": "#882255", "practice": "#332288"}
"""Outline colours of the PCN and practice layers when the caller gives none (the app passes the palette's)."""
LEGEND_WIDTH = 250
"""Width of the legend box in pixels (the map keeps this much room for it on the right)."""
STREET_MAP_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
STREET_MAP_ATTRIBUTION = "&copy; OpenStreetMap contributors"

CURRENT_LAYER = "Current localities (inferred – an assumption)"
PCN_LAYER = "PCN areas (approximate)"
PRACTICE_LAYER = "GP practices"
NAMES_LAYER = "Ward names"
STREET_LAYER = "Street map (needs internet)"


@dataclass(frozen=True)
class LegendEntry:
    """One row of the map legend: a colour swatch, a label and an optional detail (e.g. residents)."""

    label: str
    colour: str
    detail: str = ""
    kind: str = "fill"
    """``fill`` (a filled square), ``line``, ``dash`` (a dashed line) or ``dot``."""


@dataclass(frozen=True)
class PlanLayer:
    """A plan to draw: each unit's locality, the locality colours, dissolved outlines and legend rows."""

    title: str
    labels: Mapping[str, str]
    colours: Mapping[str, str]
    outlines: gpd.GeoDataFrame | None = None
    legend: Sequence[LegendEntry] = ()
    note: str = ""
    """A line under the legend title, e.g. 'inferred – an assumption'."""


@dataclass(frozen=True)
class MapOptions:
    """Which layers are drawn and which of them start switched on."""

    ward_names: bool = True
    current: bool = True
    pcn: bool = False
    practices: bool = False
    street_map: bool = False
    """Offer a street-map background (loaded from the internet; off unless asked for)."""
    legend: bool = True
    highlight: tuple[str, ...] = ()
    highlight_label: str = "Selected ward"
    highlight_solid: bool = True
    """Outline highlighted wards with a solid line (a selection) or a dashed one (wards that move)."""
    label_only: tuple[str, ...] | None = None
    """Name only these units on the map (None: every unit)."""
    layer_control: bool = True
    height: int = 620
    static_url: str = STATIC_URL
    assumption_notes: Mapping[str, str] = field(default_factory=dict)
    """Short labels for the reference layers in the legend, keyed 'current' and 'pcn'."""


def _geojson(frame: gpd.GeoDataFrame) -> dict:
    """A GeoDataFrame as a GeoJSON dict in WGS84 with 6-decimal coordinates (about 10 cm)."""
    frame = frame.to_crs(LONLAT_CRS)
    frame = frame.set_geometry(frame.geometry.set_precision(1e-6))
    return json.loads(frame.to_json(drop_id=True))


def _pcn_shares(area: StudyArea) -> pd.Series:
    """Per unit, its residents' split across PCNs in words ('North PCN 80% · East PCN 20%')."""
    pcn = area.pcn
    if pcn is None:
        return pd.Series("—", index=area.units.index)
    people = pcn.people.reindex(area.units.index).fillna(0.0)
    if pcn.unassigned is not None:  # registered patients of practices in no listed PCN are shown, never dropped
        from geo.registrations import UNASSIGNED

        people = people.assign(**{UNASSIGNED: pcn.unassigned.reindex(area.units.index).fillna(0.0)})
    totals = people.sum(axis=1).where(lambda s: s > 0, 1.0)
    shares = people.div(totals, axis=0)

    def words(row: pd.Series) -> str:
        parts = [(name, share) for name, share in row.sort_values(ascending=False).items() if share >= 0.005]
        return " · ".join(f"{name} {share:.0%}" for name, share in parts) or "—"

    return shares.apply(words, axis=1)


def _pcn_label_points(area: StudyArea) -> list[tuple[str, Point]]:
    """Where each PCN's name goes on the web map: a point inside its (largest) area, in WGS84."""
    areas = area.pcn.areas
    name_column = next(c for c in areas.columns if c not in ("geometry", "sites", "share"))
    points = areas.geometry.representative_point().to_crs(LONLAT_CRS)
    return list(zip(areas[name_column], points))


def _cached(area: StudyArea, key: str, build) -> dict:
    """Static map data (GeoJSON that does not depend on the plan), built once per study area."""
    cache = area.cache.setdefault("webmap", {})
    if key not in cache:
        cache[key] = build()
    return cache[key]


TOOLTIP_FIELDS = ("name", "code", "residents", "locality_text", "current", "pcns")
"""Ward properties shown in the tooltip; each holds HTML-escaped text (Leaflet shows tooltips as HTML)."""


def _ward_features(area: StudyArea, labels: Mapping[str, str], fills: Mapping[str, str]) -> dict:
    """The ward GeoJSON of a plan: each ward's fill colour and escaped tooltip text; no raw text from data."""
    base = _cached(area, "wards", lambda: _escaped(_geojson(ward_properties(area, {}))))
    features = []
    for f in base["features"]:
        properties = {k: v for k, v in f["properties"].items() if k != "unit"}
        locality = labels.get(f["properties"]["unit"], "—")
        properties.update(fill=html_text(fills.get(locality, "#FFFFFF")), locality_text=html_text(locality))
        features.append({**f, "properties": properties})
    return {**base, "features": features}


def _escaped(document: dict) -> dict:
    """The tooltip fields of a ward GeoJSON as escaped HTML text; ``unit`` keeps the raw code for lookups."""
    for feature in document["features"]:
        properties = feature["properties"]
        properties["unit"] = properties["code"]
        for key in TOOLTIP_FIELDS:
            if key in properties:
                properties[key] = html_text(properties[key])
    return document


def ward_properties(area: StudyArea, labels: Mapping[str, str]) -> gpd.GeoDataFrame:
    """The ward layer with the fields its tooltip shows: name, code, residents, locality, current locality, PCNs."""
    units = area.units
    frame = gpd.GeoDataFrame({
        "code": units.index,
        "name": units["name"].to_numpy(),
        "residents": [f"{p:,.0f}" for p in area.population.reindex(units.index)],
        "locality": [labels.get(u, "—") for u in units.index],
        "current": (area.current.labels.reindex(units.index).fillna("—").to_numpy()
                    if area.current is not None else "—"),
        "pcns": _pcn_shares(area).to_numpy(),
    }, geometry=units.geometry.to_numpy(), crs=units.crs)
    return frame


class _MapDecoration(MacroElement):
    """A plain background and a legend control, written as Leaflet script inside the map."""

    _template = Template("""
{% macro header(this, kwargs) %}
<style>
.leaflet-container {font: 12.5px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;}
.leaflet-tooltip-pane {z-index: 1100;}
.leaflet-tooltip {font-size: 12px; padding: 4px 7px;}
.localign-pcn-label {font: italic 600 11px/1.15 sans-serif; text-align: center; text-shadow: 0 0 3px #fff, 0 0 3px #fff; pointer-events: none; white-space: normal;}
.leaflet-tooltip table {border-collapse: collapse;}
.leaflet-tooltip th {font-weight: 600; padding-right: 8px; text-align: left; vertical-align: top;}
.leaflet-control-layers-expanded {font-size: 12.5px; padding: 6px 8px;}
</style>
{% endmacro %}
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  map.getContainer().style.background = {{ this.background|tojson }};
  // fit the study area at once (no zoom animation), leaving room on the right for the legend
  map.fitBounds({{ this.bounds|tojson }}, {paddingTopLeft: [14, 14],
                paddingBottomRight: [{{ this.right_padding }}, 14], animate: false});
  {% if this.legend_html %}
  var legend = L.control({position: 'bottomright'});
  legend.onAdd = function () {
    var div = L.DomUtil.create('div', 'localign-legend');
    div.innerHTML = {{ this.legend_html|tojson }};
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  legend.addTo(map);
  {% endif %}
})();
{% endmacro %}
""")

    def __init__(self, legend_html: str, bounds: list[list[float]], background: str = BACKGROUND) -> None:
        super().__init__()
        self._name = "MapDecoration"
        self.legend_html = legend_html
        self.bounds = bounds
        self.right_padding = LEGEND_WIDTH + 24 if legend_html else 14
        self.background = background


def _swatch(entry: LegendEntry) -> str:
    colour = html_text(entry.colour)
    if entry.kind == "fill":
        style = f"background:{colour};border:1px solid {LOCALITY_EDGE};width:14px;height:14px"
    elif entry.kind == "dot":
        style = f"background:{colour};border:1px solid #fff;border-radius:50%;width:9px;height:9px;margin:0 2px"
    else:
        line = "dashed" if entry.kind == "dash" else "solid"
        style = f"border-top:3px {line} {colour};width:16px;height:0;margin-top:2px"
    return f'<span style="display:inline-block;flex:none;{style}"></span>'


def legend_html(title: str, entries: Sequence[LegendEntry], note: str = "") -> str:
    """The legend as HTML (every string escaped): title, an optional note, then one row per entry."""
    rows = []
    for entry in entries:
        detail = (f'<span style="color:#444;margin-left:auto;padding-left:10px;white-space:nowrap">'
                  f"{html_text(entry.detail)}</span>") if entry.detail else ""
        rows.append(f'<div style="display:flex;align-items:center;gap:6px;margin:2px 0">{_swatch(entry)}'
                    f"<span>{html_text(entry.label)}</span>{detail}</div>")
    note_html = f'<div style="color:#555;font-size:11px;margin-bottom:3px">{html_text(note)}</div>' if note else ""
    return ('<div style="background:rgba(255,255,255,0.94);padding:7px 10px;border-radius:4px;'
            'box-shadow:0 1px 4px rgba(0,0,0,.3);font:11.5px/1.35 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;'
            f'color:{TEXT};width:{LEGEND_WIDTH}px;box-sizing:border-box">'
            f'<div style="font-weight:600;margin-bottom:2px">{html_text(title)}</div>{note_html}{"".join(rows)}</div>')


def _label_icon(text: str) -> folium.DivIcon:
    halo = ",".join(f"{x}px {y}px 0 #fff" for x in (-1, 0, 1) for y in (-1, 0, 1) if x or y)
    style = (f"font:600 11px/1.1 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:{TEXT};"
             f"text-shadow:{halo};text-align:center;white-space:nowrap;transform:translate(-50%,-50%);"
             "pointer-events:none;position:absolute;left:0;top:0")
    return folium.DivIcon(html=f'<div style="{style}">{html_text(text)}</div>', icon_size=(0, 0),
                          icon_anchor=(0, 0), class_name="localign-ward-label")


def _practice_features(practices: gpd.GeoDataFrame, label: str | None, group: str | None) -> dict:
    """GP practices as GeoJSON points whose only property is their escaped tooltip text (name — PCN)."""
    points = practices.to_crs(LONLAT_CRS)
    texts = [" — ".join(str(row[c]) for c in (label, group) if c) for _, row in points.iterrows()]
    frame = gpd.GeoDataFrame({"text": [html_text(t) for t in texts]}, geometry=points.geometry.to_numpy(),
                             crs=LONLAT_CRS)
    return _geojson(frame)


def _current_outlines(area: StudyArea) -> gpd.GeoDataFrame:
    frame = area.units[["geometry"]].assign(locality=area.current.labels.reindex(area.units.index).to_numpy())
    return frame.dissolve(by="locality").reset_index()[["geometry"]]


def map_legend(area: StudyArea, plan: PlanLayer, options: MapOptions,
               reference_colours: Mapping[str, str] | None = None) -> list[LegendEntry]:
    """The legend rows of a map: the plan's localities, then each reference layer that starts switched on."""
    colours = {**DEFAULT_REFERENCE_COLOURS, **(reference_colours or {})}
    notes = options.assumption_notes
    entries = list(plan.legend)
    if area.current is not None and options.current:
        entries.append(LegendEntry(notes.get("current", "Current localities (inferred)"), CURRENT_EDGE, kind="dash"))
    if area.pcn is not None and area.pcn.areas is not None and options.pcn:
        entries.append(LegendEntry(notes.get("pcn", "PCN areas (approximate)"), colours["pcn"], kind="dash"))
    if len(area.points.get("practices", ())) and options.practices:
        entries.append(LegendEntry(PRACTICE_LAYER, colours["practice"], kind="dot"))
    if options.highlight:
        entries.append(LegendEntry(options.highlight_label, HIGHLIGHT_EDGE,
                                   kind="line" if options.highlight_solid else "dash"))
    return entries


def plan_map(area: StudyArea, plan: PlanLayer, options: MapOptions = MapOptions(),
             reference_colours: Mapping[str, str] | None = None) -> folium.Map:
    """One map of a plan over the study area: switchable layers, a legend, ward tooltips, Leaflet served locally.

    ``reference_colours`` gives the outline colours of the 'pcn' and 'practice' layers (from the palette).
    """
    colours = {**DEFAULT_REFERENCE_COLOURS, **(reference_colours or {})}
    bounds = area.units_lonlat.total_bounds
    m = folium.Map(location=[(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2], tiles=None,
                   zoom_start=12, zoom_snap=0.25, zoom_delta=0.5, control_scale=True, prefer_canvas=False,
                   height=options.height)
    if options.street_map:
        folium.TileLayer(STREET_MAP_URL, attr=STREET_MAP_ATTRIBUTION, name=STREET_LAYER, overlay=True,
                         control=True, show=False, opacity=0.55).add_to(m)

    fills = dict(plan.colours)

    def style(feature: dict) -> dict:
        return {"fillColor": feature["properties"]["fill"], "fillOpacity": 0.85,
                "color": WARD_EDGE, "weight": 0.8}

    aliases = ["Ward", "Code", "Residents", "Locality", "Current locality (inferred)", "PCNs (approximate)"]
    plan_group = folium.FeatureGroup(name=html_text(plan.title), overlay=True, control=True, show=True)
    folium.GeoJson(
        _ward_features(area, plan.labels, fills), name="wards", style_function=style,
        highlight_function=lambda _: {"weight": 2.5, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=list(TOOLTIP_FIELDS),
                                      aliases=aliases if area.current is not None else aliases[:4] + ["", aliases[5]],
                                      sticky=True, localize=False),
        control=False,
    ).add_to(plan_group)
    if plan.outlines is not None and len(plan.outlines):
        folium.GeoJson(_geojson(plan.outlines.reset_index()[["geometry"]]), control=False, interactive=False,
                       style_function=lambda _: {"fill": False, "color": LOCALITY_EDGE, "weight": 3.2}
                       ).add_to(plan_group)
    plan_group.add_to(m)

    if area.current is not None:
        group = folium.FeatureGroup(name=CURRENT_LAYER, show=bool(options.current))
        folium.GeoJson(_cached(area, "current", lambda: _geojson(_current_outlines(area))), control=False, interactive=False,
                       style_function=lambda _: {"fill": False, "color": CURRENT_EDGE, "weight": 2.2,
                                                 "dashArray": "8 6", "opacity": 0.9}).add_to(group)
        group.add_to(m)

    if area.pcn is not None and area.pcn.areas is not None:
        areas = area.pcn.areas
        group = folium.FeatureGroup(name=area.pcn.layer_label if area.pcn.registered else PCN_LAYER, show=options.pcn)
        folium.GeoJson(_cached(area, "pcn", lambda: _geojson(areas[[areas.geometry.name]])), control=False, interactive=False,
                       style_function=lambda _: {"fill": False, "color": colours["pcn"], "weight": 2.2,
                                                 "dashArray": "2 5", "opacity": 0.95}).add_to(group)
        for name, point in _pcn_label_points(area):  # each PCN named on its area (text escaped: it comes from data)
            folium.Marker([point.y, point.x], interactive=False, icon=folium.DivIcon(
                html=f'<div class="localign-pcn-label" style="color:{html_text(colours["pcn"])}">'
                     f'{html_text(name)}</div>', icon_size=(120, 28), icon_anchor=(60, 14))).add_to(group)
        group.add_to(m)

    practices = area.points.get("practices")
    if practices is not None and len(practices):
        spec = next((p for p in area.manifest.points if p.name == "practices"), None)
        label = spec.label if spec is not None and spec.label in practices.columns else None
        pcn_col = spec.group if spec is not None and spec.group in practices.columns else None
        group = folium.FeatureGroup(name=PRACTICE_LAYER, show=options.practices)
        folium.GeoJson(_cached(area, "practices", lambda: _practice_features(practices, label, pcn_col)),
                       control=False, marker=folium.CircleMarker(radius=4, weight=1, color="#FFFFFF", fill=True,
                                                                 fill_color=colours["practice"], fill_opacity=1),
                       tooltip=folium.GeoJsonTooltip(fields=["text"], labels=False, sticky=True, localize=False),
                       ).add_to(group)
        group.add_to(m)

    if options.ward_names:
        group = folium.FeatureGroup(name=NAMES_LAYER, show=True)
        points = area.units.geometry.representative_point().to_crs(LONLAT_CRS)
        if options.label_only is not None:
            points = points[points.index.isin(options.label_only)]
        for unit, point in points.items():
            folium.Marker([point.y, point.x], icon=_label_icon(str(area.unit_names[unit])),
                          interactive=False, keyboard=False).add_to(group)
        group.add_to(m)

    if options.highlight:
        chosen = area.units.loc[[u for u in options.highlight if u in area.units.index], ["geometry"]]
        if len(chosen):
            group = folium.FeatureGroup(name=html_text(options.highlight_label), show=True)
            dash = None if options.highlight_solid else "7 4"
            fill = 0.22 if options.highlight_solid else 0.0
            folium.GeoJson(_geojson(chosen), control=False, interactive=False,
                           style_function=lambda _: {"fill": bool(fill), "fillColor": HIGHLIGHT_EDGE,
                                                     "fillOpacity": fill, "color": HIGHLIGHT_EDGE,
                                                     "weight": 4.5, "dashArray": dash}).add_to(group)
            group.add_to(m)

    legend = legend_html(plan.title, map_legend(area, plan, options, colours), plan.note) if options.legend else ""
    _MapDecoration(legend, [[bounds[1], bounds[0]], [bounds[3], bounds[2]]]).add_to(m)

    if options.layer_control:
        folium.LayerControl(position="topright", collapsed=True).add_to(m)
    return use_local_assets(m, options.static_url)


def unit_at(area: StudyArea, lat: float, lng: float, tolerance_m: float = 10.0) -> str | None:
    """The unit containing a clicked point (WGS84), or the nearest unit within ``tolerance_m``; else None."""
    point = gpd.GeoSeries([Point(float(lng), float(lat))], crs=LONLAT_CRS).to_crs(area.units.crs).iloc[0]
    geometry = area.units.geometry
    hits = area.units.index[geometry.contains(point)]
    if len(hits):
        return str(hits[0])
    distances = geometry.distance(point)
    return str(distances.idxmin()) if distances.min() <= tolerance_m else None
