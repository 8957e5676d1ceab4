"""The app's Map & edit view (Streamlit AppTest): the first screen, choosing a plan, moving a ward, undo/redo, locks."""

from __future__ import annotations

import re

import pytest
from apptest_support import (
    html_blocks,
    maps,
    metric,
    move_ward,
    no_exceptions,
    open_tab,
    pack_drawn_ahead,
    start_app,
    texts,
    ward_code,
)


def largest_deviation(lbbd, labels: dict[str, str]) -> float:
    """max |P_j - P/k| / (P/k) by hand from the bundled populations."""
    totals = lbbd.population.groupby(lbbd.population.index.map(labels)).sum()
    ideal = lbbd.population.sum() / len(totals)
    return float((totals - ideal).abs().max() / ideal)


@pytest.fixture()
def app(tmp_path, monkeypatch):
    return start_app(tmp_path / "autosave", monkeypatch)


def test_first_screen_shows_the_current_localities_labelled_as_an_assumption(app, lbbd):
    no_exceptions(app)
    words = texts(app)
    assert "Current localities (inferred – an assumption)" in words
    assert lbbd.source_line.split(".")[0] in words
    current = lbbd.current.labels.to_dict()
    assert metric(app, "Largest population deviation") == f"{largest_deviation(lbbd, current):.2%}"
    assert metric(app, "Wards that move") == "0"
    # ranked among every plan of 3 connected localities (34,807 for the rook graph, as the engine issue states)
    assert "Among all 34,807 possible plans" in words
    assert "More continuity than" in words


def test_edit_map_is_served_locally_and_only_reports_clicks(app):
    (edit_map,) = maps(app)
    assert edit_map["js_links"] == ["../../app/static/vendor/leaflet/leaflet.js"]
    assert edit_map["css_links"] == ["../../app/static/vendor/leaflet/leaflet.css"]
    assert edit_map["returned_objects"] == ["last_object_clicked"]
    for part in ("script", "header", "html"):
        assert not re.search(r"https?://", edit_map[part]), part


def test_moving_a_ward_updates_plan_map_and_metrics(app, lbbd):
    goresbrook = ward_code(lbbd, "Goresbrook")
    before = maps(app)[0]
    move_ward(app, goresbrook, "North")
    no_exceptions(app)
    labels = lbbd.current.labels.to_dict() | {goresbrook: "North"}
    assert metric(app, "Largest population deviation") == f"{largest_deviation(lbbd, labels):.2%}"
    assert metric(app, "Wards that move") == "1"
    assert "(edited)" in texts(app)
    pattern = rf'"code": "{goresbrook}"[^}}]*?"current": "East"[^}}]*?"locality_text": "(\w+)"'
    after = maps(app)[0]
    feature = re.search(pattern, after["feature_group"])
    assert feature and feature.group(1) == "North"
    # only the plan's layer changes: the base map (same script, so the browser keeps it) is not rebuilt
    assert not re.search(pattern, after["script"])
    assert re.sub(r"_[a-z0-9]+", "", before["script"]) == re.sub(r"_[a-z0-9]+", "", after["script"])
    assert before["feature_group"] != after["feature_group"]


def test_undo_and_redo_buttons(app, lbbd):
    goresbrook = ward_code(lbbd, "Goresbrook")
    start = metric(app, "Largest population deviation")
    assert app.button(key="undo").disabled
    move_ward(app, goresbrook, "North")
    moved = metric(app, "Largest population deviation")
    assert moved != start
    app.button(key="undo").click().run()
    assert metric(app, "Largest population deviation") == start
    assert not app.button(key="redo").disabled
    app.button(key="redo").click().run()
    assert metric(app, "Largest population deviation") == moved
    no_exceptions(app)


def test_a_locked_ward_cannot_be_moved_until_unlocked(app, lbbd):
    abbey = ward_code(lbbd, "Abbey")
    app.selectbox(key="ward_pick").select(abbey).run()
    app.button(key="lock_ward").click().run()
    assert "locked to West" in texts(app)
    assert app.button(key="move_ward").disabled and app.selectbox(key=f"move_to_{abbey}").disabled
    assert "Abbey locked to West" in texts(open_tab(app, "Wards (edit in a table)"))  # the ward table's summary
    app.button(key="lock_ward").click().run()  # unlock
    assert not app.selectbox(key=f"move_to_{abbey}").disabled


def test_opening_another_plan_from_the_sidebar(app, lbbd):
    app.selectbox(key="open_plan").select("PCN areas as localities (approximate)").run()
    no_exceptions(app)
    labels = lbbd.pcn.labels.to_dict()  # each ward in the PCN holding most of its residents
    assert f"{len(set(labels.values()))} localities" in texts(app)
    assert metric(app, "Largest population deviation") == f"{largest_deviation(lbbd, labels):.2%}"
    app.button(key="undo").click().run()
    assert "3 localities" in texts(app)


def test_emptying_a_locality_is_refused_in_plain_words(app, lbbd):
    # West's wards one by one to North: the last move would leave West empty
    west = [u for u, loc in lbbd.current.labels.items() if loc == "West"]
    for code in west:
        move_ward(app, code, "North")
    no_exceptions(app)
    assert any("would have no wards left" in e.value for e in app.error)
    assert "3 localities" in texts(app)


