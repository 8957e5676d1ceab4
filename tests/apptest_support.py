"""Helpers for the Streamlit AppTest tests: start the app with a private autosave folder, read its maps and messages."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 120


def start_app(autosave: Path, monkeypatch: pytest.MonkeyPatch, *, prepare_at_start: bool = False,
              state: dict | None = None, **query: str) -> AppTest:
    """A fresh browser session on the app (as after a reload), autosaving into ``autosave``, with ``state`` in its
    session state before the first run; the server draws today's briefing pack after its first page only when
    ``prepare_at_start`` (so each test sees only the exports it asks for)."""
    monkeypatch.setenv("LOCALIGN_AUTOSAVE_DIR", str(autosave))
    monkeypatch.setenv("LOCALIGN_PREPARE_AT_START", "1" if prepare_at_start else "0")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def show(at: AppTest, view: str) -> AppTest:
    """Switch to one of the app's views (the tabs along the top)."""
    at.session_state["view"] = view
    return at.run()


def maps(at: AppTest) -> list[dict]:
    """The arguments of every map on the page (what streamlit-folium sends to the browser)."""
    return [json.loads(node.proto.json_args) for node in at.get("component_instance")
            if node.proto.component_name == "streamlit_folium.st_folium"]


def texts(at: AppTest) -> str:
    """Every message, caption, Markdown text and HTML block on the page, joined (to search for words a planner sees)."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + html_blocks(at)
    for kind in (at.error, at.warning, at.info, at.success):
        parts += [e.value for e in kind]
    return "\n".join(str(p) for p in parts)


def html_blocks(at: AppTest) -> list[str]:
    """The HTML of every st.html block on the page (tables, legends, notes, styles), in page order."""
    return [element.proto.body for element in at.get("html")]


def no_exceptions(at: AppTest) -> None:
    """Fail if the page shows an exception (a planner must never see one)."""
    assert not at.exception, [e.value for e in at.exception]
    assert "Traceback" not in texts(at)


KEY_FIGURE = re.compile(r'<div class="localign-figure" title="[^"]*"><div class="t">([^<]*)</div><div class="v">([^<]*)</div>')


def metric(at: AppTest, title: str) -> str:
    """The shown value of a key figure (a card in the key figures' HTML) by its title."""
    shown = {unescape(t): unescape(v) for block in html_blocks(at) for t, v in KEY_FIGURE.findall(block)}
    assert title in shown, f"no key figure titled {title!r}; shown: {sorted(shown)}"
    return shown[title]


def move_ward(at: AppTest, code: str, locality: str) -> AppTest:
    """Pick a ward in Map & edit, choose the locality to move it to and press Move ward."""
    at.selectbox(key="ward_pick").select(code).run()
    at.selectbox(key=f"move_to_{code}").select(locality).run()
    return at.button(key="move_ward").click().run()


def ward_code(area, name: str) -> str:
    return str(area.unit_names[area.unit_names == name].index[0])


def pack_drawn_ahead() -> tuple:
    """The key of the one briefing pack being drawn in the background, after checking it comes out as a PDF."""
    from analysis.present import prepared_exports

    packs = prepared_exports.held("pdf")
    assert len(packs) == 1, f"{len(packs)} briefing packs drawn ahead"
    (key, future), = packs.items()
    assert future.result(timeout=60).startswith(b"%PDF")
    return key



def open_tab(at: AppTest, name: str) -> AppTest:
    """Open one of the tabs under the Map & edit map (only the open one is drawn)."""
    at.session_state["edit_tabs"] = name
    return at.run()
