"""Bad plan files through the command line: `localign evaluate --plan BAD` exits 2 with the problem and the fix.

Never a traceback, never output on stdout for a refused file. The files are the catalogue of
tests/badfiles.py written to disk; unusual but valid files (byte-order mark, UTF-16, labels with
commas, quotes and non-Latin letters) evaluate normally and print their labels intact.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from badfiles import LAYERS, PLAN_CSVS, STRANGE_LABELS, BadFile

import analysis.cli.evaluate as evaluate_command
from analysis.cli import main

LOCALIGN = Path(sys.executable).with_name("localign")
PLAN_FILES = [*PLAN_CSVS, *(c for c in LAYERS if c.filename != "wards.kml")]


@pytest.fixture
def bundled(lbbd, monkeypatch):
    """Evaluate against the already-loaded bundled study area (loading is tested elsewhere)."""
    monkeypatch.setattr(evaluate_command, "load", lambda args: lbbd)
    return lbbd


def write(case: BadFile, area, folder: Path) -> Path:
    path = folder / case.filename
    path.write_bytes(case.build(area))
    return path


def accepted(case: BadFile) -> bool:
    """Whether `evaluate --plan` must accept the file: a good file, or a layer with broken shapes only."""
    return case.works or case.plan_ok


@pytest.mark.parametrize("case", PLAN_FILES, ids=lambda c: c.key)
def test_evaluate_a_plan_file(bundled, case, tmp_path, capsys):
    path = write(case, bundled, tmp_path)
    status = main(["evaluate", "--plan", str(path)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if accepted(case):
        assert status == 0, err
        assert "localities of London Borough of Barking and Dagenham" in out
        return
    assert status == 2
    assert out == ""
    assert "localign evaluate: the input needs attention." in err
    assert case.filename in err and "Fix:" in err
    if case.key == "duplicate_codes":  # as a plan, a repeated ward is a repeated row
        assert "listed more than once: E05014053" in err
        return
    for words in case.expect:
        assert words in err.lower(), f"{case.key}: {words!r} not in {err!r}"


def test_strange_labels_are_printed_intact(bundled, tmp_path, capsys):
    path = write(next(c for c in PLAN_CSVS if c.key == "strange_labels"), bundled, tmp_path)
    assert main(["evaluate", "--plan", str(path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result["localities"]) == set(STRANGE_LABELS)
    assert sum(result["populations"].values()) == pytest.approx(bundled.total_population)
    assert main(["evaluate", "--plan", str(path)]) == 0
    out = capsys.readouterr().out
    for label in STRANGE_LABELS:
        assert label in out


def test_a_plan_that_is_neither_a_name_nor_a_file(bundled, tmp_path, capsys):
    assert main(["evaluate", "--plan", str(tmp_path / "nothing.csv")]) == 2
    err = capsys.readouterr().err
    assert "is neither a plan name nor an existing file" in err and "current" in err
    (tmp_path / "folder.csv").mkdir()
    assert main(["evaluate", "--plan", str(tmp_path / "folder.csv")]) == 2
    assert "a folder, not a file" in capsys.readouterr().err


def test_a_refused_plan_on_a_real_bundle_load(tmp_path, capsys):
    """Without the shortcut: the command loads the bundled study area itself, then refuses the plan."""
    path = tmp_path / "plan.csv"
    path.write_bytes(b"ward_code;locality\nE05014053;West\n")
    assert main(["evaluate", "--plan", str(path)]) == 2
    assert "separated by semicolons" in capsys.readouterr().err


@pytest.mark.parametrize("key", ["semicolons", "zip_traversal"])
def test_the_installed_command_prints_no_traceback(lbbd, key, tmp_path):
    case = next(c for c in PLAN_FILES if c.key == key)
    path = write(case, lbbd, tmp_path)
    result = subprocess.run([str(LOCALIGN), "evaluate", "--plan", str(path)], capture_output=True, text=True,
                            check=False, timeout=120, env={**os.environ, "LOCALIGN_DEBUG": ""})
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr and "Fix:" in result.stderr
    for words in case.expect:
        assert words in result.stderr.lower()


CROSS_KEYS = ("semicolons", "missing", "zip_traversal", "bng_without_crs")


@pytest.mark.parametrize("key", CROSS_KEYS)
def test_compare_refuses_a_bad_plan_on_either_side(bundled, key, tmp_path, capsys, monkeypatch):
    import analysis.cli.compare as compare_command

    monkeypatch.setattr(compare_command, "load", lambda args: bundled)
    case = next(c for c in PLAN_FILES if c.key == key)
    path = write(case, bundled, tmp_path)
    for argv in (["compare", str(path), "current"], ["compare", "current", str(path)]):
        status = main(argv)
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        if accepted(case):
            assert status == 0
        else:
            assert status == 2 and out == "" and case.filename in err and "Fix:" in err


@pytest.mark.parametrize("key", CROSS_KEYS)
def test_export_of_a_bad_plan_writes_nothing_and_keeps_the_old_file(lbbd, key, tmp_path, capsys):
    case = next(c for c in PLAN_FILES if c.key == key)
    plan = write(case, lbbd, tmp_path)
    out_folder = tmp_path / "out"
    out_folder.mkdir()
    previous = out_folder / "localities.geojson"
    previous.write_text("the planner's earlier export", encoding="utf-8")
    status = main(["export", "--plan", str(plan), "--format", "geojson", "--out", str(previous)])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if accepted(case):
        assert status == 0 and previous.read_text(encoding="utf-8").startswith("{")
        return
    assert status == 2 and case.filename in err
    assert previous.read_text(encoding="utf-8") == "the planner's earlier export"
    assert [p.name for p in out_folder.iterdir()] == ["localities.geojson"]


def test_every_command_refuses_a_broken_bundle_the_same_way(tmp_path, capsys):
    from badfiles import BROKEN_BUNDLES, copy_bundle

    folder = copy_bundle(tmp_path)
    next(c for c in BROKEN_BUNDLES if c.key == "missing_crs").corrupt(folder)
    for argv in (["info"], ["evaluate", "--plan", "current"], ["compare", "current", "pcn"],
                 ["export", "--plan", "current", "--format", "csv", "--out", str(tmp_path / "x.csv")],
                 ["enumerate", "--k", "4"], ["propose", "--k", "4"]):
        status = main([*argv, "--bundle", str(folder)] if argv[0] != "compare" else
                      ["compare", "--bundle", str(folder), *argv[1:]])
        err = capsys.readouterr().err
        assert status == 2, argv
        assert "no coordinate reference system" in err and "EPSG:27700" in err and "Traceback" not in err
    assert not (tmp_path / "x.csv").exists()
