"""The baseline of issue 7: a plain recursive Python enumerator of connected k-partitions (units kept whole).

Parts are grown with Python sets by the standard include/exclude frontier recursion (each connected set
holding the lowest remaining unit exactly once); a branch is dropped when the units left fall into more
pieces than there are parts left, and the last part must be the connected remainder. No bit masks, no
compilation, no memo: what a careful Python programmer writes first. Not used by localign itself.
"""

from __future__ import annotations

from typing import Iterator

import networkx as nx
import numpy as np


def _pieces(graph: dict[int, set[int]], units: set[int]) -> int:
    """Number of connected pieces of a set of units."""
    seen: set[int] = set()
    count = 0
    for start in units:
        if start in seen:
            continue
        count += 1
        todo = [start]
        while todo:
            unit = todo.pop()
            if unit not in seen:
                seen.add(unit)
                todo.extend(graph[unit] & units)
    return count


def _connected_sets(graph: dict[int, set[int]], root: int, allowed: set[int]) -> Iterator[frozenset[int]]:
    """Every connected set of ``allowed`` units that holds ``root``, each once."""

    def extend(current: frozenset[int], candidates: list[int], excluded: set[int]) -> Iterator[frozenset[int]]:
        yield current
        for i, unit in enumerate(candidates):
            grown = current | {unit}
            shut = excluded | set(candidates[: i + 1])
            later = candidates[i + 1:]
            new = sorted((graph[unit] & allowed) - grown - shut - set(later))
            yield from extend(grown, later + new, shut)

    yield from extend(frozenset([root]), sorted(graph[root] & allowed), {root})


def partitions(graph: dict[int, set[int]], k: int) -> Iterator[list[frozenset[int]]]:
    """Every partition of the graph's units into k connected parts."""

    def split(remaining: set[int], parts_left: int, prefix: list[frozenset[int]]):
        if parts_left == 1:
            if _pieces(graph, remaining) == 1:
                yield prefix + [frozenset(remaining)]
            return
        for part in _connected_sets(graph, min(remaining), remaining):
            rest = remaining - part
            if rest and _pieces(graph, rest) <= parts_left - 1:
                yield from split(rest, parts_left - 1, prefix + [part])

    yield from split(set(graph), k, [])


def enumerate_codes(graph: nx.Graph, k: int) -> np.ndarray:
    """Every partition as locality indices per unit (units in the graph's node order), (N, n) int8."""
    nodes = list(graph.nodes)
    index = {u: i for i, u in enumerate(nodes)}
    adjacency = {index[u]: {index[v] for v in graph[u]} for u in nodes}
    rows = []
    for parts in partitions(adjacency, k):
        row = np.empty(len(nodes), dtype=np.int8)
        for j, part in enumerate(parts):
            row[list(part)] = j
        rows.append(row)
    return np.array(rows, dtype=np.int8).reshape(-1, len(nodes))
