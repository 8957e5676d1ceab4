"""CSV exports: the assignment in the Districtr/DRA shape, and a metrics table that opens cleanly in Excel."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest

from analysis.present.exports import export, export_bytes
from analysis.present.exports.tables import assignment_csv, metrics_csv
from analysis.metrics.definitions import METRICS
from analysis.plan.partition import current_plan
from analysis.plan.io import read_plan
from geo.bundle import DEFAULT_BUNDLE

POPULATION_FILE = DEFAULT_BUNDLE / "ward_population.csv"
CURRENT_FILE = DEFAULT_BUNDLE / "current_localities_INFERRED.csv"


@pytest.fixture(scope="module")
def current(lbbd):
    return current_plan(lbbd)


@pytest.fixture(scope="module")
def four(current):
    return current.reassign({"E05014053": "South", "E05014055": "South", "E05014066": "South",
                             "E05014062": "South"}, name="Four localities")


def test_assignment_csv_has_one_row_per_ward_in_the_districtr_shape(lbbd, four):
    text = assignment_csv(lbbd, four)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["ward_code", "ward_name", "locality"]
    assert len(rows) == 1 + 19
    names = pd.read_csv(POPULATION_FILE, dtype=str).set_index("ward_code")["ward_name"]
    for code, name, locality in rows[1:]:
        assert names[code] == name
        assert four.assignment[code] == locality
    assert sum(1 for r in rows[1:] if r[2] == "South") == 4


def test_assignment_csv_imports_back_as_the_same_plan(lbbd, four, tmp_path):
    path = export(lbbd, four, "csv", tmp_path / "four.csv")
    assert read_plan(lbbd, path).same_assignment(four)
    assert not path.read_bytes().startswith(b"\xef\xbb\xbf")  # no byte-order mark for GIS tools


def _table_and_notes(text: str) -> tuple[list[list[str]], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(text)))
    blank = rows.index([])
    return rows[:blank], rows[blank + 1:]


def test_metrics_csv_lists_every_metric_for_each_plan(lbbd, current, four):
    table, _ = _table_and_notes(metrics_csv(lbbd, [current, four]))
    header = table[0]
    assert header[:2] == ["metric", "key"] and header[2:4] == [current.name, four.name]
    assert all(len(row) == len(header) for row in table)
    titles = [row[0] for row in table[1:]]
    for m in METRICS:
        assert m.title in titles


def test_metrics_csv_balance_figures_agree_with_a_hand_calculation(lbbd, current, four):
    population = pd.read_csv(POPULATION_FILE, dtype={"ward_code": str}).set_index("ward_code")["population"]
    localities = pd.read_csv(CURRENT_FILE, dtype=str).set_index("ward_code")["locality_candidate"]
    by_locality = population.groupby(localities).sum()
    equal = population.sum() / len(by_locality)
    expected = (by_locality - equal).abs().max() / equal
    table, _ = _table_and_notes(metrics_csv(lbbd, [current, four]))
    row = next(r for r in table if r[1] == "max_abs_deviation")
    assert float(row[2]) == pytest.approx(expected, abs=1e-6)
    k_row = next(r for r in table if r[1] == "k")
    assert k_row[2:4] == ["3", "4"]
    moved = next(r for r in table if r[1] == "wards_moved")
    assert moved[2:4] == ["0", "4"]


def test_metrics_csv_numbers_are_numbers(lbbd, current, four, tmp_path):
    """Every plan cell of the table parses as a number (no '54,716' text, no '3.14%'); blanks only where missing."""
    table, _ = _table_and_notes(metrics_csv(lbbd, [current, four]))
    for row in table[1:]:
        for cell in row[2:4]:
            if cell:
                float(cell)
                assert "," not in cell and "%" not in cell
    data = export_bytes(lbbd, [current, four], "metrics-csv")
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", nrows=len(table) - 1)
    assert pd.api.types.is_numeric_dtype(frame[current.name]) and pd.api.types.is_numeric_dtype(frame[four.name])
    population = pd.read_csv(POPULATION_FILE, dtype={"ward_code": str}).set_index("ward_code")["population"]
    south = frame.set_index("key").loc["populations[South]"]
    assert np.isnan(south[current.name])  # the current plan has no South
    assert south[four.name] == pytest.approx(population[["E05014053", "E05014055", "E05014066", "E05014062"]].sum())
    assert frame.set_index("key").loc["contiguous", four.name] in (0, 1)


def test_metrics_csv_ends_with_the_assumptions_sources_and_date(lbbd, current):
    _, notes = _table_and_notes(metrics_csv(lbbd, current))
    kinds = [row[0] for row in notes]
    assert [row[1] for row in notes if row[0] == "note"] == lbbd.export_notes  # PCN basis, balance, then notes
    assert "source" in kinds and "attribution" in kinds and kinds[-1] == "generated"
    assert all(len(row) == 2 for row in notes)  # one cell of text each: Excel shows it whole


def test_metrics_csv_export_is_utf8_with_a_byte_order_mark_for_excel(lbbd, current, four, tmp_path):
    data = export_bytes(lbbd, [current, four], "metrics-csv")
    assert data.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", nrows=len(METRICS) + 3)
    assert list(frame.columns[:2]) == ["metric", "key"]
    assert "Compactness (Polsby–Popper, mean)" in set(frame["metric"])  # the en dash survives


def test_metrics_csv_numbers_repeated_plan_names(lbbd, current):
    table, _ = _table_and_notes(metrics_csv(lbbd, [current, current]))
    assert table[0][2:4] == [current.name, f"{current.name} (2)"]
