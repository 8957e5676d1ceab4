"""The exact enumerator against independent counts: known grid counts, the bundled wards, and a brute force over all
set partitions of many small random graphs, with and without population bounds and together/apart rules."""

from __future__ import annotations

import itertools
import json

import networkx as nx
import numpy as np
import pytest
from scipy.spatial import Delaunay

from analysis.plan.context import StudyContext
from analysis.plan.graph import UnitGraph
from analysis.solvers.enumeration import (Search, count_partitions, enumerate_partitions, estimate_partitions,
                                  read_graph_json)
from analysis.metrics.population import within_tolerance
from geo.errors import LocalignError


def set_partitions(n: int, k: int):
    """Every partition of range(n) into exactly k non-empty blocks, as label tuples (restricted growth strings)."""
    labels = [0] * n

    def extend(i: int, used: int):
        if n - i < k - used:
            return
        if i == n:
            if used == k:
                yield tuple(labels)
            return
        for label in range(min(used + 1, k)):
            labels[i] = label
            yield from extend(i + 1, max(used, label + 1))

    if n and k:
        labels[0] = 0
        yield from extend(1, 1)


def connected_set_partitions(graph: nx.Graph, k: int) -> list[tuple[int, ...]]:
    """Labels of every set partition of the graph's nodes into k blocks that are each connected (checked by
    flooding each block through the graph's adjacency)."""
    nodes = list(graph.nodes)
    position = {u: i for i, u in enumerate(nodes)}
    neighbours = [{position[v] for v in graph[u]} for u in nodes]
    found = []
    for labels in set_partitions(len(nodes), k):
        ok = True
        for b in range(k):
            block = {i for i, label in enumerate(labels) if label == b}
            seen, todo = set(), [next(iter(block))]
            while todo:
                i = todo.pop()
                if i not in seen:
                    seen.add(i)
                    todo.extend(neighbours[i] & block)
            if seen != block:
                ok = False
                break
        if ok:
            found.append(labels)
    return found


def brute_force(graph: nx.Graph, population: list[float], k: int, max_deviation: float | None = None,
                together=(), apart=(), partitions=None) -> set[frozenset]:
    """All partitions of the graph into k connected blocks meeting the rules, by filtering every set partition."""
    found = connected_set_partitions(graph, k) if partitions is None else partitions
    found = [labels for labels in found
             if all(len({labels[i] for i in group}) == 1 for group in together)
             and all(len({labels[i] for i in group}) == len(group) for group in apart)]
    if max_deviation is not None and found:
        pops = np.array([[sum(population[i] for i in range(len(labels)) if labels[i] == b) for b in range(k)]
                         for labels in found])
        keep = within_tolerance(pops, float(sum(population)), max_deviation)
        found = [labels for labels, ok in zip(found, keep) if ok]
    return {canonical(labels) for labels in found}


def canonical(labels) -> frozenset:
    """A partition as a set of blocks (labels do not matter)."""
    blocks: dict[int, set] = {}
    for i, label in enumerate(labels):
        blocks.setdefault(int(label), set()).add(i)
    return frozenset(frozenset(b) for b in blocks.values())


def random_planar(n: int, rng: np.random.Generator, drop: float) -> nx.Graph:
    points = rng.random((n, 2))
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    for simplex in Delaunay(points).simplices:
        for a, b in itertools.combinations(simplex, 2):
            if rng.random() >= drop:
                graph.add_edge(int(a), int(b))
    return graph


def small_graphs():
    """Named small graphs (n <= 9) covering grids, planar, paths, cycles, trees, complete and disconnected graphs."""
    rng = np.random.default_rng(20240601)
    graphs = {
        "grid 3x3": nx.convert_node_labels_to_integers(nx.grid_2d_graph(3, 3)),
        "grid 2x4": nx.convert_node_labels_to_integers(nx.grid_2d_graph(2, 4)),
        "path 8": nx.path_graph(8),
        "cycle 9": nx.cycle_graph(9),
        "star 7": nx.star_graph(6),
        "complete 6": nx.complete_graph(6),
        "tree 9": nx.random_labeled_tree(9, seed=3) if hasattr(nx, "random_labeled_tree") else nx.random_tree(9, seed=3),
        "two triangles + path": nx.disjoint_union_all([nx.cycle_graph(3), nx.cycle_graph(3), nx.path_graph(2)]),
        "isolated units": nx.empty_graph(4),
    }
    for i in range(8):
        graphs[f"planar {i}"] = random_planar(int(rng.integers(6, 10)), rng, drop=0.15 * (i % 3))
    return graphs


