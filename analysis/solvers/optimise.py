"""The optimiser for graphs too large to enumerate: short bursts of ReCom and boundary-flip moves.

Short bursts (Cannon, Goldbloom-Helzner, Gupta, Matthews and Suwal 2023, "Voting rights, Markov chains,
and optimization by short bursts"): run a short unbiased chain from the best plan so far, then restart
from the best plan the burst visited (ties go to the later plan, so the search drifts across plateaus).
Moves are ReCom merge-splits (large, balanced re-draws of two neighbouring localities) mixed with
single-unit boundary flips (fine tuning); every plan visited is contiguous. The objective is
constraint violation first, then ``analysis.metrics.scoring.penalty`` with the planner's weights.

Usage (spopt-style)::

    result = Optimiser(area, 4, constraints=Constraints(max_deviation=0.05), seed=1, max_steps=20_000).solve()
    result.plan(0)   # the best plan, named after the current localities it continues
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Hashable, Mapping

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from analysis.solvers.anneal import Annealer, Geometry, granularity_bound
from analysis.solvers.objective import Assessment, Objective, Units
from analysis.constraints.rules import Constraints
from analysis.solvers.proposal_set import ProposalSet
from analysis.solvers.recom import burst
from analysis.metrics.scoring import Weights
from analysis.solvers.seed_plans import seed_plan
from analysis.plan.graph import CODE_DTYPE
from geo.adjacency import Adjacency
from geo.errors import LocalignError

Progress = Callable[[float, str], None]

DEFAULT_STEPS = 20_000
"""Step budget when neither a step nor a time budget is given."""
BURST_LENGTH = 10
"""Moves per burst (Cannon et al. found bursts of about ten moves effective)."""
TIGHT_TOLERANCE_FLOOR = 0.05
"""The tight move tolerance is twice the best plan's deviation, but at least this."""
FLIP_SHARE = 0.3
"""Share of moves that are single-unit boundary flips; the rest are ReCom merge-splits."""
BEST_CUT_SHARE = 0.2
"""Share of ReCom moves that take the best-balanced cut over a few trees instead of a random balanced cut."""
MAX_RESTARTS = 4
"""At most this many annealing restarts by default (one per core)."""
PATIENCE = 30
"""Bursts without improving the walk before it is restarted by a kick (iterated local search)."""
KICK_LENGTH = 30
"""Moves of the unbiased excursion from the best plan that restarts a stalled walk."""
DEFAULT_STALL_STEPS = 100_000
"""The search stops early after this many moves without a better plan (on 19 wards the optimum comes within a
few thousand moves); pass stall_steps=None to always spend the whole budget."""
PROGRESS_EVERY_S = 0.2
ANNEAL_MIN_UNITS = 150
"""From this many units the optimiser anneals over boundary flips and swaps, then repairs the balance exactly
(analysis.solvers.anneal); smaller graphs keep the short bursts, which reach the exhaustive optimum there."""
ANNEAL_MOVES_PER_UNIT = 2_000
"""Annealing moves per unit (per restart) when no time budget is given: about a second per 1,000 units."""


def canonical(codes: np.ndarray) -> np.ndarray:
    """The same partition(s) with localities numbered in order of their first unit, so relabellings compare equal;
    ``codes`` is one plan (n,) or many plans as rows (N, n); the result is CODE_DTYPE (any number of localities)."""
    codes = np.asarray(codes)
    rows = np.atleast_2d(codes).astype(np.int64)
    out = np.empty(rows.shape, dtype=CODE_DTYPE)
    for r, row in enumerate(rows):
        labels, first = np.unique(row, return_index=True)
        mapping = np.zeros(int(labels.max()) + 1 if len(labels) else 1, dtype=np.int64)
        mapping[labels[np.argsort(first, kind="stable")]] = np.arange(len(labels))
        out[r] = mapping[row]
    return out[0] if codes.ndim == 1 else out


