"""Comparing two plans: the change in every headline metric and the wards that change locality."""

from __future__ import annotations

from dataclasses import dataclass

from analysis.metrics.evaluate import Evaluation, evaluate
from analysis.metrics import continuity
from analysis.plan.partition import Plan
from geo.adjacency import Adjacency
from geo.bundle import StudyArea


@dataclass(frozen=True)
class WardMove:
    """One unit whose locality differs between the plans (after matching plan B's localities to plan A's)."""

    unit: str
    name: str
    population: float
    locality_a: str
    locality_b: str


@dataclass(frozen=True)
class Comparison:
    """Plan B against plan A: metric deltas (B − A), the matching of B's localities to A's, and the moves."""

    a: Evaluation
    b: Evaluation
    deltas: dict[str, float | None]
    matching: dict[str, str | None]
    moves: list[WardMove]

    @property
    def population_moved(self) -> float:
        return float(sum(m.population for m in self.moves))

    def to_dict(self) -> dict:
        """JSON-ready summary (what `localign compare --json` prints)."""
        return {
            "plan_a": self.a.plan_name, "plan_b": self.b.plan_name,
            "metrics_a": self.a.headline(), "metrics_b": self.b.headline(), "deltas": self.deltas,
            "matching_b_to_a": self.matching,
            "wards_changing": [m.__dict__ for m in self.moves],
            "wards_changing_count": len(self.moves), "population_changing": self.population_moved,
        }


def compare(area: StudyArea, plan_a: Plan, plan_b: Plan, adjacency: Adjacency = "rook") -> Comparison:
    """Compare plan B with plan A on every headline metric and list the units that change locality."""
    eval_a, eval_b = evaluate(area, plan_a, adjacency), evaluate(area, plan_b, adjacency)
    head_a, head_b = eval_a.headline(), eval_b.headline()
    deltas = {}
    for key, value_a in head_a.items():
        value_b = head_b[key]
        deltas[key] = (None if value_a is None or value_b is None
                       else float(value_b) - float(value_a))
    population = area.population.to_numpy(dtype=float)
    codes_a, codes_b = plan_a.codes(), plan_b.codes()
    shared = continuity.shared_residents(codes_b, codes_a, population, plan_b.k, plan_a.k)
    match = continuity.best_matching(shared)
    moved = continuity.moved_units(codes_b, codes_a, match)
    moves = [WardMove(u, str(area.unit_names[u]), float(area.population[u]), plan_a.labels[i], plan_b.labels[i])
             for i, u in enumerate(plan_a.unit_ids) if moved[i]]
    matching = {loc: (plan_a.localities[int(match[j])] if match[j] >= 0 else None)
                for j, loc in enumerate(plan_b.localities)}
    return Comparison(eval_a, eval_b, deltas, matching, moves)
