"""The briefing pack: comparison, PCN and sources pages around one page per option, with searchable text
that states the assumptions; 1 to 4 options only."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from analysis.present.exports.briefing_pdf import MAX_OPTIONS, briefing_pdf, briefing_pdf_bytes
from analysis.metrics.audience import director_metrics, technical_metrics
from analysis.metrics.definitions import METRICS
from analysis.plan.partition import current_plan
from geo.errors import LocalignError

FIXED_PAGES = 4
"""Options compared, PCNs and localities, Technical measures, and Sources, assumptions and measures."""


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def options(lbbd):
    current = current_plan(lbbd)
    four = current.reassign({"E05014053": "South", "E05014055": "South", "E05014066": "South",
                             "E05014062": "South"}, name="Four localities")
    return [current, four]


@pytest.fixture(scope="module")
def reader(lbbd, options, tmp_path_factory) -> PdfReader:
    path = briefing_pdf(lbbd, options, tmp_path_factory.mktemp("pdf") / "briefing.pdf")
    return PdfReader(path)


def test_pack_has_a_page_per_option_plus_comparison_pcn_and_sources_pages(reader, options):
    assert len(reader.pages) == len(options) + FIXED_PAGES
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert width / height == pytest.approx(16 / 9, rel=0.001)


def test_comparison_page_leads_with_director_measures_and_the_balance_band(reader, options):
    text = _flat(reader.pages[0].extract_text())
    assert "Options compared" in text
    for m in director_metrics():
        assert _flat(m.title) in text
    for word in ("Reock", "convex hull", "Cut edges", "Polsby"):
        assert word not in text, f"jargon '{word}' on page 1"
    assert f"page {len(options) + FIXED_PAGES - 1}" in text  # where the technical measures are
    for plan in options:
        assert plan.name in text
    assert "±10%" in text
    assert "Option A" in text and "Option B" in text


def test_technical_page_gives_every_other_measure_with_its_meaning(reader, options):
    text = _flat(reader.pages[-2].extract_text())
    assert "Technical measures" in text
    for m in technical_metrics():
        assert _flat(m.title) in text
        assert _flat(m.meaning)[:50] in text
    for m in director_metrics():
        assert f"{_flat(m.title)}:" not in text
    assert {m.key for m in director_metrics()} | {m.key for m in technical_metrics()} == {m.key for m in METRICS}


def test_title_and_purpose_head_the_pack(lbbd, options):
    data = briefing_pdf_bytes(lbbd, options, title="Localities review 2027", purpose="For the health and "
                              "wellbeing board, 14 January: which option to consult on")
    reader = PdfReader(io.BytesIO(data))
    first = _flat(reader.pages[0].extract_text())
    assert "Localities review 2027" in first
    assert "For the health and wellbeing board, 14 January: which option to consult on" in first
    assert reader.metadata.title == "Localities review 2027"


def test_pcn_page_gives_residents_of_each_pcn_by_locality(lbbd_areas, options, tmp_path):
    lbbd = lbbd_areas  # residents of each approximate PCN area
    reader = PdfReader(briefing_pdf(lbbd, options, tmp_path / "areas.pdf"))
    text = _flat(reader.pages[1].extract_text())
    for pcn in lbbd.pcn.groups:
        assert pcn in text
    assert "77,877" in text  # North's residents in the current localities, the column total


def test_option_pages_show_each_option_with_its_legend(reader, options):
    for i, plan in enumerate(options):
        text = _flat(reader.pages[2 + i].extract_text())
        assert f"Option {'AB'[i]}: {plan.name}" in text
        for locality in plan.localities:
            assert locality in text
        assert "2 km" in text or "1 km" in text  # the scale bar


def test_every_page_states_the_assumptions_and_the_source(lbbd, reader):
    for page in reader.pages:
        text = _flat(page.extract_text())
        assert "inferred" in text and "approximate" in text
        assert "Crown copyright" in text
        assert "Produced" in text
    last = _flat(reader.pages[-1].extract_text())
    for note in lbbd.assumption_notes:
        assert _flat(note) in last
    for source in lbbd.manifest.sources:
        assert _flat(source)[:40] in last


def test_pack_metadata_names_the_study_area(reader):
    assert "Barking and Dagenham" in reader.metadata.title


def test_pack_takes_one_to_four_options(lbbd, options, tmp_path):
    with pytest.raises(LocalignError, match="1 to 4 options"):
        briefing_pdf(lbbd, [options[0]] * (MAX_OPTIONS + 1), tmp_path / "too-many.pdf")
    with pytest.raises(LocalignError, match="1 to 4 options"):
        briefing_pdf_bytes(lbbd, [])
    assert not (tmp_path / "too-many.pdf").exists()


def test_single_option_pack_has_four_pages(lbbd, options):
    data = briefing_pdf_bytes(lbbd, options[1], tolerance=0.05)
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1 + FIXED_PAGES
    assert "±5%" in _flat(reader.pages[0].extract_text())


def _font_programs(reader: PdfReader) -> list[str]:
    """The names of the font programs embedded in a PDF (one per copy of a font)."""
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor is not None and "/FontFile2" in descriptor.get_object():
                    names.add(str(descendant.get_object()["/BaseFont"]))
    return sorted(names)


def test_pack_embeds_each_font_once_for_one_line_text(reader):
    # matplotlib starts another copy of a font for ligatures and (by default) for characters past Latin-1; one-line
    # texts are set without ligatures and the block is the whole of Unicode's first plane, so only the regular
    # weight's multi-line texts (which keep their ligatures) need a second copy
    fonts = _font_programs(reader)
    bold = [f for f in fonts if "Bold" in f]
    assert len(bold) == 1, fonts
    assert len(fonts) <= 3, fonts
    text = " ".join(_flat(page.extract_text()) for page in reader.pages)
    assert "−" in text or "–" in text  # characters past Latin-1 still come out as themselves
    assert "fi" in text  # and so do words with "fi", set without the ligature
