"""The app's speed under Streamlit's AppTest (no browser): cold start, rerun, switching views, finding options.

Each measurement runs in a fresh Python process (so "cold" includes importing Streamlit, geopandas and the
app's modules, loading the bundle and drawing the first page) with a private autosave folder.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = 3
VIEWS = ("Propose", "Compare", "Bring data", "Brief")

SCRIPT = r"""
import json, os, sys, time
os.environ["LOCALIGN_AUTOSAVE_DIR"] = sys.argv[1]
t0 = time.perf_counter()
from streamlit.testing.v1 import AppTest
at = AppTest.from_file("app.py", default_timeout=300)
t1 = time.perf_counter(); at.run(); t2 = time.perf_counter()
assert not at.exception, [e.value for e in at.exception]
out = {"import": t1 - t0, "cold": t2 - t1}
t = time.perf_counter(); at.run(); out["rerun"] = time.perf_counter() - t
for view in VIEWS:
    at.session_state["view"] = view
    t = time.perf_counter(); at.run(); out["view " + view] = time.perf_counter() - t
    assert not at.exception, [e.value for e in at.exception]
at.session_state["view"] = "Propose"; at.run()
t = time.perf_counter(); at.button(key="p_run").click().run(); out["propose"] = time.perf_counter() - t
assert not at.exception, [e.value for e in at.exception]
at.session_state["view"] = "Map & edit"; at.run()
t = time.perf_counter(); at.run(); out["rerun after propose"] = time.perf_counter() - t
print(json.dumps(out))
""".replace("VIEWS", repr(VIEWS))


def one_process() -> dict:
    with tempfile.TemporaryDirectory() as autosave:
        out = subprocess.run([sys.executable, "-c", SCRIPT, autosave], cwd=ROOT, capture_output=True, text=True,
                             check=True, timeout=900)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run() -> list[dict]:
    runs = [one_process() for _ in range(PROCESSES)]
    notes = f"AppTest, median of {PROCESSES} fresh processes"

    def median(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    rows = [
        {"benchmark": "app (AppTest)", "measure": "cold start: first page", "value": median("cold"), "unit": "s",
         "notes": notes + f"; imports before it {median('import'):.2f} s; loads the bundle and draws Map & edit"},
        {"benchmark": "app (AppTest)", "measure": "rerun, nothing changed", "value": median("rerun"), "unit": "s",
         "notes": notes},
    ]
    rows += [{"benchmark": "app (AppTest)", "measure": f"switch to {view}", "value": median(f"view {view}"), "unit": "s",
              "notes": notes + "; first visit"} for view in VIEWS]
    rows += [{"benchmark": "app (AppTest)", "measure": "Find options (default settings)", "value": median("propose"),
              "unit": "s", "notes": notes + "; 4 localities, every plan listed and ranked, Pareto front drawn"},
             {"benchmark": "app (AppTest)", "measure": "rerun after finding options", "value": median("rerun after propose"),
              "unit": "s", "notes": notes}]
    return rows
