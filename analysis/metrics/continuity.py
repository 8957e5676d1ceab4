"""Continuity with today's localities: match new localities one-to-one to old ones on shared residents, then count who moves."""

from __future__ import annotations

from itertools import permutations

import numpy as np
from scipy.optimize import linear_sum_assignment

MAX_VECTORISED_MATCHINGS = 5040
"""Above this many one-to-one matchings per plan, plans are matched one at a time with the Hungarian algorithm."""


def shared_residents(new_codes: np.ndarray, old_codes: np.ndarray, population: np.ndarray, k: int, m: int) -> np.ndarray:
    """S[..., j, o]: residents in new locality j and old locality o."""
    new_codes = np.asarray(new_codes)
    out = np.zeros((*new_codes.shape[:-1], k, m))
    for o in range(m):
        in_old = (old_codes == o) * population
        for j in range(k):
            out[..., j, o] = (new_codes == j) @ in_old
    return out


def best_matching(shared: np.ndarray) -> np.ndarray:
    """For one plan's S (k, m): match[j] = old locality matched to new locality j, or −1 (Hungarian algorithm, maximising kept residents)."""
    rows, cols = linear_sum_assignment(shared, maximize=True)
    match = np.full(shared.shape[0], -1, dtype=np.int64)
    match[rows] = cols
    return match


def _injective_maps(k: int, m: int) -> np.ndarray:
    """Every one-to-one matching of k new to m old localities as an array (maps, k) of old indices or −1."""
    if k >= m:
        maps = []
        for chosen in permutations(range(k), m):
            row = np.full(k, -1, dtype=np.int64)
            row[list(chosen)] = np.arange(m)
            maps.append(row)
        return np.array(maps)
    return np.array(list(permutations(range(m), k)), dtype=np.int64)


def best_matchings(shared: np.ndarray) -> np.ndarray:
    """Matchings for many plans at once: S of shape (N, k, m) -> (N, k) old indices or −1."""
    n_plans, k, m = shared.shape
    maps = _injective_maps(k, m)
    if len(maps) > MAX_VECTORISED_MATCHINGS:
        return np.stack([best_matching(s) for s in shared])
    kept = np.zeros((n_plans, len(maps)))
    for j in range(k):
        target = maps[:, j]
        valid = target >= 0
        kept[:, valid] += shared[:, j, target[valid]]
    return maps[kept.argmax(axis=1)]


def retained(shared: np.ndarray, match: np.ndarray) -> np.ndarray:
    """Residents kept with their matched locality: Σ_j S[j, match[j]] (works for one plan or many)."""
    shared, match = np.asarray(shared), np.asarray(match)
    safe = np.where(match >= 0, match, 0)
    picked = np.take_along_axis(shared, safe[..., None], axis=-1)[..., 0]
    return (picked * (match >= 0)).sum(axis=-1)


def moved_units(new_codes: np.ndarray, old_codes: np.ndarray, match: np.ndarray) -> np.ndarray:
    """True for each unit whose new locality is not matched to its old one (one plan (n,) or many (N, n))."""
    new_codes, match = np.asarray(new_codes), np.asarray(match)
    partner = np.take_along_axis(np.atleast_2d(match), np.atleast_2d(new_codes), axis=-1)
    moved = partner != old_codes
    return moved[0] if new_codes.ndim == 1 else moved
