"""Naming proposed localities so planners recognise them: after the current locality each one continues, else by compass direction."""

from __future__ import annotations

import math
from collections.abc import Collection

import numpy as np

from analysis.plan.context import StudyContext
from analysis.metrics import continuity
from analysis.plan.partition import Plan
from geo.bundle import StudyArea

COMPASS = ("East", "North East", "North", "North West", "West", "South West", "South", "South East")
CENTRAL_FRACTION = 0.15
"""A locality whose centre lies within this fraction of the study area's radius of its centre is 'Central'."""

CENTRAL_FALLBACK_FRACTION = 0.5
"""When its compass name is taken, a locality this close to the centre is called 'Central' instead."""


def compass_name(dx: float, dy: float, radius: float) -> str:
    """The 8-point compass direction of an offset from the study area's centre, or 'Central' near it."""
    return compass_candidates(dx, dy, radius)[0]


def compass_candidates(dx: float, dy: float, radius: float) -> list[str]:
    """Names in order of fit: 'Central' very near the centre, else the compass sector, then 'Central' if fairly
    near, then the other sectors by how far their bearing is from the locality's."""
    distance = math.hypot(dx, dy)
    bearing = math.degrees(math.atan2(dy, dx)) % 360
    by_angle = sorted(range(len(COMPASS)), key=lambda i: min(abs(bearing - 45 * i), 360 - abs(bearing - 45 * i)))
    names = [COMPASS[i] for i in by_angle]
    if distance <= CENTRAL_FRACTION * radius:
        return ["Central", *names]
    if distance <= CENTRAL_FALLBACK_FRACTION * radius:
        return [names[0], "Central", *names[1:]]
    return names + ["Central"]


def name_localities(area: StudyArea, plan: Plan) -> Plan:
    """Relabel a plan's localities: each takes the name of the current locality matched to it (Hungarian on
    shared residents); the others are named by compass direction from the study area's centre (the nearest free
    direction, or 'Central' near the middle) while the compass has enough names for every locality, else after their
    most populous ward; 'Locality N' (numbers never run out) when no such name is free."""
    names: dict[str, str] = {}
    ctx = StudyContext.of(area)
    old = ctx.current
    codes = plan.codes()
    if old is not None:
        shared = continuity.shared_residents(codes, ctx.current_codes, ctx.population, plan.k, old.k)
        match = continuity.best_matching(shared)
        for j, locality in enumerate(plan.localities):
            if match[j] >= 0:
                names[locality] = old.localities[int(match[j])]
    centre = area.outline.centroid
    radius = math.sqrt(area.outline.area / math.pi)
    weights = area.population.to_numpy(float)
    centroids = area.units.geometry.centroid
    xs, ys = centroids.x.to_numpy(), centroids.y.to_numpy()
    compass_fits = plan.k <= len(COMPASS) + 1
    places = _place_names(area, codes, plan.k, weights) if not compass_fits else {}
    taken = set(names.values())
    for j, locality in enumerate(plan.localities):
        if locality in names:
            continue
        if compass_fits:
            members = codes == j
            w = weights[members] if weights[members].sum() > 0 else np.ones(members.sum())
            x, y = np.average(xs[members], weights=w), np.average(ys[members], weights=w)
            candidates = compass_candidates(x - centre.x, y - centre.y, radius)[:3]
            free = [c for c in candidates if c not in taken]
        else:
            free = [places[j]] if places.get(j) and places[j] not in taken else []
        names[locality] = free[0] if free else numbered_name(taken)
        taken.add(names[locality])
    return plan.renamed(names)


def numbered_name(taken: set[str]) -> str:
    """The first 'Locality N' (N = 1, 2, ...) not yet taken: numbered names never run out."""
    n = 1
    while f"Locality {n}" in taken:
        n += 1
    return f"Locality {n}"


def _place_names(area: StudyArea, codes: np.ndarray, k: int, weights: np.ndarray) -> dict[int, str]:
    """When there are too many localities for compass names and the units are wards (named places), each locality is
    named after its most populous ward; LSOA-style statistical names are no place names, so those get numbers."""
    if area.manifest.unit_label.lower() != "ward":
        return {}
    names = area.unit_names
    out = {}
    for j in range(k):
        members = np.flatnonzero(codes == j)
        if len(members):
            out[j] = str(names[area.ids[members[np.argmax(weights[members])]]])
    return out


RUN_OVERLAP = 0.5
"""Two new localities of different options are 'the same place' when each has more than this share of its residents
in the other."""


def consistent_names(area: StudyArea, plans: list[Plan], keep: Collection[str] = ()) -> list[Plan]:
    """The options of one run (or of a comparison), renamed so one place keeps one name (and so one colour).

    Localities continuing a current locality already carry its name. Each new (unpaired) locality, taken in the
    order given (best option first), takes the name of the earlier option's new locality it overlaps most when the
    two share more than half of each one's residents and that name is free in its option; otherwise it keeps its
    own place name.
    Names in ``keep`` (e.g. the localities locked wards must stay in) are never changed.
    """
    ctx = StudyContext.of(area)
    old = ctx.current
    if old is None or len(plans) < 2:
        return list(plans)
    population, index = ctx.population, ctx.index
    known: list[tuple[str, np.ndarray]] = []
    named: list[Plan] = []
    for plan in plans:
        codes = plan.codes()
        shared = continuity.shared_residents(codes, old.codes(), population, plan.k, old.k)
        match = continuity.best_matching(shared)
        renames: dict[str, str] = {}
        taken = set(plan.localities)
        for j, locality in enumerate(plan.localities):
            if match[j] >= 0 or locality in keep:
                continue
            members = np.zeros(len(area.ids), bool)
            members[[index[u] for u in plan.members(locality)]] = True
            people = float(population[members].sum()) or 1.0
            best, best_share = None, 0.0
            for name, other in known:  # every earlier option's new locality: the closest same place wins
                common = float(population[members & other].sum())
                other_people = float(population[other].sum()) or 1.0
                share = min(common / people, common / other_people)
                if share > RUN_OVERLAP and share > best_share and (name == locality or name not in taken):
                    best, best_share = name, share
            if best is not None and best != locality:
                renames[locality] = best
                taken = (taken - {locality}) | {best}
            known.append((renames.get(locality, locality), members))
        named.append(plan.renamed(renames) if any(k != v for k, v in renames.items()) else plan)
    return named
