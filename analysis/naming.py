"""Naming proposed localities so planners recognise them: after the current locality each one continues, else by compass direction."""

from __future__ import annotations

import math

import numpy as np

from analysis.metrics import continuity
from analysis.plan import Plan
from geo.bundle import StudyArea

COMPASS = ("East", "North East", "North", "North West", "West", "South West", "South", "South East")
CENTRAL_FRACTION = 0.15
"""A locality whose centre lies within this fraction of the study area's radius of its centre is 'Central'."""


def compass_name(dx: float, dy: float, radius: float) -> str:
    """The 8-point compass direction of an offset from the study area's centre, or 'Central' near it."""
    if math.hypot(dx, dy) <= CENTRAL_FRACTION * radius:
        return "Central"
    sector = int(((math.degrees(math.atan2(dy, dx)) + 22.5) % 360) // 45)
    return COMPASS[sector]


def name_localities(area: StudyArea, plan: Plan) -> Plan:
    """Relabel a plan's localities: each takes the name of the current locality matched to it (Hungarian on
    shared residents); the others are named by compass direction from the study area's centre, or 'Locality N'."""
    names: dict[str, str] = {}
    current = area.current
    codes = plan.codes()
    if current is not None:
        from analysis.plan import current_plan

        old = current_plan(area)
        shared = continuity.shared_residents(codes, old.codes(), area.population.to_numpy(float), plan.k, old.k)
        match = continuity.best_matching(shared)
        for j, locality in enumerate(plan.localities):
            if match[j] >= 0:
                names[locality] = old.localities[int(match[j])]
    centre = area.outline.centroid
    radius = math.sqrt(area.outline.area / math.pi)
    weights = area.population.to_numpy(float)
    centroids = area.units.geometry.centroid
    xs, ys = centroids.x.to_numpy(), centroids.y.to_numpy()
    for j, locality in enumerate(plan.localities):
        if locality in names:
            continue
        members = codes == j
        w = weights[members] if weights[members].sum() > 0 else np.ones(members.sum())
        x, y = np.average(xs[members], weights=w), np.average(ys[members], weights=w)
        candidate = compass_name(x - centre.x, y - centre.y, radius)
        taken = set(names.values())
        if candidate in taken:
            candidate = next(f"Locality {n}" for n in range(1, 100) if f"Locality {n}" not in taken)
        names[locality] = candidate
    return plan.renamed(names)
