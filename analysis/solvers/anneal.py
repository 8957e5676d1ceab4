"""Simulated annealing over boundary flips, then population-exact boundary repair: the optimiser's engine at scale.

Annealing (Kirkpatrick, Gelatt and Vecchi 1983) moves one unit across a cut edge at a time (its old
locality must stay connected, so every plan visited is contiguous) and accepts a move that raises the
energy ΔE with probability exp(−ΔE / T), the temperature T falling geometrically over the budget. The
energy is w_balance · (mean_j |d_j|^p)^(1/p), a power mean of the localities' relative deviations d_j that
approaches the maximum deviation as p grows while still rewarding every locality that moves towards
equal, plus w_compactness · (1 − mean Polsby–Popper) when boundaries are known (from the units' areas,
perimeters and shared boundary lengths, as analysis.metrics.compactness), else w_compactness · the share
of adjacencies cut. Repair then works on the largest deviation directly: it moves one unit, or swaps two,
between the worst locality and a neighbour whenever that makes the larger of their two deviations
smaller, until no such move exists.

Everything is compiled with numba and seeded: the same seed and move budget give the same plan.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from numba import njit

from analysis.plan.graph import CODE_DTYPE, UnitGraph

COMPACT_NONE, COMPACT_CUT, COMPACT_PP = 0, 1, 2
"""How compactness enters the energy: not at all, as the share of adjacencies cut, or as 1 − mean Polsby–Popper."""

NORM_P = 2.0
"""The power mean of the deviations that annealing minimises (2: the root mean square; repair then takes the maximum)."""
T_START, T_END = 0.01, 0.0001
"""Start and end temperature, as fractions of the mean unit's share of the ideal locality population."""
P_SWAP = 0.5
"""Share of moves that swap the two units of a cut edge (a fine change in population: their difference)."""
CHUNK_MOVES = 20_000
"""Moves per compiled call; the temperature and the time budget are checked between calls."""


@dataclass(frozen=True)
class Geometry:
    """Per-unit area and perimeter (m², m) and every contact between units with its shared boundary length (m), CSR."""

    area: np.ndarray
    perimeter: np.ndarray
    contact_indptr: np.ndarray
    contact_indices: np.ndarray
    contact_m: np.ndarray

    @classmethod
    def from_pairs(cls, n: int, area: np.ndarray, perimeter: np.ndarray, a: np.ndarray, b: np.ndarray,
                   shared: np.ndarray) -> "Geometry":
        rows = np.r_[a, b].astype(np.int64)
        cols = np.r_[b, a].astype(np.int64)
        vals = np.r_[shared, shared].astype(np.float64)
        order = np.lexsort((cols, rows))
        indptr = np.zeros(n + 1, np.int64)
        np.add.at(indptr, rows + 1, 1)
        return cls(np.asarray(area, np.float64), np.asarray(perimeter, np.float64), np.cumsum(indptr),
                   cols[order].copy(), vals[order].copy())


@dataclass
class State:
    """A plan under annealing with the running totals the energy needs (kept exact by the compiled moves)."""

    codes: np.ndarray
    pops: np.ndarray
    areas: np.ndarray
    lengths: np.ndarray
    cut_list: np.ndarray
    cut_pos: np.ndarray
    n_cut: np.ndarray  # one element, so compiled code can update it


def _edge_ids(graph: UnitGraph) -> np.ndarray:
    """For each CSR adjacency entry, the index of its undirected edge in graph.edge_a/edge_b."""
    key = {(int(a), int(b)): e for e, (a, b) in enumerate(zip(graph.edge_a, graph.edge_b))}
    out = np.empty(len(graph.indices), np.int64)
    for u in range(graph.n):
        for p in range(graph.indptr[u], graph.indptr[u + 1]):
            w = int(graph.indices[p])
            out[p] = key[(u, w) if u < w else (w, u)]
    return out


def edge_ids(graph: UnitGraph) -> np.ndarray:
    """Cached per graph: CSR entry -> undirected edge index."""
    cached = getattr(graph, "_edge_ids", None)
    if cached is None:
        cached = _edge_ids(graph)
        object.__setattr__(graph, "_edge_ids", cached)
    return cached