def test_a_split_locality_is_warned_about_by_ward_name(app, lbbd):
    move_ward(app, ward_code(lbbd, "Chadwell Heath"), "West")
    warnings = [w.value for w in app.warning]
    assert any("West is in 2 separate pieces" in w and "Chadwell Heath" in w for w in warnings)
    assert metric(app, "Every locality in one piece") == "no"


def test_export_tab_draws_its_buttons_when_opened_and_starts_the_pack(app, no_prepared_exports):
    """The Export tab is drawn only when opened, and opening it starts drawing the briefing pack in the background
    (so the PDF is ready by the time the planner clicks it)."""
    from analysis.present import prepared_exports

    assert not app.get("download_button"), "a closed Export tab draws no buttons"
    assert not prepared_exports.held(), "nothing is drawn ahead before the tab is opened"
    open_tab(app, "Export")
    no_exceptions(app)
    labels = [b.label for b in app.get("download_button")]
    assert "Briefing pack (PDF)" in labels and "Ward list (CSV)" in labels
    pack_drawn_ahead()


def test_a_new_server_draws_todays_pack_after_its_first_page_for_the_export_tab(tmp_path, monkeypatch, lbbd,
                                                                              no_prepared_exports):
    """After its first page a server draws today's localities' briefing pack in the background, once: the Export tab
    of a planner who has not edited asks for exactly that file (nothing more is drawn), and later pages start none."""
    import streamlit as st

    from analysis.present import prepared_exports
    from analysis.present.views import reference_plans

    st.cache_resource.clear()  # as a newly started server
    at = start_app(tmp_path / "autosave", monkeypatch, prepare_at_start=True)
    no_exceptions(at)
    key = pack_drawn_ahead()
    today = next(iter(reference_plans(lbbd).values()))
    assert key[2] == ((today.name, today.key()),), "the pack is of today's localities alone"
    open_tab(at, "Export")
    no_exceptions(at)
    assert set(prepared_exports.held("pdf")) == {key}, "the Export tab hands over the pack drawn at start"

    prepared_exports.forget()
    again = start_app(tmp_path / "autosave2", monkeypatch, prepare_at_start=True)
    no_exceptions(again)
    assert not prepared_exports.held(), "a later planner's first page starts no second pack"
    st.cache_resource.clear()  # the next test starts a server of its own


def test_a_session_on_another_bundle_starts_no_pack_at_start(tmp_path, monkeypatch, no_prepared_exports):
    """Only the study area the server was started with gets today's pack drawn at start: a planner who opens another
    bundle (here a copy of the bundled one, with the same wards and current localities) starts none."""
    import shutil

    import streamlit as st

    from analysis.present import prepared_exports
    from geo.bundle import DEFAULT_BUNDLE

    other = tmp_path / "other"
    shutil.copytree(DEFAULT_BUNDLE, other)
    st.cache_resource.clear()
    at = start_app(tmp_path / "autosave", monkeypatch, prepare_at_start=True, state={"bundle_dir": str(other)})
    no_exceptions(at)
    assert "Current localities (inferred" in texts(at), "the copy opened with its current localities"
    assert not prepared_exports.held()
    st.cache_resource.clear()


def test_nothing_stray_above_the_title(app):
    """The title is the page's first text, and its style sheet is applied (a bare string in app.py once showed above
    the title; Streamlit's magic is now off)."""
    first = [m.value for m in app.main.markdown][:1]
    assert first[0].startswith("### localign"), first
    styles = [block for block in html_blocks(app) if block.lstrip().startswith("<style>")]
    assert styles
    # a style sheet is plain text: no control character (a Python escape like "\24D8" once slipped one in)
    assert not any(re.search(r"[\x00-\x08\x0b-\x1f\x7f]", style) for style in styles)


def test_first_screen_balance_and_localities_are_plain_html_that_follow_a_move(app, lbbd):
    """The first screen needs no chart or data-grid code in the browser (they cost about 0.7 s of a cold load), and
    its balance bars and Localities table show the plan's own figures, before and after a move."""
    no_exceptions(app)
    assert not app.get("vega_lite_chart") and not app.dataframe

    def shown_residents(at) -> dict[str, str]:
        balance = next(b for b in html_blocks(at) if 'class="localign-balance"' in b)
        return dict(re.findall(r'</span>(\w+)</td><td class="bar">.*?<td class="v">([\d,]+)</td>', balance))

    current = lbbd.current.labels.to_dict()
    by_hand = lbbd.population.groupby(lbbd.population.index.map(current)).sum()
    assert shown_residents(app) == {loc: f"{p:,.0f}" for loc, p in by_hand.items()}
    assert any('class="localign-table"' in b for b in html_blocks(app))  # the Localities tab, open first
    goresbrook = ward_code(lbbd, "Goresbrook")
    move_ward(app, goresbrook, "North")
    no_exceptions(app)
    moved = {**current, goresbrook: "North"}
    by_hand = lbbd.population.groupby(lbbd.population.index.map(moved)).sum()
    assert shown_residents(app) == {loc: f"{p:,.0f}" for loc, p in by_hand.items()}
    assert not app.get("vega_lite_chart") and not app.dataframe
