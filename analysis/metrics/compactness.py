"""Compactness of localities (Polsby–Popper, Reock, convex-hull ratio), measured in EPSG:27700 metres.

A locality's area is the sum of its units' areas and its perimeter the sum of their perimeters minus
twice the boundary they share, which equals the dissolved shape's perimeter when units share vertices
(as ONS boundaries do). That keeps Polsby–Popper exact and vectorisable over many plans at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shapely

if TYPE_CHECKING:
    from analysis.plan.context import UnitShapes


def polsby_popper(area_m2: np.ndarray, perimeter_m: np.ndarray) -> np.ndarray:
    """Polsby–Popper score 4πA / P² (1 for a circle)."""
    area_m2, perimeter_m = np.asarray(area_m2, float), np.asarray(perimeter_m, float)
    return np.divide(4 * np.pi * area_m2, perimeter_m**2, out=np.zeros_like(area_m2), where=perimeter_m > 0)


def locality_areas(codes: np.ndarray, shapes: UnitShapes, k: int) -> np.ndarray:
    """Area of each locality (last axis k) for one plan (n,) or many plans (N, n) of locality indices."""
    codes = np.atleast_2d(codes)
    out = np.zeros((codes.shape[0], k))
    for j in range(k):
        out[:, j] = (codes == j) @ shapes.area_m2
    return out


def locality_perimeters(codes: np.ndarray, shapes: UnitShapes, k: int) -> np.ndarray:
    """Perimeter of each locality: its units' perimeters minus twice the boundary they share with each other."""
    codes = np.atleast_2d(codes)
    out = np.zeros((codes.shape[0], k))
    ca, cb = codes[:, shapes.edge_a], codes[:, shapes.edge_b]
    internal = (ca == cb) * shapes.edge_shared_m
    for j in range(k):
        out[:, j] = (codes == j) @ shapes.perimeter_m - 2 * ((ca == j) * internal).sum(axis=1)
    return out


def hull_of(members: np.ndarray, shapes: UnitShapes):
    """Convex hull of a set of units (the hull of their hulls' vertices)."""
    points = np.concatenate([shapes.hull_points[i] for i in members])
    return shapely.convex_hull(shapely.multipoints(points))


def reock(area_m2: float, hull) -> float:
    """Reock score: area / area of the minimum bounding circle (computed from the convex hull)."""
    radius = shapely.minimum_bounding_radius(hull)
    return float(area_m2 / (np.pi * radius**2)) if radius > 0 else 0.0


def convex_hull_ratio(area_m2: float, hull) -> float:
    """Convex-hull score: area / area of the convex hull."""
    return float(area_m2 / hull.area) if hull.area > 0 else 0.0


def hull_scores(codes: np.ndarray, shapes: UnitShapes, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Reock and convex-hull scores of each locality of one plan (codes of shape (n,))."""
    areas = locality_areas(codes, shapes, k)[0]
    reock_scores, hull_ratios = np.zeros(k), np.zeros(k)
    for j in range(k):
        members = np.flatnonzero(codes == j)
        if len(members) == 0:
            continue
        hull = hull_of(members, shapes)
        reock_scores[j] = reock(areas[j], hull)
        hull_ratios[j] = convex_hull_ratio(areas[j], hull)
    return reock_scores, hull_ratios
