"""Contiguity: a locality is contiguous when its units form one connected piece of the adjacency graph."""

from __future__ import annotations

from collections.abc import Mapping


from analysis.plan.graph import UnitGraph


def pieces(graph: UnitGraph, members: list[str]) -> list[list[str]]:
    """The connected pieces of a locality, largest first, each a sorted list of unit ids (a walk over the members'
    adjacencies only, so the work is in proportion to the locality, not the study area)."""
    position, neighbours, ids = graph.position, graph.neighbour_lists, graph.ids
    inside = {position[u] for u in members}
    seen: set[int] = set()
    parts = []
    for start in inside:
        if start in seen:
            continue
        seen.add(start)
        stack, piece = [start], []
        while stack:
            unit = stack.pop()
            piece.append(ids[unit])
            for other in neighbours[unit]:
                if other in inside and other not in seen:
                    seen.add(other)
                    stack.append(other)
        parts.append(sorted(piece))
    return sorted(parts, key=lambda c: (-len(c), c))


def noncontiguous_localities(graph: UnitGraph, assignment: Mapping[str, str],
                             parent: Mapping[str, list[list[str]]] | None = None,
                             touched: set[str] | None = None) -> dict[str, list[list[str]]]:
    """Localities in more than one piece, mapped to their pieces (empty when the plan is contiguous).

    Given the result for the plan this one was edited from (``parent``) and the localities the edit touched, the
    pieces of every other locality are taken from it instead of being searched again.
    """
    by_locality: dict[str, list[str]] = {}
    for unit, locality in assignment.items():
        by_locality.setdefault(locality, []).append(unit)
    result = {}
    for locality, members in by_locality.items():
        if parent is not None and touched is not None and locality not in touched:
            if locality in parent:
                result[locality] = parent[locality]
            continue
        parts = pieces(graph, members)
        if len(parts) > 1:
            result[locality] = parts
    return result


def cut_edges(graph: UnitGraph, assignment: Mapping[str, str]) -> list[tuple[str, str]]:
    """Adjacent unit pairs placed in different localities, in the order the graph's source listed its edges."""
    ids = graph.ids
    return [(ids[a], ids[b]) for a, b in graph.listed_edges().tolist() if assignment[ids[a]] != assignment[ids[b]]]
