"""Round trips: export a plan, import the file, and get the identical plan back.

CSV (analysis.plan.io.plan_csv / write_plan_csv / analysis.present.exports.tables.assignment_csv) and
GeoJSON (analysis.present.exports.geojson.wards_geojson / write_geojson), for every bundled plan and for
random plans whose locality names hold commas, quotes, apostrophes, semicolons, non-Latin letters
and names that look like numbers or missing values.
"""

from __future__ import annotations

import json

import pytest
from badfiles import STRANGE_LABELS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.present.exports.geojson import geojson_text, wards_geojson, write_geojson
from analysis.present.exports.tables import assignment_csv
from analysis.plan.partition import Plan, current_plan, grouping_plan, label_problem, make_plan
from analysis.plan.io import plan_csv, read_plan, write_plan_csv

TRICKY_LABELS = (*STRANGE_LABELS, "01", "1.0", "-1", "NA", "null", "None", "nan", "TRUE", "#N/A", "ward_code",
                 "E05014053", "Ḃarking\u200dDagenham", "שכונה", "منطقة", "地区 1", "🏥 Health", "a\u00a0b", "''", '"')


def bundled_plans(area) -> list[Plan]:
    return [current_plan(area), *(grouping_plan(area, name) for name in area.groupings)]


def assert_identical(read: Plan, original: Plan) -> None:
    """The same unit -> locality assignment, letter for letter, with the same localities."""
    assert read.unit_ids == original.unit_ids
    assert read.labels == original.labels
    assert set(read.localities) == set(original.localities)


def via_csv(area, plan: Plan, with_names: bool) -> Plan:
    return read_plan(area, plan_csv(area, plan, with_names).encode("utf-8"), "plan.csv")


def via_geojson(area, plan: Plan) -> Plan:
    return read_plan(area, geojson_text(wards_geojson(area, plan)).encode("utf-8"), "plan.geojson")


@pytest.mark.parametrize("with_names", [True, False])
def test_every_bundled_plan_round_trips_through_csv(lbbd, with_names):
    for plan in bundled_plans(lbbd):
        assert_identical(via_csv(lbbd, plan, with_names), plan)


def test_every_bundled_plan_round_trips_through_files(lbbd, tmp_path):
    for i, plan in enumerate(bundled_plans(lbbd)):
        assert_identical(read_plan(lbbd, write_plan_csv(lbbd, plan, tmp_path / f"plan{i}.csv")), plan)
        (tmp_path / f"table{i}.csv").write_text(assignment_csv(lbbd, plan), encoding="utf-8")
        assert_identical(read_plan(lbbd, tmp_path / f"table{i}.csv"), plan)
        assert_identical(read_plan(lbbd, write_geojson(wards_geojson(lbbd, plan), tmp_path / f"wards{i}.geojson")),
                         plan)


def test_every_bundled_plan_round_trips_through_geojson(lbbd):
    for plan in bundled_plans(lbbd):
        assert_identical(via_geojson(lbbd, plan), plan)


def test_a_csv_resaved_by_excel_still_round_trips(lbbd):
    """Excel's 'CSV UTF-8' adds a byte-order mark and Windows line ends; the plan must not change."""
    plan = make_plan(lbbd, {u: STRANGE_LABELS[i % len(STRANGE_LABELS)] for i, u in enumerate(lbbd.ids)})
    text = plan_csv(lbbd, plan).replace("\n", "\r\n")
    assert_identical(read_plan(lbbd, b"\xef\xbb\xbf" + text.encode("utf-8"), "plan.csv"), plan)


def test_tricky_labels_are_all_allowed_and_round_trip(lbbd):
    assert all(label_problem(label) is None for label in TRICKY_LABELS)
    for start in range(0, len(TRICKY_LABELS), 4):
        names = TRICKY_LABELS[start:start + 4] if len(TRICKY_LABELS[start:start + 4]) > 1 else TRICKY_LABELS[:2]
        plan = make_plan(lbbd, {u: names[i % len(names)] for i, u in enumerate(lbbd.ids)})
        assert_identical(via_csv(lbbd, plan, True), plan)
        assert_identical(via_geojson(lbbd, plan), plan)


def test_the_geojson_export_carries_the_labels_letter_for_letter(lbbd):
    plan = make_plan(lbbd, {u: TRICKY_LABELS[i] for i, u in enumerate(lbbd.ids)})
    features = json.loads(geojson_text(wards_geojson(lbbd, plan)))["features"]
    assert {f["properties"]["ward_code"]: f["properties"]["locality"] for f in features} == dict(plan.assignment)


# --- random plans ------------------------------------------------------------------------------

LETTERS = st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Zs"))
labels = st.text(LETTERS, min_size=1, max_size=24).map(str.strip).filter(
    lambda s: s != "" and label_problem(s) is None)


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_plans_round_trip_through_csv_and_geojson(lbbd, data):
    k = data.draw(st.integers(2, 6))
    names = data.draw(st.lists(labels | st.sampled_from(TRICKY_LABELS), min_size=k, max_size=k, unique=True))
    choice = data.draw(st.lists(st.integers(0, k - 1), min_size=len(lbbd.ids), max_size=len(lbbd.ids)))
    choice[:k] = range(k)  # every locality has a ward
    plan = make_plan(lbbd, {u: names[j] for u, j in zip(lbbd.ids, choice)}, name="random")
    assert_identical(via_csv(lbbd, plan, with_names=data.draw(st.booleans())), plan)
    assert_identical(via_geojson(lbbd, plan), plan)
