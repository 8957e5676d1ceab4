"""Vectorised scoring of many plans at once, with the same metric definitions as evaluate(), plus the weighted objective.

Plans are rows of locality indices in unit order: codes of shape (N, n). The enumerator, the
optimiser and the sampler all score through ``PlanScorer`` so a plan gets the same numbers everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import numpy as np

from analysis.metrics.definitions import PCN_BADLY_SPLIT_SHARE, PCN_SPLIT_SHARE, objective_metric
from analysis.metrics.score_kernel import score_plans
from analysis.metrics import compactness, continuity, pcn_alignment, population
from analysis.plan.context import DEFAULT_ADJACENCY, StudyContext
from geo.adjacency import Adjacency
from geo.bundle import StudyArea
from geo.errors import LocalignError

OBJECTIVES = ("balance", "nesting", "compactness", "continuity")
"""The four criteria a planner weighs: population balance, PCN nesting, compactness, continuity."""

OBJECTIVE_METRICS = {name: (objective_metric(name).key, objective_metric(name).better) for name in OBJECTIVES}
"""Which metric measures each objective, and which direction is better (from the metric registry)."""

MAX_KERNEL_MATCHINGS = 50_000
"""Up to this many one-to-one matchings per plan are all tried in the compiled loop; beyond, the Hungarian algorithm."""


@dataclass(frozen=True)
class Weights:
    """How much each objective counts in the weighted penalty (any non-negative numbers)."""

    balance: float = 1.0
    nesting: float = 1.0
    compactness: float = 0.5
    continuity: float = 0.5

    @classmethod
    def parse(cls, text: str | None) -> "Weights":
        """Read weights such as 'balance=2,nesting=1' (unnamed objectives keep their defaults)."""
        if not text:
            return cls()
        values = {}
        for part in text.split(","):
            name, _, value = part.partition("=")
            name = name.strip().lower()
            if name not in OBJECTIVES:
                raise LocalignError.single(f"'{name}' is not an objective.", "--weights",
                                           f"use names from {', '.join(OBJECTIVES)}, e.g. balance=2,nesting=1.")
            try:
                values[name] = float(value)
            except ValueError:
                raise LocalignError.single(f"the weight for {name} ('{value}') is not a number.", "--weights",
                                           "write each weight as name=number, e.g. balance=2.") from None
            if not math.isfinite(values[name]):
                raise LocalignError.single(f"the weight for {name} ('{value.strip()}') is not a finite number.",
                                           "--weights", "give an ordinary number such as 0.5, 1 or 2 "
                                           "(0 ignores an objective).")
            if values[name] < 0:
                raise LocalignError.single(f"the weight for {name} is negative.", "--weights",
                                           "use zero to ignore an objective; weights cannot be negative.")
        return cls(**values)

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def applicable_weights(area: StudyArea, weights: Weights) -> tuple[Weights, list[str]]:
    """The weights with each objective the study area cannot measure set to 0, and a note saying why: continuity needs
    a current grouping of units into localities, PCN nesting needs a PCN grouping."""
    ctx = StudyContext.of(area)
    changes, notes = {}, []
    if ctx.current is None and weights.continuity:
        changes["continuity"] = 0.0
        notes.append("Continuity is off (weight 0): the study area has no current localities to keep residents in.")
    if ctx.pcn_people is None and weights.nesting:
        changes["nesting"] = 0.0
        notes.append("PCN nesting is off (weight 0): the study area has no PCN grouping to nest.")
    return (replace(weights, **changes) if changes else weights), notes


def measurable_objectives(area: StudyArea) -> tuple[str, ...]:
    """The objectives a study area can measure (see applicable_weights)."""
    ctx = StudyContext.of(area)
    return tuple(name for name in OBJECTIVES if not (name == "continuity" and ctx.current is None)
                 and not (name == "nesting" and ctx.pcn_people is None))


@dataclass
class ScoreTable:
    """Metric arrays for N plans (one entry per plan), keyed as in analysis.metrics.definitions."""

    populations: np.ndarray
    max_abs_deviation: np.ndarray
    population_range: np.ndarray
    polsby_popper_mean: np.ndarray
    polsby_popper_min: np.ndarray
    cut_edges: np.ndarray
    pcn_nesting: np.ndarray
    pcns_split: np.ndarray
    pcns_split_90: np.ndarray
    retained_share: np.ndarray
    wards_moved: np.ndarray
    population_moved: np.ndarray

    def __len__(self) -> int:
        return len(self.max_abs_deviation)

    def take(self, index: np.ndarray) -> "ScoreTable":
        """The rows at ``index`` (a boolean mask or integer positions)."""
        return ScoreTable(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @classmethod
    def concat(cls, tables: list["ScoreTable"]) -> "ScoreTable":
        return cls(**{f.name: np.concatenate([getattr(t, f.name) for t in tables]) for f in fields(cls)})

    def objective(self, name: str) -> np.ndarray:
        """The metric array measuring an objective (see OBJECTIVE_METRICS)."""
        return getattr(self, OBJECTIVE_METRICS[name][0])


class PlanScorer:
    """Scores plans of k localities on one study area and adjacency, vectorised over plans.

    The hot path is one compiled pass per plan (analysis.metrics.score_kernel) that evaluates the formulas of
    analysis.metrics; ``score_reference`` computes the same table with those numpy functions directly.
    """

    def __init__(self, area: StudyArea, k: int, adjacency: Adjacency = DEFAULT_ADJACENCY) -> None:
        ctx = StudyContext.of(area, adjacency)
        self.context = ctx
        self.area, self.k, self.adjacency = area, k, adjacency
        self.shapes = ctx.shapes
        self.population = ctx.population
        self.total = ctx.total
        self.balance = ctx.balance
        self.several_measures = tuple(ctx.balance_names) != (area.population_column,)
        self.edge_a, self.edge_b = ctx.graph.edge_a, ctx.graph.edge_b
        self.pcn_people = ctx.pcn_people if ctx.pcn_people is not None else np.zeros((ctx.n, 0))
        self.current_codes, self.current_k = ctx.current_codes, ctx.current_k
        count = math.perm(max(k, self.current_k), min(k, self.current_k))
        self.maps = continuity._injective_maps(k, self.current_k) \
            if count <= MAX_KERNEL_MATCHINGS else None

    def _checked(self, codes: np.ndarray) -> np.ndarray:
        codes = np.atleast_2d(np.asarray(codes))
        if codes.shape[1] != len(self.population):
            raise ValueError(f"plans have {codes.shape[1]} units; the study area has {len(self.population)}")
        if codes.dtype.kind not in "iu":
            codes = codes.astype(np.int64)
        if len(codes) and (codes.min() < 0 or codes.max() >= self.k):
            raise ValueError(f"locality indices must lie in 0..{self.k - 1}")
        return codes

    def score(self, codes: np.ndarray) -> ScoreTable:
        """Score plans given as locality indices 0..k−1, shape (N, n) (or (n,) for one plan); int8 codes are fine."""
        codes = self._checked(codes)
        out = score_plans(codes, self.k, self.context, self.pcn_people, self.maps, self.total, PCN_SPLIT_SHARE,
                          PCN_BADLY_SPLIT_SHARE)
        shared, kept = out.pop("shared"), out.pop("kept")
        out.pop("match")
        table = ScoreTable(**out, retained_share=kept / self.total, population_moved=self.total - kept)
        if self.maps is None:  # too many matchings to try each: the Hungarian algorithm, plan by plan
            match = np.stack([continuity.best_matching(s) for s in shared]) if len(codes) \
                else np.zeros((0, self.k), dtype=np.int64)
            kept = continuity.retained(shared, match)
            table = replace(table, retained_share=kept / self.total, population_moved=self.total - kept,
                            wards_moved=continuity.moved_units(codes, self.current_codes, match).sum(axis=-1)
                            if len(codes) else np.zeros(0, dtype=np.int64))
        if self.pcn_people.shape[1] == 0:
            table = replace(table, pcn_nesting=np.ones(len(codes)))
        if self.several_measures:  # balance on other measures: the largest deviation over them
            table = replace(table, max_abs_deviation=population.max_abs_deviation_over_measures(codes, self.balance,
                                                                                                self.k))
        return table

    def score_reference(self, codes: np.ndarray) -> ScoreTable:
        """The same table computed with the numpy metric functions of analysis.metrics (slower; the definition)."""
        codes = self._checked(codes)
        k, total = self.k, self.total
        onehot = [(codes == j) for j in range(k)]
        pops = np.stack([m @ self.population for m in onehot], axis=-1)
        areas = compactness.locality_areas(codes, self.shapes, k)
        perimeters = compactness.locality_perimeters(codes, self.shapes, k)
        pp = compactness.polsby_popper(areas, perimeters)
        residents = pcn_alignment.residents_by_locality_and_group(codes, self.pcn_people, k)
        shared = continuity.shared_residents(codes, self.current_codes, self.population, k, self.current_k)
        match = continuity.best_matchings(shared) if len(codes) else np.zeros((0, k), dtype=np.int64)
        kept = continuity.retained(shared, match)
        moved = continuity.moved_units(codes, self.current_codes, match) if len(codes) else np.zeros((0, 0))
        has_pcn = self.pcn_people.shape[1] > 0
        return ScoreTable(
            populations=pops,
            max_abs_deviation=population.max_abs_deviation_over_measures(codes, self.balance, k)
            if self.several_measures else population.max_abs_deviation(pops, total),
            population_range=population.population_range(pops, total),
            polsby_popper_mean=pp.mean(axis=-1), polsby_popper_min=pp.min(axis=-1),
            cut_edges=(codes[:, self.edge_a] != codes[:, self.edge_b]).sum(axis=1),
            pcn_nesting=pcn_alignment.nesting(residents) if has_pcn else np.ones(len(codes)),
            pcns_split=pcn_alignment.groups_split(residents) if has_pcn else np.zeros(len(codes), int),
            pcns_split_90=pcn_alignment.badly_split(residents) if has_pcn else np.zeros(len(codes), int),
            retained_share=kept / total,
            wards_moved=moved.sum(axis=-1) if len(codes) else np.zeros(0, int),
            population_moved=total - kept,
        )


def penalty(table: ScoreTable, weights: Weights) -> np.ndarray:
    """Weighted penalty, lower is better: w_b·max|dev| + w_n·(1 − nesting) + w_c·(1 − mean Polsby–Popper) + w_r·(1 − retained share)."""
    return (weights.balance * table.max_abs_deviation
            + weights.nesting * (1.0 - table.pcn_nesting)
            + weights.compactness * (1.0 - table.polsby_popper_mean)
            + weights.continuity * (1.0 - table.retained_share))
