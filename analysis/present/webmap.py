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

from analysis.plan.context import StudyContext
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
DEFAULT_REFERENCE_COLOURS = {"current": "#004488", "pcn": "#882255", "practice": "#332288"}
"""Outline colours of the current-locality, PCN and practice layers when the caller gives none (the app passes
the palette's)."""
LEGEND_WIDTH = 250
"""Width of the legend box in pixels (the map keeps this much room for it on the right)."""
STREET_MAP_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
STREET_MAP_ATTRIBUTION = "&copy; OpenStreetMap contributors"

REFERENCE_PANE = "localign-reference"
POINTS_PANE = "localign-points"
"""Leaflet panes above the plan's filled wards: reference outlines (not clickable), then GP practices."""

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
    """``fill`` (a filled square), ``line``, ``dash`` (a dashed line), ``dot-line`` (a dotted line) or ``dot``."""


@dataclass(frozen=True)
class PlanLayer:
    """A plan to draw: each unit's locality, the locality colours, dissolved outlines (WGS84) and legend rows."""

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
    zoom_buttons: bool = True
    """Show Leaflet's + / − buttons (the presentation view hides them)."""
    height: int = 620
    static_url: str = STATIC_URL
    assumption_notes: Mapping[str, str] = field(default_factory=dict)
    """Short labels for the reference layers in the legend, keyed 'current' and 'pcn'."""


def _geojson(frame: gpd.GeoDataFrame) -> dict:
    """A GeoDataFrame as a GeoJSON dict in WGS84 with 6-decimal coordinates (about 10 cm)."""
    if not frame.crs.equals(LONLAT_CRS):
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
    cache = StudyContext.of(area).memo.map_layers
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
        properties = {k: v for k, v in f["properties"].items() if k not in ("unit", "locality")}
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


LABEL_PLACER_JS = """
window.localignPlaceLabels = function (map) {
  // Place map labels so none overlaps another, a practice dot, the legend or the layer control: each label tries
  // its own spot, then just above, below, right, left and the corners; a label with no free spot is hidden until
  // there is room (zoom in). PCN names (when shown) go first, then bigger wards before smaller ones.
  var box = map.getContainer().getBoundingClientRect();
  if (box.width < 50 || box.height < 50) {  // not laid out yet: try again shortly, never hide labels meanwhile
    clearTimeout(map._localignRetry);
    map._localignRetry = setTimeout(function () { window.localignPlaceLabels(map); }, 250);
    return;
  }
  var taken = [];
  function grow(r, pad) { return {l: r.left - pad, t: r.top - pad, r: r.right + pad, b: r.bottom + pad}; }
  function hits(a, b) { return a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b; }
  var blockers = map.getContainer().querySelectorAll(
    '.localign-legend, .leaflet-control-layers, .leaflet-control-zoom, .leaflet-control-scale, path.localign-practice');
  blockers.forEach(function (el) { var r = el.getBoundingClientRect(); if (r.width) taken.push(grow(r, 1)); });
  var labels = Array.prototype.slice.call(map.getContainer().querySelectorAll('.localign-label'));
  labels.sort(function (a, b) { return parseFloat(b.dataset.priority) - parseFloat(a.dataset.priority); });
  labels.forEach(function (el) {
    el.style.visibility = 'visible';
    el.style.transform = 'translate(-50%, -50%)';
    var r = el.getBoundingClientRect();
    if (!r.width) return;
    var w = r.width, h = r.height;
    var tries = [[0, 0], [0, -h], [0, h], [w * 0.55, 0], [-w * 0.55, 0], [w * 0.4, -h], [-w * 0.4, -h],
                 [w * 0.4, h], [-w * 0.4, h], [0, -h * 2], [0, h * 2]];
    for (var i = 0; i < tries.length; i++) {
      var dx = tries[i][0], dy = tries[i][1];
      var c = {l: r.left + dx - 2, t: r.top + dy - 1, r: r.right + dx + 2, b: r.bottom + dy + 1};
      if (c.l < box.left || c.r > box.right || c.t < box.top || c.b > box.bottom) continue;
      if (taken.some(function (o) { return hits(c, o); })) continue;
      taken.push(c);
      el.style.transform = 'translate(calc(-50% + ' + dx + 'px), calc(-50% + ' + dy + 'px))';
      return;
    }
    el.style.visibility = 'hidden';
  });
};
"""
"""JavaScript run inside each map (after drawing, zooming, moving and switching layers): places and thins labels."""


