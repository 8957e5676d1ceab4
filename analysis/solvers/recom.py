"""ReCom merge-split and boundary-flip moves on a ``UnitGraph``, compiled with numba.

ReCom (DeFord, Duchin and Solomon 2021): merge two adjacent localities, draw a random spanning tree of
the merged region (minimum spanning tree on random edge weights, as GerryChain does), and cut one tree
edge so that both sides are population-balanced; both sides are connected by construction. A boundary
flip moves one unit across a cut edge when its old locality stays connected. Every move keeps every
locality contiguous and non-empty.

Randomness: each call takes an integer seed drawn from the caller's ``numpy.random.Generator``, so a
seeded run repeats exactly.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from analysis.plan.graph import CODE_DTYPE, UnitGraph

MODE_RANDOM = 0
"""Cut choice: uniformly among balanced cut edges of the first tree that has one (the ReCom chain)."""
MODE_BEST = 1
"""Cut choice: the best-balanced cut edge over several trees (greedy; used for seeding and fine tuning)."""


@njit(cache=True)
def _spanning_tree_order(indptr, indices, nodes, local):
    """Random spanning tree of the region ``nodes`` (Kruskal on i.i.d. random weights, i.e. a random edge order), returned as BFS order and parents (local indices); order[0] = -1 when the region is not connected."""
    m = len(nodes)
    capacity = 0
    for li in range(m):
        capacity += indptr[nodes[li] + 1] - indptr[nodes[li]]
    ea = np.empty(capacity, np.int64)
    eb = np.empty(capacity, np.int64)
    count = 0
    for li in range(m):
        u = nodes[li]
        for p in range(indptr[u], indptr[u + 1]):
            lw = local[indices[p]]
            if lw > li:
                ea[count] = li
                eb[count] = lw
                count += 1
    order_edges = np.random.permutation(count)  # the edge order that sorting i.i.d. random weights gives
    root_of = np.arange(m)
    tree_a = np.empty(max(m - 1, 0), np.int64)
    tree_b = np.empty(max(m - 1, 0), np.int64)
    used = 0
    for e in order_edges:
        x, y = ea[e], eb[e]
        while root_of[x] != x:
            root_of[x] = root_of[root_of[x]]
            x = root_of[x]
        while root_of[y] != y:
            root_of[y] = root_of[root_of[y]]
            y = root_of[y]
        if x != y:
            root_of[x] = y
            tree_a[used] = ea[e]
            tree_b[used] = eb[e]
            used += 1
            if used == m - 1:
                break
    order = np.full(m, -1, np.int64)
    parent = np.full(m, -1, np.int64)
    if used < m - 1:
        return order, parent
    degree = np.zeros(m + 1, np.int64)
    for t in range(used):
        degree[tree_a[t] + 1] += 1
        degree[tree_b[t] + 1] += 1
    start = np.cumsum(degree)
    fill = start[:-1].copy()
    nbr = np.empty(2 * used, np.int64)
    for t in range(used):
        nbr[fill[tree_a[t]]] = tree_b[t]
        fill[tree_a[t]] += 1
        nbr[fill[tree_b[t]]] = tree_a[t]
        fill[tree_b[t]] += 1
    root = np.random.randint(0, m)
    order[0] = root
    parent[root] = root
    head, tail = 0, 1
    while head < tail:
        v = order[head]
        head += 1
        for p in range(start[v], start[v + 1]):
            w = nbr[p]
            if parent[w] == -1:
                parent[w] = v
                order[tail] = w
                tail += 1
    return order, parent


@njit(cache=True)
def cut_region(indptr, indices, population, codes, a, b, ka, kb, ideal, tol, mode, attempts, current_score):
    """Re-split the units labelled a or b into side a (ka localities) and side b (kb) along a spanning-tree cut.

    A cut's score is the larger relative deviation of the two sides' mean locality population from
    ``ideal``. MODE_RANDOM takes a uniformly random cut with score <= tol from the first tree that has
    one; MODE_BEST takes the lowest-scoring cut over ``attempts`` trees. When no cut is within tol the
    best cut seen is applied only if it scores below ``current_score``. Returns the applied score, or -1.
    """
    n = len(codes)
    local = np.full(n, -1, np.int64)
    m = 0
    for u in range(n):
        if codes[u] == a or codes[u] == b:
            m += 1
    nodes = np.empty(m, np.int64)
    m = 0
    for u in range(n):
        if codes[u] == a or codes[u] == b:
            local[u] = m
            nodes[m] = u
            m += 1
    if m < 2:
        return -1.0
    weight = np.empty(m)
    total = 0.0
    for li in range(m):
        weight[li] = population[nodes[li]]
        total += weight[li]
    best_score = np.inf
    best_side = np.zeros(m, np.bool_)
    chosen_side = np.zeros(m, np.bool_)
    found = False
    for _ in range(attempts):
        order, parent = _spanning_tree_order(indptr, indices, nodes, local)
        if order[0] < 0:
            return -1.0
        sub = weight.copy()
        size = np.ones(m, np.int64)
        for t in range(m - 1, 0, -1):
            v = order[t]
            sub[parent[v]] += sub[v]
            size[parent[v]] += size[v]
        # Each non-root node v stands for the cut between v's subtree and the rest; the subtree can become
        # side a or side b, whichever fits better.
        n_ok = 0
        ok_node = np.empty(2 * m, np.int64)
        ok_flip = np.empty(2 * m, np.bool_)
        tree_best = np.inf
        tree_best_node, tree_best_flip = -1, False
        for t in range(1, m):
            v = order[t]
            s = sub[v]
            r = total - s
            score_a = max(abs(s / ka - ideal), abs(r / kb - ideal)) / ideal
            score_b = max(abs(r / ka - ideal), abs(s / kb - ideal)) / ideal
            for flip in (False, True):
                # Each side needs at least as many units as the localities it will hold.
                if (size[v] < (kb if flip else ka)) or (m - size[v] < (ka if flip else kb)):
                    continue
                score = score_b if flip else score_a
                if score <= tol:
                    ok_node[n_ok] = v
                    ok_flip[n_ok] = flip
                    n_ok += 1
                if score < tree_best:
                    tree_best, tree_best_node, tree_best_flip = score, v, flip
        pick_node, pick_flip, pick_score = -1, False, np.inf
        if mode == MODE_RANDOM and n_ok > 0:
            c = np.random.randint(0, n_ok)
            pick_node, pick_flip = ok_node[c], ok_flip[c]
            s = sub[pick_node]
            r = total - s
            pick_score = (max(abs(r / ka - ideal), abs(s / kb - ideal)) if pick_flip
                          else max(abs(s / ka - ideal), abs(r / kb - ideal))) / ideal
        elif tree_best < best_score:
            pick_node, pick_flip, pick_score = tree_best_node, tree_best_flip, tree_best
        if pick_node >= 0:
            in_sub = np.zeros(m, np.bool_)
            in_sub[pick_node] = True
            for t in range(1, m):
                v = order[t]
                if parent[v] != v and in_sub[parent[v]]:
                    in_sub[v] = True
            side = in_sub != pick_flip  # True = side a
            if mode == MODE_RANDOM and n_ok > 0:
                chosen_side[:] = side
                best_score = pick_score
                found = True
                break
            best_side[:] = side
            best_score = pick_score
    if not found:
        if best_score == np.inf or not (best_score <= tol or best_score < current_score):
            return -1.0
        chosen_side[:] = best_side
    for li in range(m):
        codes[nodes[li]] = a if chosen_side[li] else b
    return best_score


@njit(cache=True)
def _flip_keeps_connected(indptr, indices, codes, u, size_of_u_locality):
    """True when the locality of unit u stays connected (and non-empty) without u."""
    home = codes[u]
    if size_of_u_locality <= 1:
        return False
    start = -1
    for p in range(indptr[u], indptr[u + 1]):
        if codes[indices[p]] == home:
            start = indices[p]
            break
    if start < 0:
        return False
    seen = np.zeros(len(codes), np.bool_)
    seen[u] = True
    seen[start] = True
    stack = np.empty(size_of_u_locality, np.int64)
    stack[0] = start
    top, reached = 1, 1
    while top > 0:
        top -= 1
        v = stack[top]
        for p in range(indptr[v], indptr[v + 1]):
            w = indices[p]
            if not seen[w] and codes[w] == home:
                seen[w] = True
                stack[top] = w
                top += 1
                reached += 1
    return reached == size_of_u_locality - 1


@njit(cache=True)
def _burst(indptr, indices, edge_a, edge_b, population, codes0, k, ideal, tol, steps, p_flip, p_best,
           attempts, seed):
    """Run ``steps`` moves from codes0 and return every visited plan, shape (steps, n)."""
    np.random.seed(seed)
    n = len(codes0)
    codes = codes0.copy()
    out = np.empty((steps, n), codes0.dtype)
    pops = np.zeros(k)
    sizes = np.zeros(k, np.int64)
    for u in range(n):
        pops[codes[u]] += population[u]
        sizes[codes[u]] += 1
    n_edges = len(edge_a)
    lo, hi = ideal * (1 - tol), ideal * (1 + tol)
    for step in range(steps):
        e = -1
        for _ in range(64):
            c = np.random.randint(0, n_edges)
            if codes[edge_a[c]] != codes[edge_b[c]]:
                e = c
                break
        if e < 0:
            cut = np.flatnonzero(codes[edge_a] != codes[edge_b])
            e = cut[np.random.randint(0, len(cut))]
        u, v = edge_a[e], edge_b[e]
        if np.random.random() < 0.5:
            u, v = v, u
        a, b = codes[u], codes[v]
        if np.random.random() < p_flip:
            new_a, new_b = pops[a] - population[u], pops[b] + population[u]
            worst_before = max(abs(pops[a] - ideal), abs(pops[b] - ideal))
            worst_after = max(abs(new_a - ideal), abs(new_b - ideal))
            fits = (lo <= new_a <= hi and lo <= new_b <= hi) or worst_after < worst_before
            if fits and _flip_keeps_connected(indptr, indices, codes, u, sizes[a]):
                codes[u] = b
                pops[a], pops[b] = new_a, new_b
                sizes[a] -= 1
                sizes[b] += 1
        else:
            current = max(abs(pops[a] - ideal), abs(pops[b] - ideal)) / ideal
            mode = MODE_BEST if np.random.random() < p_best else MODE_RANDOM
            tries = attempts if mode == MODE_RANDOM else 4
            if cut_region(indptr, indices, population, codes, a, b, 1, 1, ideal, tol, mode, tries, current) >= 0:
                pops[a] = pops[b] = 0.0
                sizes[a] = sizes[b] = 0
                for w in range(n):
                    if codes[w] == a or codes[w] == b:
                        pops[codes[w]] += population[w]
                        sizes[codes[w]] += 1
        out[step] = codes
    return out


def burst(graph: UnitGraph, codes: np.ndarray, k: int, steps: int, rng: np.random.Generator,
          tolerance: float, p_flip: float = 0.3, p_best: float = 0.2, attempts: int = 8) -> np.ndarray:
    """Run a chain of ``steps`` ReCom/flip moves from ``codes`` and return each visited plan as a row (steps, n).

    A move must leave every locality within ``tolerance`` of the ideal population, or else make the two
    localities it touches more balanced than they were; moves that fail stay put (the row repeats).
    """
    codes = np.ascontiguousarray(codes, dtype=CODE_DTYPE)
    return _burst(graph.indptr, graph.indices, graph.edge_a, graph.edge_b, graph.population, codes, k,
                  graph.total / k, float(tolerance), int(steps), float(p_flip), float(p_best), int(attempts),
                  int(rng.integers(0, 2**31 - 1)))


def split_region(graph: UnitGraph, codes: np.ndarray, a: int, b: int, ka: int, kb: int, ideal: float,
                 rng: np.random.Generator, tolerance: float = 0.0, mode: int = MODE_BEST, attempts: int = 32) -> float:
    """Re-split the units labelled a or b in place along a random spanning-tree cut (see ``cut_region``); returns the cut's score or -1."""
    _seed(int(rng.integers(0, 2**31 - 1)))
    return float(cut_region(graph.indptr, graph.indices, graph.population, codes, a, b, ka, kb, float(ideal),
                            float(tolerance), mode, attempts, np.inf))


@njit(cache=True)
def _seed(seed):
    """Seed numba's random generator (separate from numpy's)."""
    np.random.seed(seed)
