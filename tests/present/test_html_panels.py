"""The first screen's HTML panels: the balance bars against a hand calculation, the Localities table's figures, and
names from data shown as text."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from synthetic import code_of

from analysis.metrics.evaluate import evaluate
from analysis.plan.partition import current_plan
from analysis.present.html_panels import (
    BAR_HEADROOM,
    OUT_OF_BAND,
    balance_bars_html,
    figures_html,
    key_figures_html,
    locality_table_html,
)
from analysis.present.palette import TOLERANCE_BAND, locality_colours
from analysis.present.views import Figure, key_figures, locality_table


class Cells(HTMLParser):
    """Rows of cell texts, and every tag with its attributes, of an HTML fragment."""

    def __init__(self, fragment: str) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.tags: list[tuple[str, dict]] = []
        self._cell: list[str] | None = None
        self.feed(fragment)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _styles(parsed: Cells, cls: str) -> list[dict[str, str]]:
    return [dict(part.split(":", 1) for part in attrs["style"].split(";") if part)
            for tag, attrs in parsed.tags if attrs.get("class") == cls]


def test_balance_bars_sit_where_a_hand_calculation_puts_them(lbbd):
    plan = current_plan(lbbd)
    for candidate, tolerance in [(plan, 0.05), (plan.reassign({code_of(lbbd, "Goresbrook"): "North"}), 0.10)]:
        evaluation = evaluate(lbbd, candidate)
        parsed = Cells(balance_bars_html(evaluation, tolerance))
        populations = {loc: float(lbbd.population[evaluation.units[loc]].sum()) for loc in evaluation.localities}
        ideal = sum(populations.values()) / len(populations)
        top = max(max(populations.values()), ideal * (1 + tolerance)) * BAR_HEADROOM
        colours = locality_colours(evaluation.localities)
        body = parsed.rows[1:]
        assert [row[0] for row in body] == list(evaluation.localities)
        for row, fill in zip(body, _styles(parsed, "fill")):
            loc = row[0]
            assert row[2] == f"{populations[loc]:,.0f}"
            assert row[3] == f"{populations[loc] / ideal - 1:+.1%}".replace("-", "−")
            assert float(fill["width"].rstrip("%")) == pytest.approx(100 * populations[loc] / top, abs=0.006)
            assert fill["background"] == colours[loc]
        for band in _styles(parsed, "band"):
            assert float(band["left"].rstrip("%")) == pytest.approx(100 * ideal * (1 - tolerance) / top, abs=0.006)
            assert float(band["width"].rstrip("%")) == pytest.approx(200 * ideal * tolerance / top, abs=0.006)
            assert band["background"] == TOLERANCE_BAND
        for line in _styles(parsed, "equal"):
            assert float(line["left"].rstrip("%")) == pytest.approx(100 * ideal / top, abs=0.006)
        assert any(f"Equal share: {ideal:,.0f} residents" in attrs.get("title", "") for tag, attrs in parsed.tags
                   if tag == "th")


def test_only_deviations_outside_the_band_are_red(lbbd):
    evaluation = evaluate(lbbd, current_plan(lbbd))
    largest = max(abs(d) for d in evaluation.deviations.values())
    tight, loose = largest - 0.005, largest + 0.005
    assert balance_bars_html(evaluation, tight).count(OUT_OF_BAND) >= 1
    assert OUT_OF_BAND not in balance_bars_html(evaluation, loose)
    outside = sum(abs(d) > tight for d in evaluation.deviations.values())
    assert balance_bars_html(evaluation, tight).count(f"color:{OUT_OF_BAND}") == outside


def test_locality_table_shows_each_figure_in_its_definitions_format(lbbd):
    evaluation = evaluate(lbbd, current_plan(lbbd))
    frame = locality_table(lbbd, evaluation)
    parsed = Cells(locality_table_html(frame))
    header, body = parsed.rows[0], parsed.rows[1:]
    assert header[:4] == ["Locality", "Wards", "Residents", "Deviation"] and header[-1] == "Continues (current, inferred)"
    for row, loc in zip(body, evaluation.localities):
        cells = dict(zip(header, row))
        assert cells["Locality"] == loc
        assert cells["Wards"] == str(len(evaluation.units[loc]))
        assert cells["Residents"] == f"{evaluation.populations[loc]:,.0f}"
        assert cells["Polsby–Popper"] == f"{evaluation.polsby_popper[loc]:.3f}"
        assert cells["Area (km²)"] == f"{evaluation.area_km2[loc]:.2f}"
        assert cells["One piece"] == ("No" if loc in evaluation.noncontiguous else "Yes")
    titled = [attrs["title"] for tag, attrs in parsed.tags if tag == "th" and "title" in attrs]
    assert any(t.startswith("Compactness of each locality against its smallest enclosing circle") for t in titled)


def test_names_from_data_stay_text(lbbd):
    hostile = '<img src=x onerror="alert(1)">${x}`'
    plan = current_plan(lbbd)
    renamed = plan.reassign({u: hostile for u, loc in plan.assignment.items() if loc == "East"})
    evaluation = evaluate(lbbd, renamed)
    for fragment in (balance_bars_html(evaluation, 0.05), locality_table_html(locality_table(lbbd, evaluation))):
        assert "<img" not in fragment and "${" not in fragment and "`" not in fragment
        parsed = Cells(fragment)
        assert hostile in [row[0] for row in parsed.rows]
        assert {tag for tag, _ in parsed.tags} <= {"table", "tr", "th", "td", "div", "span"}
        assert not any(name.startswith("on") for _, attrs in parsed.tags for name in attrs)


def test_figures_table_keeps_rows_header_and_meanings_as_text():
    hostile = '<img src=x onerror="alert(1)">${x}`'
    fragment = figures_html([(hostile, ["1,234", "−5.0%"]), ("Wards", [19, 19])], head=["Base", hostile],
                            tips=[f"means {hostile}", ""])
    assert "<img" not in fragment and "${" not in fragment and "`" not in fragment
    parsed = Cells(fragment)
    assert parsed.rows == [["", "Base", hostile], [hostile, "1,234", "−5.0%"], ["Wards", "19", "19"]]
    rows = [attrs for tag, attrs in parsed.tags if tag == "tr"]
    assert rows[1] == {"title": f"means {hostile}"} and rows[0] == rows[2] == {}
    assert [attrs.get("class") for tag, attrs in parsed.tags if tag == "td"] == [None, "v", "v"] * 3


def test_key_figure_cards_show_each_title_value_and_meaning_as_text(lbbd):
    """One card per key figure of the current localities, in order, with its title, value and meaning as given; a
    hostile title stays text."""
    figures = key_figures(evaluate(lbbd, current_plan(lbbd)))
    hostile = '<img src=x onerror="alert(1)">${x}`'
    fragment = key_figures_html([*figures, Figure("x", hostile, "1 <b>", f"means {hostile}")], per_row=3)
    assert "<img" not in fragment and "<b>" not in fragment and "${" not in fragment and "`" not in fragment

    class Cards(HTMLParser):
        def __init__(self):
            super().__init__()
            self.cards, self.grid, self._part = [], None, None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if attrs.get("class") == "localign-figures-grid":
                self.grid = attrs["style"]
            elif attrs.get("class") == "localign-figure":
                self.cards.append({"meaning": attrs["title"], "t": "", "v": ""})
            elif attrs.get("class") in ("t", "v"):
                self._part = attrs["class"]

        def handle_endtag(self, tag):
            self._part = None

        def handle_data(self, data):
            if self._part:
                self.cards[-1][self._part] += data

    parsed = Cards()
    parsed.feed(fragment)
    assert parsed.grid == "grid-template-columns:repeat(3,1fr)"
    expected = [{"meaning": f.meaning, "t": f.title, "v": f.value} for f in figures]
    assert parsed.cards == [*expected, {"meaning": f"means {hostile}", "t": hostile, "v": "1 <b>"}]