def new_state(graph: UnitGraph, codes: np.ndarray, k: int, geometry: Geometry | None) -> State:
    codes = np.ascontiguousarray(codes, dtype=CODE_DTYPE).copy()
    pops = np.bincount(codes, weights=graph.population, minlength=k).astype(np.float64)
    if geometry is not None:
        areas = np.bincount(codes, weights=geometry.area, minlength=k).astype(np.float64)
        lengths = np.bincount(codes, weights=geometry.perimeter, minlength=k).astype(np.float64)
        rows = np.repeat(np.arange(graph.n), np.diff(geometry.contact_indptr))
        same = codes[rows] == codes[geometry.contact_indices]
        lengths -= np.bincount(codes[rows[same]], weights=geometry.contact_m[same], minlength=k)  # 2x internal, once per side
    else:
        areas = np.zeros(k)
        lengths = np.zeros(k)
    cut = np.flatnonzero(codes[graph.edge_a] != codes[graph.edge_b])
    cut_list = np.zeros(graph.n_edges, np.int64)
    cut_list[:len(cut)] = cut
    cut_pos = np.full(graph.n_edges, -1, np.int64)
    cut_pos[cut] = np.arange(len(cut))
    return State(codes, pops, areas, lengths, cut_list, cut_pos, np.array([len(cut)], np.int64))


@njit(cache=True, nogil=True)
def _touches(indptr, indices, codes, unit, other, locality):
    """Whether ``unit`` has a neighbour in ``locality`` besides ``other``."""
    for p in range(indptr[unit], indptr[unit + 1]):
        x = indices[p]
        if x != other and codes[x] == locality:
            return True
    return False


@njit(cache=True, nogil=True)
def _stays_connected(indptr, indices, codes, u, visit, target, queue, stamp):
    """True when u's locality stays connected (and non-empty) without u: a search from one neighbour of u in the
    locality reaches all the others (stopping as soon as it has)."""
    home = codes[u]
    stamp[0] += 1
    s = stamp[0]
    first = -1
    count = 0
    for p in range(indptr[u], indptr[u + 1]):
        w = indices[p]
        if codes[w] == home and target[w] != s:
            target[w] = s
            count += 1
            if first < 0:
                first = w
    if count == 0:
        return False
    if count == 1:
        return True
    visit[u] = s
    visit[first] = s
    queue[0] = first
    head, tail, found = 0, 1, 1
    while head < tail:
        v = queue[head]
        head += 1
        for p in range(indptr[v], indptr[v + 1]):
            w = indices[p]
            if visit[w] != s and codes[w] == home:
                visit[w] = s
                if target[w] == s:
                    found += 1
                    if found == count:
                        return True
                queue[tail] = w
                tail += 1
    return False


@njit(cache=True, nogil=True)
def _contact_sums(cindptr, cindices, cm, codes, u, a, b):
    """Shared boundary (m) between unit u and the units of locality a, and of locality b."""
    to_a = 0.0
    to_b = 0.0
    for p in range(cindptr[u], cindptr[u + 1]):
        c = codes[cindices[p]]
        if c == a:
            to_a += cm[p]
        elif c == b:
            to_b += cm[p]
    return to_a, to_b


@njit(cache=True, nogil=True)
def _pp(area, length):
    return 4.0 * np.pi * area / (length * length) if length > 0 else 0.0


@njit(cache=True, nogil=True)
def _apply_flip(indptr, indices, eids, edge_a, edge_b, codes, u, b, cut_list, cut_pos, n_cut):
    """Move unit u to locality b and update the list of cut edges."""
    codes[u] = b
    for p in range(indptr[u], indptr[u + 1]):
        e = eids[p]
        is_cut = codes[edge_a[e]] != codes[edge_b[e]]
        if is_cut and cut_pos[e] < 0:
            cut_pos[e] = n_cut[0]
            cut_list[n_cut[0]] = e
            n_cut[0] += 1
        elif not is_cut and cut_pos[e] >= 0:
            last = cut_list[n_cut[0] - 1]
            cut_list[cut_pos[e]] = last
            cut_pos[last] = cut_pos[e]
            cut_pos[e] = -1
            n_cut[0] -= 1


