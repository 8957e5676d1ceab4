"""The validator: one composition of the rules, the same answer as checking each plan by hand, and the rules the
enumerator prunes with giving exactly the plans the validator keeps."""

from __future__ import annotations

import numpy as np

from analysis.constraints.predicates import Apart, Balance, Together
from analysis.constraints.rules import Constraints
from analysis.constraints.validator import Validator
from analysis.metrics.population import within_tolerance_all
from analysis.metrics.scoring import PlanScorer
from analysis.plan.context import StudyContext
from analysis.solvers.enumeration import Search, enumerate_partitions
from synthetic import code_of


def test_mask_and_violation_match_a_hand_check_on_every_plan(lbbd):
    ctx = StudyContext.of(lbbd)
    codes = enumerate_partitions(Search(ctx.graph, 3))
    table = PlanScorer(lbbd, 3).score(codes)
    abbey, alibon, heath, village = (code_of(lbbd, w) for w in ("Abbey", "Alibon", "Heath", "Village"))
    rules = Constraints(max_deviation=0.2, together=((abbey, alibon),), apart=((heath, village),))
    validator = Validator.of(rules, ctx.index, lbbd.total_population)
    a, b, h, v = (ctx.index[u] for u in (abbey, alibon, heath, village))
    by_hand = np.array([row[a] == row[b] and row[h] != row[v] for row in codes]) \
        & (table.max_abs_deviation <= 0.2 * (1 + 1e-12))
    assert (validator.mask(codes, table) == by_hand).all() and 0 < by_hand.sum() < len(codes)
    assert ((validator.violation(codes, table) == 0) == by_hand).all()


def test_the_enumerator_prunes_to_exactly_the_plans_the_validator_keeps(lbbd):
    ctx = StudyContext.of(lbbd)
    gascoigne, abbey, heath, village = (code_of(lbbd, w) for w in ("Gascoigne", "Abbey", "Heath", "Village"))
    rules = Constraints(max_deviation=0.15, together=((gascoigne, abbey),), apart=((heath, village),))
    validator = Validator.of(rules, ctx.index, lbbd.total_population)
    assert validator.has(Together, Apart)
    pruned = enumerate_partitions(Search(ctx.graph, 3, *validator.search_rules()))
    everything = enumerate_partitions(Search(ctx.graph, 3))
    kept = everything[validator.mask(everything, PlanScorer(lbbd, 3).score(everything))]
    canonical = lambda rows: {tuple(r) for r in rows}  # noqa: E731
    assert canonical(pruned) == canonical(kept) and len(kept) > 0


def test_the_balance_bound_applies_to_every_chosen_measure(lbbd):
    area = lbbd.variant(balance_on=("population", "age_0_15"))
    ctx = StudyContext.of(area)
    codes = enumerate_partitions(Search(ctx.graph, 3))
    table = PlanScorer(area, 3).score(codes)
    validator = Validator.of(Constraints(max_deviation=0.1), ctx.index, ctx.total, measures=ctx.balance)
    by_hand = within_tolerance_all(codes, ctx.balance, 3, 0.1)
    assert validator.has(Balance) and (validator.mask(codes, table) == by_hand).all()
    residents_only = Validator.of(Constraints(max_deviation=0.1), ctx.index, ctx.total).mask(codes, table)
    assert 0 < by_hand.sum() < residents_only.sum()
    pruned = enumerate_partitions(Search(ctx.graph, 3, 0.1, measures=ctx.balance))
    assert {tuple(r) for r in pruned} == {tuple(r) for r in codes[by_hand]}
