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


def test_every_lazy_drawing_import_is_preloaded():
    """Each module the export formats import when called is among those preloaded, or imported by one of them."""
    source = (ROOT / "analysis/present/exports/__init__.py").read_text(encoding="utf-8")
    from analysis.present.exports import DRAWING_MODULES

    for name in ("briefing_pdf", "map_png"):
        assert f"from analysis.present.exports.{name} import" in source
        assert f"analysis.present.exports.{name}" in DRAWING_MODULES