class _MapDecoration(MacroElement):
    """A plain background, the first view, wheel zoom only after a click, and the label placer, as Leaflet script."""

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
.localign-wheel-hint {position: absolute; left: 50%; top: 12px; transform: translateX(-50%); z-index: 1000;
  background: rgba(34,34,34,.82); color: #fff; padding: 4px 10px; border-radius: 4px; font-size: 12px;
  pointer-events: none; display: none;}
</style>
{% endmacro %}
{% macro script(this, kwargs) %}
{{ this.placer }}
(function () {
  var map = {{ this._parent.get_name() }};
  var container = map.getContainer();
  container.style.background = {{ this.background|tojson }};
  var bounds = {{ this.bounds|tojson }};
  function fit() {
    // fit the study area at once (no zoom animation), leaving room on the right for the legend; a frame not
    // laid out yet (no size) is fitted once it has one (see follow)
    var size = map.getSize();
    if (size.x < 60 || size.y < 60) { return; }
    map.fitBounds(bounds, {paddingTopLeft: [14, 14], paddingBottomRight: [{{ this.right_padding }}, 14],
                  animate: false});
  }
  fit();
  // Scrolling the page over the map scrolls the page: wheel zoom starts after a click on the map and stops when
  // the pointer leaves it; a hint says so when someone scrolls over the map first.
  var hint = L.DomUtil.create('div', 'localign-wheel-hint', container);
  hint.textContent = 'Click the map to zoom with the mouse wheel';
  var hintTimer = null;
  map.on('click', function () { map.scrollWheelZoom.enable(); hint.style.display = 'none'; });
  map.on('mouseout', function () { map.scrollWheelZoom.disable(); });
  container.addEventListener('wheel', function () {
    if (map.scrollWheelZoom.enabled()) return;
    hint.style.display = 'block';
    clearTimeout(hintTimer);
    hintTimer = setTimeout(function () { hint.style.display = 'none'; }, 1400);
  }, {passive: true});
  var place = function () { window.localignPlaceLabels(map); };
  map.on('zoomend moveend overlayadd overlayremove resize', place);
  // The map fills its frame, which the page may make taller than asked (the slide view fills a wide screen):
  // follow the frame's height, refit the study area, then place the labels again.
  var fitted = false;
  function follow() {
    var tall = window.innerHeight;
    if (tall > 100 && Math.abs(container.offsetHeight - tall) > 2) {
      container.style.height = tall + 'px';
      map.invalidateSize({animate: false});
      fit();
    } else if (!fitted) {
      map.invalidateSize({animate: false});
      fit();
    }
    fitted = map.getSize().y >= 60;
  }
  window.addEventListener('resize', follow);
  setTimeout(function () { follow(); place(); }, 0);
  setTimeout(place, 600);
})();
{% endmacro %}
""")

    def __init__(self, legend_html: str, bounds: list[list[float]], background: str = BACKGROUND,
                 right_padding: int | None = None) -> None:
        super().__init__()
        self._name = "MapDecoration"
        self.legend_html = legend_html
        self.bounds = bounds
        self.right_padding = right_padding if right_padding is not None else (LEGEND_WIDTH + 24 if legend_html
                                                                                else 14)
        self.background = background
        self.placer = LABEL_PLACER_JS


def _swatch(entry: LegendEntry) -> str:
    colour = html_text(entry.colour)
    if entry.kind == "fill":
        style = f"background:{colour};border:1px solid {LOCALITY_EDGE};width:14px;height:14px"
    elif entry.kind == "dot":
        style = f"background:{colour};border:1px solid #fff;border-radius:50%;width:9px;height:9px;margin:0 2px"
    else:
        line = {"dash": "dashed", "dot-line": "dotted"}.get(entry.kind, "solid")
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


def _label_icon(text: str, kind: str = "ward", priority: float = 0.0, colour: str = TEXT) -> folium.DivIcon:
    """A map label as a Leaflet divIcon; the label placer (LABEL_PLACER_JS) moves or hides it to avoid collisions."""
    halo = ",".join(f"{x}px {y}px 0 #fff" for x in (-1, 0, 1) for y in (-1, 0, 1) if x or y)
    font = "italic 600 10.5px" if kind == "pcn" else "600 11px"
    style = (f"font:{font}/1.1 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:{colour};"
             f"text-shadow:{halo};text-align:center;white-space:nowrap;transform:translate(-50%,-50%);"
             "pointer-events:none;position:absolute;left:0;top:0")
    return folium.DivIcon(html=f'<div class="localign-label" data-kind="{kind}" data-priority="{priority:.1f}" '
                               f'style="{style}">{html_text(text)}</div>', icon_size=(0, 0),
                          icon_anchor=(0, 0), class_name=f"localign-{kind}-label")


def _practice_features(practices: gpd.GeoDataFrame, label: str | None, group: str | None) -> dict:
    """GP practices as GeoJSON points whose only property is their escaped tooltip text (name — PCN)."""
    points = practices.to_crs(LONLAT_CRS)
    texts = [" — ".join(str(row[c]) for c in (label, group) if c) for _, row in points.iterrows()]
    frame = gpd.GeoDataFrame({"text": [html_text(t) for t in texts]}, geometry=points.geometry.to_numpy(),
                             crs=LONLAT_CRS)
    return _geojson(frame)


def _practice_marker(colour: str) -> folium.CircleMarker:
    """The dot drawn for each GP practice, in the points pane (above the plan's filled wards)."""
    marker = folium.CircleMarker(radius=4, weight=1, color="#FFFFFF", fill=True, fill_color=colour, fill_opacity=1,
                                 class_name="localign-practice")
    marker.options["pane"] = POINTS_PANE  # folium leaves 'pane' out of a GeoJSON marker's options
    return marker


def _current_outlines(area: StudyArea) -> gpd.GeoDataFrame:
    frame = area.units[["geometry"]].assign(locality=area.current.labels.reindex(area.units.index).to_numpy())
    return frame.dissolve(by="locality").reset_index()[["geometry"]]


def map_legend(area: StudyArea, plan: PlanLayer, options: MapOptions,
               reference_colours: Mapping[str, str] | None = None) -> list[LegendEntry]:
    """The legend rows of a map: the plan's localities, then each reference layer that starts switched on."""
    colours = {**DEFAULT_REFERENCE_COLOURS, **(reference_colours or {})}
    notes = options.assumption_notes
    entries = list(plan.legend)
    if plan.outlines is not None and len(plan.outlines):
        entries.append(LegendEntry("Boundaries of this plan", LOCALITY_EDGE, kind="line"))
    if area.current is not None and options.current:
        entries.append(LegendEntry(notes.get("current", "Current localities (inferred)"), colours["current"],
                                   kind="dash"))
    if area.pcn is not None and area.pcn.areas is not None and options.pcn:
        entries.append(LegendEntry(notes.get("pcn", "PCN areas (approximate)"), colours["pcn"], kind="dot-line"))
    if len(area.points.get("practices", ())) and options.practices:
        entries.append(LegendEntry(PRACTICE_LAYER, colours["practice"], kind="dot"))
    if options.highlight:
        entries.append(LegendEntry(options.highlight_label, HIGHLIGHT_EDGE,
                                   kind="line" if options.highlight_solid else "dash"))
    return entries


class _PlanLegend(MacroElement):
    """The legend as a Leaflet control that comes and goes with the plan's layer group (sent with each change)."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var group = {{ this._parent.get_name() }};
  var legend = L.control({position: 'bottomright'});
  legend.onAdd = function () {
    var div = L.DomUtil.create('div', 'localign-legend');
    div.innerHTML = {{ this.legend_html|tojson }};
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  group.on('add', function () { legend.addTo(group._map); if (window.localignPlaceLabels) { window.localignPlaceLabels(group._map); } });
  group.on('remove', function () { legend.remove(); });
})();
{% endmacro %}
""")

    def __init__(self, legend_html: str) -> None:
        super().__init__()
        self._name = "PlanLegend"
        self.legend_html = legend_html


