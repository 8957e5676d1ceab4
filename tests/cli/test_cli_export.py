"""`localign export`: every format from the command line, the format taken from the file ending, and
plain-worded errors (exit status 2, nothing written) for paths, plan counts and formats."""

from __future__ import annotations

import json

import pytest

from analysis.cli import main
from analysis.plan.partition import current_plan
from analysis.plan.io import read_plan, write_plan_csv


@pytest.fixture(scope="module")
def four_csv(lbbd, tmp_path_factory):
    plan = current_plan(lbbd).reassign({"E05014053": "South", "E05014055": "South", "E05014066": "South",
                                        "E05014062": "South"})
    return write_plan_csv(lbbd, plan, tmp_path_factory.mktemp("plans") / "option-b.csv"), plan


def test_wards_geojson_export_imports_back_as_the_same_plan(lbbd, four_csv, tmp_path, capsys):
    path, plan = four_csv
    out = tmp_path / "wards.geojson"
    assert main(["export", "--plan", str(path), "--format", "wards-geojson", "--out", str(out)]) == 0
    assert read_plan(lbbd, out).same_assignment(plan)
    assert "Wrote" in capsys.readouterr().out


def test_format_follows_the_file_ending(lbbd, tmp_path):
    csv_out, geojson_out = tmp_path / "plan.csv", tmp_path / "localities.geojson"
    assert main(["export", "--plan", "current", "--out", str(csv_out)]) == 0
    assert csv_out.read_text(encoding="utf-8").splitlines()[0] == "ward_code,ward_name,locality"
    assert main(["export", "--plan", "current", "--out", str(geojson_out)]) == 0
    data = json.loads(geojson_out.read_text(encoding="utf-8"))
    assert sorted(f["properties"]["locality"] for f in data["features"]) == ["East", "North", "West"]


def test_metrics_csv_takes_several_plans(four_csv, tmp_path):
    path, _ = four_csv
    out = tmp_path / "measures.csv"
    assert main(["export", "--plan", "current", "--plan", str(path), "--format", "metrics-csv",
                 "--out", str(out)]) == 0
    header = out.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("metric,key,Current localities (inferred),option-b,")


def test_pdf_keeps_the_order_of_the_plans_on_every_page(lbbd, four_csv, tmp_path):
    """A = the first --plan, B = the second, in every page's titles and tables (as on the Compare screen)."""
    from pypdf import PdfReader

    path, plan = four_csv
    out = tmp_path / "pack.pdf"
    assert main(["export", "--plan", "current", "--plan", str(path), "--format", "pdf", "--out", str(out)]) == 0
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(out).pages]
    current = "Current localities (inferred)"
    assert f"A: {current}" in pages[0] and "B: option-b" in pages[0]
    assert pages[0].index(f"A: {current}") < pages[0].index("B: option-b")
    # the key measures table: column A holds the current plan's figures (no ward moves), B the option's
    assert "Wards that move 0 4" in pages[0]
    assert pages[1].index(f"Option A: {current}") < pages[1].index("Option B: option-b")
    assert f"Option A: {current}" in pages[2] and "Option B: option-b" in pages[3]
    assert f"A: {current}" in pages[4] and "B: option-b" in pages[4]
    assert "Cut edges" in pages[4]


def test_png_export_with_options(tmp_path):
    out = tmp_path / "map.png"
    assert main(["export", "--plan", "current", "--format", "png", "--out", str(out), "--title", "Today",
                 "--purpose", "What the board sees", "--no-pcns"]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("argv, message", [
    (["--plan", "current", "--plan", "current", "--format", "png"], "takes one plan"),
    (["--plan", "current"] * 5 + ["--format", "pdf"], "at most 4 plans"),
    (["--plan", "nowhere.csv", "--format", "csv"], "neither a plan name nor an existing file"),
    (["--plan", "current", "--format", "csv", "--tolerance", "5"], "between 0 and 1"),
])
def test_bad_requests_exit_2_with_the_fix_and_write_nothing(argv, message, tmp_path, capsys):
    suffix = {"png": ".png", "pdf": ".pdf"}.get(argv[argv.index("--format") + 1], ".csv")
    out = tmp_path / f"out{suffix}"
    assert main(["export", *argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Fix:" in err and "Traceback" not in err
    assert not out.exists()


def test_unwritable_or_missing_folder_is_reported(tmp_path, capsys):
    assert main(["export", "--plan", "current", "--out", str(tmp_path / "no-such-folder" / "x.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["export", "--plan", "current", "--out", str(tmp_path / "x.txt")]) == 2
    assert "--format" in capsys.readouterr().err


def test_unknown_format_is_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "--plan", "current", "--format", "docx", "--out", "x.docx"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
