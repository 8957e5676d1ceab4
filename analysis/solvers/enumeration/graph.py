"""Graphs for the enumerator: the size it can search, and graphs read from the JSON that gerrychain's
``Graph.to_json`` writes (networkx "adjacency" format), so GerryChain users can bring their own.

A study area's graph is its study context's ``UnitGraph`` (analysis.plan.context); any networkx graph becomes one
through ``UnitGraph.for_enumeration``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import networkx as nx
from networkx.readwrite import json_graph

from analysis.plan.graph import UnitGraph
from geo.errors import LocalignError, list_items

MAX_UNITS = 63
"""The exact enumerator stores a part as one 64-bit mask, so it handles graphs of at most 63 units."""


def require_enumerable(graph: UnitGraph) -> None:
    """Raise a plain-words error when the graph has more units than one 64-bit mask can hold."""
    if graph.n > MAX_UNITS:
        raise LocalignError.single(
            f"{graph.source} has {graph.n} units; exact enumeration handles at most {MAX_UNITS}.",
            graph.source, "use the optimiser (localign propose --method optimiser) for larger graphs.")


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


def read_graph_json(path: str | Path, pop_col: str | None = None) -> UnitGraph:
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
    return UnitGraph.for_enumeration(graph, population, where)


def _hashable(value: object) -> object:
    """JSON ids may be lists (tuples written by json); make them usable as node keys."""
    return tuple(_hashable(v) for v in value) if isinstance(value, list) else value
