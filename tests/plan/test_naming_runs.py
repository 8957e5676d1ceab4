"""One place, one name and one colour across the options of a run (and never grey for a locality)."""

from __future__ import annotations

import pytest

from analysis.present import views
from analysis.metrics.evaluate import evaluate
from analysis.present.palette import PALETTE, locality_colours
from analysis.constraints.rules import Constraints
from analysis.solvers.propose import propose
from analysis.metrics.scoring import Weights


@pytest.fixture(scope="module")
def run(lbbd):
    result = propose(lbbd, 4, Constraints(max_deviation=0.10), Weights(), top=10)
    table = views.option_table(result)
    return views.option_plans(result, table)


def _new_localities(area, plan):
    """The localities that continue no current one, as sets of wards."""
    matched = evaluate(area, plan).matched_to_current
    return {loc: set(plan.members(loc)) for loc, old in matched.items() if not old}


def test_the_same_new_place_has_the_same_name_in_every_option(lbbd, run):
    """A new locality sharing more than half of its residents (both ways) with an earlier option's new locality
    carries the name of one such earlier locality, unless its own option already uses that name."""
    assert len(run) >= 10
    people = {u: float(lbbd.population[u]) for u in lbbd.ids}

    def mutual(a: set, b: set) -> bool:
        common = sum(people[u] for u in a & b)
        return common > 0.5 * sum(people[u] for u in a) and common > 0.5 * sum(people[u] for u in b)

    earlier: list[tuple[str, set]] = []
    checked = 0
    for plan in run:
        for loc, wards in _new_localities(lbbd, plan).items():
            free = {name for name, other in earlier if mutual(wards, other)} - (set(plan.localities) - {loc})
            if free:
                assert loc in free, (plan.name, loc, free)
                checked += 1
        earlier += list((loc, wards) for loc, wards in _new_localities(lbbd, plan).items())
    assert checked > 5
    # the example: Option 17's new locality is much the same place as Option 1's and has its name
    by_name = {plan.name: plan for plan in run}
    if "Option 17" in by_name:
        assert set(_new_localities(lbbd, by_name["Option 1"])) == set(_new_localities(lbbd, by_name["Option 17"]))


def test_colours_follow_names_across_the_run_and_are_never_grey(run):
    every = [loc for plan in run for loc in plan.localities]
    seen: dict[str, str] = {}
    for plan in run:
        colours = locality_colours(plan.localities, among=every)
        assert len(set(colours.values())) == plan.k  # distinct within a plan
        for loc, colour in colours.items():
            assert seen.setdefault(loc, colour) == colour
            assert colour in PALETTE
            red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
            assert max(red, green, blue) - min(red, green, blue) > 30, f"{loc} is grey ({colour})"
