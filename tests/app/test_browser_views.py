"""Every view at 1440 × 900 and 1920 × 1080 in a real browser (headless Debian Chromium, internet blocked), with
the board-ready checks a planner would make by eye: map labels never overlap (also zoomed out), PCN areas are
labelled, the page scrolls past a map without zooming it, Compare shows both plans and every measure without
sideways scrolling, confirmations appear beside the button, layer ticks survive a reload, the presentation view
keeps controls out of the shot and the slide map uses a wide screen. Screenshots go to artifacts/screenshots/
(views-<width>-<view>.png), and the PNG and PDF downloads to artifacts/downloads/.

Reuses the server, browser and helpers of test_browser.py.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from test_browser import (  # noqa: F401  (fixtures)
    ROOT,
    SCREENSHOTS,
    app_page,
    browser,
    check_page,
    map_frame,
    server,
    settle,
    wait_for_map,
)

pytestmark = pytest.mark.browser

DOWNLOADS = ROOT / "artifacts" / "downloads"
SIZES = {"1440": {"width": 1440, "height": 900}, "1920": {"width": 1920, "height": 1080}}


def new_page(browser, server, size: dict):
    """A page of the given size that may only talk to the app (every other request is recorded and blocked)."""
    return app_page(browser, server, size, timeout_ms=90_000)


def shot(page, width: str, name: str) -> Path:
    assert page.errors == [], f"JavaScript errors before {name}: {page.errors}"
    check_page(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"views-{width}-{name}.png"
    page.screenshot(path=str(path))
    return path


def leaflet(page, index: int = 0):
    """The Frame object of the index-th map (to run Leaflet's own JavaScript in it)."""
    frames = [f for f in page.frames if "streamlit_folium" in f.url]
    return frames[index]


def visible_label_boxes(page, index: int = 0) -> list[dict]:
    return leaflet(page, index).evaluate("""() => Array.from(document.querySelectorAll('.localign-label'))
        .filter(el => getComputedStyle(el).visibility !== 'hidden' && el.getBoundingClientRect().width > 0)
        .map(el => { const r = el.getBoundingClientRect();
                     return {text: el.textContent, kind: el.dataset.kind, l: r.left, t: r.top, r: r.right, b: r.bottom}; })""")


def overlapping(boxes: list[dict]) -> list[tuple[str, str]]:
    pairs = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if a["l"] < b["r"] - 0.5 and b["l"] < a["r"] - 0.5 and a["t"] < b["b"] - 0.5 and b["t"] < a["b"] - 0.5:
                pairs.append((a["text"], b["text"]))
    return pairs


def eventually(get, ok, timeout_s: float = 60.0):
    """``get()`` once ``ok`` holds for it (the app redraws maps after a rerun), else its last value."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            value = get()
        except Exception:  # the map frame is being replaced
            value = None
        if value is not None and ok(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.3)


def open_view(page, server: str, view: str = "", query: str = "") -> None:
    page.goto(f"{server}/?{query}" + (f"&view={view}" if view else ""))
    settle(page)


def tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    settle(page)


def steady_gap(page, first, second, timeout_s: float = 15.0) -> float:
    """The vertical distance between two elements once the page has stopped moving (two equal readings in a row)."""
    settle(page)
    last = None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        a, b = first.bounding_box(), second.bounding_box()
        gap = abs(b["y"] - a["y"]) if a and b else None
        if gap is not None and last is not None and abs(gap - last) < 1:
            return gap
        last = gap
        time.sleep(0.5)
    return float("inf") if last is None else last


@pytest.mark.parametrize("width", list(SIZES))
def test_every_view_is_board_ready(browser, server, lbbd, width):
    context, page = new_page(browser, server, SIZES[width])
    try:
        # --- Map & edit: labels placed without collisions, PCN areas labelled, wheel zoom only after a click
        open_view(page, server)
        wait_for_map(page)
        page.get_by_text("GP practices", exact=True).click()
        settle(page)
        page.locator('section[data-testid="stSidebar"]').get_by_text(lbbd.pcn.layer_label, exact=True).first.click()
        settle(page)
        wait_for_map(page)
        boxes = eventually(lambda: visible_label_boxes(page), lambda b: {x["kind"] for x in b} == {"ward", "pcn"})
        settle(page)
        shot(page, width, "01-map-and-edit")
        assert overlapping(boxes) == []
        assert {b["kind"] for b in boxes} == {"ward", "pcn"}, "ward names and PCN names are both on the map"
        assert len([b for b in boxes if b["kind"] == "ward"]) >= 12, "most ward names fit at the first view"

        frame = leaflet(page)
        zoom = frame.evaluate("() => window.map.getZoom()")
        frame.locator(".leaflet-container").hover()
        page.mouse.wheel(0, 400)
        time.sleep(0.6)
        assert frame.evaluate("() => window.map.getZoom()") == zoom, "scrolling the page zoomed the map"
        frame.evaluate("() => window.map.setZoom(window.map.getZoom() - 2, {animate: false})")
        time.sleep(0.6)
        zoomed_out = visible_label_boxes(page)
        assert overlapping(zoomed_out) == [] and len(zoomed_out) < len(boxes), "labels thin out when zoomed out"
        shot(page, width, "02-map-zoomed-out")
        frame.evaluate("() => window.map.setZoom(window.map.getZoom() + 2, {animate: false})")

        # --- layer ticks survive a reload (the address keeps them)
        assert "pcn" in page.url and "practices" in page.url
        page.reload()
        settle(page)
        wait_for_map(page)
        sidebar = page.locator('section[data-testid="stSidebar"]')
        assert sidebar.get_by_role("checkbox", name=lbbd.pcn.layer_label).is_checked()
        assert sidebar.get_by_role("checkbox", name="GP practices").is_checked()

        # --- Propose: find options; the confirmation appears beside the button that was clicked
        tab(page, "Propose")
        page.get_by_role("button", name="Find options").click()
        page.get_by_text("meet your rules").first.wait_for()
        settle(page)
        wait_for_map(page)
        keep = page.get_by_role("button", name="Keep for comparing")
        keep.scroll_into_view_if_needed()
        keep.click()
        settle(page)
        message = page.locator("xpath=//*[contains(text(), 'Kept as “Option 1”')]"
                               "[not(ancestor::*[@data-testid='stToast'])]").first
        message.wait_for()
        gap = steady_gap(page, page.get_by_role("button", name="Keep for comparing"), message)
        assert gap < 250, f"the confirmation is {gap:.0f} px from the button, not beside it"
        toast = page.locator('[data-testid="stToast"]').filter(has_text="Kept as “Option 1”").first
        toast.wait_for()
        toast_box = toast.bounding_box()
        assert 0 <= toast_box["y"] <= SIZES[width]["height"] - toast_box["height"], "the confirmation is out of sight"
        message.scroll_into_view_if_needed()
        shot(page, width, "03-propose-kept")

        # --- Compare: the working plan (A) and Option 1 (B): both plans, change and verdict, every row
        tab(page, "Compare")
        page.get_by_role("combobox", name="Plan B").click()
        page.get_by_role("option", name="Option 1", exact=True).click()
        settle(page)
        wait_for_map(page, 0)
        wait_for_map(page, 1)
        grid = page.locator('[data-testid="stDataFrame"]').first
        grid.scroll_into_view_if_needed()
        sizes = grid.evaluate("""el => { const s = el.querySelector('.dvn-scroller') || el;
                                         return [s.scrollWidth, s.clientWidth, s.scrollHeight, s.clientHeight]; }""")
        assert sizes[0] <= sizes[1] + 2, f"the measures table scrolls sideways at {width} px: {sizes}"
        assert sizes[2] <= sizes[3] + 2, f"the measures table hides rows at {width} px: {sizes}"
        page.get_by_text("Measures · A:").first.scroll_into_view_if_needed()
        time.sleep(0.3)
        shot(page, width, "04-compare-measures")
        page.evaluate("window.scrollTo(0, 0)")
        for el in page.locator('[data-testid="stMain"]').all()[:1]:
            el.evaluate("el => el.scrollTo(0, 0)")
        time.sleep(0.3)
        shot(page, width, "05-compare-maps")

        # --- Bring data
        tab(page, "Bring data")
        shot(page, width, "06-bring-data")

        # --- Brief: the planner's title and purpose on the slide, the map using the width; PNG and PDF downloads
        tab(page, "Brief")
        wait_for_map(page)
        page.get_by_role("textbox", name="Title").fill("Localities review 2027")
        page.get_by_role("textbox", name="Purpose (one line)").fill("For the health and wellbeing board: which option to consult on")
        page.get_by_role("textbox", name="Purpose (one line)").press("Enter")
        settle(page)
        wait_for_map(page)
        assert page.get_by_text("Localities review 2027").first.is_visible()
        height = page.locator(".st-key-brief_map_box iframe").bounding_box()["height"]
        assert height >= (SIZES[width]["height"] - 260) * 0.95, f"the slide map is only {height:.0f} px tall"
        shot(page, width, "07-brief")
        DOWNLOADS.mkdir(parents=True, exist_ok=True)
        for label, name in (("Map for slides (PNG)", "png"), ("Briefing pack (PDF)", "pdf")):
            with page.expect_download() as download:
                page.get_by_role("button", name=label).click()
            download.value.save_as(DOWNLOADS / f"brief-{width}.{name}")
        pdf = (DOWNLOADS / f"brief-{width}.pdf").read_bytes()
        png = (DOWNLOADS / f"brief-{width}.png").read_bytes()
        assert pdf.startswith(b"%PDF") and png.startswith(b"\x89PNG")

        # --- Presentation view: no zoom buttons, no visible way out in the shot
        open_view(page, server, query="present=1")
        wait_for_map(page)
        time.sleep(0.5)
        assert map_frame(page).locator(".leaflet-control-zoom").count() == 0
        leave = page.locator(".st-key-present_leave")
        assert float(leave.evaluate("el => getComputedStyle(el).opacity")) == 0.0
        assert overlapping(visible_label_boxes(page)) == []
        shot(page, width, "08-presentation")
    finally:
        context.close()

