"""The web map as streamlit-folium's component receives it: the base map turned into its messages once per study
area and layer choice, and only the plan's layer turned into a message on each change.

``st_folium`` renders the whole folium map on every rerun (about 0.12 s for the 19 wards with their labels) even
though the browser keeps the base map and only the plan's layer changes. ``show`` sends exactly what ``st_folium``
would send (tests/present/test_map_frame.py compares the two argument by argument), but the base map's part is
rendered once and kept. It leans on streamlit-folium's own helpers, so pyproject.toml pins the minor version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import folium
import streamlit_folium as sf

from analysis.plan.context import StudyContext, recall
from analysis.present.webmap import MapOptions, base_map
from geo.bundle import StudyArea
from geo.offline_assets import asset_urls

KEEP = 24
"""Base frames kept per study area (one per layer choice, map size and view; about 100 kB each)."""


@dataclass(frozen=True)
class BaseFrame:
    """What the component is sent for the base map: its Leaflet script, header, HTML, links and starting view."""

    script: str
    header: str
    html: str
    map_id: str
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    bounds: tuple[tuple[float | None, float | None], tuple[float | None, float | None]]
    zoom: float | None


def base_frame(m: folium.Map) -> BaseFrame:
    """Render a base map once into what the component is sent for it (the same steps as st_folium)."""
    m.get_root().render()
    m.render()
    html, header = sf._get_html(m), sf._get_header(m)
    script = sf._get_map_string(m)
    try:
        (south, west), (north, east) = m.get_bounds()
    except AttributeError:
        south = west = north = east = None
    return BaseFrame(script, header, html, sf.get_full_id(m), tuple(asset_urls(m, "default_css")),
                     tuple(asset_urls(m, "default_js")), ((south, west), (north, east)), m.options.get("zoom"))


def plan_script(group: folium.FeatureGroup) -> str:
    """The plan's layer as the script the component adds to the kept base map (named relative to ``map_div``)."""
    stand_in = folium.Map(tiles=None)  # the layer is attached to a map only to be rendered; names become map_div
    return sf._get_feature_group_string(group, map=stand_in, idx=0)


def base_for(area: StudyArea, options: MapOptions, reference_colours: Mapping[str, str] | None = None) -> BaseFrame:
    """The base map of a study area under these layer choices, rendered once and kept (the highlight options belong
    to the plan's layer, so they do not make another base map)."""
    choices = replace(options, highlight=(), highlight_label="", highlight_solid=True)
    key = repr((choices, sorted((reference_colours or {}).items())))
    return recall(StudyContext.of(area).memo.map_frames, key,
                  lambda: base_frame(base_map(area, choices, reference_colours)), KEEP)


def show(frame: BaseFrame, group: folium.FeatureGroup, *, key: str, height: int,
         returned_objects: Iterable[str] = ()):
    """Put the map on the page (full width) and return what the planner did on it, as st_folium does."""
    import streamlit as st

    returned = list(returned_objects)
    (south, west), (north, east) = frame.bounds
    defaults = {"last_clicked": None, "last_object_clicked": None, "last_object_clicked_count": None,
                "last_object_clicked_tooltip": None, "last_object_clicked_popup": None, "all_drawings": None,
                "last_active_drawing": None,
                "bounds": {"_southWest": {"lat": south, "lng": west}, "_northEast": {"lat": north, "lng": east}},
                "zoom": frame.zoom, "last_circle_radius": None, "last_circle_polygon": None,
                "selected_layers": None, "selected_tags": None, "last_geocoder_result": None}
    hash_key = sf.generate_js_hash(frame.script, key, False)

    def changed() -> None:
        st.session_state[key] = st.session_state.get(hash_key, {})

    return sf._component_func(
        script=frame.script, header=frame.header, html=frame.html, id=frame.map_id, key=hash_key, height=height,
        width=None, returned_objects=returned, default={k: v for k, v in defaults.items() if k in returned},
        zoom=None, center=None, feature_group=plan_script(group), return_on_hover=False, layer_control=None,
        pixelated=False, css_links=list(frame.css_links), js_links=list(frame.js_links), on_change=changed,
        wrap_longitude=False)
