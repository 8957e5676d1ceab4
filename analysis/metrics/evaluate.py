"""Evaluating a plan: one call returns every metric a planner needs, computed the same way for any plan."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from analysis.metrics import compactness, continuity, pcn_alignment, population
from analysis.metrics.contiguity import cut_edges, noncontiguous_localities
from analysis.metrics.definitions import HEADLINE
from analysis.plan.context import DEFAULT_ADJACENCY, StudyContext, recall
from analysis.plan.partition import Plan
from geo.adjacency import Adjacency
from geo.bundle import StudyArea


HULL_CACHE_SIZE = 4096
"""Localities whose Reock and hull scores are kept per study context."""

EVALUATION_CACHE_SIZE = 64
"""Evaluations kept per study context (the app shows one plan several ways per screen)."""


def hull_scores(ctx: StudyContext, members: np.ndarray, area_m2: float) -> tuple[float, float]:
    """Reock and convex-hull scores of one set of units, kept by membership so an edit recomputes only the
    localities it touched."""
    def build() -> tuple[float, float]:
        hull = compactness.hull_of(members, ctx.shapes)
        return compactness.reock(area_m2, hull), compactness.convex_hull_ratio(area_m2, hull)

    return recall(ctx.memo.hulls, np.asarray(members, dtype=np.int64).tobytes(), build, HULL_CACHE_SIZE)


@dataclass(frozen=True)
class Evaluation:
    """Every metric of one plan. Dictionaries are keyed by locality label unless said otherwise."""

    plan_name: str
    k: int
    localities: list[str]
    adjacency: str
    units: dict[str, list[str]]
    populations: dict[str, float]
    ideal: float
    deviations: dict[str, float]
    max_abs_deviation: float
    population_range: float
    attribute_totals: dict[str, dict[str, float]]
    attribute_shares: dict[str, dict[str, float]]
    contiguous: bool
    noncontiguous: dict[str, list[list[str]]]
    polsby_popper: dict[str, float]
    polsby_popper_mean: float
    polsby_popper_min: float
    reock: dict[str, float]
    reock_mean: float
    reock_min: float
    convex_hull: dict[str, float]
    convex_hull_mean: float
    convex_hull_min: float
    area_km2: dict[str, float]
    cut_edges: int
    cut_edge_pairs: list[tuple[str, str]]
    pcn_nesting: float | None
    pcns_split: int | None
    pcns_split_90: int | None
    pcn_share_in_main_locality: dict[str, float]
    pcn_main_locality: dict[str, str]
    pcn_residents: dict[str, dict[str, float]]
    matched_to_current: dict[str, str | None]
    wards_moved: int | None
    moved_wards: list[str]
    population_moved: float | None
    retained_share: float | None
    notes: list[str] = field(default_factory=list)
    balance_on: list[str] = field(default_factory=list)
    """The measures balance is judged on (attribute names); ``max_abs_deviation`` is the largest over them."""
    deviations_by_measure: dict[str, dict[str, float]] = field(default_factory=dict)
    """Measure -> locality -> deviation from an equal share of that measure."""
    max_abs_deviation_by_measure: dict[str, float] = field(default_factory=dict)
    scenario: str | None = None
    """The growth scenario added to residents (an assumption), if any."""
    scenario_basis: str | None = None
    pcn_basis: str | None = None
    """What PCN alignment is computed on: 'registered patients, July 2022' or 'approximate areas'."""
    pcn_unassigned: dict[str, float] = field(default_factory=dict)
    """Locality -> registered patients of practices in no listed PCN ('practice not in a listed PCN')."""
    pcn_unassigned_total: float | None = None
    pcn_nesting_approximate_areas: float | None = None
    """PCN nesting on the approximate-area basis, for comparison when registrations are the basis."""
    choices: list[str] = field(default_factory=list)
    """The PCN basis, balance measures and scenario in words (shown on every export)."""

    def to_dict(self) -> dict:
        """JSON-ready dictionary (the keys `localign evaluate --json` prints)."""
        data = asdict(self)
        data["cut_edge_pairs"] = [list(p) for p in self.cut_edge_pairs]
        return data

    def headline(self) -> dict[str, float | int | bool | None]:
        """The plan-level metrics of the registry (analysis.metrics.definitions), in its order."""
        return {key: getattr(self, key) for key in HEADLINE}


def _by_locality(localities: list[str], values) -> dict[str, float]:
    return {loc: float(v) for loc, v in zip(localities, values)}


def evaluate(area: StudyArea, plan: Plan, adjacency: Adjacency = DEFAULT_ADJACENCY) -> Evaluation:
    """Evaluate a plan on population balance, contiguity, compactness, PCN alignment and continuity (evaluated once
    per plan and study context: asking again for the same plan returns the same Evaluation)."""
    ctx = StudyContext.of(area, adjacency)
    return recall(ctx.memo.evaluations, (plan.key(), plan.localities, plan.name),
                  lambda: _evaluate(ctx, plan, _parent_evaluation(ctx, plan)), EVALUATION_CACHE_SIZE)


def _parent_evaluation(ctx: StudyContext, plan: Plan) -> tuple[Evaluation, set[str]] | None:
    """The kept evaluation of the plan's parent (the plan it was edited from) and the localities the edit touched,
    when the parent was evaluated and has the same localities; else None."""
    parent = plan.parent
    if parent is None or parent.localities != plan.localities or not plan.flips:
        return None
    found = ctx.memo.evaluations.get((parent.key(), parent.localities, parent.name))
    if found is None:
        return None
    before, after = parent.assignment, plan.assignment
    return found, {before[u] for u in plan.flips} | {after[u] for u in plan.flips}


def _locality_sums(values: np.ndarray, codes: np.ndarray, k: int, parent: np.ndarray | None,
                   touched: np.ndarray | None) -> np.ndarray:
    """Σ over each locality's units (last axis = localities), recomputed only for the localities an edit touched."""
    out = np.array(parent, dtype=float) if parent is not None else np.zeros(values.shape[1:] + (k,))
    for j in range(k):
        if touched is None or touched[j]:
            members = codes == j
            if values.ndim == 1:
                out[j] = values[members].sum()
            else:  # column by column, so each sum is exactly the one a fresh evaluation makes
                for c in range(values.shape[1]):
                    out[c, j] = values[members, c].sum()
    return out


