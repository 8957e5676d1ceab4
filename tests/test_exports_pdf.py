"""The briefing pack: comparison, PCN and sources pages around one page per option, with searchable text
that states the assumptions; 1 to 4 options only."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from analysis.exports.briefing_pdf import MAX_OPTIONS, briefing_pdf, briefing_pdf_bytes
from analysis.metrics.definitions import METRICS
from analysis.plan import current_plan
from geo.errors import LocalignError

FIXED_PAGES = 3
"""Options compared, PCNs and localities, and Sources, assumptions and measures."""


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


def test_comparison_page_lists_every_measure_and_the_balance_band(reader, options):
    text = _flat(reader.pages[0].extract_text())
    assert "Options compared" in text
    for m in METRICS:
        assert _flat(m.title) in text
    for plan in options:
        assert plan.name in text
    assert "±10%" in text
    assert "Option A" in text and "Option B" in text


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
