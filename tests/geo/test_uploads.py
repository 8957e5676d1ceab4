"""Uploads are safe: a size limit, files written only inside a private temporary folder, nothing run, no pickle.

A Python audit hook watches every file opened for writing, every folder made and every attempt to
start a program or unpickle an object while an upload is read, good or hostile.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path
from typing import ClassVar

import pytest
from badfiles import LAYERS, geojson_bytes, shapefile_parts, wards_frame, zip_bytes

from analysis.plan.io import read_plan
from geo.errors import LocalignError
from geo.read import MAX_FILE_BYTES
from geo.uploads import pcn_grouping_from_upload, read_uploaded_layer, study_area_from_upload

ROOT = Path(__file__).resolve().parents[2]
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
RUN_EVENTS = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.startfile",
              "pickle.find_class", "ctypes.dlopen")


class Watch:
    """Records file writes, new folders and attempts to run code while ``active``."""

    active: ClassVar[bool] = False
    writes: ClassVar[list[str]] = []
    runs: ClassVar[list[str]] = []

    @classmethod
    def hook(cls, event: str, args: tuple) -> None:
        if not cls.active:
            return
        if event == "open":
            path, mode, flags = (list(args) + [None, None])[:3]
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or \
                (isinstance(flags, int) and flags & WRITE_FLAGS)
            if writing and isinstance(path, (str, bytes, os.PathLike)):
                cls.writes.append(os.fsdecode(path))
        elif event in ("os.mkdir", "os.rename", "os.symlink", "os.link", "shutil.copyfile"):
            cls.writes.append(os.fsdecode(args[0]))
        elif event.startswith(RUN_EVENTS):
            cls.runs.append(f"{event} {args!r:.200}")


sys.addaudithook(Watch.hook)  # hooks cannot be removed; this one is inert unless a test turns it on


@pytest.fixture
def watched(tmp_path, monkeypatch):
    """A fresh temporary root and an empty working folder; tests set ``Watch.active`` once their files are built."""
    temp_root = tmp_path / "tmp"
    working = tmp_path / "cwd"
    temp_root.mkdir()
    working.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp_root))
    monkeypatch.chdir(working)
    Watch.writes, Watch.runs, Watch.active = [], [], False
    try:
        yield temp_root
    finally:
        Watch.active = False
    assert not any(working.iterdir()), "nothing may be written to the working folder"
    assert not any(temp_root.iterdir()), "temporary folders must be removed after reading"


def assert_only_private_writes(temp_root: Path) -> None:
    for path in Watch.writes:
        inside = Path(path).resolve().relative_to(temp_root.resolve())
        assert inside.parts[0].startswith(("localign-upload-", "localign-read-")), path
    assert Watch.runs == []


@pytest.mark.parametrize("case", LAYERS, ids=lambda c: c.key)
def test_every_upload_writes_only_in_a_private_temporary_folder(lbbd, case, watched):
    data = case.build(lbbd)
    Watch.active = True
    for call in (lambda: study_area_from_upload(lbbd, data, case.filename, "ward_code", "ward_name", "population"),
                 lambda: pcn_grouping_from_upload(lbbd, data, case.filename, "locality"),
                 lambda: read_plan(lbbd, data, case.filename)):
        try:
            call()
        except LocalignError:
            pass
    Watch.active = False
    assert_only_private_writes(watched)
    if case.key == "good_shapefile":  # the watch sees the upload written and the zip unpacked
        assert any("localign-upload-" in w for w in Watch.writes)
        assert any(w.endswith("layer.shp") and "localign-read-" in w for w in Watch.writes)


def test_a_hostile_file_name_never_becomes_a_path(lbbd, watched):
    data = geojson_bytes(wards_frame(lbbd))
    name = "../../../../etc/cron.d/\x1b[31mwards.geojson"
    Watch.active = True
    area = study_area_from_upload(lbbd, data, name, "ward_code", "ward_name", "population")
    Watch.active = False
    assert_only_private_writes(watched)
    assert "/" not in area.manifest.name and "\x1b" not in area.manifest.name
    with pytest.raises(LocalignError) as caught:
        study_area_from_upload(lbbd, b"", name, "ward_code", "ward_name", "population")
    assert caught.value.problems[0].where == "?[31mwards.geojson"


def test_nothing_in_an_upload_is_run(lbbd, watched):
    """Scripts packed beside a Shapefile are ignored: only the Shapefile's own parts are unpacked and read."""
    marker = watched.parent / "ran"
    script = f"import pathlib; pathlib.Path({str(marker)!r}).write_text('ran')\n".encode()
    parts = {**shapefile_parts(lbbd), "__init__.py": script, "sitecustomize.py": script, "setup.py": script,
             "wards.shp.py": script, "run.sh": b"#!/bin/sh\ntouch " + str(marker).encode() + b"\n"}
    data = zip_bytes(parts)
    Watch.active = True
    area = study_area_from_upload(lbbd, data, "wards.zip", "ward_code", "ward_name", "population")
    assert len(area.units) == 19
    for name in ("evil.py", "evil.pkl", "evil.sh", "wards.exe"):
        with pytest.raises(LocalignError, match="is not a format localign reads here"):
            read_uploaded_layer(script, name)
    Watch.active = False
    assert_only_private_writes(watched)
    assert not marker.exists()


