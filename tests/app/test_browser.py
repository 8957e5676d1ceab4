"""The app in a real browser: headless Debian Chromium driven by Playwright, with the internet blocked.

Starts `streamlit run app.py` on a free port, waits for the map, opens a plan, moves a ward by clicking it on
the map, opens Compare, proposes options, opens the presentation view, reloads the page (the edit must come back:
the address keeps the browser session's key), and saves
1440 × 900 screenshots in artifacts/screenshots/. Fails on any exception or traceback text on the page.
Skipped, with the reason, where no Chromium is installed (`.ci/run` installs Debian's chromium).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"
START_TIMEOUT_S = 120
WAIT_MS = 90_000
BAD_WORDS = ("Traceback", "This app has encountered an error", "StreamlitAPIException", "Exception:")

pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium browser at {CHROMIUM} (install Debian's 'chromium' package to run the browser test)",
                allow_module_level=True)
playwright = pytest.importorskip("playwright.sync_api", reason="Playwright's Python package is not installed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(folder: Path, autosave: Path, bundle: Path | None = None) -> tuple[subprocess.Popen, str, Path]:
    """Start the app on a free port with a private autosave folder (optionally on another bundle); return the
    process, its address and its log."""
    port = free_port()
    streamlit = Path(sys.executable).parent / "streamlit"
    command = [str(streamlit) if streamlit.exists() else "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1"]
    if bundle is not None:
        command += ["--", "--bundle", str(bundle)]
    env = {**os.environ, "LOCALIGN_AUTOSAVE_DIR": str(autosave)}
    log = folder / "streamlit.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return process, url, log
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"streamlit stopped: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.5)
    process.terminate()
    pytest.fail(f"streamlit did not start within {START_TIMEOUT_S} s")


def stop(process: subprocess.Popen, log: Path) -> None:
    """Stop the app; its log must show no traceback."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    assert "Traceback" not in log.read_text(errors="replace"), log.read_text(errors="replace")[-3000:]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app served by streamlit on a free port, with a private autosave folder; stopped afterwards."""
    process, url, log = serve(tmp_path_factory.mktemp("server"), tmp_path_factory.mktemp("autosave"))
    yield url
    stop(process, log)


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def app_page(browser, server: str, size: dict | None = None, timeout_ms: int = WAIT_MS):
    """A page in a fresh browser context (a planner's own browser) that may only talk to the app: every other
    request is blocked and recorded in ``page.outside``, script errors in ``page.errors``, dialogs (dismissed) in
    ``page.dialogs``."""
    context = browser.new_context(viewport=size or {"width": 1440, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.outside, page.errors, page.dialogs = [], [], []

    def route(request_route):
        url = request_route.request.url
        if url.startswith((server, "data:", "blob:", "about:")):
            request_route.continue_()
        else:
            page.outside.append(url)
            request_route.abort()

    def on_dialog(dialog):
        page.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    context.route("**/*", route)
    context.on("page", lambda p: p.on("dialog", on_dialog))
    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.set_default_timeout(timeout_ms)
    return context, page


@pytest.fixture()
def page(browser, server):
    """A 1440 × 900 page that may only talk to the app: every other request is blocked and recorded."""
    context, page = app_page(browser, server)
    yield page
    context.close()


def settle(page, quiet_s: float = 1.0) -> None:
    """Wait until Streamlit has finished running the script ("Running…" gone for ``quiet_s`` seconds)."""
    deadline = time.monotonic() + WAIT_MS / 1000
    quiet_since = None
    while time.monotonic() < deadline:
        running = page.locator('[data-testid="stStatusWidget"]').count() > 0
        if running:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_s:
            return
        time.sleep(0.2)


def check_page(page) -> None:
    """No exception or traceback on the page, no JavaScript error, nothing fetched from the internet."""
    text = page.locator("body").inner_text()
    for word in BAD_WORDS:
        assert word not in text, f"'{word}' on the page"
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.errors == []
    assert page.outside == []


def map_frame(page, index: int = 0):
    return page.frame_locator(MAP_FRAME).nth(index)


def wait_for_map(page, index: int = 0) -> None:
    """Wait until Leaflet has drawn the wards inside the map's frame (one path per ward at least)."""
    frame = map_frame(page, index)
    frame.locator(".leaflet-container").wait_for(state="visible")
    frame.locator("path.leaflet-interactive").nth(18).wait_for(state="attached")


def shoot(page, name: str) -> Path:
    """Check the page (see check_page), then save a screenshot of it."""
    check_page(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def open_page(page, url: str) -> str:
    """Load a page of the app, wait for its map and for the script to finish; return the page's text."""
    page.goto(url)
    wait_for_map(page)
    settle(page)
    return page.locator("body").inner_text()


def choose(page, label: str, option: str) -> None:
    """Pick an option in the Streamlit select box with this label."""
    page.get_by_role("combobox", name=label).first.click()
    page.get_by_role("option", name=option, exact=True).first.click()
    settle(page)


def click_ward(page, lat: float, lng: float) -> None:
    """Click the map at a point (WGS84), as a planner clicks a ward."""
    frame = page.frame(url=lambda url: "streamlit_folium" in url)
    x, y = frame.evaluate("([lat, lng]) => { const p = window.map.latLngToContainerPoint([lat, lng]);"
                          " return [p.x, p.y]; }", [lat, lng])
    map_frame(page).locator(".leaflet-container").click(position={"x": x, "y": y})
    settle(page, 1.5)


def test_planner_session_in_a_real_browser(page, server, lbbd):
    assert "Current localities (inferred – an assumption)" in open_page(page, server)
    assert map_frame(page).locator(".localign-legend").inner_text().count("(") >= 3
    shoot(page, "01-map-and-edit")

    # select a plan from the sidebar, then go back with Undo
    choose(page, "Open a plan", "PCN areas as localities (approximate)")
    wait_for_map(page)
    sidebar = page.locator('section[data-testid="stSidebar"]')
    assert "PCN areas as localities (approximate)" in sidebar.inner_text()
    shoot(page, "02-plan-selected")
    page.get_by_role("button", name="Undo").click()
    settle(page)
    wait_for_map(page)
    assert "Working plan: Current localities (inferred – an assumption)" in sidebar.inner_text().replace("\n", " ")

    # reassign a ward by clicking it on the map and choosing a locality
    code = str(lbbd.unit_names[lbbd.unit_names == "Goresbrook"].index[0])
    point = lbbd.units_lonlat.geometry[code].representative_point()
    click_ward(page, point.y, point.x)
    page.get_by_text("Goresbrook", exact=True).first.wait_for()
    assert "now in East" in page.locator("body").inner_text()
    choose(page, "Move to", "North")
    page.get_by_role("button", name="Move ward").click()
    settle(page)
    wait_for_map(page)
    body = page.locator("body").inner_text()
    assert "now in North" in body and "(edited)" in body
    shoot(page, "03-ward-moved")

    # compare the edited plan with the current localities
    page.get_by_role("tab", name="Compare").click()
    settle(page)
    wait_for_map(page, 0)
    wait_for_map(page, 1)
    page.get_by_text("1 ward changes locality").wait_for()
    shoot(page, "04-compare")

    # propose options with the default rules: progress bar, Pareto front, the chosen option on a map
    page.get_by_role("tab", name="Propose").click()
    settle(page)
    page.get_by_role("button", name="Find options").click()
    page.get_by_text("meet your rules").first.wait_for()
    settle(page)
    wait_for_map(page)
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    page.get_by_text("meet your rules").first.evaluate("node => node.scrollIntoView({block: 'start'})")
    time.sleep(0.5)
    shoot(page, "05-propose")

    # the slide-ready presentation view (the page address keeps this browser session's key)
    session = page.url.split("session=")[1].split("&")[0]
    open_page(page, f"{server}/?present=1&session={session}")
    assert page.locator('section[data-testid="stSidebar"]').count() == 0 or \
        not page.locator('section[data-testid="stSidebar"]').is_visible()
    shoot(page, "06-presentation")

    # a reload (same address, new Streamlit session) brings the edited plan back
    body = open_page(page, f"{server}/?session={session}")
    assert "Restored your unsaved plan from" in body and "(edited)" in body
    shoot(page, "07-restored-after-reload")
