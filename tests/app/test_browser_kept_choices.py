"""The planner's choices as the browser shows them (headless Chromium, internet blocked): the Propose rules, the
balance settings and the slide title are shown as kept after another view or a closed section, and an edit of the
Propose rules not yet submitted survives a click elsewhere. (AppTest reads the server's values; only a browser shows
what the boxes display.)"""

from __future__ import annotations

from test_browser import browser, open_page, page, server, settle  # noqa: F401


def to_view(page, *names: str) -> None:
    """Open these views in turn (the tabs along the top), each until the script has finished."""
    for name in names:
        page.get_by_role("tab", name=name).click()
        settle(page)


def test_kept_choices_are_what_the_boxes_show(page, server):  # noqa: F811
    open_page(page, server)
    sidebar = page.locator('section[data-testid="stSidebar"]')

    # Propose: the rules submitted are shown again after another view; an edit not yet submitted survives a click
    to_view(page, "Propose")
    page.get_by_label("Options to list").fill("6")
    page.get_by_role("button", name="Find options").click()
    page.get_by_text("meet your rules").first.wait_for(timeout=120_000)
    settle(page)
    to_view(page, "Brief", "Propose")
    assert page.get_by_label("Options to list").input_value() == "6"
    page.get_by_label("Options to list").fill("9")
    sidebar.get_by_text("GP practices").click()
    settle(page)
    assert page.get_by_label("Options to list").input_value() == "9"

    # the balance tolerance: changed, the section closed and opened again
    sidebar.get_by_text("Change balance or growth").click()
    settle(page)
    sidebar.get_by_role("slider").first.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    settle(page)
    assert "±12%" in sidebar.inner_text()
    sidebar.get_by_text("Change balance or growth").click()
    settle(page)
    sidebar.get_by_text("Change balance or growth").click()
    settle(page)
    assert sidebar.locator('[data-testid="stSliderThumbValue"]').first.inner_text() == "12"

    # the slide title: typed on the Brief, kept through another view
    to_view(page, "Brief")
    page.get_by_label("Title", exact=True).fill("Four options for the board")
    page.keyboard.press("Enter")
    settle(page)
    to_view(page, "Compare", "Brief")
    assert page.get_by_label("Title", exact=True).input_value() == "Four options for the board"
    assert page.get_by_role("heading", name="Four options for the board").count() >= 1