def test_an_oversized_upload_is_refused_before_anything_is_written(lbbd, watched, monkeypatch):
    made = []
    real = tempfile.TemporaryDirectory
    monkeypatch.setattr(tempfile, "TemporaryDirectory", lambda *a, **k: made.append(1) or real(*a, **k))
    big = b" " * (MAX_FILE_BYTES + 1)
    Watch.active = True
    for call in {
        "wards.geojson": lambda: read_uploaded_layer(big, "wards.geojson"),
        "units": lambda: study_area_from_upload(lbbd, big, "wards.zip", "ward_code", "ward_name", "population"),
        "pcn table": lambda: pcn_grouping_from_upload(lbbd, big, "pcns.csv", "pcn"),
        "pcn areas": lambda: pcn_grouping_from_upload(lbbd, big, "pcns.gpkg", "pcn"),
        "plan layer": lambda: read_plan(lbbd, big, "plan.geojson"),
        "plan table": lambda: read_plan(lbbd, big, "plan.csv"),
    }.values():
        with pytest.raises(LocalignError, match="larger than localign's 50 MB limit"):
            call()
    assert made == [], "no temporary folder may be made for a file over the limit"
    assert Watch.writes == []


PICKLE_LIKE = re.compile(r"\bimport\s+(c?pickle|dill|cloudpickle|joblib|shelve|marshal)\b"
                         r"|\bfrom\s+(c?pickle|dill|cloudpickle|joblib|shelve|marshal)\b"
                         r"|\b(read|to)_pickle\s*\(|allow_pickle\s*=\s*True|(?<![.\w])(eval|exec)\s*\(")


def project_sources() -> list[Path]:
    """Every Python file of the project itself (not the virtual environment, caches or tests)."""
    skip = {".venv", "tests", "node_modules", ".git", "build", "__pycache__", "static"}
    return [p for p in ROOT.rglob("*.py") if not skip & set(p.relative_to(ROOT).parts)
            and not p.relative_to(ROOT).parts[0].endswith(".egg-info")]


def test_no_pickle_or_eval_anywhere_in_the_code():
    sources = project_sources()
    assert any(p.name == "uploads.py" for p in sources) and len(sources) > 20
    found = [f"{p.relative_to(ROOT)}:{i}: {line.strip()}" for p in sources
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if PICKLE_LIKE.search(line)]
    assert found == []


def test_the_pickle_check_would_catch_pickle():
    for line in ("import pickle", "from pickle import loads", "df = pd.read_pickle(path)",
                 "np.load(f, allow_pickle=True)", "value = eval(text)", "import joblib"):
        assert PICKLE_LIKE.search(line), line
    for line in ("model.eval()", "frame.eval('a + b')", "# no pickling here"):
        assert not PICKLE_LIKE.search(line), line
