"""Plans: immutable unit -> locality assignments, validated against the study area."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from analysis.plan.partition import Plan, current_plan, grouping_plan, make_plan, plan_from_codes
from geo.errors import LocalignError
from synthetic import grid_cells, make_area


@pytest.fixture(scope="module")
def grid():
    """A 2 x 2 grid: c0r0 c1r0 in the south row, c0r1 c1r1 in the north row."""
    return make_area(grid_cells(2, 2))


def halves(area) -> dict[str, str]:
    return {u: ("West" if u.startswith("c0") else "East") for u in area.ids}


def test_plan_views(grid):
    plan = make_plan(grid, halves(grid), name="halves")
    assert plan.k == 2 and plan.localities == ("East", "West")
    assert plan.unit_ids == tuple(grid.ids) == ("c0r0", "c0r1", "c1r0", "c1r1")
    assert plan.codes().tolist() == [1, 1, 0, 0]
    assert plan.members("West") == ["c0r0", "c0r1"]
    assert plan.series().to_dict() == halves(grid)
    assert dict(plan.assignment) == halves(grid)
    with pytest.raises(TypeError):
        plan.assignment["c0r0"] = "East"  # read-only
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.name = "other"


def test_reassign_returns_a_new_plan_and_records_the_flip(grid):
    plan = make_plan(grid, halves(grid))
    moved = plan.reassign({"c0r1": "East", "c1r0": "East"}, name="edited")
    assert plan.members("West") == ["c0r0", "c0r1"]  # the original is untouched
    assert moved.members("West") == ["c0r0"]
    assert moved.parent is plan and moved.flips == ("c0r1",)  # c1r0 was already East
    assert moved.name == "edited"
    with pytest.raises(LocalignError, match="zz"):
        plan.reassign({"zz": "East"})


def test_renamed_keeps_the_partition(grid):
    plan = make_plan(grid, halves(grid))
    renamed = plan.renamed({"West": "A"})
    assert renamed.localities == ("East", "A")
    assert renamed.members("A") == plan.members("West")
    assert (renamed.codes() == plan.codes()).all()
    assert not renamed.same_assignment(plan) and plan.same_assignment(make_plan(grid, halves(grid)))


def test_plan_from_codes_and_series_input(grid):
    plan = plan_from_codes(grid, np.array([0, 0, 1, 1]), ("W", "E"), "coded")
    assert plan.members("W") == ["c0r0", "c0r1"] and plan.source == "proposal"
    from_series = make_plan(grid, pd.Series(halves(grid)))
    assert from_series.series().to_dict() == halves(grid)


def errors_of(area, assignment, **kwargs) -> str:
    with pytest.raises(LocalignError) as error:
        make_plan(area, assignment, **kwargs)
    return str(error.value)


def test_missing_ward_is_named(lbbd):
    assignment = current_plan(lbbd).series().to_dict()
    del assignment["E05014057"]
    message = errors_of(lbbd, assignment)
    assert "E05014057" in message and "Becontree" in message and "no locality" in message


def test_unknown_ward_is_named(lbbd):
    assignment = current_plan(lbbd).series().to_dict() | {"E05099999": "North"}
    message = errors_of(lbbd, assignment)
    assert "E05099999" in message and "not wards" in message


def test_duplicated_ward_is_named(lbbd):
    message = errors_of(lbbd, current_plan(lbbd).series().to_dict(), duplicates=["E05014060"])
    assert "E05014060" in message and "more than once" in message


def test_blank_locality_is_named(lbbd):
    assignment = current_plan(lbbd).series().to_dict() | {"E05014061": "  ", "E05014053": None}
    message = errors_of(lbbd, assignment)
    assert "blank" in message and "E05014061" in message and "E05014053" in message


def test_one_locality_is_not_a_plan(lbbd):
    message = errors_of(lbbd, {u: "Everywhere" for u in lbbd.ids})
    assert "at least 2 localities" in message


def test_declared_locality_without_wards_is_named(lbbd):
    message = errors_of(lbbd, current_plan(lbbd).series().to_dict(), localities=("East", "North", "West", "South"))
    assert "South" in message and "no wards" in message


def test_every_problem_is_reported_at_once(lbbd):
    assignment = current_plan(lbbd).series().to_dict()
    del assignment["E05014071"]
    assignment["X1"] = "East"
    message = errors_of(lbbd, assignment)
    assert "E05014071" in message and "X1" in message


def test_current_and_grouping_plans(lbbd_areas):
    lbbd = lbbd_areas  # the PCN grouping on the approximate (Voronoi) areas
    current = current_plan(lbbd)
    assert current.k == 3 and current.localities == ("East", "North", "West")
    assert current.series().to_dict() == lbbd.current.labels.to_dict()
    pcn = grouping_plan(lbbd, "pcn")
    assert pcn.series().to_dict() == lbbd.pcn.labels.to_dict()
    # each ward goes to the PCN area covering most of it; East PCN covers most of no ward (at most 48 %
    # of Village), so a ward-level PCN plan has five localities, not six
    areas = lbbd.pcn.areas.set_index("pcn_name").geometry
    largest = {u: max(areas.index, key=lambda g: lbbd.units.geometry[u].intersection(areas[g]).area)
               for u in lbbd.ids}
    assert pcn.series().to_dict() == largest
    assert pcn.k == 5 and "East PCN" not in pcn.localities
    with pytest.raises(LocalignError, match="no grouping called 'wards'"):
        grouping_plan(lbbd, "wards")


def test_plan_is_hashable_by_assignment_key(lbbd):
    a, b = current_plan(lbbd), current_plan(lbbd)
    assert a is not b and a.key() == b.key() and isinstance(hash(a.key()), int)
    assert isinstance(a, Plan)
