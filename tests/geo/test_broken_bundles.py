"""Broken bundles (issue 2): a copy of the bundled study area with one thing broken gives one clear error each.

Through the Python API (geo.load_bundle) and the command line (`localign info --bundle DIR`): exit
status 2, the problem, where it is and the fix, and never a Python traceback. A manifest mangled at
random (hypothesis) must also give a LocalignError, never another exception.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from badfiles import BROKEN_BUNDLES, BrokenBundle, copy_bundle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.cli import main
from geo.bundle import DEFAULT_BUNDLE, load_bundle
from geo.errors import LocalignError
from geo.manifest import read_manifest

LOCALIGN = Path(sys.executable).with_name("localign")


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> dict[str, Path]:
    """Every broken bundle, built once: key -> folder."""
    folders = {}
    for case in BROKEN_BUNDLES:
        folder = copy_bundle(tmp_path_factory.mktemp(case.key))
        case.corrupt(folder)
        folders[case.key] = folder
    return folders


def expect_words(text: str, case: BrokenBundle) -> None:
    for words in case.expect:
        assert words in text.lower(), f"{case.key}: {words!r} not in {text!r}"


@pytest.mark.parametrize("case", [c for c in BROKEN_BUNDLES if not c.loads], ids=lambda c: c.key)
def test_broken_bundle_gives_one_clear_error(broken, case):
    with pytest.raises(LocalignError) as caught:
        load_bundle(broken[case.key])
    error = caught.value
    assert len(error.problems) == 1, f"one clear error expected, got: {error}"
    problem = error.problems[0]
    assert problem.what and problem.where and problem.fix and problem.severity == "error"
    expect_words(str(error), case)


@pytest.mark.parametrize("case", [c for c in BROKEN_BUNDLES if not c.loads], ids=lambda c: c.key)
def test_localign_info_on_a_broken_bundle_exits_2_with_the_fix(broken, case, capsys):
    status = main(["info", "--bundle", str(broken[case.key])])
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    assert "Traceback" not in err
    assert "localign info: the input needs attention." in err
    assert "Fix:" in err
    expect_words(err, case)


def test_a_repaired_ward_loads_with_a_note_that_info_prints(broken, capsys):
    case = next(c for c in BROKEN_BUNDLES if c.loads)
    area = load_bundle(broken[case.key])
    notes = [w for w in area.warnings if "make_valid" in w.what]
    assert len(notes) == 1 and notes[0].severity == "warning"
    assert area.units.geometry.is_valid.all() and len(area.units) == 19
    assert main(["info", "--bundle", str(broken[case.key])]) == 0
    out = capsys.readouterr().out
    assert "Note in wards_2022.geojson" in out and "make_valid" in out
    expect_words(out, case)


def test_a_bundle_folder_that_is_missing_or_a_file_is_named(tmp_path, capsys):
    assert main(["info", "--bundle", str(tmp_path / "nowhere")]) == 2
    assert "the bundle folder does not exist" in capsys.readouterr().err
    (tmp_path / "file.toml").write_text("x")
    assert main(["info", "--bundle", str(tmp_path / "file.toml")]) == 2
    assert "is a file, not a bundle folder" in capsys.readouterr().err


def test_an_unreadable_manifest_is_explained(tmp_path, monkeypatch):
    folder = copy_bundle(tmp_path)
    real = Path.read_bytes

    def refuse(self):
        if self.name == "manifest.toml":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(LocalignError, match="could not be opened \\(permission denied\\)"):
        load_bundle(folder)


@pytest.mark.parametrize("key", ["missing_crs", "bad_toml"])
def test_the_installed_command_prints_no_traceback(broken, key):
    """The real console script, as a planner runs it, on a few of the broken bundles."""
    result = subprocess.run([str(LOCALIGN), "info", "--bundle", str(broken[key])], capture_output=True, text=True,
                            check=False, timeout=120, env={**os.environ, "LOCALIGN_DEBUG": ""})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr
    assert "Fix:" in result.stderr
    expect_words(result.stderr, next(c for c in BROKEN_BUNDLES if c.key == key))


# --- a manifest mangled at random ------------------------------------------------------------------

MANIFEST = (DEFAULT_BUNDLE / "manifest.toml").read_text(encoding="utf-8")
ASSIGNMENT = re.compile(r"^(\s*[A-Za-z_][A-Za-z0-9_.]*\s*=\s*)(.+)$")
VALUE_LINES = [i for i, line in enumerate(MANIFEST.splitlines()) if ASSIGNMENT.match(line)
               and not line.rstrip().endswith("[")]
HEADER_LINES = [i for i, line in enumerate(MANIFEST.splitlines()) if line.startswith("[")]
VALUES = ['""', '"x"', "0", "-1", "3", "2.5", "true", "[]", '["a", 1]', "{}", '{ a = 1 }', '"../../x.csv"',
          '"/etc/passwd"', '"EPSG:99999"', '"wards_2022.geojson"', '"ward_population.csv"', '"table"', '"areas"',
          '"points_voronoi"', '"practices"', '"ward_code"', '"population"', '"pcn"', '"é\\u0000"']


@st.composite
def mangled_manifests(draw) -> str:
    """The bundled manifest with a few values swapped for others of any type, or a header made a list or dropped."""
    lines = MANIFEST.splitlines()
    for index in draw(st.lists(st.sampled_from(VALUE_LINES), min_size=1, max_size=4, unique=True)):
        key = ASSIGNMENT.match(lines[index]).group(1)
        lines[index] = key + draw(st.sampled_from(VALUES))
    if draw(st.booleans()):
        index = draw(st.sampled_from(HEADER_LINES))
        header = lines[index].strip("[]")
        lines[index] = draw(st.sampled_from([f"[[{header}]]", f"[{header}_renamed]", f"# [{header}]"]))
    return "\n".join(lines) + "\n"


def _write(folder: Path, text: str) -> Path:
    (folder / "manifest.toml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def scratch_bundle(tmp_path_factory) -> Path:
    return copy_bundle(tmp_path_factory.mktemp("mangled"))


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=mangled_manifests())
def test_a_mangled_manifest_is_read_or_refused_with_a_localign_error(scratch_bundle, text):
    try:
        read_manifest(_write(scratch_bundle, text))
    except LocalignError as exc:
        assert exc.problems and all(p.what and p.fix for p in exc.problems)


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=mangled_manifests())
def test_a_bundle_with_a_mangled_manifest_loads_or_is_refused_with_a_localign_error(scratch_bundle, text):
    try:
        area = load_bundle(_write(scratch_bundle, text))
    except LocalignError as exc:
        assert exc.problems and all(p.what and p.fix for p in exc.problems)
    else:
        assert len(area.units) == 19
