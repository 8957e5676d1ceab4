"""PCN alignment: how far each PCN's residents fall within one locality (nesting) rather than being split.

Inputs are R, residents per locality and PCN, with shape (..., k, G); every function reduces over k.
"""

from __future__ import annotations

import numpy as np

from analysis.metrics.definitions import PCN_BADLY_SPLIT_SHARE, PCN_SPLIT_SHARE


def residents_by_locality_and_group(codes: np.ndarray, people: np.ndarray, k: int) -> np.ndarray:
    """R[..., j, g]: residents of group g living in locality j, from unit codes (..., n) and people (n, G)."""
    codes = np.asarray(codes)
    out = np.zeros((*codes.shape[:-1], k, people.shape[1]))
    for j in range(k):
        out[..., j, :] = (codes == j).astype(float) @ people
    return out


def share_in_main_locality(residents: np.ndarray) -> np.ndarray:
    """For each group, the share of its residents in the locality holding most of them."""
    totals = residents.sum(axis=-2)
    return np.divide(residents.max(axis=-2), totals, out=np.ones_like(totals), where=totals > 0)


def groups_split(residents: np.ndarray, threshold: float = PCN_SPLIT_SHARE) -> np.ndarray:
    """Number of groups with less than ``threshold`` of their residents in their main locality."""
    return (share_in_main_locality(residents) < threshold).sum(axis=-1)


def nesting(residents: np.ndarray) -> np.ndarray:
    """Population-weighted nesting score: Σ_g max_j R_gj / total residents (1 when no group is split)."""
    total = residents.sum(axis=(-2, -1))
    return np.divide(residents.max(axis=-2).sum(axis=-1), total, out=np.ones_like(total), where=total > 0)


def badly_split(residents: np.ndarray) -> np.ndarray:
    """Number of groups with less than 90 % of their residents in their main locality."""
    return groups_split(residents, PCN_BADLY_SPLIT_SHARE)
