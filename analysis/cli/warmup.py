"""Compile localign's numba kernels once after installation, so the first proposal in the app starts at once.

`make run` runs ``python -m analysis.cli.warmup``; numba caches the compiled code beside the sources, and
later processes load it in well under a second.
"""

from __future__ import annotations

import sys
import time

from analysis.solvers.enumeration import enumerate_area
from analysis.solvers.optimise import Optimiser
from geo.bundle import load_bundle


def main() -> int:
    """Run a small enumeration and a short optimisation on the bundled wards (results discarded)."""
    start = time.perf_counter()
    print("localign: preparing the proposal engine (the first time takes about half a minute)...", flush=True)
    area = load_bundle()
    enumerate_area(area, 3, max_deviation=0.10)
    Optimiser(area, 4, seed=0, max_steps=200).solve()
    Optimiser(area, 4, seed=0, max_steps=200, engine="anneal", workers=1).solve()  # the engine for large graphs
    print(f"localign: ready ({time.perf_counter() - start:.0f} s).", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
