"""The export drawing code can be loaded ahead (the app does so in the background after its first page)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import sys
import analysis.present.exports as exports
heavy = ("matplotlib.backends.backend_pdf", "fontTools.subset", *exports.DRAWING_MODULES)
before = [m for m in heavy if m in sys.modules]
exports.preload()
after = [m for m in heavy if m not in sys.modules]
print(before, after)
"""


def test_preload_imports_the_pdf_backend_that_a_bare_import_leaves_out():
    """A fresh interpreter: importing the export package loads no drawing code; preload() loads all of it (so the
    background load in the app really spares the first briefing pack the imports)."""
    done = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[] []"


DRAW_AFTER_PRELOAD = """
import sys
import analysis.present.exports as exports
from analysis.present.views import reference_plans
from geo.bundle import load_bundle
area = load_bundle()
plan = next(iter(reference_plans(area).values()))
exports.preload()
before = set(sys.modules)
for fmt in ("png", "pdf"):
    assert exports.export_bytes(area, [plan], fmt)[:4] in (b"\\x89PNG", b"%PDF"), fmt
late = sorted(m for m in set(sys.modules) - before
              if m.startswith(("analysis.", "geo.", "matplotlib.backends", "fontTools.subset", "fontTools.ttLib")))
print(late)
"""


def test_drawing_the_png_and_the_pdf_after_preload_imports_no_more_drawing_code():
    """A fresh interpreter: after preload(), drawing the slide PNG and the briefing pack imports none of our modules,
    no matplotlib backend and no fontTools subsetting code (every lazy import of the drawing code was preloaded)."""
    done = subprocess.run([sys.executable, "-c", DRAW_AFTER_PRELOAD], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
