"""What screens show about a plan, as plain data: key figures, legend rows, warnings in words, and tables.

The app lays these out; the numbers come from ``evaluate`` and ``compare`` and the titles and formats
from ``analysis.metrics.definitions``, so the app, the CLI and the exports agree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import pandas as pd

from analysis.metrics.compare import Comparison
from analysis.metrics.evaluate import Evaluation
from analysis.plan.geometry import dissolve_plan
from analysis.metrics.definitions import METRICS, PHRASES, metric, shown_in
from analysis.plan.naming import consistent_names
from analysis.present.palette import locality_colours
from analysis.metrics.scoring import OBJECTIVE_METRICS
from analysis.plan.context import StudyContext
from analysis.plan.partition import Plan, grouping_plan
from analysis.progress import Progress, null_progress
from analysis.constraints.rules import Constraints
from analysis.solvers.propose import Proposals, propose
from geo.bundle import StudyArea
from geo.registrations import UNASSIGNED
from geo.errors import LocalignError, list_items
from analysis.present.webmap import LegendEntry, PlanLayer

KEY_FIGURES = shown_in("key_figures")
"""The headline metrics shown above every plan, in this order."""


@dataclass(frozen=True)
class Figure:
    """One key figure: its title, its value in words, and what it means (for a tooltip)."""

    key: str
    title: str
    value: str
    meaning: str


def assumption_labels(area: StudyArea) -> dict[str, str]:
    """Short on-screen names for the reference groupings, each carrying its assumption label."""
    labels = {}
    if area.current is not None:
        labels["current"] = ("Current localities (inferred – an assumption)"
                             if area.current.assumption else area.current.title)
    if area.pcn is not None:
        labels["pcn"] = area.pcn.layer_label if area.pcn.approximate or area.pcn.assumption \
            else area.pcn.title
    return labels


def reference_plans(area: StudyArea) -> dict[str, Plan]:
    """The plans every study area offers, named with their assumption labels: current localities first, then the
    other groupings (e.g. PCN areas taken as localities)."""
    labels = assumption_labels(area)
    plans: dict[str, Plan] = {}
    ordered = sorted(area.groupings.values(), key=lambda g: area.current is None or g.name != area.current.name)
    fallback = f"{area.manifest.pcn_grouping}_areas" if area.pcn is not None and area.pcn.registered else None
    for grouping in ordered:
        if grouping.name == fallback:  # the Voronoi areas stay a map layer, not a plan, when registrations exist
            continue
        if area.current is not None and grouping.name == area.current.name:
            title = labels.get("current", grouping.title)
        elif area.pcn is not None and grouping.name == area.pcn.name:
            title = "PCN areas as localities (approximate)"
        else:
            title = grouping.title
        try:
            plans[title] = replace(grouping_plan(area, grouping.name), name=title)
        except LocalignError:
            continue  # a grouping with a single group is not a plan
    return plans


def kept_reference_plans(area: StudyArea) -> dict[str, Plan]:
    """``reference_plans`` made once per study area and kept in its study context (the app asks on every rerun)."""
    memo = StudyContext.of(area).memo.reference_plans
    if not memo:
        memo.update(reference_plans(area))
    return memo


def key_figures(evaluation: Evaluation) -> list[Figure]:
    """The headline figures of a plan, formatted for people (missing ones, e.g. with no PCNs, left out)."""
    head = evaluation.headline()
    figures = []
    for key in KEY_FIGURES:
        if head.get(key) is None:
            continue
        definition = metric(key)
        figures.append(Figure(key, definition.title, definition.format(head[key]), definition.meaning))
    return figures


def unassigned_practices_table(area: StudyArea) -> pd.DataFrame:
    """Practices in no listed PCN (after the planner's assignments) with their patients living in the study area."""
    frame = area.registrations.unassigned_practices(area.units.index)
    return pd.DataFrame({"Practice code": frame["practice_code"], "Practice": frame["practice_name"].str.title(),
                         "Patients here": frame["patients"].round(0)})


def practice_label(area: StudyArea, code: str) -> str:
    """A practice as 'F82019 The Upstairs Surgery'."""
    name = area.registrations.practice_names.get(code, "") if area.registrations is not None else ""
    return f"{code} {name.title()}".strip()


def scenario_figures(base: Evaluation, scenario: Evaluation) -> pd.DataFrame:
    """The headline figures of one plan under the base residents and under a growth scenario, side by side."""
    head_base, head_scenario = base.headline(), scenario.headline()
    rows = {metric(key).title: {"Base (2021)": metric(key).format(head_base[key]),
                                "Scenario": metric(key).format(head_scenario[key])}
            for key in KEY_FIGURES if head_base.get(key) is not None}
    frame = pd.DataFrame(rows).T
    frame.index.name = "Measure"
    return frame


def legend_entries(evaluation: Evaluation, colours: Mapping[str, str]) -> list[LegendEntry]:
    """One legend row per locality: its colour, and its residents with the deviation from an equal share."""
    return [LegendEntry(loc, colours[loc],
                        f"{evaluation.populations[loc]:,.0f} ({evaluation.deviations[loc]:+.1%})")
            for loc in evaluation.localities]


def plan_layer(area: StudyArea, plan: Plan, evaluation: Evaluation, title: str | None = None,
               among: Sequence[str] | None = None) -> PlanLayer:
    """Everything the map needs to draw a plan: labels, palette colours, dissolved outlines and legend.

    ``among``: every locality name of the plans shown together, so one name has one colour on every map.
    """
    colours = locality_colours(plan.localities, among=among)
    return PlanLayer(title or plan.name, dict(plan.assignment), colours, dissolve_plan(area, plan, lonlat=True),
                     legend_entries(evaluation, colours), "Residents (deviation from an equal share)")


def contiguity_warnings(area: StudyArea, evaluation: Evaluation) -> list[str]:
    """A sentence per locality in more than one piece, naming the wards of each piece."""
    messages = []
    for locality, parts in evaluation.noncontiguous.items():
        pieces = "; ".join(f"({i}) " + ", ".join(str(area.unit_names[u]) for u in part)
                           for i, part in enumerate(parts, start=1))
        messages.append(f"{locality} is in {len(parts)} separate pieces: {pieces}. Move wards so that each "
                        "locality is one connected area.")
    return messages


def brief_heading(area: StudyArea, plan: Plan, title: str | None, purpose: str | None) -> tuple[str, str]:
    """The slide's title and one-line purpose: the planner's own, else '<area>: <plan>' and no purpose."""
    title = " ".join((title or "").split())
    purpose = " ".join((purpose or "").split())
    return title or f"{area.manifest.short_name}: {plan.name}", purpose


def count_words(n: int, singular: str, plural: str | None = None) -> str:
    """A count with its noun in the right number: '1 ward', '3 wards'."""
    return f"{n:,} {singular if n == 1 else (plural or singular + 's')}"


def continuity_sentence(evaluation: Evaluation) -> str:
    """How many wards and residents move from their current locality, in words ('**1 ward** moves from its …')."""
    wards = evaluation.wards_moved or 0
    residents = evaluation.population_moved or 0.0
    moves = "moves from its" if wards == 1 else "move from their"
    return (f"**{count_words(wards, 'ward')}** {moves} current locality (inferred), with **{residents:,.0f}** "
            f"residents; {evaluation.retained_share:.1%} of residents stay.")


def locality_table(area: StudyArea, evaluation: Evaluation) -> pd.DataFrame:
    """One row per locality: wards, residents, deviation, compactness scores, area and whether it is one piece."""
    ev = evaluation
    rows = []
    for loc in ev.localities:
        rows.append({
            "Locality": loc,
            "Wards": len(ev.units[loc]),
            "Residents": round(ev.populations[loc]),
            "Deviation": ev.deviations[loc],
            "Polsby–Popper": ev.polsby_popper[loc],
            "Reock": ev.reock[loc],
            "Convex hull": ev.convex_hull[loc],
            "Area (km²)": ev.area_km2[loc],
            "One piece": loc not in ev.noncontiguous,
            "Continues": (ev.matched_to_current.get(loc) or "—") if ev.matched_to_current else "—",
        })
    return pd.DataFrame(rows)


def pcn_matrix(evaluation: Evaluation) -> pd.DataFrame:
    """Residents of each PCN (rows) living in each locality (columns), with the share in its main locality."""
    if not evaluation.pcn_residents:
        return pd.DataFrame()
    frame = pd.DataFrame(evaluation.pcn_residents).T.reindex(columns=evaluation.localities).round(0)
    what = "Patients" if evaluation.pcn_unassigned else "Residents"
    frame[what] = frame.sum(axis=1)
    frame["In main locality"] = pd.Series(evaluation.pcn_share_in_main_locality)
    if evaluation.pcn_unassigned:  # shown, never dropped; not counted in nesting until assigned to a PCN
        row = pd.Series(evaluation.pcn_unassigned).reindex(evaluation.localities).round(0)
        frame.loc[UNASSIGNED] = [*row, row.sum(), float("nan")]
    frame.index.name = "PCN"
    return frame


def metrics_table(evaluations: Mapping[str, Evaluation]) -> pd.DataFrame:
    """Headline metrics (rows, with their titles) for several plans (columns), formatted for people."""
    data = {name: {m.title: m.format(ev.headline().get(m.key)) for m in METRICS} for name, ev in evaluations.items()}
    frame = pd.DataFrame(data)
    frame.index.name = "Measure"
    return frame


def comparison_table(comparison: Comparison, name_a: str, name_b: str) -> pd.DataFrame:
    """Each headline metric for plan A and plan B, the change, and whether B is better, worse or the same."""
    head_a, head_b = comparison.a.headline(), comparison.b.headline()
    rows = []
    for m in METRICS:
        delta = comparison.deltas.get(m.key)
        verdict = "—"
        if delta is not None and m.better in ("lower", "higher") and not m.yes_no:
            if abs(delta) < 1e-9:
                verdict = "same"
            else:
                verdict = "better" if (delta < 0) == (m.better == "lower") else "worse"
        elif m.yes_no and head_a[m.key] != head_b[m.key]:
            verdict = "better" if head_b[m.key] else "worse"
        rows.append({"Measure": m.title, name_a: m.format(head_a.get(m.key)), name_b: m.format(head_b.get(m.key)),
                     "Change": m.format_delta(delta), f"{name_b} is": verdict})
    return pd.DataFrame(rows)


def moves_table(comparison: Comparison) -> pd.DataFrame:
    """The wards that change locality between two plans, with their residents."""
    return pd.DataFrame([{"Ward": m.name, "Code": m.unit, "Residents": round(m.population),
                          "From": m.locality_a, "To": m.locality_b} for m in comparison.moves],
                        columns=["Ward", "Code", "Residents", "From", "To"])


def ward_table(area: StudyArea, plan: Plan, locks: Mapping[str, str]) -> pd.DataFrame:
    """The editable ward table: code, name, residents, current locality, the plan's locality and the lock."""
    current = area.current.labels if area.current is not None else None
    return pd.DataFrame({
        "Code": list(plan.unit_ids),
        "Ward": [str(area.unit_names[u]) for u in plan.unit_ids],
        "Residents": [round(float(area.population[u])) for u in plan.unit_ids],
        "Current (inferred)": [str(current[u]) if current is not None else "—" for u in plan.unit_ids],
        "Locality": list(plan.labels),
        "Locked": [u in locks for u in plan.unit_ids],
    })


def table_edits(plan: Plan, locks: Mapping[str, str], edited: pd.DataFrame) -> tuple[dict[str, str], dict[str, str]]:
    """What the planner changed in the ward table: moves (unit -> new locality) and the new set of locks."""
    moves: dict[str, str] = {}
    new_locks: dict[str, str] = {}
    assignment = plan.assignment
    for code, locality, locked in zip(edited["Code"], edited["Locality"], edited["Locked"]):
        code = str(code)
        locality = "" if locality is None or pd.isna(locality) else str(locality).strip()
        if locality and locality != assignment[code]:
            moves[code] = locality
        if bool(locked):
            new_locks[code] = locks.get(code) or locality or assignment[code]
    return moves, new_locks


def lock_summary(area: StudyArea, locks: Mapping[str, str]) -> str:
    """The locked wards in words ('Abbey and Gascoigne locked to West')."""
    if not locks:
        return "No wards are locked."
    by_locality: dict[str, list[str]] = {}
    for unit, loc in locks.items():
        by_locality.setdefault(loc, []).append(str(area.unit_names.get(unit, unit)))
    return "; ".join(f"{list_items(sorted(names), 12)} locked to {loc}" for loc, names in sorted(by_locality.items()))


# --- proposals -----------------------------------------------------------------------------------------

OPTION_METRICS = shown_in("options")
"""The measures shown for each proposed option (the four objectives first)."""
RANK_METRICS = tuple(key for key, _ in OBJECTIVE_METRICS.values())
"""The measures on which a plan is ranked among all valid plans (one per objective)."""
CHART_AXES = {metric(key).short: key for key in RANK_METRICS}
"""Axis label -> metric for the chart of proposed options (the four objectives)."""
CHART_COLOUR = OBJECTIVE_METRICS["continuity"][0]
"""The metric that colours the points of the chart of proposed options."""
AUTO_RANK_MAX_K = 4
"""Plans of up to this many localities are ranked among all valid plans without asking (a few seconds at most)."""


def option_table(proposals: Proposals) -> pd.DataFrame:
    """One row per option: the top N by the weights (options 1..N), then the other plans on the Pareto front.

    Columns: ``option``, ``position`` (row in ``proposals.plans``), ``by_weights`` (rank, or 0 when only on the
    front), ``front`` (on the Pareto front), ``penalty`` and one column per measure in OPTION_METRICS.
    """
    ranked = [int(p) for p in proposals.ranked]
    seen = set(ranked)
    positions = ranked + [int(p) for p in proposals.front if int(p) not in seen]
    front = {int(p) for p in proposals.front}
    scores = proposals.plans.scores
    frame = pd.DataFrame({
        "option": range(1, len(positions) + 1),
        "position": positions,
        "by_weights": [i + 1 if i < len(ranked) else 0 for i in range(len(positions))],
        "front": [p in front for p in positions],
        "penalty": [float(proposals.penalty[p]) for p in positions],
    })
    for key in OPTION_METRICS:
        frame[key] = [getattr(scores, key)[p].item() for p in positions]
    return frame


def option_plans(proposals: Proposals, table: pd.DataFrame) -> list[Plan]:
    """Every option of ``option_table`` as a plan named 'Option N', its localities named consistently across the
    run (one place, one name and colour in every option; see analysis.plan.naming.consistent_names); built once."""
    options = tuple(int(o) for o in table["option"])
    cache = vars(proposals).setdefault("_option_plans", {})  # kept with the result it belongs to
    if options not in cache:
        positions = [int(p) for p in table["position"]]
        plans = [proposals.plans.plan(p, name=f"Option {o}") for o, p in zip(options, positions)]
        cache[options] = consistent_names(proposals.area, plans, keep=set(proposals.plans.fixed.values()))
    return cache[options]


def option_plan(proposals: Proposals, table: pd.DataFrame, option: int) -> Plan:
    """The plan of one option number of ``option_table``, named 'Option N' (names consistent across the run)."""
    options = [int(o) for o in table["option"]]
    return option_plans(proposals, table)[options.index(int(option))]


def all_plans_listed(area: StudyArea, k: int) -> bool:
    """Whether every valid plan of k localities has already been listed for this study area (ranking is instant)."""
    return k in StudyContext.of(area).memo.all_plans


def all_plans(area: StudyArea, k: int, progress: Progress | None = None) -> Proposals:
    """Every valid plan of k connected localities (no other rule), listed once per study area and k, for ranking."""
    memo = StudyContext.of(area).memo.all_plans
    if k not in memo:
        memo[k] = propose(area, k, Constraints(), top=1, method="exhaustive", progress=progress or null_progress)
    return memo[k]


def standing_rows(proposals: Proposals, plan: Plan, keys: tuple[str, ...] = RANK_METRICS) -> list[tuple[str, str]]:
    """Short standings for a side panel: ('More balanced than', '99.6%') per measure (shares rounded down)."""
    standings = proposals.standings(plan)
    rows = []
    for key in keys:
        if key in standings:
            share = math.floor(standings[key].better_than * 1000) / 10
            phrase = PHRASES.get(key, "better")
            rows.append((f"{phrase[:1].upper()}{phrase[1:]} than", f"{share:.1f}%"))
    return rows


def standing_lines(proposals: Proposals, plan: Plan, keys: tuple[str, ...] = RANK_METRICS) -> list[str]:
    """Where a plan stands among all valid plans, one sentence per measure ('more balanced than 97.0% of …')."""
    standings = proposals.standings(plan)
    return [standings[key].sentence() for key in keys if key in standings]
