"""Exact enumeration on the bundled wards: counting, listing and scoring every plan for k = 3 and 4, with and without
population bounds, cold and warm compiled-code cache, peak memory, and the plain recursive Python baseline.

Each measure runs in a fresh Python process (so imports, the numba cache and memory are measured cleanly);
"cold" points numba at an empty cache directory so everything is compiled, "first call" loads the compiled
code from the cache, "repeat" is the best of three calls in one process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SETUP = """
import json, resource, time, tracemalloc
from analysis.plan.context import StudyContext
from geo.bundle import load_bundle
from analysis.solvers.enumeration import Search, count_partitions, enumerate_partitions
from analysis.metrics.scoring import PlanScorer
area = load_bundle()
graph = StudyContext.of(area, "rook").graph

def list_and_score(k, d=None):
    t0 = time.perf_counter()
    codes = enumerate_partitions(Search(graph, k, d))
    t1 = time.perf_counter()
    table = PlanScorer(area, k).score(codes)
    t2 = time.perf_counter()
    return len(codes), t1 - t0, t2 - t1, t2 - t0

def count(k, d=None):
    t0 = time.perf_counter()
    n = count_partitions(Search(graph, k, d)).count
    return n, time.perf_counter() - t0

def best(fn, *args, repeat=3):
    results = [fn(*args) for _ in range(repeat)]
    return min(results, key=lambda r: r[-1])
"""


def child(body: str, cold: bool = False) -> dict:
    """Run SETUP + body in a fresh interpreter; the body prints one JSON line, returned as a dict."""
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as cache:
        if cold:
            env["NUMBA_CACHE_DIR"] = cache
        code = SETUP + "\n" + textwrap.dedent(body)
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                              check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def row(measure: str, value, unit: str, notes: str = "") -> dict:
    return {"benchmark": "enumeration", "measure": measure, "value": value, "unit": unit, "notes": notes}


def run() -> list[dict]:
    rows: list[dict] = []
    child("list_and_score(3); count(3); print('{}')")  # make sure the default cache is warm

    cold = child("""
        n, enum_s, score_s, total_s = list_and_score(4)
        print(json.dumps({"n": n, "total": total_s}))
    """, cold=True)
    rows.append(row("k=4 list + score, cold cache (compiles everything)", round(cold["total"], 2), "s",
                    f"{cold['n']:,} plans; numba compiles once per machine, then caches"))

    for k in (3, 4):
        warm = child(f"""
            n, enum_s, score_s, first = list_and_score({k})
            _, e2, s2, repeat = best(list_and_score, {k})
            c, count_s = best(count, {k})
            print(json.dumps({{"n": n, "first": first, "enum": e2, "score": s2, "repeat": repeat, "count": c,
                              "count_s": count_s}}))
        """)
        rows += [
            row(f"k={k} plans (exact count)", warm["count"], "plans", "issue 4: 34,807 (k=3), 336,985 (k=4)"),
            row(f"k={k} count only", round(warm["count_s"], 3), "s", "best of 3"),
            row(f"k={k} list + score, first call (warm cache)", round(warm["first"], 3), "s",
                "fresh process; compiled code loaded from cache"),
            row(f"k={k} list + score, repeat", round(warm["repeat"], 3), "s",
                f"listing {warm['enum']:.3f} s + scoring {warm['score']:.3f} s (best of 3)"),
        ]
        if k == 4:
            ours_first, ours_repeat = warm["first"], warm["repeat"]

    for d in (0.10, 0.05):
        bounded = child(f"""
            n, e, s, first = list_and_score(4, {d})
            n, e, s, repeat = best(list_and_score, 4, {d})
            c, count_s = best(count, 4, {d})
            print(json.dumps({{"n": n, "first": first, "repeat": repeat, "count_s": count_s}}))
        """)
        rows.append(row(f"k=4 within ±{d:.0%}: list + score, repeat", round(bounded["repeat"], 4), "s",
                        f"{bounded['n']:,} plans; bounds prune during the search (count only "
                        f"{bounded['count_s'] * 1000:.1f} ms)"))

    memory = child("""
        tracemalloc.start()
        n, e, s, total = list_and_score(4)
        peak = tracemalloc.get_traced_memory()[1]
        print(json.dumps({"peak": peak, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
    """)
    rows += [
        row("k=4 list + score, peak traced allocations", round(memory["peak"] / 2**20, 1), "MiB",
            "tracemalloc (numpy arrays included)"),
        row("k=4 list + score, peak resident memory of the process", round(memory["rss"] / 1024, 1), "MiB",
            "ru_maxrss, including Python, geopandas and the loaded study area; goal < 1 GB"),
    ]

    extras = child("""
        from analysis.solvers.enumeration import estimate_partitions
        from analysis.solvers.pareto import front_of
        from analysis.solvers.propose import propose
        codes = enumerate_partitions(Search(graph, 4))
        table = PlanScorer(area, 4).score(codes)
        front_of(table)
        t = time.perf_counter(); front = front_of(table); front_s = time.perf_counter() - t
        estimate_partitions(Search(graph, 4), probes=10)
        t = time.perf_counter(); est = estimate_partitions(Search(graph, 4), probes=4000, seed=0)
        est_s = time.perf_counter() - t
        fresh = load_bundle()
        t = time.perf_counter(); result = propose(fresh, 4, top=10); propose_s = time.perf_counter() - t
        print(json.dumps({"front": len(front), "front_s": front_s, "est": est.mean, "stderr": est.stderr,
                          "est_s": est_s, "propose_s": propose_s}))
    """)
    rows += [
        row("k=4 Pareto front of all plans", round(extras["front_s"], 3), "s", f"{extras['front']:,} plans on the front"),
        row("k=4 Knuth estimate (4,000 probes)", round(extras["est"]), "plans",
            f"±{extras['stderr']:,.0f} (std. error) in {extras['est_s'] * 1000:.0f} ms; exact 336,985"),
        row("propose k=4, top 10 (count, list, score, rank, front)", round(extras["propose_s"], 3), "s",
            "fresh study area, warm cache"),
    ]

    baseline = child("""
        import sys, networkx as nx
        sys.path.insert(0, "benchmarks")
        from baseline_recursive_enumerator import enumerate_codes
        nxg = nx.Graph(); nxg.add_nodes_from(area.ids); nxg.add_edges_from(area.graph("rook").edges)
        t = time.perf_counter(); codes = enumerate_codes(nxg, 4); enum_s = time.perf_counter() - t
        t = time.perf_counter(); PlanScorer(area, 4).score(codes); score_s = time.perf_counter() - t
        print(json.dumps({"n": len(codes), "enum": enum_s, "score": score_s}))
    """)
    base_total = baseline["enum"] + baseline["score"]
    rows += [
        row("k=4 baseline: recursive Python enumerator + PlanScorer", round(base_total, 2), "s",
            f"{baseline['n']:,} plans; listing {baseline['enum']:.1f} s (benchmarks/baseline_recursive_enumerator.py)"),
        row("k=4 speed-up over the baseline (first call)", round(base_total / ours_first, 1), "×",
            "goal ≥ 10×; our time includes loading the compiled code"),
        row("k=4 speed-up over the baseline (repeat)", round(base_total / ours_repeat, 1), "×", ""),
    ]
    return rows


if __name__ == "__main__":
    for r in run():
        print(f"{r['measure']}: {r['value']} {r['unit']}  {r['notes']}")
