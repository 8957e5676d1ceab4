"""Annealing, boundary repair and the granularity bound (analysis.solvers.anneal), and the optimiser at more than 127 localities.

Exact results are checked against brute force over every labelling of a small grid; the running totals the
compiled moves keep are checked against recomputation from scratch; large-k runs use the real Census 2021
LSOAs of three London boroughs from the shared national data.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from analysis.solvers import anneal
from analysis.solvers.anneal import Annealer, granularity_bound, new_state
from analysis.solvers.optimise import Optimiser
from analysis.metrics.scoring import PlanScorer, Weights
from analysis.solvers.seed_plans import seed_plan
from analysis.plan.graph import UnitGraph

NATIONAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "national"
BALANCE = Weights(balance=1, nesting=0, compactness=0, continuity=0)


def grid_graph(columns: int, rows: int, seed: int) -> UnitGraph:
    g = nx.grid_2d_graph(columns, rows)
    rng = np.random.default_rng(seed)
    for node in g.nodes:
        g.nodes[node]["population"] = float(rng.integers(50, 150))
    return UnitGraph.from_networkx(nx.convert_node_labels_to_integers(g, ordering="sorted"))


def brute_force_best(graph: UnitGraph, k: int) -> float:
    """The smallest largest deviation over every labelling of the units into k connected, non-empty localities."""
    best = math.inf
    ideal = graph.total / k
    for labels in itertools.product(range(k), repeat=graph.n):
        codes = np.array(labels)
        if codes[0] != 0 or len(set(labels)) < k:
            continue
        pops = np.bincount(codes, weights=graph.population, minlength=k)
        dev = float(np.abs(pops - ideal).max() / ideal)
        if dev < best - 1e-12 and graph.is_contiguous(codes, k):
            best = dev
    return best


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_annealing_and_repair_reach_the_brute_force_optimum_on_small_grids(seed):
    graph = grid_graph(3, 3, seed)
    expected = brute_force_best(graph, 3)
    optimiser = Optimiser(graph, 3, weights=BALANCE, seed=seed, max_steps=40_000, engine="anneal", workers=2)
    result = optimiser.solve()
    assert result.scores.max_abs_deviation[0] == pytest.approx(expected, abs=1e-12)
    assert all(graph.is_contiguous(row, 3) for row in result.codes)


def test_repair_never_raises_the_largest_deviation_and_keeps_localities_connected():
    graph = grid_graph(12, 10, 7)
    for k in (3, 7, 15):
        start = seed_plan(graph, k, np.random.default_rng(k))
        repaired = Annealer(graph, k).repair(start)
        before = np.abs(np.bincount(start, weights=graph.population, minlength=k) - graph.total / k).max()
        after = np.abs(np.bincount(repaired, weights=graph.population, minlength=k) - graph.total / k).max()
        assert after <= before
        assert graph.is_contiguous(repaired, k)


@pytest.mark.parametrize("weights", [Weights(1, 0, 0.5, 0), Weights(1, 0, 0, 0)])
def test_running_totals_match_a_recount_after_annealing(lbbd, weights):
    """Populations, areas, outline lengths and the cut-edge list the compiled moves update equal a recount, and the
    outline lengths give the Polsby–Popper scores of the reference scorer."""
    optimiser = Optimiser(lbbd, 4, weights=weights, seed=0, max_steps=10, engine="anneal", workers=1)
    graph, geometry = optimiser.graph, optimiser._geometry()
    annealer = Annealer(graph, 4, weights.balance, weights.compactness, geometry)
    start = seed_plan(graph, 4, np.random.default_rng(0))
    state = new_state(graph, start, 4, geometry)
    best = state.codes.copy()
    visit, target, queue, stamp, _ = annealer._scratch()
    accepted = anneal._anneal(graph.indptr, graph.indices, annealer.eids, graph.edge_a, graph.edge_b, graph.population,
                   state.codes, state.pops, state.areas, state.lengths, state.cut_list, state.cut_pos, state.n_cut, 4,
                   annealer.ideal, annealer.w_balance, annealer.w_compactness, annealer.cmode, geometry.area,
                   geometry.perimeter, geometry.contact_indptr, geometry.contact_indices, geometry.contact_m, 2.0,
                   annealer.t_first * 50, annealer.t_first, 5_000, 3, best, np.array([np.inf]), visit, target, queue,
                   stamp, 0.5)
    assert graph.is_contiguous(state.codes, 4)
    assert accepted > 100  # the walk moved
    fresh = new_state(graph, state.codes, 4, geometry)
    np.testing.assert_allclose(state.pops, fresh.pops)
    cut = set(np.flatnonzero(state.codes[graph.edge_a] != state.codes[graph.edge_b]))
    assert set(state.cut_list[:state.n_cut[0]]) == cut
    if annealer.cmode != anneal.COMPACT_PP:
        return  # areas and outlines are only kept when compactness counts
    np.testing.assert_allclose(state.areas, fresh.areas)
    np.testing.assert_allclose(state.lengths, fresh.lengths, rtol=1e-9)
    reference = PlanScorer(lbbd, 4).score_reference(state.codes.astype(np.int64))
    pp = 4 * np.pi * state.areas / state.lengths ** 2
    assert pp.mean() == pytest.approx(reference.polsby_popper_mean[0], rel=1e-9)


def test_same_seed_and_moves_give_the_same_plan():
    graph = grid_graph(15, 12, 4)
    runs = [Optimiser(graph, 9, weights=BALANCE, seed=5, max_steps=30_000, engine="anneal", workers=2).solve()
            for _ in range(2)]
    np.testing.assert_array_equal(runs[0].codes, runs[1].codes)


def test_granularity_bound_by_hand():
    # whole residents: ideal 10.5, so one locality holds at least 11 or at most 10
    bound, why = granularity_bound(np.array([5.0, 5, 5, 6]), 2)
    assert bound == pytest.approx(0.5 / 10.5) and "whole residents" in why
    # a unit of 100 against an ideal of 51.5
    bound, why = granularity_bound(np.array([100.0, 1, 1, 1]), 2)
    assert bound == pytest.approx((100 - 51.5) / 51.5) and "largest unit" in why
    assert granularity_bound(np.array([5.0, 5, 5, 5]), 2)[0] == 0.0


@pytest.fixture(scope="module")
def three_boroughs() -> UnitGraph:
    """Census 2021 LSOAs of Barking and Dagenham, Newham and Tower Hamlets with their usual residents."""
    import geopandas as gpd

    from geo.adjacency import adjacency_graph, link_islands
    from geo.crs import METRIC_CRS

    lookup = pd.read_csv(NATIONAL / "lookup_lsoa21_ward24_lad24.csv", usecols=["lsoa21_code", "lad24_code"])
    codes = set(lookup.loc[lookup["lad24_code"].isin(["E09000002", "E09000025", "E09000030"]), "lsoa21_code"])
    people = pd.read_csv(NATIONAL / "england_lsoa21_census2021_age.csv", usecols=["lsoa21_code", "usual_residents"])
    shapes = gpd.read_parquet(NATIONAL / "england_lsoa21.parquet")
    shapes = shapes.loc[shapes["lsoa21_code"].isin(codes)].set_index("lsoa21_code").sort_index().to_crs(METRIC_CRS)
    graph = link_islands(adjacency_graph(shapes, "rook"), shapes)
    residents = people.set_index("lsoa21_code")["usual_residents"]
    nx.set_node_attributes(graph, {c: float(residents[c]) for c in shapes.index}, "population")
    return UnitGraph.from_networkx(graph)


def test_more_than_127_localities_on_real_lsoas(three_boroughs):
    graph = three_boroughs
    k = 200  # 469 LSOAs: two or three per locality
    optimiser = Optimiser(graph, k, weights=BALANCE, seed=0, max_steps=200_000, workers=2)
    result = optimiser.solve()
    codes = result.codes[0].astype(np.int64)
    assert optimiser.annealing
    assert codes.max() == k - 1 and len(np.unique(codes)) == k
    assert graph.is_contiguous(codes, k)
    ideal = graph.total / k
    recount = np.abs(np.bincount(codes, weights=graph.population, minlength=k) - ideal).max() / ideal
    assert result.scores.max_abs_deviation[0] == pytest.approx(recount)
    # annealing and repair improve on the seeded starting plan
    start = seed_plan(graph, k, np.random.default_rng(0))
    start_dev = np.abs(np.bincount(start, weights=graph.population, minlength=k) - ideal).max() / ideal
    assert recount < start_dev
    assert optimiser.lower_bound is not None and optimiser.lower_bound[0] <= recount
