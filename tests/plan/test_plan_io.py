"""Reading and writing plans: ward_code,locality CSV (Districtr / DRA style too) and GeoJSON of wards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.plan.partition import current_plan
from analysis.plan.io import plan_csv, read_plan, resolve_plan, write_plan_csv
from geo.errors import LocalignError

CURRENT = Path(__file__).resolve().parents[2] / "data" / "boundaries" / "lbbd" / "current_localities_INFERRED.csv"


def current_rows(lbbd) -> list[tuple[str, str]]:
    """The current localities, read straight from the bundle's CSV (not through localign)."""
    lines = CURRENT.read_text(encoding="utf-8").splitlines()[1:]
    return [(line.split(",")[0], line.split(",")[2]) for line in lines]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_two_column_csv(lbbd, tmp_path):
    rows = current_rows(lbbd)
    path = write(tmp_path / "plan.csv", "ward_code,locality\n" + "".join(f"{c},{l}\n" for c, l in rows))
    plan = read_plan(lbbd, path)
    assert plan.series().to_dict() == dict(rows)
    assert plan.name == "plan" and plan.source == "imported" and plan.k == 3


@pytest.mark.parametrize("header", ["id,assignment", "GEOID20,District"])
def test_districtr_and_dra_headers(lbbd, tmp_path, header):
    rows = current_rows(lbbd)
    numbers = {"East": "1", "North": "2", "West": "3"}
    path = write(tmp_path / "districtr.csv", header + "\n" + "".join(f"{c},{numbers[l]}\n" for c, l in rows))
    plan = read_plan(lbbd, path)
    assert plan.localities == ("1", "2", "3")
    assert plan.members("2") == [c for c, l in rows if l == "North"]


def test_header_less_two_column_file(lbbd, tmp_path):
    rows = current_rows(lbbd)
    path = write(tmp_path / "bare.csv", "".join(f"{c},{l}\n" for c, l in rows))
    plan = read_plan(lbbd, path)
    assert len(plan.unit_ids) == 19 and plan.series().to_dict() == dict(rows)


def test_csv_bytes_upload_with_extra_columns_and_spaces(lbbd):
    rows = current_rows(lbbd)
    text = "ward_code,ward_name,locality\n" + "".join(f" {c} ,{lbbd.unit_names[c]}, {l} \n" for c, l in rows)
    plan = read_plan(lbbd, text.encode("utf-8"), filename="upload.csv", name="uploaded")
    assert plan.series().to_dict() == dict(rows) and plan.name == "uploaded"


def test_geojson_of_wards_with_a_locality_property(lbbd, tmp_path):
    frame = lbbd.units_lonlat.reset_index()[["ward_code", "geometry"]]
    frame["locality"] = [dict(current_rows(lbbd))[c] for c in frame["ward_code"]]
    path = tmp_path / "wards.geojson"
    frame.to_file(path, driver="GeoJSON")
    plan = read_plan(lbbd, path)
    assert plan.series().to_dict() == dict(current_rows(lbbd))
    from_bytes = read_plan(lbbd, path.read_bytes(), filename="wards.geojson")
    assert from_bytes.same_assignment(plan)


def test_repeated_csv_row_is_named(lbbd, tmp_path):
    rows = current_rows(lbbd)
    text = "ward_code,locality\n" + "".join(f"{c},{l}\n" for c, l in rows) + f"{rows[4][0]},West\n"
    with pytest.raises(LocalignError) as error:
        read_plan(lbbd, write(tmp_path / "twice.csv", text))
    assert rows[4][0] in str(error.value) and "more than once" in str(error.value)
    assert "twice.csv" in str(error.value)


def test_missing_and_unknown_rows_are_named_with_the_file(lbbd, tmp_path):
    rows = current_rows(lbbd)
    text = "ward_code,locality\n" + "".join(f"{c},{l}\n" for c, l in rows[1:]) + "E09000002,East\n"
    with pytest.raises(LocalignError) as error:
        read_plan(lbbd, write(tmp_path / "short.csv", text))
    message = str(error.value)
    assert rows[0][0] in message and "E09000002" in message and "short.csv" in message


def test_blank_locality_in_a_csv_is_named(lbbd, tmp_path):
    rows = current_rows(lbbd)
    text = "ward_code,locality\n" + "".join(f"{c},{'' if i == 2 else l}\n" for i, (c, l) in enumerate(rows))
    with pytest.raises(LocalignError, match=rows[2][0]):
        read_plan(lbbd, write(tmp_path / "blank.csv", text))


def test_csv_round_trip(lbbd, tmp_path):
    plan = current_plan(lbbd)
    text = plan_csv(lbbd, plan)
    assert text.splitlines()[0] == "ward_code,ward_name,locality"
    assert text.splitlines()[1] == "E05014053,Abbey,West"
    path = write_plan_csv(lbbd, plan, tmp_path / "out.csv", with_names=False)
    assert path.read_text().splitlines()[0] == "ward_code,locality"
    assert read_plan(lbbd, path).same_assignment(plan)


def test_resolve_plan_by_name_or_path(lbbd, tmp_path):
    assert resolve_plan(lbbd, "current").same_assignment(current_plan(lbbd))
    assert resolve_plan(lbbd, "current_localities").same_assignment(current_plan(lbbd))
    assert resolve_plan(lbbd, "pcn").source == "pcn"
    path = write_plan_csv(lbbd, current_plan(lbbd), tmp_path / "mine.csv")
    assert resolve_plan(lbbd, str(path)).name == "mine"
    with pytest.raises(LocalignError, match="neither a plan name nor an existing file"):
        resolve_plan(lbbd, "no-such-plan.csv")


def test_wrong_format_is_refused_with_the_fix(lbbd):
    with pytest.raises(LocalignError, match="CSV"):
        read_plan(lbbd, b"x", filename="plan.xlsx")


def test_autosave_json_round_trip(lbbd):
    from analysis.plan.io import plan_from_json_text

    plan = current_plan(lbbd)
    text = json.dumps({"name": "saved", "localities": list(plan.localities), "assignment": dict(plan.assignment)})
    restored = plan_from_json_text(lbbd, text)
    assert restored.same_assignment(plan) and restored.name == "saved"
