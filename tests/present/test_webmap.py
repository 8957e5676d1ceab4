"""The map: layers, legend and tooltips built from the bundled data, Leaflet served locally, no CDN URLs, click lookup."""

from __future__ import annotations

import html
import json
import re

import pytest

from analysis.metrics.evaluate import evaluate
from analysis.present.palette import PALETTE, locality_colours
from analysis.plan.partition import current_plan
from analysis.present.views import plan_layer
from geo.offline_assets import (
    VENDOR_FOLDER,
    asset_links,
    external_urls,
    install_leaflet,
    leaflet_source,
    use_local_assets,
)
from analysis.present.webmap import (
    CURRENT_LAYER,
    PCN_LAYER,
    MapOptions,
    legend_html,
    plan_map,
    unit_at,
    ward_properties,
)


@pytest.fixture(scope="module")
def current_map_html(lbbd) -> str:
    plan = current_plan(lbbd)
    layer = plan_layer(lbbd, plan, evaluate(lbbd, plan))
    return plan_map(lbbd, layer, MapOptions(pcn=True, practices=True)).get_root().render()


def test_rendered_map_loads_nothing_from_the_internet(lbbd, current_map_html):
    assert external_urls(current_map_html) == []
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', current_map_html)
    styles = re.findall(r'<link[^>]+href="([^"]+)"', current_map_html)
    assert scripts == [f"../../app/static/{VENDOR_FOLDER}/leaflet.js"]
    assert styles == [f"../../app/static/{VENDOR_FOLDER}/leaflet.css"]


def test_plain_folium_would_use_cdns_and_use_local_assets_removes_them():
    import folium

    m = folium.Map(tiles=None)
    assert any("cdn.jsdelivr.net" in url for url in asset_links(m))
    use_local_assets(m, "/app/static")
    assert asset_links(m) == [f"/app/static/{VENDOR_FOLDER}/leaflet.js", f"/app/static/{VENDOR_FOLDER}/leaflet.css"]
    assert external_urls(m.get_root().render()) == []


def test_street_map_is_only_offered_when_asked(lbbd):
    plan = current_plan(lbbd)
    layer = plan_layer(lbbd, plan, evaluate(lbbd, plan))
    html = plan_map(lbbd, layer, MapOptions(street_map=True)).get_root().render()
    assert external_urls(html) == ["https://tile.openstreetmap.org/{z}/{x}/{y}.png"]


def test_install_leaflet_copies_the_packaged_files(tmp_path):
    target = install_leaflet(tmp_path)
    source = leaflet_source()
    for name in ("leaflet.js", "leaflet.css", "images/marker-icon.png", "images/layers.png"):
        assert (target / name).read_bytes() == (source / name).read_bytes()
    assert "Leaflet 1.9.4" in (target / "leaflet.js").read_text(encoding="utf-8")[:400]
    (target / "leaflet.css").write_text("damaged")
    install_leaflet(tmp_path)
    assert (target / "leaflet.css").read_bytes() == (source / "leaflet.css").read_bytes()


def test_layers_carry_their_assumption_labels(current_map_html):
    for name in (CURRENT_LAYER, PCN_LAYER, "GP practices", "Ward names"):
        assert json.dumps(name)[1:-1] in current_map_html
    assert "inferred" in CURRENT_LAYER and "approximate" in PCN_LAYER


def test_wards_are_filled_with_palette_colours(lbbd, current_map_html):
    colours = locality_colours(["East", "North", "West"])
    assert set(colours.values()) <= set(PALETTE)
    for colour in colours.values():
        assert colour in current_map_html


def test_every_ward_name_is_on_the_map(lbbd, current_map_html):
    icons = [json.loads(text) for text in re.findall(r'L\.divIcon\(\{\s*"html": ("(?:[^"\\]|\\.)*")', current_map_html)]
    labels = [html.unescape(re.sub(r"<[^>]+>", "", icon)) for icon in icons if 'data-kind="ward"' in icon]
    assert sorted(labels) == sorted(lbbd.unit_names)
    pcn_labels = [html.unescape(re.sub(r"<[^>]+>", "", icon)) for icon in icons if 'data-kind="pcn"' in icon]
    assert sorted(pcn_labels) == sorted(lbbd.pcn.areas["pcn_name"])  # each PCN catchment named on the map


def test_pcn_areas_are_labelled_and_current_outline_differs_from_plan_boundaries(lbbd, current_map_html):
    icons = [json.loads(text) for text in re.findall(r'L\.divIcon\(\{\s*"html": ("(?:[^"\\]|\\.)*")', current_map_html)]
    pcn_labels = [html.unescape(re.sub(r"<[^>]+>", "", icon)) for icon in icons if 'data-kind="pcn"' in icon]
    assert sorted(pcn_labels) == sorted(lbbd.pcn.groups)
    # the current localities: dashed dark blue on a white casing; the plan's boundaries: solid near-black
    assert '"dashArray": "10 6"' in current_map_html and '"color": "#004488"' in current_map_html
    assert '"color": "#222222", "fill": false, "weight": 3.2' in current_map_html


def test_wheel_zoom_waits_for_a_click_and_labels_are_placed(current_map_html):
    assert '"scrollWheelZoom": false' in current_map_html
    assert "map.scrollWheelZoom.enable()" in current_map_html
    assert "localignPlaceLabels" in current_map_html


def test_tooltip_fields_describe_each_ward(lbbd):
    plan = current_plan(lbbd)
    frame = ward_properties(lbbd, plan.assignment)
    abbey = frame.set_index("code").loc[lbbd.unit_names[lbbd.unit_names == "Abbey"].index[0]]
    assert abbey["name"] == "Abbey"
    assert abbey["locality"] == "West" and abbey["current"] == "West"
    assert abbey["residents"] == f"{lbbd.population[abbey.name]:,.0f}"
    # the shares named in the tooltip add up to (about) 100 %
    shares = [int(part.rsplit(" ", 1)[1].rstrip("%")) for part in abbey["pcns"].split(" · ")]
    assert 98 <= sum(shares) <= 102


def test_legend_lists_each_locality_with_residents(lbbd):
    plan = current_plan(lbbd)
    evaluation = evaluate(lbbd, plan)
    layer = plan_layer(lbbd, plan, evaluation)
    html = legend_html(layer.title, layer.legend, layer.note)
    for loc in plan.localities:
        assert f"{evaluation.populations[loc]:,.0f}" in html and loc in html
    assert "inferred" in html  # the current localities are labelled as an assumption
    assert "<script" not in legend_html("<script>x</script>", [])


def test_click_finds_the_ward_under_the_point(lbbd):
    for unit in ("E05014053", lbbd.ids[-1]):
        point = lbbd.units_lonlat.geometry[unit].representative_point()
        assert unit_at(lbbd, point.y, point.x) == unit
    assert unit_at(lbbd, 51.0, -1.0) is None
