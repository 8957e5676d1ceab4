"""Hostile use in a real browser (issue 12): headless Debian Chromium driven by Playwright, internet blocked.

1. A bundle whose every name holds HTML, `${…}`, backticks and quotes, and a plan file whose locality
   names (and file name) do the same, are loaded, shown on every view, hovered and exported: no dialog
   opens (every payload calls alert), no script error happens, all 19 wards are drawn and labelled,
   and the names show as plain text.
2. Two browser contexts (two planners) edit at once: neither ever sees the other's working plan, before
   or after reloading, and a third visitor sees neither.

Screenshots go to artifacts/screenshots/ (security-*.png). Skipped where no Chromium is installed.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from badfiles import HOSTILE, copy_bundle, hostile_plan_csv, make_hostile_bundle
from test_browser import (  # noqa: F401  (browser is a fixture)
    BAD_WORDS,
    WAIT_MS,
    app_page,
    browser,
    choose,
    map_frame,
    serve,
    settle,
    shoot,
    stop,
    wait_for_map,
)

from geo.bundle import load_bundle
from geo.escape import FORMULA_STARTS, is_plain_number

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api", reason="Playwright's Python package is not installed")


def reopen(page) -> None:
    """Reload the page (as a planner pressing F5) and wait until the map is drawn and the app idle."""
    page.reload()
    wait_for_map(page)
    settle(page)


def watched_page(browser, server: str):
    """A page in a fresh context (a planner's own browser) that records dialogs, script errors and outside requests.

    Every dialog is dismissed and recorded: the hostile names all call alert(), so any dialog means script ran.
    """
    return app_page(browser, server)


def inert(page) -> None:
    """No dialog, no script error, nothing fetched from outside, no exception on the page."""
    assert page.dialogs == [], page.dialogs
    assert page.errors == [], page.errors
    assert page.outside == [], page.outside
    text = page.locator("body").inner_text()
    for word in BAD_WORDS:
        assert word not in text, word


def all_wards_drawn(page, index: int = 0, labelled: bool = True) -> None:
    """Every ward is drawn (19 ward shapes) and, on maps that name every ward, labelled."""
    wait_for_map(page, index)
    frame = map_frame(page, index)
    if labelled:
        assert frame.locator(".localign-ward-label").count() == 19
    assert frame.locator("path.leaflet-interactive").count() >= 19


def hover_ward(page, area, name_part: str) -> str:
    """Hover a ward on the map and return its tooltip's text."""
    code = next(u for u, n in area.unit_names.items() if name_part in str(n))
    point = area.units_lonlat.geometry[code].representative_point()
    frame = page.frame(url=lambda url: "streamlit_folium" in url)
    x, y = frame.evaluate("([lat, lng]) => { const p = window.map.latLngToContainerPoint([lat, lng]);"
                          " return [p.x, p.y]; }", [point.y, point.x])
    map_frame(page).locator(".leaflet-container").hover(position={"x": x, "y": y})
    tooltip = map_frame(page).locator(".leaflet-tooltip").first
    tooltip.wait_for(state="visible")
    return tooltip.inner_text()


def test_a_hostile_bundle_and_plan_run_no_script(browser, tmp_path):
    folder = copy_bundle(tmp_path)
    make_hostile_bundle(folder)
    area = load_bundle(folder)
    process, server, log = serve(tmp_path, tmp_path / "autosave", folder)
    context, page = watched_page(browser, server)
    try:
        page.goto(server)
        all_wards_drawn(page)
        settle(page)
        inert(page)
        body = page.locator("body").inner_text()
        assert "</script><script>alert(2)</script> London Borough" in body and "Dr O`Neil`" in body  # as text
        tip = hover_ward(page, area, "O`Neil`")
        assert "Dr O`Neil` Barking Riverside" in tip and "<script>alert(2)</script>" in tip
        legend = map_frame(page).locator(".localign-legend").inner_text()
        assert "alert(" in legend  # the current localities' hostile names, as text
        for label in ("GP practices", area.pcn.layer_label):
            page.locator('section[data-testid="stSidebar"]').get_by_text(label, exact=True).first.click()
            settle(page)
        all_wards_drawn(page)
        inert(page)
        shoot(page, "security-01-hostile-bundle")

        # import the hostile plan (its file name is hostile too)
        page.get_by_role("tab", name="Bring data").click()
        settle(page)
        uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text="Plan file")
        uploader.locator('input[type="file"]').set_input_files(
            files=[{"name": "<img src=x onerror=alert('file')> `${alert(1)}`.csv", "mimeType": "text/csv",
                    "buffer": hostile_plan_csv(area)}])
        page.get_by_text("and opened it as the working plan").first.wait_for()
        settle(page)
        inert(page)
        page.get_by_role("tab", name="Map & edit").click()
        settle(page)
        all_wards_drawn(page)
        tip = hover_ward(page, area, "Abbey")
        assert any(h in tip for h in HOSTILE)
        assert "4 localities" in page.locator("body").inner_text()
        inert(page)
        shoot(page, "security-02-hostile-plan")

        # the ward list download is inert too
        page.get_by_role("tab", name="Export").click()
        with page.expect_download() as download:
            page.get_by_role("button", name="Ward list (CSV)").first.click()
        path = download.value.path()
        assert set(download.value.suggested_filename) <= set("abcdefghijklmnopqrstuvwxyz0123456789-.")
        cells = [c for row in csv.reader(io.StringIO(Path(path).read_text(encoding="utf-8"))) for c in row]
        assert any(HOSTILE[0] in c for c in cells)
        assert all(not c.startswith(FORMULA_STARTS) or is_plain_number(c) for c in cells)

        for view in ("Compare", "Brief"):
            page.get_by_role("tab", name=view).click()
            settle(page)
            all_wards_drawn(page, labelled=view != "Compare")  # Compare names only the wards that move
            if view == "Compare":
                all_wards_drawn(page, 1, labelled=False)
            inert(page)
            shoot(page, f"security-03-{view.lower()}")
        page.goto(page.url + "&present=1")
        all_wards_drawn(page)
        settle(page)
        inert(page)
        shoot(page, "security-04-presentation")
    finally:
        context.close()
        stop(process, log)