def plan_group(area: StudyArea, plan: PlanLayer, options: MapOptions = MapOptions(),
               reference_colours: Mapping[str, str] | None = None) -> folium.FeatureGroup:
    """What changes with the plan: wards filled in their locality's colour (with tooltips), the plan's boundaries,
    highlighted wards and the legend. The app sends only this group when the plan changes (the base map stays)."""
    fills = dict(plan.colours)

    def style(feature: dict) -> dict:
        return {"fillColor": feature["properties"]["fill"], "fillOpacity": 0.85,
                "color": WARD_EDGE, "weight": 0.8}

    aliases = ["Ward", "Code", "Residents", "Locality", "Current locality (inferred)", "PCNs (approximate)"]
    group = folium.FeatureGroup(name=html_text(plan.title), overlay=True, control=False, show=True)
    folium.GeoJson(
        _ward_features(area, plan.labels, fills), name="wards", style_function=style,
        highlight_function=lambda _: {"weight": 2.5, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=list(TOOLTIP_FIELDS),
                                      aliases=aliases if area.current is not None else aliases[:4] + ["", aliases[5]],
                                      sticky=True, localize=False),
        control=False,
    ).add_to(group)
    if plan.outlines is not None and len(plan.outlines):
        folium.GeoJson(_geojson(plan.outlines.reset_index()[["geometry"]]), control=False, interactive=False,
                       style_function=lambda _: {"fill": False, "color": LOCALITY_EDGE, "weight": 3.2}
                       ).add_to(group)
    if options.highlight:
        chosen = area.units_lonlat.loc[[u for u in options.highlight if u in area.units.index], ["geometry"]]
        if len(chosen):
            dash = None if options.highlight_solid else "7 4"
            fill = 0.22 if options.highlight_solid else 0.0
            folium.GeoJson(_geojson(chosen), control=False, interactive=False,
                           style_function=lambda _: {"fill": bool(fill), "fillColor": HIGHLIGHT_EDGE,
                                                     "fillOpacity": fill, "color": HIGHLIGHT_EDGE,
                                                     "weight": 4.5, "dashArray": dash}).add_to(group)
    if options.legend:
        _PlanLegend(legend_html(plan.title, map_legend(area, plan, options, reference_colours), plan.note)
                    ).add_to(group)
    return group