@njit(cache=True, nogil=True)
def _anneal(indptr, indices, eids, edge_a, edge_b, population, codes, pops, areas, lengths, cut_list, cut_pos,
            n_cut, k, ideal, w_bal, w_comp, cmode, uarea, uperim, cindptr, cindices, cm, norm_p, t_first, t_last,
            moves, seed, best_codes, best_energy, visit, target, queue, stamp, p_swap):
    """Run ``moves`` Metropolis flip moves in place, the temperature falling geometrically from t_first to t_last;
    keep the lowest-energy plan in best_codes (best_energy[0]). Returns the number of accepted moves."""
    np.random.seed(seed)
    n_edges_total = len(edge_a)
    # totals from scratch (no drift between calls)
    dsum = 0.0
    for j in range(k):
        dsum += abs((pops[j] - ideal) / ideal) ** norm_p
    ppsum = 0.0
    if cmode == 2:
        for j in range(k):
            ppsum += _pp(areas[j], lengths[j])

    def energy(dsum_, cut_, ppsum_):
        e = w_bal * (max(dsum_, 0.0) / k) ** (1.0 / norm_p)
        if cmode == 1:
            e += w_comp * cut_ / n_edges_total
        elif cmode == 2:
            e += w_comp * (1.0 - ppsum_ / k)
        return e

    current = energy(dsum, n_cut[0], ppsum)
    pending = False
    if current < best_energy[0]:
        best_energy[0] = current
        pending = True
    ratio = (t_last / t_first) ** (1.0 / max(moves, 1))
    t = t_first
    accepted = 0
    for _ in range(moves):
        t *= ratio
        if n_cut[0] == 0:
            break
        e = cut_list[np.random.randint(0, n_cut[0])]
        u, v = edge_a[e], edge_b[e]
        if np.random.random() < 0.5:
            u, v = v, u
        a, b = codes[u], codes[v]
        swap = np.random.random() < p_swap
        pu = population[u]
        pv = population[v] if swap else 0.0
        shift = pu - pv
        da_old = abs((pops[a] - ideal) / ideal)
        db_old = abs((pops[b] - ideal) / ideal)
        da_new = abs((pops[a] - shift - ideal) / ideal)
        db_new = abs((pops[b] + shift - ideal) / ideal)
        new_dsum = dsum - da_old ** norm_p - db_old ** norm_p + da_new ** norm_p + db_new ** norm_p
        new_cut = n_cut[0]
        new_pp = ppsum
        # compactness after u moves a -> b and, in a swap, v then moves b -> a (codes[u] is set for the second step
        # and put back, so nothing changes before the move is accepted)
        areas_a, areas_b = areas[a], areas[b]
        la, lb = lengths[a], lengths[b]
        for step in range(2 if swap else 1):
            x, src, dst = (u, a, b) if step == 0 else (v, b, a)
            if step == 1:
                codes[u] = b
            if cmode == 1:
                for p in range(indptr[x], indptr[x + 1]):
                    c = codes[indices[p]]
                    if c == src:
                        new_cut += 1
                    elif c == dst:
                        new_cut -= 1
            elif cmode == 2:
                to_src, to_dst = _contact_sums(cindptr, cindices, cm, codes, x, src, dst)
                if step == 0:
                    la += -uperim[x] + 2.0 * to_src
                    lb += uperim[x] - 2.0 * to_dst
                    areas_a -= uarea[x]
                    areas_b += uarea[x]
                else:
                    lb += -uperim[x] + 2.0 * to_src
                    la += uperim[x] - 2.0 * to_dst
                    areas_b -= uarea[x]
                    areas_a += uarea[x]
            if step == 1:
                codes[u] = a
        if cmode == 2:
            new_pp = ppsum - _pp(areas[a], lengths[a]) - _pp(areas[b], lengths[b]) + _pp(areas_a, la) \
                + _pp(areas_b, lb)
        proposed = energy(new_dsum, new_cut, new_pp)
        delta = proposed - current
        if delta > 0 and np.random.random() >= math.exp(-delta / t):
            continue
        if not _stays_connected(indptr, indices, codes, u, visit, target, queue, stamp):
            continue
        if swap:
            if not _stays_connected(indptr, indices, codes, v, visit, target, queue, stamp):
                continue
            # v must touch a without u, and u must touch b without v
            if not _touches(indptr, indices, codes, v, u, a) or not _touches(indptr, indices, codes, u, v, b):
                continue
        if delta > 0 and pending:
            best_codes[:] = codes
            pending = False
        _apply_flip(indptr, indices, eids, edge_a, edge_b, codes, u, b, cut_list, cut_pos, n_cut)
        if swap:
            _apply_flip(indptr, indices, eids, edge_a, edge_b, codes, v, a, cut_list, cut_pos, n_cut)
        pops[a] -= shift
        pops[b] += shift
        if cmode == 2:
            areas[a], areas[b] = areas_a, areas_b
            lengths[a], lengths[b] = la, lb
        dsum, ppsum, current = new_dsum, new_pp, proposed
        accepted += 1
        if current < best_energy[0] - 1e-15:
            best_energy[0] = current
            pending = True
    if pending:
        best_codes[:] = codes
    return accepted


