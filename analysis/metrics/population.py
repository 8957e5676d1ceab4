"""Population balance. Every function works on arrays whose last axis runs over the k localities, so one plan and a million plans share one definition."""

from __future__ import annotations

import numpy as np

DEFAULT_TOLERANCE = 0.10
"""The balance band shown by default: localities within ±10 % of an equal share (the app, CLI and exports)."""


def ideal(total: float, k: int) -> float:
    """An equal share of residents: total / k."""
    return total / k


def deviations(populations: np.ndarray, total: float) -> np.ndarray:
    """Signed deviation of each locality from an equal share: (P_j − P/k) / (P/k)."""
    populations = np.asarray(populations, dtype=float)
    share = np.asarray(total, dtype=float) / populations.shape[-1]
    return (populations - share) / share


def max_abs_deviation(populations: np.ndarray, total: float) -> np.ndarray:
    """The largest |deviation| over localities."""
    return np.abs(deviations(populations, total)).max(axis=-1)


def population_range(populations: np.ndarray, total: float) -> np.ndarray:
    """(largest − smallest locality) / equal share."""
    populations = np.asarray(populations, dtype=float)
    return (populations.max(axis=-1) - populations.min(axis=-1)) / ideal(total, populations.shape[-1])


def within_tolerance(populations: np.ndarray, total: float, max_deviation: float) -> np.ndarray:
    """True where every locality is within ``max_deviation`` of an equal share (inclusive, with float slack)."""
    populations = np.asarray(populations, dtype=float)
    k = populations.shape[-1]
    # |k P_j − P| <= d P avoids dividing; the 1e-12 relative slack absorbs float rounding at the boundary.
    return (np.abs(k * populations - total) <= max_deviation * total * (1 + 1e-12)).all(axis=-1)


def shares(totals: np.ndarray) -> np.ndarray:
    """Each locality's share of an attribute's total."""
    totals = np.asarray(totals, dtype=float)
    whole = totals.sum(axis=-1, keepdims=True)
    return np.divide(totals, whole, out=np.zeros_like(totals), where=whole != 0)


def measure_totals(codes: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    """Totals of each measure per locality: codes (N, n) or (n,), values (n, m) -> (N, m, k) (or (m, k))."""
    codes = np.asarray(codes)
    values = np.asarray(values, dtype=float)
    return np.stack([(codes == j).astype(float) @ values for j in range(k)], axis=-1)


def max_abs_deviation_over_measures(codes: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    """A plan's balance on several measures: the largest |deviation| over localities and measures."""
    values = np.asarray(values, dtype=float)
    totals = measure_totals(codes, values, k)
    return max_abs_deviation(totals, values.sum(axis=0)[:, None]).max(axis=-1)


def within_tolerance_all(codes: np.ndarray, values: np.ndarray, k: int, max_deviation: float) -> np.ndarray:
    """True where every locality is within ``max_deviation`` of an equal share of every measure (as within_tolerance,
    measure by measure)."""
    values = np.asarray(values, dtype=float)
    totals = measure_totals(codes, values, k)
    sums = values.sum(axis=0)
    return np.all([within_tolerance(totals[..., m, :], float(sums[m]), max_deviation) for m in range(len(sums))],
                  axis=0)