def wards_that_move(page) -> str:
    figure = page.locator(".localign-figure").filter(has_text="Wards that move").first
    return figure.locator(".v").inner_text().strip()


def move(page, ward: str, now_in: str, locality: str) -> None:
    """Pick a ward (waiting until its panel says where it is now) and move it to another locality."""
    choose(page, "Ward", ward)
    page.get_by_text(f"now in {now_in}").first.wait_for()
    choose(page, "Move to", locality)
    button = page.get_by_role("button", name="Move ward")
    try:
        playwright.expect(button).to_be_enabled(timeout=WAIT_MS)
    except AssertionError:
        shoot(page, "security-move-failed")
        raise
    button.click()
    settle(page)
    wait_for_map(page)
    page.get_by_text(f"now in {locality}").first.wait_for()


def test_two_planners_never_see_each_others_work(browser, tmp_path, lbbd):
    process, server, log = serve(tmp_path, tmp_path / "autosave")
    (context_a, a), (context_b, b) = watched_page(browser, server), watched_page(browser, server)
    try:
        for page in (a, b):
            page.goto(server)
            wait_for_map(page)
            settle(page)
        move(a, "Goresbrook (E05014062)", "East", "North")  # planner A moves one ward
        move(b, "Abbey (E05014053)", "West", "East")  # planner B, at the same time, moves two
        move(b, "Heath (E05014063)", "North", "East")
        assert wards_that_move(a) == "1" and wards_that_move(b) == "2"
        reopen(a)
        assert wards_that_move(a) == "1" and "Restored your unsaved plan from" in a.locator("body").inner_text()
        reopen(b)
        assert wards_that_move(b) == "2"
        reopen(a)
        assert wards_that_move(a) == "1"
        shoot(a, "security-05-planner-a")
        shoot(b, "security-06-planner-b")
        # B discards: A's plan stays
        b.get_by_role("button", name="Discard it").click()
        settle(b)
        assert wards_that_move(b) == "0"
        reopen(a)
        assert wards_that_move(a) == "1"
        # a third visitor, with no session key in the address, sees neither
        context_c, c = watched_page(browser, server)
        c.goto(server)
        wait_for_map(c)
        settle(c)
        assert wards_that_move(c) == "0" and "Restored your unsaved plan" not in c.locator("body").inner_text()
        keys = {page.url.split("session=")[1].split("&")[0] for page in (a, b, c)}
        assert len(keys) == 3
        context_c.close()
        for page in (a, b):
            inert(page)
    finally:
        context_a.close()
        context_b.close()
        stop(process, log)
