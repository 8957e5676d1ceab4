"""Compiled scoring of many plans in one pass per plan: the formulas of analysis.metrics, fused for speed.

numpy reductions over the few localities of each plan cost more than the arithmetic, so PlanScorer runs
this loop instead. It evaluates exactly the formulas of analysis.metrics.population, .compactness
(Polsby–Popper from area and perimeter less twice the internal boundary), .pcn_alignment and
.continuity (the best one-to-one matching over the injective maps of continuity._injective_maps); tests
check it against those numpy functions on every enumerated plan and against evaluate() on samples.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
import numpy as np
from numba import njit

from analysis.plan.context import StudyContext

THREADS = 2
MIN_ROWS_PER_THREAD = 20_000


@njit(cache=True, nogil=True)
def _score(codes, k, pop, area, perim, people, cur, m, maps, use_maps, ca, cb, cm, ea, eb, total,
           split_share, bad_share, o_pops, o_dev, o_range, o_ppmean, o_ppmin, o_cut, o_nest, o_split, o_split90,
           o_shared, o_match, o_kept, o_moved):
    n_plans, n = codes.shape
    g_count = people.shape[1]
    share = total / k
    a = np.zeros(k)
    p = np.zeros(k)
    res = np.zeros((k, g_count))
    internal = np.zeros(k)
    for r in range(n_plans):
        a[:] = 0.0
        p[:] = 0.0
        res[:, :] = 0.0
        for i in range(n):
            j = codes[r, i]
            o_pops[r, j] += pop[i]
            a[j] += area[i]
            p[j] += perim[i]
            for g in range(g_count):
                res[j, g] += people[i, g]
            o_shared[r, j, cur[i]] += pop[i]
        internal[:] = 0.0
        for e in range(len(ca)):
            j = codes[r, ca[e]]
            if j == codes[r, cb[e]]:
                internal[j] += cm[e]
        # population (analysis.metrics.population)
        worst = 0.0
        hi = o_pops[r, 0]
        lo = o_pops[r, 0]
        for j in range(k):
            d = abs((o_pops[r, j] - share) / share)
            if d > worst:
                worst = d
            hi = max(hi, o_pops[r, j])
            lo = min(lo, o_pops[r, j])
        o_dev[r] = worst
        o_range[r] = (hi - lo) / share
        # compactness: Polsby–Popper 4πA / L², L = Σ perimeters − 2 · internal boundary
        pp_sum = 0.0
        pp_min = np.inf
        for j in range(k):
            length = p[j] - 2 * internal[j]
            pp = 4 * np.pi * a[j] / length ** 2 if length > 0 else 0.0
            pp_sum += pp
            pp_min = min(pp_min, pp)
        o_ppmean[r] = pp_sum / k
        o_ppmin[r] = pp_min
        # cut edges
        cut = 0
        for e in range(len(ea)):
            if codes[r, ea[e]] != codes[r, eb[e]]:
                cut += 1
        o_cut[r] = cut
        # PCN alignment (analysis.metrics.pcn_alignment)
        if g_count > 0:
            main_sum = 0.0
            all_sum = 0.0
            split = 0
            split90 = 0
            for g in range(g_count):
                best = res[0, g]
                group_total = 0.0
                for j in range(k):
                    best = max(best, res[j, g])
                    group_total += res[j, g]
                main_sum += best
                all_sum += group_total
                in_main = best / group_total if group_total > 0 else 1.0
                if in_main < split_share:
                    split += 1
                if in_main < bad_share:
                    split90 += 1
            o_nest[r] = main_sum / all_sum if all_sum > 0 else 1.0
            o_split[r] = split
            o_split90[r] = split90
        else:
            o_nest[r] = 1.0
        # continuity (analysis.metrics.continuity): best one-to-one matching, residents kept, units moved
        if use_maps:
            best_q = 0
            best_kept = -np.inf
            for q in range(maps.shape[0]):
                kept = 0.0
                for j in range(k):
                    if maps[q, j] >= 0:
                        kept += o_shared[r, j, maps[q, j]]
                if kept > best_kept:
                    best_kept = kept
                    best_q = q
            for j in range(k):
                o_match[r, j] = maps[best_q, j]
            o_kept[r] = best_kept
            moved = 0
            for i in range(n):
                if maps[best_q, codes[r, i]] != cur[i]:
                    moved += 1
            o_moved[r] = moved


def score_plans(codes: np.ndarray, k: int, ctx: StudyContext, pcn_people: np.ndarray, maps: np.ndarray | None,
                total: float, split_share: float, bad_share: float) -> dict[str, np.ndarray]:
    """Every ScoreTable metric for plans (N, n) of locality indices 0..k−1, plus the shared-residents matrix S (N, k, m)
    and, when ``maps`` (the injective maps to match over) is given, the best matching and residents kept.

    The per-unit inputs come from the study context (residents, areas, perimeters, shared boundaries, today's
    localities, graph edges); ``pcn_people`` is residents per PCN (n, g), g = 0 when there are no PCNs."""
    codes = np.ascontiguousarray(codes)
    n_plans = len(codes)
    m = ctx.current_k
    out = {
        "populations": np.zeros((n_plans, k)), "max_abs_deviation": np.zeros(n_plans),
        "population_range": np.zeros(n_plans), "polsby_popper_mean": np.zeros(n_plans),
        "polsby_popper_min": np.zeros(n_plans), "cut_edges": np.zeros(n_plans, dtype=np.int64),
        "pcn_nesting": np.zeros(n_plans), "pcns_split": np.zeros(n_plans, dtype=np.int64),
        "pcns_split_90": np.zeros(n_plans, dtype=np.int64), "shared": np.zeros((n_plans, k, m)),
        "match": np.zeros((n_plans, k), dtype=np.int64), "kept": np.zeros(n_plans),
        "wards_moved": np.zeros(n_plans, dtype=np.int64),
    }
    use_maps = maps is not None
    maps = np.zeros((1, k), dtype=np.int64) if maps is None else np.ascontiguousarray(maps, dtype=np.int64)
    people = np.ascontiguousarray(pcn_people, dtype=np.float64)
    shapes, graph = ctx.shapes, ctx.graph
    population = np.ascontiguousarray(ctx.population, dtype=np.float64)
    current = ctx.current_codes.astype(np.int64)
    step = max(MIN_ROWS_PER_THREAD, -(-n_plans // THREADS))

    def run(start: int) -> None:
        rows = slice(start, min(n_plans, start + step))
        _score(codes[rows], k, population, shapes.area_m2, shapes.perimeter_m, people, current, m,
               maps, use_maps, shapes.edge_a, shapes.edge_b, shapes.edge_shared_m, graph.edge_a, graph.edge_b,
               total, split_share, bad_share, *(out[key][rows] for key in out))

    starts = list(range(0, n_plans, step)) or [0]
    if len(starts) == 1:
        run(starts[0])
    else:
        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(run, starts))
    return out
