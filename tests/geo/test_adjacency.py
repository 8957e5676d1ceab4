"""The ward graph: rook/queen contiguity checked against the data README's list, snapping, islands, gerrychain."""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
import shapely
from shapely import affinity

from geo import adjacency as adj
from geo.bundle import StudyArea
from synthetic import code_of, make_area, units_frame

DATA_README = Path("/work/shared/data/README.md")
SHARED = Path(__file__).resolve().parents[2] / "data" / "boundaries" / "lbbd"


def readme_adjacency() -> tuple[set[frozenset[str]], dict[frozenset[str], float], set[frozenset[str]]]:
    """Rook pairs (by ward name), the lengths the README states, and the queen-only pairs, parsed from its text."""
    text = DATA_README.read_text(encoding="utf-8") if DATA_README.exists() else ""
    if not text:
        pytest.skip("the shared data README is not on this machine")
    section = text.split("- **Adjacency**", 1)[1].split("The graph has", 1)[0]
    pairs, lengths = set(), {}
    for entry in section.split("\n  - ")[1:]:  # one entry per ward, possibly wrapped over lines
        ward, _, rest = " ".join(entry.split()).partition(": ")
        for item in rest.split(", "):
            neighbour = re.match(r"(.+?)(?: \((\d+)\))?$", item.strip())
            pair = frozenset((ward, neighbour.group(1).strip()))
            pairs.add(pair)
            if neighbour.group(2):
                lengths[pair] = float(neighbour.group(2))
    queen_text = text.split("Queen contiguity adds", 1)[1].split("edges):", 1)[1].split("\n  - ", 1)[0]
    items = re.split(r",\s*|\s+and\s+", " ".join(queen_text.split()).rstrip("."))
    queen_only = {frozenset(w.strip() for w in item.split("–")) for item in items}
    return pairs, lengths, queen_only


def named_edges(area: StudyArea, graph: nx.Graph) -> set[frozenset[str]]:
    return {frozenset((area.unit_names[a], area.unit_names[b])) for a, b in graph.edges}


def test_rook_graph_is_the_readme_edge_list(lbbd):
    pairs, _, _ = readme_adjacency()
    rook = lbbd.graph("rook")
    assert len(pairs) == 37
    assert named_edges(lbbd, rook) == pairs
    assert rook.number_of_edges() == 37
    assert nx.number_connected_components(rook) == 1


def test_shared_lengths_match_the_readme(lbbd):
    _, lengths, _ = readme_adjacency()
    rook = lbbd.graph("rook")
    by_name = {frozenset((lbbd.unit_names[a], lbbd.unit_names[b])): d["shared_m"] for a, b, d in rook.edges(data=True)}
    assert len(lengths) == 37  # the README states each pair's length once
    for pair, metres in lengths.items():
        assert by_name[pair] == pytest.approx(metres, abs=1.0), sorted(pair)


def test_queen_adds_exactly_the_four_point_contacts(lbbd):
    _, _, queen_only = readme_adjacency()
    expected = {frozenset(p) for p in (("Alibon", "Goresbrook"), ("Becontree", "Parsloes"),
                                       ("Mayesbrook", "Valence"), ("Parsloes", "Village"))}
    assert queen_only == expected  # what the README says is what the brief says
    queen, rook = lbbd.graph("queen"), lbbd.graph("rook")
    assert queen.number_of_edges() == 41
    assert named_edges(lbbd, queen) - named_edges(lbbd, rook) == expected
    for a, b in queen.edges:
        if not rook.has_edge(a, b):
            assert queen.edges[a, b]["shared_m"] < 1.0


def test_whalebone_eastbrook_edge_is_about_nine_metres(lbbd):
    whalebone, eastbrook = code_of(lbbd, "Whalebone"), code_of(lbbd, "Eastbrook & Rush Green")
    edge = lbbd.graph("rook").edges[whalebone, eastbrook]
    assert 8.0 < edge["shared_m"] < 10.0
    independent = lbbd.units.geometry[whalebone].boundary.intersection(lbbd.units.geometry[eastbrook].boundary).length
    assert edge["shared_m"] == pytest.approx(independent, abs=0.01)


def test_graph_nodes_carry_population_and_names(lbbd):
    rook = lbbd.graph("rook")
    assert set(rook.nodes) == set(lbbd.ids)
    expected = pd.read_csv(SHARED / "ward_population.csv", dtype={"ward_code": str}).set_index("ward_code")
    for code in lbbd.ids:
        assert rook.nodes[code]["population"] == expected.loc[code, "population"]
        assert rook.nodes[code]["name"] == expected.loc[code, "ward_name"]


# --- snapping: a ward moved by half a metre -------------------------------------------------------------