@njit(cache=True, nogil=True)
def _repair(indptr, indices, population, codes, k, ideal, max_rounds, visit, target, queue, stamp, mark):
    """Lower the largest deviation: move one unit, or swap two, between the worst locality and a neighbouring one
    whenever the larger of their two deviations falls (so the sorted deviations only ever improve, and the loop ends).
    Returns the number of moves made."""
    n = len(codes)
    pops = np.zeros(k)
    for i in range(n):
        pops[codes[i]] += population[i]
    inside = np.empty(n, np.int64)
    outside = np.empty(n, np.int64)
    made = 0
    while made < max_rounds:
        j = 0
        for c in range(1, k):
            if abs(pops[c] - ideal) > abs(pops[j] - ideal):
                j = c
        dev_j = abs(pops[j] - ideal)
        # units of j on its edge, and units of other localities next to j
        stamp[0] += 1
        s = stamp[0]
        n_in = 0
        n_out = 0
        for u in range(n):
            if codes[u] != j:
                continue
            edge = False
            for p in range(indptr[u], indptr[u + 1]):
                w = indices[p]
                if codes[w] != j:
                    edge = True
                    if mark[w] != s:
                        mark[w] = s
                        outside[n_out] = w
                        n_out += 1
            if edge:
                inside[n_in] = u
                n_in += 1
        best_gain = 1e-9 * ideal
        best_u, best_w, best_c = -1, -1, -1
        # one unit out of j, or one unit into j
        for i in range(n_in):
            u = inside[i]
            for p in range(indptr[u], indptr[u + 1]):
                c = codes[indices[p]]
                if c == j:
                    continue
                after = max(abs(pops[j] - population[u] - ideal), abs(pops[c] + population[u] - ideal))
                if dev_j - after > best_gain and _stays_connected(indptr, indices, codes, u, visit, target, queue,
                                                                  stamp):
                    best_gain, best_u, best_w, best_c = dev_j - after, u, -1, c
        for i in range(n_out):
            w = outside[i]
            c = codes[w]
            after = max(abs(pops[j] + population[w] - ideal), abs(pops[c] - population[w] - ideal))
            if dev_j - after > best_gain and _stays_connected(indptr, indices, codes, w, visit, target, queue, stamp):
                best_gain, best_u, best_w, best_c = dev_j - after, -1, w, c
        # swap u (of j, next to c) with w (of c, next to j): j and c stay connected when j − u and c − w do and
        # w touches j − u and u touches c − w
        for i in range(n_in):
            u = inside[i]
            for o in range(n_out):
                w = outside[o]
                c = codes[w]
                shift = population[u] - population[w]
                after = max(abs(pops[j] - shift - ideal), abs(pops[c] + shift - ideal))
                if dev_j - after <= best_gain:
                    continue
                if not _touches(indptr, indices, codes, u, w, c) or not _touches(indptr, indices, codes, w, u, j):
                    continue
                if not _stays_connected(indptr, indices, codes, u, visit, target, queue, stamp):
                    continue
                if not _stays_connected(indptr, indices, codes, w, visit, target, queue, stamp):
                    continue
                best_gain, best_u, best_w, best_c = dev_j - after, u, w, c
        if best_u < 0 and best_w < 0:
            break  # the worst locality cannot improve by one move: its deviation is final
        if best_u >= 0:
            codes[best_u] = best_c
            pops[j] -= population[best_u]
            pops[best_c] += population[best_u]
        if best_w >= 0:
            codes[best_w] = j
            pops[j] += population[best_w]
            pops[best_c] -= population[best_w]
        made += 1
    return made