class PlanPool:
    """The best distinct plans seen so far, ranked by (violation, penalty)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.plans: dict[bytes, tuple[float, float, np.ndarray]] = {}

    def worst(self) -> tuple[float, float]:
        return max((v, p) for v, p, _ in self.plans.values())

    def offer(self, codes: np.ndarray, assessment: Assessment) -> None:
        """Add the rows that rank among the best ``size`` distinct plans."""
        for i in assessment.order():
            key = (float(assessment.violation[i]), float(assessment.penalty[i]))
            if len(self.plans) >= self.size and key >= self.worst():
                return
            plan = canonical(codes[i])
            token = plan.tobytes()
            if token in self.plans:
                continue
            self.plans[token] = (*key, plan)
            if len(self.plans) > self.size:
                drop = max(self.plans, key=lambda t: self.plans[t][:2])
                del self.plans[drop]

    def ranked(self) -> np.ndarray:
        """The pooled plans as rows, best first."""
        entries = sorted(self.plans.values(), key=lambda e: e[:2])
        return np.stack([e[2] for e in entries])


class Optimiser:
    """Short-burst optimiser over ReCom and flip moves for k contiguous localities.

    Parameters
    ----------
    units : StudyArea, networkx.Graph or UnitGraph
        A study area (scored on every metric, as ``evaluate()``), or a bare graph whose nodes carry a
        population (scored on balance and cut edges only).
    k : number of localities.
    constraints, weights : the planner's rules and the weights of the penalty.
    seed : seeds every random choice; the same seed and step budget give the same result.
    budget_s, max_steps : stop after this many seconds or moves (whichever comes first); with neither,
        ``DEFAULT_STEPS`` moves. Only a step budget is exactly reproducible.
    adjacency : 'rook' or 'queen' (study areas only).
    population : node attribute (or node -> population mapping) for networkx graphs.
    top : number of distinct plans returned, best first.
    start : an optional starting plan (locality codes in unit order); otherwise one is built.
    target_penalty : stop early once a plan meeting every constraint scores this penalty or lower (± 1e-9).
    stall_steps : stop early once this many moves have passed without a better plan (default DEFAULT_STALL_STEPS;
        None = never); a step count, so reproducible.
    engine : 'bursts' (short bursts), 'anneal' (annealing, restarts on several cores, exact boundary repair) or
        'auto' (annealing from ANNEAL_MIN_UNITS units when only a population limit constrains the plans).
    workers : annealing restarts, run at once, one per core (default: the cores, at most MAX_RESTARTS); each has
        its own seed drawn from ``seed``, so the same seed, workers and move budget give the same plans.
    """

    method = "optimiser"

    def __init__(self, units: Units, k: int, constraints: Constraints | None = None, weights: Weights | None = None,
                 seed: int = 0, budget_s: float | None = None, max_steps: int | None = None,
                 adjacency: Adjacency = "rook", population: str | Mapping[Hashable, float] = "population",
                 top: int = 10, start: np.ndarray | None = None, burst_length: int = BURST_LENGTH,
                 move_tolerance: float | None = None, target_penalty: float | None = None,
                 stall_steps: int | None = DEFAULT_STALL_STEPS, engine: str = "auto",
                 workers: int | None = None) -> None:
        self.objective = Objective(units, k, constraints, weights, adjacency, population)
        if engine not in ("auto", "bursts", "anneal"):
            raise ValueError(f"engine must be auto, bursts or anneal, not {engine!r}")
        self.engine = engine
        self.workers = max(1, workers if workers is not None else min(os.cpu_count() or 1, MAX_RESTARTS))
        self.lower_bound: tuple[float, str] | None = None
        self.k, self.seed, self.top = k, seed, top
        self.budget_s = budget_s
        self.max_steps = DEFAULT_STEPS if budget_s is None and max_steps is None else max_steps
        if self.max_steps is not None and self.max_steps < 0:
            raise LocalignError.single("the step budget is negative.", "the optimiser budget", "give 0 or more steps.")
        self.burst_length = max(1, burst_length)
        self.start = start
        self.move_tolerance = move_tolerance
        self.target_penalty = target_penalty
        self.stall_steps = stall_steps
        self.steps_taken = 0
        self.feasible = False
        self.stalled = False
        self.trace: list[tuple[int, float, float, float]] = []
        """(steps, seconds, violation, penalty) each time the best plan improved."""

    @property
    def graph(self):
        """The UnitGraph searched (its ``ids`` give the unit order of every row of codes)."""
        return self.objective.graph

    def _starting_plan(self, rng: np.random.Generator) -> np.ndarray:
        if self.start is not None:
            codes = np.asarray(self.start, dtype=CODE_DTYPE)
            if codes.shape != (self.graph.n,) or not self.graph.is_contiguous(codes, self.k):
                raise LocalignError.single("the starting plan is not a contiguous plan of every unit into "
                                           f"{self.k} localities.", "the optimiser's starting plan",
                                           "start from a contiguous plan, or let the optimiser build one.")
            return codes
        return seed_plan(self.graph, self.k, rng, tolerance=self.objective.constraints.max_deviation)

    @property
    def annealing(self) -> bool:
        """True when this run anneals (see ``engine``)."""
        if self.engine != "auto":
            return self.engine == "anneal"
        c = self.objective.constraints
        simple = not (c.together or c.apart or c.fixed or c.max_pcns_split is not None)
        return simple and self.graph.n >= ANNEAL_MIN_UNITS

    def solve(self, progress: Progress | None = None) -> ProposalSet:
        """Search until the budget is spent and return the best distinct plans found (best first)."""
        if self.annealing:
            return self._solve_annealing(progress)
        began = time.perf_counter()
        rng = np.random.default_rng(self.seed)
        current = self._starting_plan(rng)
        first = self.objective.assess(current)
        best = walk = (float(first.violation[0]), float(first.penalty[0]))
        best_codes, best_deviation = current, float(first.table.max_abs_deviation[0])
        walk_deviation, stale = best_deviation, 0
        pool = PlanPool(self.top)
        pool.offer(current[None, :], first)
        self.trace = [(0, time.perf_counter() - began, *best)]
        steps, reported = 0, 0.0
        while True:
            elapsed = time.perf_counter() - began
            if (self.max_steps is not None and steps >= self.max_steps) or \
                    (self.budget_s is not None and elapsed >= self.budget_s) or \
                    (self.target_penalty is not None and best[0] == 0 and best[1] <= self.target_penalty + 1e-9) or \
                    (self.stall_steps is not None and steps - self.trace[-1][0] >= self.stall_steps):
                break
            kick = stale >= PATIENCE
            length = KICK_LENGTH if kick else self.burst_length
            if self.max_steps is not None:
                length = min(length, self.max_steps - steps)
            tolerance = self._tolerance(rng, best, walk_deviation)
            rows = burst(self.graph, best_codes if kick else current, self.k, length, rng, tolerance)
            assessment = self.objective.assess(rows)
            steps += length
            pool.offer(rows, assessment)
            i = int(assessment.order()[0])
            candidate = (float(assessment.violation[i]), float(assessment.penalty[i]))
            if candidate < best:
                best, best_codes = candidate, rows[i]
                best_deviation = float(assessment.table.max_abs_deviation[i])
                self.trace.append((steps, time.perf_counter() - began, *candidate))
            if kick:
                # Iterated local search: continue the walk from the end of a longer unbiased excursion.
                i = length - 1
                walk, stale = (float(assessment.violation[i]), float(assessment.penalty[i])), 0
                current, walk_deviation = rows[i], float(assessment.table.max_abs_deviation[i])
            elif candidate <= walk:
                stale = 0 if candidate < walk else stale + 1
                walk, current = candidate, rows[i]
                walk_deviation = float(assessment.table.max_abs_deviation[i])
            else:
                stale += 1
            if progress is not None and elapsed - reported >= PROGRESS_EVERY_S:
                reported = elapsed
                progress(self._fraction(steps, elapsed), f"{steps:,} moves; best penalty {best[1]:.4f}")
        self.steps_taken = steps
        self.stalled = self.stall_steps is not None and steps - self.trace[-1][0] >= self.stall_steps
        result = self._result(pool, time.perf_counter() - began)
        if progress is not None:
            progress(1.0, f"{steps:,} moves; best penalty {best[1]:.4f}")
        return result

    def _solve_annealing(self, progress: Progress | None) -> ProposalSet:
        """Annealing restarts (one per worker, each seeded from ``seed``) from one seeded starting plan, each followed
        by population-exact boundary repair; every restart's plans before and after repair go to the pool."""
        began = time.perf_counter()
        rng = np.random.default_rng(self.seed)
        start = self._starting_plan(rng)
        first = self.objective.assess(start)
        pool = PlanPool(self.top)
        pool.offer(start[None, :], first)
        self.trace = [(0, time.perf_counter() - began, float(first.violation[0]), float(first.penalty[0]))]
        o = self.objective
        annealer = Annealer(self.graph, self.k, o.weights.balance, o.weights.compactness, self._geometry())
        restarts = self.workers
        seeds = [int(s) for s in rng.integers(0, 2**31 - 1, size=restarts)]
        left = None if self.budget_s is None else max(0.0, self.budget_s - (time.perf_counter() - began))
        moves = self.max_steps
        if moves is None and left is None:
            moves = ANNEAL_MOVES_PER_UNIT * self.graph.n
        elif self.max_steps is not None:
            moves = self.max_steps // restarts
        if left is not None:
            left *= 0.97  # leave time for repair and scoring
        done = [0.0] * restarts

        def report(i: int):
            def inner(fraction: float) -> None:
                done[i] = fraction
                if progress is not None and i == 0:
                    progress(min(0.95, sum(done) / restarts), f"annealing: {restarts} restart(s)")
            return inner

        def run(i: int) -> tuple[np.ndarray, np.ndarray, int]:
            if (moves is not None and moves <= 0) or (left is not None and left <= 0):
                return start, annealer.repair(start), 0
            best, tried = annealer.anneal(start, seeds[i], moves, left, report(i))
            return best, annealer.repair(best), tried

        if restarts == 1:
            outcomes = [run(0)]
        else:
            with ThreadPoolExecutor(restarts) as threads:
                outcomes = list(threads.map(run, range(restarts)))
        self.steps_taken = sum(t for _, _, t in outcomes)
        rows = np.stack([row for best, repaired, _ in outcomes for row in (best, repaired)])
        assessment = self.objective.assess(rows)
        pool.offer(rows, assessment)
        i = int(assessment.order()[0])
        self.trace.append((self.steps_taken, time.perf_counter() - began, float(assessment.violation[i]),
                           float(assessment.penalty[i])))
        self.lower_bound = granularity_bound(self.graph.population, self.k)
        result = self._result(pool, time.perf_counter() - began)
        if progress is not None:
            progress(1.0, f"{self.steps_taken:,} annealing moves")
        return result

    def _geometry(self) -> Geometry | None:
        """Unit areas, perimeters and shared boundaries for Polsby–Popper, when plans are scored on a study area."""
        if self.objective.area is None:
            return None
        shapes = self.objective.scorer.shapes
        return Geometry.from_pairs(self.graph.n, shapes.area_m2, shapes.perimeter_m, shapes.edge_a, shapes.edge_b,
                                   shapes.edge_shared_m)

    def _tolerance(self, rng: np.random.Generator, best: tuple[float, float], walk_deviation: float) -> float:
        """Population tolerance for the next burst's moves.

        With a max-deviation constraint, that limit. Otherwise a log-uniform draw between a tight tolerance
        (twice the walk's current deviation, at least 5 %) and the widest deviation that could still beat the best plan
        (penalty ≥ w_balance · deviation, and no locality can exceed k − 1), so no better plan is out of reach.
        """
        if self.move_tolerance is not None:
            return self.move_tolerance
        limit = self.objective.constraints.max_deviation
        if limit is not None:
            return limit
        tight = max(2 * walk_deviation, TIGHT_TOLERANCE_FLOOR)
        w = self.objective.weights.balance
        wide = best[1] / w if w > 0 and best[0] == 0 else np.inf
        wide = min(wide, self.k - 1.0)
        if wide <= tight:
            return tight
        return float(tight * (wide / tight) ** rng.random())

    def _fraction(self, steps: int, elapsed: float) -> float:
        parts = []
        if self.max_steps:
            parts.append(steps / self.max_steps)
        if self.budget_s:
            parts.append(elapsed / self.budget_s)
        return min(1.0, max(parts, default=0.0))

    def _result(self, pool: PlanPool, elapsed: float) -> ProposalSet:
        codes = pool.ranked()
        assessment = self.objective.assess(codes)
        feasible = assessment.violation == 0
        self.feasible = bool(feasible.any())
        if self.annealing:
            notes = [(f"Optimiser: simulated annealing over boundary flips and swaps ({self.workers} restart(s), "
                      f"{self.steps_taken:,} moves in {elapsed:.1f} s from a seeded starting plan, seed {self.seed}), "
                      "then exact boundary repair of the largest deviation; the best plans found, not a proof that no "
                      "better plan exists.")]
            best_deviation = float(assessment.table.max_abs_deviation[assessment.order()[0]])
            if self.lower_bound is not None:
                bound, why = self.lower_bound
                notes.append(f"Balance: the best plan's largest deviation is {best_deviation:.3%}; no plan can go "
                             f"below {bound:.4%} ({why}), so it is at most {max(best_deviation - bound, 0):.3%} "
                             "from the limit the units allow.")
            o = self.objective
            skipped = [name for name, w in (("PCN nesting", o.weights.nesting), ("continuity", o.weights.continuity))
                       if w > 0 and o.area is not None]
            if skipped:
                notes.append(f"At this scale the annealing optimises balance and compactness; {' and '.join(skipped)} "
                             "are scored and ranked, not searched for.")
        else:
            notes = [(f"Optimiser: short bursts of {self.burst_length} ReCom and boundary-flip moves, "
                      f"{self.steps_taken:,} moves in {elapsed:.1f} s from a seeded starting plan (seed {self.seed}); "
                      "the best plans found, not a proof that no better plan exists.")]
        notes += self.objective.weight_notes
        if self.stalled:
            notes.append(f"Stopped early: no better plan in the last {self.stall_steps:,} moves.")
        if self.feasible:
            codes = codes[feasible]
        else:
            notes.append("No plan meeting every constraint was found within the budget: the plans shown break the "
                         "fewest constraints. Allow more time or relax the constraints.")
        if self.objective.geometry_free:
            notes.append("Scored on the unit graph only (population balance and cut edges): compactness, PCN "
                         "nesting and continuity need boundaries, PCNs and current localities.")
        o = self.objective
        return ProposalSet(o.area, self.k, o.adjacency, codes, o.scorer.score(codes), self.method, False, None,
                           elapsed, self.seed, notes, dict(o.constraints.fixed))
