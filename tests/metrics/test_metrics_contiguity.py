"""Contiguity and cut edges: hand-worked on squares, and on the bundled wards."""

from __future__ import annotations


from analysis.metrics.evaluate import evaluate
from analysis.metrics.contiguity import cut_edges, noncontiguous_localities, pieces
from analysis.plan.context import StudyContext
from analysis.plan.partition import current_plan
from synthetic import code_of, grid_cells, make_area, plan_of


def test_locality_in_two_pieces_lists_them():
    strip = make_area({"a": (0, 0), "b": (1, 0), "c": (2, 0)})
    result = evaluate(strip, plan_of(strip, {"A": ["a", "c"], "B": ["b"]}))
    assert result.contiguous is False
    assert result.noncontiguous == {"A": [["a"], ["c"]]}
    assert result.cut_edges == 2 and sorted(map(sorted, result.cut_edge_pairs)) == [["a", "b"], ["b", "c"]]


def test_pieces_are_listed_largest_first():
    area = make_area(grid_cells(3, 3))
    # A = the west column plus the lone east-middle square; B = the rest
    plan = plan_of(area, {"A": ["c0r0", "c0r1", "c0r2", "c2r1"],
                          "B": ["c1r0", "c2r0", "c1r1", "c1r2", "c2r2"]})
    assert evaluate(area, plan).noncontiguous == {"A": [["c0r0", "c0r1", "c0r2"], ["c2r1"]]}
    assert pieces(StudyContext.of(area).graph, ["c2r2", "c0r0", "c1r0"]) == [["c0r0", "c1r0"], ["c2r2"]]


def test_checkerboard_corner_touch_is_split_under_rook_but_joined_under_queen():
    area = make_area(grid_cells(2, 2))
    plan = plan_of(area, {"A": ["c0r0", "c1r1"], "B": ["c1r0", "c0r1"]})
    rook, queen = evaluate(area, plan, "rook"), evaluate(area, plan, "queen")
    assert rook.noncontiguous == {"A": [["c0r0"], ["c1r1"]], "B": [["c0r1"], ["c1r0"]]}
    assert not rook.contiguous
    assert queen.contiguous and queen.noncontiguous == {}
    assert rook.cut_edges == 4   # every side-sharing pair is split
    assert queen.cut_edges == 4  # the same four; both diagonals lie inside a locality
    assert queen.adjacency == "queen"


def test_three_by_three_cut_edges_by_hand():
    area = make_area(grid_cells(3, 3))
    plan = plan_of(area, {"A": ["c0r0", "c1r0", "c0r1"], "B": ["c2r0", "c2r1", "c1r1"],
                          "C": ["c0r2", "c1r2", "c2r2"]})
    # 12 rook edges, 2 inside each locality -> 6 cut; queen adds 8 diagonals, 2 inside (A, B) -> 12 cut
    assert evaluate(area, plan, "rook").cut_edges == 6
    assert evaluate(area, plan, "queen").cut_edges == 12
    assert evaluate(area, plan).contiguous


def test_functions_on_a_plain_assignment():
    area = make_area({"a": (0, 0), "b": (1, 0), "c": (2, 0), "d": (3, 0)})
    assignment = {"a": "X", "b": "Y", "c": "X", "d": "X"}
    assert noncontiguous_localities(StudyContext.of(area).graph, assignment) == {"X": [["c", "d"], ["a"]]}
    assert sorted(map(sorted, cut_edges(StudyContext.of(area).graph, assignment))) == [["a", "b"], ["b", "c"]]


def names(lbbd, *wanted):
    return [code_of(lbbd, w) for w in wanted]


def test_current_localities_are_contiguous_with_twelve_cut_edges(lbbd):
    result = evaluate(lbbd, current_plan(lbbd))
    assert result.contiguous and result.noncontiguous == {}
    labels = lbbd.current.labels
    # counted from the rook edge list independently of the plan machinery
    assert result.cut_edges == sum(labels[a] != labels[b] for a, b in lbbd.graph("rook").edges) == 12


def test_ward_moved_away_from_its_locality_is_flagged(lbbd):
    """Chadwell Heath touches only Whalebone (North); put it in West and West falls into two pieces."""
    (chadwell,) = names(lbbd, "Chadwell Heath")
    plan = current_plan(lbbd).reassign({chadwell: "West"})
    for kind in ("rook", "queen"):
        result = evaluate(lbbd, plan, kind)
        assert not result.contiguous
        assert list(result.noncontiguous) == ["West"]
        main, lone = result.noncontiguous["West"]
        assert lone == [chadwell] and len(main) == 7


def test_point_contact_locality_depends_on_the_adjacency(lbbd):
    """Alibon and Goresbrook meet only at a point: one piece under queen, two under rook."""
    pair = names(lbbd, "Alibon", "Goresbrook")
    plan = plan_of(lbbd, {u: ("Pair" if u in pair else "Rest") for u in lbbd.ids})
    assert evaluate(lbbd, plan, "rook").noncontiguous == {"Pair": [[pair[0]], [pair[1]]]}
    assert evaluate(lbbd, plan, "queen").contiguous