class Annealer:
    """Annealing and repair for k localities on one unit graph, with the energy's weights (see the module docstring)."""

    def __init__(self, graph: UnitGraph, k: int, w_balance: float = 1.0, w_compactness: float = 0.0,
                 geometry: Geometry | None = None, norm_p: float = NORM_P) -> None:
        self.graph, self.k = graph, k
        self.ideal = graph.total / k
        self.w_balance, self.w_compactness = float(w_balance), float(w_compactness)
        self.geometry = geometry
        self.cmode = COMPACT_NONE if w_compactness <= 0 else (COMPACT_PP if geometry is not None else COMPACT_CUT)
        self.norm_p = float(norm_p)
        self.p_swap = P_SWAP
        share = k / graph.n  # the mean unit's share of an ideal locality
        scale = self.w_balance * share if self.w_balance > 0 else self.w_compactness * 2.0 / max(graph.n_edges, 1)
        self.t_first, self.t_last = T_START * scale, T_END * scale
        self.eids = edge_ids(graph)

    def _scratch(self):
        n = self.graph.n
        return (np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(1, np.int64),
                np.zeros(n, np.int64))

    def temperature(self, fraction: float) -> float:
        """The temperature after this fraction of the budget (geometric from t_first to t_last)."""
        fraction = min(max(fraction, 0.0), 1.0)
        return self.t_first * (self.t_last / self.t_first) ** fraction

    def anneal(self, start: np.ndarray, seed: int, max_moves: int | None = None, budget_s: float | None = None,
               report=None) -> tuple[np.ndarray, int]:
        """Anneal from ``start`` for ``max_moves`` moves or ``budget_s`` seconds (whichever ends first; at least one
        is needed); returns the lowest-energy plan seen and the number of moves tried. ``report(fraction)`` is
        called between compiled calls."""
        if max_moves is None and budget_s is None:
            raise ValueError("give a move or a time budget")
        g, geo = self.graph, self.geometry
        state = new_state(g, start, self.k, geo)
        empty_f, empty_i = np.zeros(1), np.zeros(1, np.int64)
        ga = geo.area if geo is not None else empty_f
        gp = geo.perimeter if geo is not None else empty_f
        gi = geo.contact_indptr if geo is not None else np.zeros(g.n + 1, np.int64)
        gx = geo.contact_indices if geo is not None else empty_i
        gm = geo.contact_m if geo is not None else empty_f
        best = state.codes.copy()
        best_energy = np.array([np.inf])
        visit, target, queue, stamp, _ = self._scratch()
        rng = np.random.default_rng(seed)
        began = time.perf_counter()
        done, rate = 0, None
        while True:
            elapsed = time.perf_counter() - began
            fractions = []
            if max_moves is not None:
                fractions.append(done / max_moves)
            if budget_s is not None:
                fractions.append(elapsed / budget_s if budget_s > 0 else 1.0)
            fraction = max(fractions)
            if fraction >= 1.0:
                break
            chunk = CHUNK_MOVES if max_moves is None else min(CHUNK_MOVES, max_moves - done)
            if budget_s is not None and rate:
                chunk = max(1000, min(chunk, int(rate * (budget_s - elapsed)) + 1))
            end = fraction + (chunk / max_moves if max_moves is not None else 0.0)
            if budget_s is not None:
                end = max(end, fraction + (chunk / rate / budget_s if rate else 0.0))
            t0 = time.perf_counter()
            _anneal(g.indptr, g.indices, self.eids, g.edge_a, g.edge_b, g.population, state.codes, state.pops,
                    state.areas, state.lengths, state.cut_list, state.cut_pos, state.n_cut, self.k, self.ideal,
                    self.w_balance, self.w_compactness, self.cmode, ga, gp, gi, gx, gm, self.norm_p,
                    self.temperature(fraction), self.temperature(end), chunk, int(rng.integers(0, 2**31 - 1)), best,
                    best_energy, visit, target, queue, stamp, self.p_swap)
            rate = chunk / max(time.perf_counter() - t0, 1e-9)
            done += chunk
            if report is not None:
                report(min(1.0, end))
        return best, done

    def repair(self, codes: np.ndarray, max_moves: int = 1_000_000) -> np.ndarray:
        """The plan after population-exact boundary repair (see the module docstring); ``codes`` is not changed."""
        out = np.ascontiguousarray(codes, dtype=CODE_DTYPE).copy()
        visit, target, queue, stamp, mark = self._scratch()
        _repair(self.graph.indptr, self.graph.indices, self.graph.population, out, self.k, self.ideal, max_moves,
                visit, target, queue, stamp, mark)
        return out


def granularity_bound(population: np.ndarray, k: int) -> tuple[float, str]:
    """A lower bound on the largest deviation any plan of k localities can reach, and why: localities hold whole
    units, so one holding a unit larger than the ideal exceeds it; with whole-number populations the k totals
    are whole numbers, so one is at least ceil(ideal) and one at most floor(ideal)."""
    population = np.asarray(population, float)
    ideal = population.sum() / k
    bound, why = 0.0, "no useful bound"
    biggest = float(population.max())
    if biggest > ideal:
        bound, why = (biggest - ideal) / ideal, "its largest unit holds more than an equal share"
    if np.all(population == np.round(population)) and ideal != round(ideal):
        rounding = max(math.ceil(ideal) - ideal, ideal - math.floor(ideal)) / ideal
        if rounding > bound:
            bound, why = rounding, "localities hold whole residents"
    return bound, why
