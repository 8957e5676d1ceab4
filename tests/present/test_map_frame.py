"""The map component is sent exactly what st_folium would send, though the base map is rendered once and kept."""

from __future__ import annotations

import pytest
import streamlit_folium
from streamlit_folium import st_folium

from analysis.metrics.evaluate import evaluate
from analysis.plan.context import StudyContext
from analysis.plan.partition import current_plan
from analysis.present import map_frame
from analysis.present.views import plan_layer
from analysis.present.webmap import MapOptions, base_map, plan_group
from synthetic import code_of


def _sent(monkeypatch, call) -> dict:
    """The arguments a map call hands to streamlit-folium's component (the callback aside)."""
    captured: dict = {}
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kwargs: captured.update(kwargs))
    call()
    captured.pop("on_change")
    return captured


@pytest.mark.parametrize("clickable", [True, False])
@pytest.mark.parametrize("options", [MapOptions(), MapOptions(pcn=True, practices=True, legend=False,
                                                               highlight=("E05014062",), height=470)])
def test_kept_base_map_sends_what_st_folium_sends(lbbd, monkeypatch, options, clickable):
    plan = current_plan(lbbd).reassign({code_of(lbbd, "Goresbrook"): "North"})
    layer = plan_layer(lbbd, plan, evaluate(lbbd, plan))
    returned = ["last_object_clicked"] if clickable else []
    expected = _sent(monkeypatch, lambda: st_folium(
        base_map(lbbd, options), key="m", height=options.height, use_container_width=True,
        feature_group_to_add=plan_group(lbbd, layer, options), returned_objects=returned))
    for _ in range(2):  # the first call renders the base map, the second takes it from the study context
        ours = _sent(monkeypatch, lambda: map_frame.show(map_frame.base_for(lbbd, options), plan_group(
            lbbd, layer, options), key="m", height=options.height, returned_objects=returned))
        assert ours.keys() == expected.keys()
        for name in expected:
            assert ours[name] == expected[name], name


def test_base_map_rendered_once_per_layer_choice(lbbd, monkeypatch):
    table = StudyContext.of(lbbd).memo.map_frames
    table.clear()
    renders = []
    real = map_frame.base_frame
    monkeypatch.setattr(map_frame, "base_frame", lambda m: renders.append(1) or real(m))
    first = map_frame.base_for(lbbd, MapOptions(highlight=("E05014062",)))
    assert map_frame.base_for(lbbd, MapOptions(highlight=("E05014063",), highlight_solid=False)) is first
    other = map_frame.base_for(lbbd, MapOptions(pcn=True))
    assert other is not first and other.script != first.script
    assert len(renders) == 2 and len(table) == 2
    for height in range(map_frame.KEEP + 5):  # the oldest frames make way
        map_frame.base_for(lbbd, MapOptions(height=300 + height))
    assert len(table) == map_frame.KEEP
