"""The graph the enumerator searches: units in a fixed order, neighbour bit masks and residents per unit.

Built from a study area (its rook or queen ward graph), from any networkx graph, or from the JSON that
gerrychain's ``Graph.to_json`` writes (networkx "adjacency" format), so GerryChain users can bring their own.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import networkx as nx
import numpy as np
from networkx.readwrite import json_graph

from geo.adjacency import Adjacency
from geo.bundle import StudyArea
from geo.errors import LocalignError, list_items

MAX_UNITS = 63
"""The exact enumerator stores a part as one 64-bit mask, so it handles graphs of at most 63 units."""


@dataclass(frozen=True)
class PartitionGraph:
    """Units (ids in order), undirected edges as index pairs, and residents per unit (None when not given)."""

    ids: tuple[str, ...]
    edges: np.ndarray
    population: np.ndarray | None = None
    source: str = "graph"

    @property
    def n(self) -> int:
        return len(self.ids)

    def require_enumerable(self) -> None:
        """Raise a plain-words error when the graph has more units than one 64-bit mask can hold."""
        if self.n > MAX_UNITS:
            raise LocalignError.single(
                f"{self.source} has {self.n} units; exact enumeration handles at most {MAX_UNITS}.",
                self.source, "use the optimiser (localign propose --method optimiser) for larger graphs.")

    def weights(self) -> np.ndarray:
        """Residents per unit, or ones when the graph has no population (so bounds are then on unit counts)."""
        return np.ones(self.n) if self.population is None else self.population

    def components(self) -> int:
        """Number of connected components."""
        return nx.number_connected_components(self.to_networkx())

    def to_networkx(self) -> nx.Graph:
        graph = nx.Graph()
        graph.add_nodes_from(range(self.n))
        graph.add_edges_from(self.edges.tolist())
        return graph

    @classmethod
    def from_networkx(cls, graph: nx.Graph, population: Mapping | None = None, source: str = "graph") -> "PartitionGraph":
        """Units in the graph's node order; ``population`` maps node -> residents (optional)."""
        nodes = list(graph.nodes)
        index = {node: i for i, node in enumerate(nodes)}
        edges = sorted({(min(index[a], index[b]), max(index[a], index[b])) for a, b in graph.edges if a != b})
        pop = None if population is None else np.array([float(population[u]) for u in nodes])
        return cls(tuple(str(u) for u in nodes), np.array(edges, dtype=np.int64).reshape(-1, 2), pop, source)

    @classmethod
    def from_area(cls, area: StudyArea, adjacency: Adjacency = "rook") -> "PartitionGraph":
        """The study area's unit graph, units in the study area's order (``area.ids``)."""
        key = ("partition_graph", adjacency)
        if key not in area.cache:
            graph = area.graph(adjacency)
            ordered = nx.Graph()
            ordered.add_nodes_from(area.ids)
            ordered.add_edges_from(graph.edges)
            area.cache[key] = cls.from_networkx(ordered, area.population.to_dict(), area.name)
        return area.cache[key]


def _population_value(value: object, node: object, pop_col: str, where: str) -> float:
    if isinstance(value, bool) or value is None:
        number = math.nan
    else:
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
    if not math.isfinite(number) or number < 0:
        raise LocalignError.single(
            f"node {node} has population '{pop_col}' = {value!r}, which is not a non-negative number.", where,
            f"give every node a number of residents in '{pop_col}' (0 or more).")
    return number


def read_graph_json(path: str | Path, pop_col: str | None = None) -> PartitionGraph:
    """Read a graph written by gerrychain's Graph.to_json (networkx adjacency JSON); ``pop_col`` names the node
    attribute holding residents."""
    path = Path(path)
    where = path.name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LocalignError.single(f"the file {path} does not exist.", str(path),
                                   "check the path to the graph JSON file.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LocalignError.single(f"the file could not be read ({exc}).", str(path),
                                   "pass a readable JSON file written by gerrychain's Graph.to_json.") from None
    except json.JSONDecodeError as exc:
        raise LocalignError.single(f"the file is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}).",
                                   where, "pass the JSON file written by gerrychain's Graph.to_json.") from None
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), list) \
            or not isinstance(data.get("adjacency"), list):
        raise LocalignError.single("the JSON is not a graph in networkx adjacency format (it needs 'nodes' and "
                                   "'adjacency' lists).", where,
                                   "write the graph with gerrychain's Graph.to_json or networkx's "
                                   "json_graph.adjacency_data.")
    nodes, adjacency = data["nodes"], data["adjacency"]
    if len(nodes) != len(adjacency):
        raise LocalignError.single(f"'nodes' has {len(nodes)} entries but 'adjacency' has {len(adjacency)}.", where,
                                   "each node needs one adjacency list, in the same order.")
    if not nodes:
        raise LocalignError.single("the graph has no nodes.", where, "pass a graph with at least one unit.")
    bad = [i + 1 for i, node in enumerate(nodes) if not isinstance(node, dict) or "id" not in node]
    if bad:
        raise LocalignError.single(f"node entries {list_items(bad)} have no 'id'.", where,
                                   "give every node an 'id'.")
    known = {_hashable(node["id"]) for node in nodes}
    for node, neighbours in zip(nodes, adjacency):
        if not isinstance(neighbours, list) or any(not isinstance(e, dict) or "id" not in e for e in neighbours):
            raise LocalignError.single(f"the adjacency list of node {node['id']} is malformed.", where,
                                       "each adjacency entry must be a list of objects with an 'id'.")
        unknown = [e["id"] for e in neighbours if _hashable(e["id"]) not in known]
        if unknown:
            raise LocalignError.single(f"node {node['id']} lists neighbours that are not nodes: "
                                       f"{list_items(unknown)}.", where, "list only nodes of the graph.")
    data = dict(data, directed=False, multigraph=False,
                nodes=[dict(n, id=_hashable(n["id"])) for n in nodes],
                adjacency=[[dict(e, id=_hashable(e["id"])) for e in adj] for adj in adjacency])
    try:
        graph = json_graph.adjacency_graph(data, directed=False, multigraph=False)
    except (KeyError, TypeError, ValueError, nx.NetworkXError) as exc:
        raise LocalignError.single(f"the graph could not be built ({exc}).", where,
                                   "write the graph with gerrychain's Graph.to_json.") from None
    population = None
    if pop_col is not None:
        missing = [n for n, attrs in graph.nodes(data=True) if pop_col not in attrs]
        if missing:
            available = sorted({key for _, attrs in graph.nodes(data=True) for key in attrs})
            raise LocalignError.single(
                f"{len(missing)} node(s) have no attribute '{pop_col}': {list_items(missing)}.", where,
                f"pass --pop-col with one of the node attributes: {list_items(available, 20) or '(none)'}.")
        population = {n: _population_value(attrs[pop_col], n, pop_col, where) for n, attrs in graph.nodes(data=True)}
    return PartitionGraph.from_networkx(graph, population, where)


def _hashable(value: object) -> object:
    """JSON ids may be lists (tuples written by json); make them usable as node keys."""
    return tuple(_hashable(v) for v in value) if isinstance(value, list) else value