@pytest.mark.parametrize("k, expected", [(2, 53), (3, 258), (4, 440)])
def test_3x3_grid_counts_match_the_known_values(k, expected):
    graph = UnitGraph.for_enumeration(nx.grid_2d_graph(3, 3))
    assert count_partitions(Search(graph, k)).count == expected
    assert len({canonical(row) for row in enumerate_partitions(Search(graph, k))}) == expected


@pytest.mark.parametrize("k, expected", [(3, 34_807), (4, 336_985)])
def test_bundled_ward_counts_match_the_issue(lbbd, k, expected):
    graph = StudyContext.of(lbbd, "rook").graph
    assert count_partitions(Search(graph, k)).count == expected


def test_every_listed_bundled_plan_is_distinct_connected_and_uses_k_localities(lbbd):
    graph = StudyContext.of(lbbd, "rook").graph
    codes = enumerate_partitions(Search(graph, 3))
    assert codes.shape == (34_807, 19) and codes.dtype == np.int8
    assert len(np.unique(codes, axis=0)) == len(codes)
    nxg = lbbd.graph("rook")
    ids = lbbd.ids
    for row in codes[:: 997]:
        for j in range(3):
            members = [ids[i] for i in np.flatnonzero(row == j)]
            assert members and nx.is_connected(nxg.subgraph(members))


def test_enumerator_equals_brute_force_on_small_graphs_with_and_without_bounds():
    rng = np.random.default_rng(7)
    checked = 0
    for index, (name, graph) in enumerate(small_graphs().items()):
        n = graph.number_of_nodes()
        if index % 2:  # whole numbers (zeros included) put parts exactly on the bound; fractions test rounding
            population = [float(v) for v in rng.integers(0, 6, n)]
        else:
            population = list(rng.random(n) * 1000)
        if sum(population) == 0:
            population[0] = 1.0
        pg = UnitGraph.for_enumeration(graph, dict(zip(graph.nodes, population)))
        for k in range(1, min(n, 5) + 1):
            partitions = connected_set_partitions(graph, k)
            for d in (None, 0.0, 0.1, 0.25, 0.5, 1.0):
                if d == 0.0 and index % 2 == 0:
                    continue  # with fractional residents, 'exactly equal' depends on the order of float addition
                expected = brute_force(graph, population, k, d, partitions=partitions)
                search = Search(pg, k, d)
                got = [canonical(row) for row in enumerate_partitions(search)]
                assert len(got) == len(set(got)), (name, k, d)
                assert set(got) == expected, (name, k, d)
                assert count_partitions(search).count == len(expected), (name, k, d)
                checked += 1
    assert checked > 300


def test_population_bound_matches_within_tolerance_at_the_boundary():
    """Integer populations put many parts exactly on the bound: the enumerator keeps exactly those within_tolerance keeps."""
    graph = nx.convert_node_labels_to_integers(nx.grid_2d_graph(3, 3))
    population = [1.0, 2.0, 3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 4.0]  # 20 residents; k = 4 puts the bound on whole numbers
    pg = UnitGraph.for_enumeration(graph, dict(enumerate(population)))
    partitions = connected_set_partitions(graph, 4)
    sizes = []
    for d in (0.0, 0.2, 0.4, 0.6):
        expected = brute_force(graph, population, 4, d, partitions=partitions)
        assert {canonical(r) for r in enumerate_partitions(Search(pg, 4, d))} == expected
        sizes.append(len(expected))
    assert sizes == sorted(sizes) and sizes[0] < sizes[1] < sizes[-1] < 440


