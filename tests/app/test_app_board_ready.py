"""Board-ready details of the app (AppTest): the Move-to box after Undo, plural words, layer ticks from the address,
confirmations beside their buttons, the Pareto tooltip's titles and formats, the Brief's title and purpose, and
export packs that keep A/B order and always include today's localities."""

from __future__ import annotations

import json

from apptest_support import move_ward, no_exceptions, open_tab, show, start_app, texts, ward_code

from analysis.present.downloads import plan_downloads, with_baseline
from analysis.plan.partition import current_plan


def test_undo_puts_the_move_to_box_back_and_counts_one_ward_in_the_singular(tmp_path, monkeypatch, lbbd):
    app = start_app(tmp_path / "autosave", monkeypatch)
    goresbrook = ward_code(lbbd, "Goresbrook")
    move_ward(app, goresbrook, "North")
    assert "**1 ward** moves from its current locality" in texts(open_tab(app, "Continuity"))
    app.button(key="undo").click().run()
    no_exceptions(app)
    assert "now in **East**" in texts(app)
    assert app.selectbox(key=f"move_to_{goresbrook}").value == "East"
    assert app.button(key="move_ward").disabled  # nothing to move until a new target is chosen


def test_layer_ticks_come_from_the_address(tmp_path, monkeypatch):
    app = start_app(tmp_path / "autosave", monkeypatch, layers="pcn,practices")
    no_exceptions(app)
    ticks = {c.key: c.value for c in app.sidebar.checkbox}
    assert ticks["layer_pcn"] and ticks["layer_practices"]
    assert not ticks["layer_current"] and not ticks["layer_names"]
    app.sidebar.checkbox(key="layer_names").check().run()
    assert app.query_params["layers"] in ("pcn,practices,names", ["pcn,practices,names"])


def test_propose_confirms_beside_the_buttons_and_the_tooltip_speaks_plainly(tmp_path, monkeypatch):
    app = show(start_app(tmp_path / "autosave", monkeypatch), "Propose")
    app.button(key="p_run").click().run()
    app.button(key="p_keep").click().run()
    no_exceptions(app)
    # the confirmation sits in the options panel (after the buttons), not at the top of the page
    success = [s for s in app.success if "Kept as “Option 1”" in s.value]
    assert success and app.get("toast")
    top = app.markdown[0].value if app.markdown else ""
    assert "Kept as" not in top
    spec = json.loads(app.get("vega_lite_chart")[0].proto.spec)
    tooltips = [t for layer in spec.get("layer", [spec]) for t in layer.get("encoding", {}).get("tooltip", [])]
    titles = {t.get("title"): t.get("format") for t in tooltips}
    assert titles["Largest population deviation"] == ".2%"
    assert titles["Residents kept in their locality"] == ".1%"
    assert "max_abs_deviation" not in titles


def test_brief_title_and_purpose_reach_the_slide(tmp_path, monkeypatch):
    app = show(start_app(tmp_path / "autosave", monkeypatch), "Brief")
    app.text_input(key="brief_title").input("Localities review 2027").run()
    app.text_input(key="brief_purpose").input("For the health and wellbeing board").run()
    no_exceptions(app)
    words = texts(app)
    assert "### Localities review 2027" in words and "For the health and wellbeing board" in words


def test_packs_keep_the_planners_order_and_include_today(lbbd):
    current = current_plan(lbbd)
    option = current.reassign({"E05014053": "South", "E05014055": "South", "E05014066": "South",
                               "E05014062": "South"}, name="Option 1")
    other = option.reassign({"E05014062": "East"}, name="Option 2")
    assert [p.name for p in with_baseline([option], current)] == [current.name, "Option 1"]
    assert [p.name for p in with_baseline([option, other], current, first=False)] == ["Option 1", "Option 2",
                                                                                      current.name]
    assert [p.name for p in with_baseline([current, option], current)] == [current.name, "Option 1"]
    # Compare: A = current, B = the option, in that order in the measures table (and the PDF)
    items = {d.key: d for d in plan_downloads(lbbd, option, pack=[current, option])}
    header = items["metrics-csv"].make().decode("utf-8-sig").splitlines()[0]
    assert header.startswith(f"metric,key,{current.name},Option 1,")