def base_map(area: StudyArea, options: MapOptions = MapOptions(),
             reference_colours: Mapping[str, str] | None = None) -> folium.Map:
    """The map without the plan: background, reference layers (current localities, PCN areas, practices), ward and
    PCN labels, the label placer and the layer control. It depends only on the study area and the layer choices,
    so the browser keeps it while plans change."""
    colours = {**DEFAULT_REFERENCE_COLOURS, **(reference_colours or {})}
    bounds = area.units_lonlat.total_bounds
    m = folium.Map(location=[(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2], tiles=None,
                   zoom_start=12, zoom_snap=0.25, zoom_delta=0.5, control_scale=True, prefer_canvas=False,
                   height=options.height, scroll_wheel_zoom=False, zoom_control=options.zoom_buttons)
    if options.street_map:
        folium.TileLayer(STREET_MAP_URL, attr=STREET_MAP_ATTRIBUTION, name=STREET_LAYER, overlay=True,
                         control=True, show=False, opacity=0.55).add_to(m)
    # reference outlines and practices sit above the plan's filled wards (which arrive later, in the overlay pane)
    folium.map.CustomPane(REFERENCE_PANE, z_index=450, pointer_events=False).add_to(m)
    folium.map.CustomPane(POINTS_PANE, z_index=460, pointer_events=True).add_to(m)

    if area.current is not None:
        group = folium.FeatureGroup(name=CURRENT_LAYER, show=bool(options.current))
        outlines = _cached(area, "current", lambda: _geojson(_current_outlines(area)))
        # a white casing under a dashed dark-blue line: unlike the plan's solid black boundaries
        folium.GeoJson(outlines, control=False, interactive=False, pane=REFERENCE_PANE,
                       style_function=lambda _: {"fill": False, "color": "#FFFFFF", "weight": 5.5,
                                                 "opacity": 0.85}).add_to(group)
        folium.GeoJson(outlines, control=False, interactive=False, pane=REFERENCE_PANE,
                       style_function=lambda _: {"fill": False, "color": colours["current"], "weight": 2.6,
                                                 "dashArray": "10 6", "opacity": 1.0}).add_to(group)
        group.add_to(m)

    if area.pcn is not None and area.pcn.areas is not None:
        areas = area.pcn.areas
        group = folium.FeatureGroup(name=area.pcn.layer_label if area.pcn.registered else PCN_LAYER, show=options.pcn)
        folium.GeoJson(_cached(area, "pcn", lambda: _geojson(areas[[areas.geometry.name]])), control=False,
                       interactive=False, pane=REFERENCE_PANE,
                       style_function=lambda _: {"fill": False, "color": colours["pcn"], "weight": 2.2,
                                                 "dashArray": "2 5", "opacity": 0.95}).add_to(group)
        for name, point in _cached(area, "pcn_labels", lambda: _pcn_label_points(area)):  # each PCN named on its area (text escaped: it comes from data)
            # PCN names go before ward names: there are few of them and they are why the layer is on
            folium.Marker([point.y, point.x], icon=_label_icon(str(name), "pcn", 100.0, colours["pcn"]),
                          interactive=False, keyboard=False).add_to(group)
        group.add_to(m)

    practices = area.points.get("practices")
    if practices is not None and len(practices):
        spec = next((p for p in area.manifest.points if p.name == "practices"), None)
        label = spec.label if spec is not None and spec.label in practices.columns else None
        pcn_col = spec.group if spec is not None and spec.group in practices.columns else None
        group = folium.FeatureGroup(name=PRACTICE_LAYER, show=options.practices)
        folium.GeoJson(_cached(area, "practices", lambda: _practice_features(practices, label, pcn_col)),
                       control=False, pane=POINTS_PANE, marker=_practice_marker(colours["practice"]),
                       tooltip=folium.GeoJsonTooltip(fields=["text"], labels=False, sticky=True, localize=False),
                       ).add_to(group)
        group.add_to(m)

    if options.ward_names:
        group = folium.FeatureGroup(name=NAMES_LAYER, show=True)
        points = area.units.geometry.representative_point().to_crs(LONLAT_CRS)
        sizes = area.units.geometry.area
        if options.label_only is not None:
            points = points[points.index.isin(options.label_only)]
        for unit, point in points.items():
            # bigger wards are labelled first: they have room, and small ones give way when space runs out
            folium.Marker([point.y, point.x],
                          icon=_label_icon(str(area.unit_names[unit]), "ward", 1.0 + float(sizes[unit]) / 1e7),
                          interactive=False, keyboard=False).add_to(group)
        group.add_to(m)

    _MapDecoration("", [[bounds[1], bounds[0]], [bounds[3], bounds[2]]],
                   right_padding=LEGEND_WIDTH + 24 if options.legend else 14).add_to(m)

    if options.layer_control:
        folium.LayerControl(position="topright", collapsed=True).add_to(m)
    return use_local_assets(m, options.static_url)


def plan_map(area: StudyArea, plan: PlanLayer, options: MapOptions = MapOptions(),
             reference_colours: Mapping[str, str] | None = None) -> folium.Map:
    """One complete map of a plan over the study area (the base map with the plan's group on it), for static use.

    ``reference_colours`` gives the outline colours of the 'current', 'pcn' and 'practice' layers (from the palette).
    """
    m = base_map(area, options, reference_colours)
    plan_group(area, plan, options, reference_colours).add_to(m)
    return m


def unit_at(area: StudyArea, lat: float, lng: float, tolerance_m: float = 10.0) -> str | None:
    """The unit containing a clicked point (WGS84), or the nearest unit within ``tolerance_m``; else None."""
    point = gpd.GeoSeries([Point(float(lng), float(lat))], crs=LONLAT_CRS).to_crs(area.units.crs).iloc[0]
    geometry = area.units.geometry
    hits = area.units.index[geometry.contains(point)]
    if len(hits):
        return str(hits[0])
    distances = geometry.distance(point)
    return str(distances.idxmin()) if distances.min() <= tolerance_m else None