def test_together_and_apart_rules_prune_exactly_what_a_filter_removes():
    rng = np.random.default_rng(11)
    for name, graph in list(small_graphs().items())[:12]:
        n = graph.number_of_nodes()
        if n < 5:
            continue
        population = [float(v) for v in rng.integers(1, 5, n)]
        pg = UnitGraph.for_enumeration(graph, dict(zip(graph.nodes, population)))
        units = rng.permutation(n)
        together, apart = (tuple(int(u) for u in units[:2]),), (tuple(int(u) for u in units[2:4]),)
        for k in (2, 3):
            partitions = connected_set_partitions(graph, k)
            for d in (None, 0.5):
                expected = brute_force(graph, population, k, d, together, apart, partitions)
                got = {canonical(r) for r in enumerate_partitions(Search(pg, k, d, together, apart))}
                assert got == expected, (name, k, d)


def test_more_components_than_parts_gives_no_partition():
    graph = UnitGraph.for_enumeration(nx.disjoint_union_all([nx.path_graph(3)] * 3))
    assert count_partitions(Search(graph, 2)).count == 0
    assert count_partitions(Search(graph, 3)).count == 1
    assert count_partitions(Search(graph, 4)).count == 3 * 2


def test_bounded_search_visits_fewer_nodes_and_finds_the_balance_optimum(lbbd):
    graph = StudyContext.of(lbbd, "rook").graph
    free = count_partitions(Search(graph, 4))
    bounded = count_partitions(Search(graph, 4, 0.05))
    assert bounded.nodes < free.nodes / 20
    codes = enumerate_partitions(Search(graph, 4, 0.05))
    pops = np.stack([(codes == j).astype(float) @ lbbd.population.to_numpy() for j in range(4)], axis=1)
    best = np.abs(pops * 4 / lbbd.total_population - 1).max(axis=1).min()
    assert 0.0313 < best < 0.0315  # issue 7 quotes the 3.14 % optimum
    assert count_partitions(Search(graph, 4, best)).count >= 1
    assert count_partitions(Search(graph, 4, best * (1 - 1e-6))).count == 0


def test_node_budget_stops_the_count_early(lbbd):
    result = count_partitions(Search(StudyContext.of(lbbd).graph, 4), max_nodes=5_000)
    assert not result.complete and result.count < 336_985


def test_knuth_estimate_is_near_the_exact_count():
    graph = UnitGraph.for_enumeration(nx.grid_2d_graph(4, 4))
    exact = count_partitions(Search(graph, 3)).count
    estimate = estimate_partitions(Search(graph, 3), probes=20_000, seed=1)
    assert abs(estimate.mean - exact) < max(4 * estimate.stderr, 0.01 * exact)
    assert 0.5 * exact < estimate.mean < 2 * exact


def test_graphs_over_63_units_are_refused_in_plain_words():
    graph = UnitGraph.for_enumeration(nx.path_graph(64))
    with pytest.raises(LocalignError, match="at most 63"):
        count_partitions(Search(graph, 2))


def test_gerrychain_json_round_trip_gives_the_same_count(lbbd, tmp_path):
    from geo.adjacency import to_gerrychain

    path = tmp_path / "wards.json"
    to_gerrychain(lbbd.graph("rook"), lbbd.population, "TOTPOP").to_json(str(path))
    graph = read_graph_json(path, "TOTPOP")
    assert graph.n == 19 and graph.population.sum() == pytest.approx(lbbd.total_population)
    assert count_partitions(Search(graph, 3)).count == 34_807
    assert count_partitions(Search(graph, 4, 0.1)).count == count_partitions(
        Search(StudyContext.of(lbbd).graph, 4, 0.1)).count


@pytest.mark.parametrize("text, message", [
    ("{not json", "not valid JSON"),
    (json.dumps({"nodes": []}), "networkx adjacency format"),
    (json.dumps({"nodes": [{"id": 0}], "adjacency": [[]]}), "no attribute 'pop'"),
    (json.dumps({"nodes": [{"id": 0, "pop": "many"}], "adjacency": [[]]}), "not a non-negative number"),
    (json.dumps({"nodes": [{"id": 0, "pop": 3}], "adjacency": [[{"id": 9}]]}), "not nodes"),
])
def test_bad_graph_json_gets_a_plain_error(tmp_path, text, message):
    path = tmp_path / "graph.json"
    path.write_text(text)
    with pytest.raises(LocalignError, match=message):
        read_graph_json(path, "pop")
