"""Bring data -> Any council in England in a real browser (headless Chromium, internet blocked): pick Newham, build
it offline and switch to it; saves artifacts/screenshots/any-council-*.png."""

from __future__ import annotations

import os
import tempfile

import pytest

from geo import national

# The app builds council bundles into a private folder for this test module (set before the server starts).
os.environ.setdefault(national.COUNCILS_ENV, tempfile.mkdtemp(prefix="localign-councils-"))

from test_browser import browser, open_page, page, server, settle, shoot  # noqa: E402,F401

pytestmark = pytest.mark.browser


def test_any_council_in_england_in_a_real_browser(page, server):
    open_page(page, server)
    page.get_by_role("tab", name="Bring data").click()
    settle(page)
    page.get_by_text("Any council in England").click()
    box = page.get_by_role("combobox", name="Council (district)").first
    box.click()
    box.fill("Newham")
    page.get_by_role("option", name="Newham (E09000025)", exact=True).first.click()
    settle(page)
    shoot(page, "any-council-picker")
    page.get_by_role("button", name="Build and open this council").click()
    page.get_by_text("Opened Newham.").first.wait_for()
    settle(page)
    text = page.locator("body").inner_text()
    assert "24 wards" in text and "351,005 residents" in text
    shoot(page, "any-council-opened")
    page.get_by_role("tab", name="Map & edit").click()
    settle(page, 1.5)
    assert "Newham" in page.locator("body").inner_text()
    shoot(page, "any-council-map-and-edit")
