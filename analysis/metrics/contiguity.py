"""Contiguity: a locality is contiguous when its units form one connected piece of the adjacency graph."""

from __future__ import annotations

import networkx as nx


def pieces(graph: nx.Graph, members: list[str]) -> list[list[str]]:
    """The connected pieces of a locality, largest first, each a sorted list of unit ids."""
    parts = [sorted(c) for c in nx.connected_components(graph.subgraph(members))]
    return sorted(parts, key=lambda c: (-len(c), c))


def noncontiguous_localities(graph: nx.Graph, assignment: dict[str, str]) -> dict[str, list[list[str]]]:
    """Localities in more than one piece, mapped to their pieces (empty when the plan is contiguous)."""
    by_locality: dict[str, list[str]] = {}
    for unit, locality in assignment.items():
        by_locality.setdefault(locality, []).append(unit)
    result = {}
    for locality, members in by_locality.items():
        parts = pieces(graph, members)
        if len(parts) > 1:
            result[locality] = parts
    return result


def cut_edges(graph: nx.Graph, assignment: dict[str, str]) -> list[tuple[str, str]]:
    """Adjacent unit pairs placed in different localities."""
    return [(a, b) for a, b in graph.edges if assignment[a] != assignment[b]]
