"""The evidence choices in a real browser (headless Chromium, internet blocked): PCN catchments from registered
patients labelled on the map, balance on children as well as residents, a growth scenario beside the base, the PCN
table with practices not in a listed PCN, the Brief naming the scenario, and assigning a practice to a PCN.
Screenshots go to artifacts/screenshots/ (1x-*.png)."""

from __future__ import annotations

from test_browser import (browser, check_page, choose, map_frame, open_page, page, server,  # noqa: F401
                                settle, shoot, wait_for_map)

BUILD_OUT = "Barking Riverside build-out (30,000 residents)"


def body(page) -> str:
    return " ".join(page.locator("body").inner_text().split())


def test_evidence_choices_in_a_real_browser(page, server):  # noqa: F811
    open_page(page, server)
    sidebar = page.locator('section[data-testid="stSidebar"]')
    # the balance settings are summarised in a closed section, drawn when opened
    assert "Balance on Residents · ±10% · no growth scenario" in sidebar.inner_text()
    assert "Growth scenario" not in sidebar.inner_text()
    sidebar.get_by_text("Change balance or growth").click()
    settle(page)
    assert "Balance on" in sidebar.inner_text() and "Growth scenario" in sidebar.inner_text()

    # the PCN layer drawn from registrations, each PCN named on the map
    sidebar.get_by_text("PCN catchment (patients)").click()
    settle(page)
    wait_for_map(page)
    labels = map_frame(page).locator(".localign-pcn-label")
    labels.first.wait_for(state="attached")
    assert "North PCN" in " ".join(labels.all_inner_texts())
    assert "PCN catchment (patients)" in map_frame(page).locator(".localign-legend").inner_text()
    shoot(page, "11-pcn-catchments-from-registrations")

    # balance on residents and children 0-15: the chart shows each measure
    sidebar.get_by_role("combobox", name="Balance on").first.click()
    page.keyboard.type("Children aged")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.get_by_text("Largest deviation 10.4%").first.wait_for()
    settle(page, 1.5)
    wait_for_map(page)
    shoot(page, "12-balance-on-residents-and-children")
    assert "Balance on: Residents (Census 2021, GLA-weighted estimate); Children aged 0-15" in body(page)

    # a growth scenario: base and scenario side by side, charts and key figures
    choose(page, "Growth scenario", BUILD_OUT)
    wait_for_map(page)
    page.get_by_text("Base: 2021 residents").first.wait_for()
    settle(page, 1.5)
    shown = body(page)
    assert "Base: 2021 residents" in shown and f"Scenario: {BUILD_OUT} (assumption)" in shown
    page.get_by_text("Base: 2021 residents").first.evaluate("node => node.scrollIntoView({block: 'center'})")
    shoot(page, "13-scenario-beside-base")

    # the PCN x locality table on registered patients, with practices not in a listed PCN
    page.get_by_role("tab", name="PCNs × localities").click()
    settle(page)
    page.get_by_text("PCN basis: registered patients, July 2022").first.wait_for()
    page.get_by_text("PCN basis: registered patients, July 2022").first.evaluate(
        "node => node.scrollIntoView({block: 'start'})")
    shoot(page, "14-pcn-table-registered-patients")

    # the Brief names the scenario and its basis
    page.get_by_role("tab", name="Brief").click()
    settle(page)
    wait_for_map(page)
    brief = body(page)
    assert f"Scenario (assumption, not a projection): {BUILD_OUT}" in brief
    assert "PCN basis: registered patients, July 2022" in brief
    shoot(page, "15-brief-with-scenario")

    # assign a practice that is in no listed PCN
    page.get_by_role("tab", name="Bring data").click()
    settle(page)
    page.get_by_role("button", name="Assign", exact=True).wait_for()
    settle(page, 1.5)
    # the first practice listed (most patients) is F82019 The Upstairs Surgery, already chosen
    page.get_by_text("Practices not in a listed PCN").first.evaluate("node => node.scrollIntoView({block: 'start'})")
    shoot(page, "16-practices-not-in-a-listed-pcn")
    choose(page, "Assign to PCN", "North PCN")
    page.get_by_role("button", name="Assign", exact=True).click()
    page.get_by_text("→ North PCN").first.wait_for()
    settle(page, 1.5)
    assert "F82019 The Upstairs Surgery → North PCN" in body(page)
    page.get_by_text("Practices not in a listed PCN").first.evaluate("node => node.scrollIntoView({block: 'start'})")
    shoot(page, "17-practice-assigned-to-pcn")
    check_page(page)
