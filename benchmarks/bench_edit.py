"""Moving one ward in the app: the analysis work of the rerun that follows (no map drawing, no Streamlit).

After a move the Map & edit view evaluates the edited plan for the map and again for the side panel, dissolves
its localities, and builds the key figures, contiguity warnings and locality table. Every one-ward move of the
bundled current localities is timed once (38 distinct plans, so nothing is answered from a previous identical
move), starting from the current plan already on screen; the median is reported in milliseconds.

    python benchmarks/bench_edit.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.metrics.evaluate import evaluate  # noqa: E402
from analysis.plan.partition import current_plan  # noqa: E402
from analysis.present import views  # noqa: E402
from geo.bundle import load_bundle  # noqa: E402


def rerun_after_move(area, plan) -> None:
    """What the Map & edit view computes for a plan (as app.py calls it)."""
    evaluation = evaluate(area, plan)  # for the map
    views.plan_layer(area, plan, evaluation)
    evaluation = evaluate(area, plan)  # for the side panel
    views.key_figures(evaluation)
    views.contiguity_warnings(area, evaluation)
    views.locality_table(area, evaluation)


def move_times_ms() -> list[float]:
    area = load_bundle()
    current = current_plan(area)
    rerun_after_move(area, current)  # the plan on screen before the move (and warm-up of the imports)
    times = []
    for unit in area.ids:
        for locality in current.localities:
            if current.assignment[unit] == locality:
                continue
            start = time.perf_counter()
            rerun_after_move(area, current.reassign({unit: locality}))
            times.append((time.perf_counter() - start) * 1000)
    return times


def run() -> list[dict]:
    times = move_times_ms()
    return [{"benchmark": "app edit", "measure": "move one ward: re-evaluate and rebuild the panel",
             "value": statistics.median(times), "unit": "ms",
             "notes": f"median of {len(times)} one-ward moves of the current localities (each a new plan); "
                      "two evaluations, dissolve, key figures, warnings, locality table; no map drawing"}]


if __name__ == "__main__":
    times = move_times_ms()
    print(f"move one ward: median {statistics.median(times):.2f} ms, best {min(times):.2f} ms, "
          f"{len(times)} moves")