def shifted(area: StudyArea, name: str, dx: float, dy: float):
    units = area.units.copy()
    code = code_of(area, name)
    units.loc[code, "geometry"] = affinity.translate(units.geometry[code], dx, dy)
    return units, code


def edge_set(graph: nx.Graph) -> set[frozenset[str]]:
    return {frozenset(e) for e in graph.edges}


def test_half_metre_shift_keeps_the_graph_with_one_metre_snapping(lbbd):
    """Eastbury (8 neighbours) moved 0.5 m east: a gap on its west side, an overlap on its east side."""
    units, code = shifted(lbbd, "Eastbury", 0.5, 0.0)
    gaps = {n: units.geometry[code].distance(units.geometry[n]) for n in lbbd.graph("rook").neighbors(code)}
    assert any(0.0 < g <= 0.5 + 1e-9 for g in gaps.values())  # the shift opened a gap
    assert any(g == 0.0 for g in gaps.values())                # and an overlap on the other side
    for kind in ("rook", "queen"):
        moved = adj.adjacency_graph(units, kind, snap_m=1.0, min_shared_m=1.0)
        assert edge_set(moved) == edge_set(lbbd.graph(kind)), kind
    rook = adj.adjacency_graph(units, "rook", snap_m=1.0)
    for n in rook.neighbors(code):
        assert rook.edges[code, n]["shared_m"] == pytest.approx(lbbd.graph("rook").edges[code, n]["shared_m"], abs=2.0)


def test_tiny_snap_loses_only_the_edges_across_the_gap(lbbd):
    units, code = shifted(lbbd, "Eastbury", 0.5, 0.0)
    rook = adj.adjacency_graph(units, "rook", snap_m=0.01)
    lost = edge_set(lbbd.graph("rook")) - edge_set(rook)
    across_gap = {frozenset((code, n)) for n in lbbd.graph("rook").neighbors(code)
                  if units.geometry[code].distance(units.geometry[n]) > 0.01}
    assert across_gap and lost == across_gap
    assert edge_set(rook) - edge_set(lbbd.graph("rook")) == set()


def test_edge_ward_pulled_away_becomes_an_island_and_is_linked_back(lbbd):
    """Chadwell Heath touches only Whalebone; moving it 0.5 m north-east opens a gap between them."""
    units, code = shifted(lbbd, "Chadwell Heath", 0.5 / 2**0.5, 0.5 / 2**0.5)
    whalebone = code_of(lbbd, "Whalebone")
    gap = units.geometry[code].distance(units.geometry[whalebone])
    assert 0.0 < gap <= 0.5 + 1e-9
    snapped = adj.adjacency_graph(units, "rook", snap_m=1.0)
    assert edge_set(snapped) == edge_set(lbbd.graph("rook"))
    assert snapped.edges[code, whalebone]["gap_m"] == pytest.approx(gap)
    strict = adj.adjacency_graph(units, "rook", snap_m=0.01)
    assert adj.islands(strict) == [[code]]
    linked = adj.link_islands(strict, units)
    assert adj.islands(linked) == []
    assert edge_set(linked) - edge_set(strict) == {frozenset((code, whalebone))}
    assert linked.edges[code, whalebone]["linked"] is True
    assert linked.edges[code, whalebone]["gap_m"] == pytest.approx(gap)


# --- synthetic squares ------------------------------------------------------------------------------------

def test_two_by_two_grid_rook_has_four_edges_queen_six():
    area = make_area({"sw": (0, 0), "se": (1, 0), "nw": (0, 1), "ne": (1, 1)})
    rook, queen = area.graph("rook"), area.graph("queen")
    assert edge_set(rook) == {frozenset(p) for p in (("sw", "se"), ("nw", "ne"), ("sw", "nw"), ("se", "ne"))}
    assert edge_set(queen) - edge_set(rook) == {frozenset(("sw", "ne")), frozenset(("se", "nw"))}
    for a, b, data in rook.edges(data=True):
        assert data["shared_m"] == pytest.approx(100.0)
    assert queen.edges["sw", "ne"]["shared_m"] == 0.0


def test_gap_under_the_snap_tolerance_is_bridged_and_a_wider_one_is_not():
    units = units_frame({"a": (0, 0), "b": (1.005, 0)})  # b sits 0.5 m east of a
    assert units.geometry["a"].distance(units.geometry["b"]) == pytest.approx(0.5)
    bridged = adj.adjacency_graph(units, "rook", snap_m=1.0)
    assert bridged.has_edge("a", "b")
    assert bridged.edges["a", "b"]["shared_m"] == pytest.approx(100.0, abs=1.0)
    assert bridged.edges["a", "b"]["gap_m"] == pytest.approx(0.5)
    assert not adj.adjacency_graph(units, "queen", snap_m=0.4).has_edge("a", "b")