def _measure_sums(ctx: StudyContext, m: int, name: str, codes: np.ndarray, k: int, totals: np.ndarray) -> np.ndarray:
    """Σ of balance measure m over each locality's units (an attribute's totals when the measure is one)."""
    if name in ctx.attribute_names:
        return np.asarray(totals[ctx.attribute_names.index(name)], dtype=float)
    return np.array([ctx.balance[codes == j, m].sum() for j in range(k)])


def _evaluate(ctx: StudyContext, plan: Plan, parent: tuple[Evaluation, set[str]] | None = None) -> Evaluation:
    """Every metric of a plan; with the parent's evaluation, sums and pieces of the localities the edit did not touch
    are taken from the parent (work in proportion to the localities the moved units left and joined)."""
    area, adjacency = ctx.area, ctx.adjacency
    localities = list(plan.localities)
    k = len(localities)
    codes = plan.codes()
    total = float(ctx.population.sum())
    before, touched_names = parent if parent is not None else (None, set(localities))
    touched = np.array([loc in touched_names for loc in localities]) if before is not None else None

    pops = _locality_sums(ctx.population, codes, k,
                          None if before is None else [before.populations[loc] for loc in localities], touched)
    devs = population.deviations(pops, total)
    totals = _locality_sums(ctx.attributes, codes, k, None if before is None else
                            [[before.attribute_totals[c][loc] for loc in localities] for c in ctx.attribute_names],
                            touched)
    by_measure = {name: population.deviations(_measure_sums(ctx, m, name, codes, k, totals), ctx.balance_totals[m])
                  for m, name in enumerate(ctx.balance_names)}
    balance = max(float(np.abs(d).max()) for d in by_measure.values())
    shares = population.shares(totals) if len(totals) else totals

    assignment = dict(zip(plan.unit_ids, plan.labels))
    pieces = noncontiguous_localities(ctx.graph, assignment, None if before is None else before.noncontiguous,
                                      touched_names)
    cuts = cut_edges(ctx.graph, assignment)

    areas = compactness.locality_areas(codes, ctx.shapes, k)[0]
    perimeters = compactness.locality_perimeters(codes, ctx.shapes, k)[0]
    pp = compactness.polsby_popper(areas, perimeters)
    reock, hull = np.zeros(k), np.zeros(k)
    for j in range(k):
        members = np.flatnonzero(codes == j)
        if len(members):
            reock[j], hull[j] = hull_scores(ctx, members, float(areas[j]))

    nesting = split = split90 = None
    pcn_share: dict[str, float] = {}
    pcn_main: dict[str, str] = {}
    pcn_residents: dict[str, dict[str, float]] = {}
    if ctx.pcn_people is not None:
        residents = pcn_alignment.residents_by_locality_and_group(codes, ctx.pcn_people, k)
        nesting = float(pcn_alignment.nesting(residents))
        split = int(pcn_alignment.groups_split(residents))
        split90 = int(pcn_alignment.badly_split(residents))
        share = pcn_alignment.share_in_main_locality(residents)
        for g, name in enumerate(ctx.pcn_names):
            pcn_share[name] = float(share[g])
            pcn_main[name] = localities[int(residents[:, g].argmax())]
            pcn_residents[name] = _by_locality(localities, residents[:, g])
    unassigned: dict[str, float] = {}
    if ctx.pcn_unassigned is not None:
        unassigned = _by_locality(localities, _locality_sums(
            ctx.pcn_unassigned, codes, k, None if before is None else [before.pcn_unassigned[loc] for loc in localities],
            touched))
    area_nesting = None
    if ctx.pcn_area_people is not None:
        area_nesting = float(pcn_alignment.nesting(
            pcn_alignment.residents_by_locality_and_group(codes, ctx.pcn_area_people, k)))

    matched: dict[str, str | None] = {}
    moved_list: list[str] = []
    wards_moved = pop_moved = retained_share = None
    if ctx.current is not None:
        old = ctx.current
        old_codes = ctx.current_codes
        shared = continuity.shared_residents(codes, old_codes, ctx.population, k, old.k)
        match = continuity.best_matching(shared)
        kept = float(continuity.retained(shared, match))
        moved = continuity.moved_units(codes, old_codes, match)
        matched = {loc: (old.localities[int(match[j])] if match[j] >= 0 else None)
                   for j, loc in enumerate(localities)}
        moved_list = [u for u, flag in zip(plan.unit_ids, moved) if flag]
        wards_moved, pop_moved, retained_share = len(moved_list), total - kept, kept / total

    return Evaluation(
        plan_name=plan.name, k=k, localities=localities, adjacency=adjacency,
        units={loc: plan.members(loc) for loc in localities},
        populations=_by_locality(localities, pops), ideal=population.ideal(total, k),
        deviations=_by_locality(localities, devs),
        max_abs_deviation=balance,
        population_range=float(population.population_range(pops, total)),
        attribute_totals={c: _by_locality(localities, totals[i]) for i, c in enumerate(ctx.attribute_names)},
        attribute_shares={c: _by_locality(localities, shares[i]) for i, c in enumerate(ctx.attribute_names)},
        contiguous=not pieces, noncontiguous=pieces,
        polsby_popper=_by_locality(localities, pp), polsby_popper_mean=float(pp.mean()),
        polsby_popper_min=float(pp.min()),
        reock=_by_locality(localities, reock), reock_mean=float(reock.mean()), reock_min=float(reock.min()),
        convex_hull=_by_locality(localities, hull), convex_hull_mean=float(hull.mean()),
        convex_hull_min=float(hull.min()),
        area_km2=_by_locality(localities, areas / 1e6),
        cut_edges=len(cuts), cut_edge_pairs=cuts,
        pcn_nesting=nesting, pcns_split=split, pcns_split_90=split90,
        pcn_share_in_main_locality=pcn_share, pcn_main_locality=pcn_main, pcn_residents=pcn_residents,
        matched_to_current=matched, wards_moved=wards_moved, moved_wards=moved_list,
        population_moved=pop_moved, retained_share=retained_share,
        notes=area.assumption_notes,
        balance_on=list(ctx.balance_names),
        deviations_by_measure={name: _by_locality(localities, d) for name, d in by_measure.items()},
        max_abs_deviation_by_measure={name: float(np.abs(d).max()) for name, d in by_measure.items()},
        scenario=area.scenario.name if area.scenario else None,
        scenario_basis=area.scenario.basis if area.scenario else None,
        pcn_basis=area.pcn_basis, pcn_unassigned=unassigned,
        pcn_unassigned_total=float(ctx.pcn_unassigned.sum()) if ctx.pcn_unassigned is not None else None,
        pcn_nesting_approximate_areas=area_nesting, choices=area.choice_lines,
    )
