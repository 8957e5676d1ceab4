"""Compactness: Polsby–Popper, Reock and convex-hull ratio by hand on squares, and on the bundled wards."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from analysis.plan.context import StudyContext
from analysis.metrics.evaluate import evaluate
from analysis.plan.geometry import dissolve_plan
from analysis.metrics import compactness
from analysis.plan.partition import current_plan, grouping_plan
from synthetic import SIZE, grid_cells, make_area, plan_of, random_connected_plan


@pytest.fixture(scope="module")
def nine():
    """A 3 x 3 grid of 100 m squares split into an L (A), a mirrored L (B) and a 1 x 3 bar (C) on top:

        C C C
        A B B
        A A B
    """
    area = make_area(grid_cells(3, 3))
    plan = plan_of(area, {"A": ["c0r0", "c1r0", "c0r1"], "B": ["c2r0", "c2r1", "c1r1"],
                          "C": ["c0r2", "c1r2", "c2r2"]})
    return area, plan


def test_single_square():
    area = make_area({"a": (0, 0), "b": (1, 0)})
    result = evaluate(area, plan_of(area, {"A": ["a"], "B": ["b"]}))
    assert result.polsby_popper["A"] == pytest.approx(math.pi / 4)  # 4π s² / (4s)²
    assert result.reock["A"] == pytest.approx(2 / math.pi)         # s² / (π (s/√2)²)
    assert result.convex_hull["A"] == pytest.approx(1.0)
    assert result.area_km2["A"] == pytest.approx(SIZE**2 / 1e6)


def test_one_by_two_rectangle():
    area = make_area({"a": (0, 0), "b": (1, 0), "c": (2, 0)})
    result = evaluate(area, plan_of(area, {"A": ["a", "b"], "B": ["c"]}))
    assert result.polsby_popper["A"] == pytest.approx(2 * math.pi / 9)   # 4π 2s² / (6s)²
    assert result.reock["A"] == pytest.approx(8 / (5 * math.pi))         # 2s² / (π (√5 s / 2)²)
    assert result.convex_hull["A"] == pytest.approx(1.0)


def test_l_shape_and_bar(nine):
    area, plan = nine
    result = evaluate(area, plan)
    # L of three squares: area 3s², perimeter 8s; smallest circle through opposite corners, radius √2 s;
    # hull = 2s x 2s square less a half-square corner = 3.5 s²
    for loc in ("A", "B"):
        assert result.polsby_popper[loc] == pytest.approx(4 * math.pi * 3 / 64)
        assert result.reock[loc] == pytest.approx(3 / (2 * math.pi))
        assert result.convex_hull[loc] == pytest.approx(3 / 3.5)
    # 1 x 3 bar: area 3s², perimeter 8s, circle radius √10 s / 2, hull = itself
    assert result.polsby_popper["C"] == pytest.approx(4 * math.pi * 3 / 64)
    assert result.reock["C"] == pytest.approx(3 / (math.pi * 10 / 4))
    assert result.convex_hull["C"] == pytest.approx(1.0)
    assert result.polsby_popper_mean == pytest.approx(3 * math.pi / 16)
    assert result.reock_mean == pytest.approx((2 * 3 / (2 * math.pi) + 6 / (5 * math.pi)) / 3)
    assert result.reock_min == pytest.approx(6 / (5 * math.pi))
    assert result.convex_hull_min == pytest.approx(6 / 7)
    assert result.convex_hull_mean == pytest.approx((6 / 7 + 6 / 7 + 1) / 3)


def test_two_by_two_block_perimeter_is_additive():
    area = make_area(grid_cells(3, 2))
    plan = plan_of(area, {"A": ["c0r0", "c1r0", "c0r1", "c1r1"], "B": ["c2r0", "c2r1"]})
    shapes = StudyContext.of(area).shapes
    # A: four squares (16 s of edges) less twice its four inner edges = 8 s; B: 8 s less 2 s = 6 s
    assert compactness.locality_perimeters(plan.codes(), shapes, 2)[0].tolist() == pytest.approx([8 * SIZE, 6 * SIZE])
    assert compactness.locality_areas(plan.codes(), shapes, 2)[0].tolist() == pytest.approx([4 * SIZE**2, 2 * SIZE**2])
    assert evaluate(area, plan).polsby_popper["A"] == pytest.approx(math.pi / 4)


def test_polsby_popper_of_many_plans_at_once():
    scores = compactness.polsby_popper(np.array([[1.0, 2.0], [0.0, 3.0]]), np.array([[4.0, 6.0], [0.0, 8.0]]))
    assert scores == pytest.approx(np.array([[math.pi / 4, 2 * math.pi / 9], [0.0, 3 * math.pi / 16]]))


def lbbd_plans(lbbd):
    return [current_plan(lbbd), grouping_plan(lbbd, "pcn"),
            *(random_connected_plan(lbbd, k, seed) for k, seed in ((4, 1), (4, 2), (4, 3), (2, 4), (6, 5)))]


def test_additive_perimeter_equals_the_dissolved_shape_on_the_bundled_wards(lbbd):
    for plan in lbbd_plans(lbbd):
        result = evaluate(lbbd, plan)
        shapes = dissolve_plan(lbbd, plan)
        for loc in plan.localities:
            geom = shapes.geometry[loc]
            assert result.polsby_popper[loc] == pytest.approx(4 * math.pi * geom.area / geom.length**2, rel=1e-6), \
                (plan.name, loc)
            assert result.area_km2[loc] == pytest.approx(geom.area / 1e6, rel=1e-9)


def test_reock_and_hull_match_the_dissolved_shape_on_the_bundled_wards(lbbd):
    for plan in lbbd_plans(lbbd)[:4]:
        result = evaluate(lbbd, plan)
        shapes = dissolve_plan(lbbd, plan)
        for loc in plan.localities:
            geom = shapes.geometry[loc]
            assert result.reock[loc] == pytest.approx(
                geom.area / (math.pi * shapely.minimum_bounding_radius(geom) ** 2), rel=1e-9)
            assert result.convex_hull[loc] == pytest.approx(geom.area / geom.convex_hull.area, rel=1e-9)
            assert 0 < result.polsby_popper[loc] < result.convex_hull[loc] <= 1
