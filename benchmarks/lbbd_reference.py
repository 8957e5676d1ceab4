"""Reference points on the bundled Barking and Dagenham wards shared by the optimiser and baseline benchmarks.

The exhaustive optimum comes from the exact enumerator (analysis.solvers.enumeration), independently of the
optimiser; the common starting plan is a valid but unremarkable plan within ±10 % that every method
(ours and GerryChain's ReCom) starts from when starts must be equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np

from analysis.plan.context import StudyContext
from analysis.solvers.enumeration import Search, enumerate_partitions
from analysis.metrics.scoring import PlanScorer, Weights, penalty
from analysis.solvers.seed_plans import bisection_plan, max_deviation
from geo.bundle import StudyArea, load_bundle

K = 4
BALANCE_ONLY = Weights(balance=1, nesting=0, compactness=0, continuity=0)
DEFAULT = Weights()
OBJECTIVES = {"balance only": BALANCE_ONLY, "default weights": DEFAULT}
"""The two objectives every LBBD comparison is run on."""
TOLERANCE = 1e-9


@dataclass(frozen=True)
class Reference:
    area: StudyArea
    plans: int
    optimum: dict[str, float]
    """Lowest penalty over every plan, per objective name."""
    start: np.ndarray
    start_deviation: float


@lru_cache(maxsize=1)
def bundled() -> StudyArea:
    return load_bundle()


@cache
def reference(k: int = K) -> Reference:
    """Enumerate every k-locality plan of the wards and fix a common starting plan (between 7 % and 10 % out)."""
    area = bundled()
    codes = enumerate_partitions(Search(StudyContext.of(area).graph, k))
    table = PlanScorer(area, k).score(codes)
    optimum = {name: float(penalty(table, w).min()) for name, w in OBJECTIVES.items()}
    graph = StudyContext.of(area).graph
    for seed in range(1000):
        start = bisection_plan(graph, k, np.random.default_rng(seed), trees=2)
        deviation = max_deviation(graph, start, k)
        if 0.07 <= deviation <= 0.10:
            break
    return Reference(area, len(codes), optimum, start, deviation)


def reached(value: float, optimum: float) -> bool:
    """True when a penalty equals the exhaustive optimum (float tolerance)."""
    return value <= optimum + TOLERANCE