def test_overlap_counts_as_a_shared_boundary_even_without_snapping():
    units = units_frame({"a": (0, 0), "b": (0.995, 0)})  # b overlaps a by 0.5 m
    graph = adj.adjacency_graph(units, "rook", snap_m=0.01)
    assert graph.edges["a", "b"]["shared_m"] == pytest.approx(100.0, abs=1.0)


def test_min_shared_separates_a_short_boundary_from_a_corner():
    """b is shifted north by 99.5 m: a and b share 0.5 m of boundary — queen, but not rook at 1 m."""
    units = units_frame({"a": (0, 0), "b": (1, 0.995)})
    contacts = adj.contacts(units, snap_m=0.01)
    assert contacts.loc[0, "shared_m"] == pytest.approx(0.5)
    assert not adj.adjacency_graph(units, "rook", snap_m=0.01, min_shared_m=1.0).has_edge("a", "b")
    assert adj.adjacency_graph(units, "rook", snap_m=0.01, min_shared_m=0.1).has_edge("a", "b")
    assert adj.adjacency_graph(units, "queen", snap_m=0.01).has_edge("a", "b")


def test_islands_are_reported_and_each_linked_to_its_nearest_unit():
    # a-b adjacent; c is 50 m east of b (150 m from a); d is 300 m north of a (about 304 m from b).
    cells = {"a": (0, 0), "b": (1, 0), "c": (2.5, 0), "d": (-0.5, 4)}
    units = units_frame(cells)
    graph = adj.adjacency_graph(units, "rook")
    assert adj.islands(graph) == [["c"], ["d"]]
    assert sorted(map(sorted, nx.connected_components(graph))) == [["a", "b"], ["c"], ["d"]]
    linked = adj.link_islands(graph, units)
    assert nx.is_connected(linked)
    added = {frozenset(e): d["gap_m"] for *e, d in linked.edges(data=True) if d.get("linked")}
    # c's nearest unit is b (50 m); d's nearest is a (300 m north of a's top edge: 400 - 100).
    assert added == {frozenset(("b", "c")): pytest.approx(50.0), frozenset(("a", "d")): pytest.approx(300.0)}
    assert not graph.has_edge("b", "c")  # the original graph is untouched


def test_contacts_refuse_degrees():
    units = units_frame({"a": (0, 0), "b": (1, 0)}).to_crs("EPSG:4326")
    with pytest.raises(ValueError, match="projected"):
        adj.contacts(units)


def test_unknown_adjacency_kind_is_refused():
    with pytest.raises(ValueError, match="rook"):
        adj.adjacency_graph(units_frame({"a": (0, 0)}), "bishop")


# --- gerrychain --------------------------------------------------------------------------------------------

def test_to_gerrychain_keeps_edges_and_populations(lbbd):
    from gerrychain import Graph, Partition
    from gerrychain.updaters import Tally, cut_edges

    graph = adj.to_gerrychain(lbbd.graph("rook"), lbbd.population)
    assert isinstance(graph, Graph)
    assert sorted(graph.nodes) == sorted(lbbd.ids)
    assert len(list(graph.edges)) == 37
    for code in lbbd.ids:
        assert graph.node_data(code)["population"] == float(lbbd.population[code])
    partition = Partition(graph, lbbd.current.labels.to_dict(), {"population": Tally("population"),
                                                                  "cut_edges": cut_edges})
    table = pd.read_csv(SHARED / "current_localities_INFERRED.csv").merge(
        pd.read_csv(SHARED / "ward_population.csv")[["ward_code", "population"]], on="ward_code")
    assert dict(partition["population"]) == table.groupby("locality_candidate")["population"].sum().to_dict()
    assert len(partition["cut_edges"]) == sum(1 for a, b in lbbd.graph("rook").edges
                                              if lbbd.current.labels[a] != lbbd.current.labels[b])


def test_shapely_coverage_of_the_wards_is_already_clean(lbbd):
    """The ONS wards share vertices exactly, so cleaning changes no shared length (the README says so too)."""
    geoms = lbbd.units.geometry.to_numpy()
    assert bool(shapely.coverage_is_valid(geoms))
    for row in lbbd.contacts.itertuples():
        exact = lbbd.units.geometry[row.a].boundary.intersection(lbbd.units.geometry[row.b].boundary).length
        assert row.shared_m == pytest.approx(exact, abs=1e-6)


def test_summary_reports_islands_and_components():
    from geo.bundle import summary

    area = make_area({"a": (0, 0), "b": (1, 0), "c": (3, 0)})
    facts = summary(area)
    assert facts["components"] == 2 and facts["islands"] == [["c"]]
    assert facts["adjacency_edges"] == {"rook": 1, "queen": 1}
