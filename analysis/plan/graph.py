"""The one stored form of a unit graph: node populations and adjacency as CSR arrays, each edge also listed once.

Every other form is derived from it on demand: networkx (``to_networkx``), GerryChain (``to_gerrychain``) and the
enumerator's neighbour bit masks (``analysis.solvers.enumeration.engine.Search``). A study area's graph is built
once per adjacency by ``analysis.plan.context.StudyContext``; any networkx graph whose nodes carry a population
(``UnitGraph.from_networkx``) or a GerryChain JSON graph (``analysis.solvers.enumeration.graph.read_graph_json``)
works the same way, so LSOA-scale graphs without geometry are handled like ward bundles.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from geo.errors import LocalignError, list_items

CODE_DTYPE = np.int16
"""Locality indices of a plan (one per unit): int16 holds up to 32,767 localities, more than England's LSOAs need."""


@dataclass(frozen=True, eq=False)
class UnitGraph:
    """Units (nodes, in a fixed order) with populations, and their adjacency as CSR arrays plus each undirected edge
    once (``edge_a`` < ``edge_b``, sorted). ``weighted`` is False when no population was given (then every unit
    weighs 1 and population bounds cannot be asked for)."""

    ids: tuple[str, ...]
    population: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    edge_a: np.ndarray
    edge_b: np.ndarray
    source: str = "the unit graph"
    weighted: bool = True
    listed: np.ndarray | None = None
    """Edge rows (of ``edges``) in the order the source listed them, so lists of edges (cut edges) read as the
    source gave them; None means sorted order."""

    @property
    def n(self) -> int:
        """Number of units."""
        return len(self.ids)

    @property
    def n_edges(self) -> int:
        """Number of undirected adjacencies."""
        return len(self.edge_a)

    @property
    def edges(self) -> np.ndarray:
        """Each undirected edge once as an (E, 2) array of unit positions, sorted."""
        return np.column_stack((self.edge_a, self.edge_b))

    def listed_edges(self) -> np.ndarray:
        """Each undirected edge once as unit positions (edge_a < edge_b), in the order the source listed them."""
        order = self.listed if self.listed is not None else np.arange(self.n_edges)
        return np.column_stack((self.edge_a[order], self.edge_b[order]))

    @property
    def total(self) -> float:
        """Total population."""
        return float(self.population.sum())

    def weights(self) -> np.ndarray:
        """Residents per unit (ones when the graph has no population, so bounds are then on unit counts)."""
        return self.population

    @cached_property
    def position(self) -> dict[str, int]:
        """Unit id -> position, made once per graph."""
        return {u: i for i, u in enumerate(self.ids)}

    @cached_property
    def neighbour_lists(self) -> tuple[tuple[int, ...], ...]:
        """The positions adjacent to each unit as plain tuples (fast to walk from Python), made once per graph."""
        indptr, indices = self.indptr.tolist(), self.indices.tolist()
        return tuple(tuple(indices[indptr[i]:indptr[i + 1]]) for i in range(self.n))

    def neighbours(self, unit: int) -> np.ndarray:
        """Positions of the units adjacent to the unit at position ``unit``."""
        return self.indices[self.indptr[unit]:self.indptr[unit + 1]]

    def components(self) -> int:
        """Number of connected components."""
        return int(connected_components(self._matrix(), directed=False)[0])

    def _matrix(self) -> csr_matrix:
        return csr_matrix((np.ones(len(self.indices)), self.indices, self.indptr), shape=(self.n, self.n))

    def require_connected(self, where: str = "the unit graph") -> None:
        """Raise a plain-words error naming the stray units when the graph is in more than one piece."""
        pieces, labels = connected_components(self._matrix(), directed=False)
        if pieces > 1:
            main = np.bincount(labels).argmax()
            stray = [self.ids[i] for i in np.flatnonzero(labels != main)]
            raise LocalignError.single(
                f"{where} is in {pieces} separate pieces; units {list_items(stray)} do not touch the rest.", where,
                "join the islands to their nearest neighbour (geo.adjacency.link_islands) or use queen adjacency.")

    @classmethod
    def build(cls, ids: Sequence[str], population: np.ndarray | None, edges: np.ndarray,
              source: str = "the unit graph") -> UnitGraph:
        """The graph of unit ids, populations in the same order (None: every unit weighs 1) and an (E, 2) array of
        node positions; self-loops and repeated edges are dropped. No other check (see ``from_edges``)."""
        n = len(ids)
        weighted = population is not None
        population = np.ones(n) if population is None else np.asarray(population, dtype=np.float64)
        edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
        edges = edges[edges[:, 0] != edges[:, 1]]
        edges, first = np.unique(np.sort(edges, axis=1), axis=0, return_index=True)
        matrix = csr_matrix((np.ones(2 * len(edges)), (np.r_[edges[:, 0], edges[:, 1]], np.r_[edges[:, 1], edges[:, 0]])),
                            shape=(n, n))
        matrix.sort_indices()
        return cls(tuple(str(i) for i in ids), population, matrix.indptr.astype(np.int64),
                   matrix.indices.astype(np.int64), edges[:, 0].copy(), edges[:, 1].copy(), source, weighted,
                   np.argsort(first, kind="stable"))

    @classmethod
    def from_edges(cls, ids: Sequence[str], population: np.ndarray, edges: np.ndarray,
                   where: str = "the unit graph") -> UnitGraph:
        """Build from unit ids, populations in the same order and an (E, 2) array of node positions, refusing what the
        optimiser and the sampler cannot search: fewer than two units, bad or zero populations, separate pieces."""
        n = len(ids)
        population = np.asarray(population, dtype=np.float64)
        if n < 2:
            raise LocalignError.single(f"{where} has {n} unit(s).", where, "use a graph with at least two units.")
        if not np.isfinite(population).all() or (population < 0).any():
            bad = [ids[i] for i in np.flatnonzero(~np.isfinite(population) | (population < 0))]
            raise LocalignError.single(f"units {list_items(bad)} have a missing or negative population.", where,
                                       "give every unit a population of zero or more.")
        if population.sum() <= 0:
            raise LocalignError.single("the total population is zero.", where,
                                       "give the units their populations (or weight each unit 1).")
        graph = cls.build(ids, population, edges, where)
        graph.require_connected(where)
        return graph

    @classmethod
    def for_enumeration(cls, graph: nx.Graph, population: Mapping | None = None, source: str = "graph") -> UnitGraph:
        """Units in the graph's node order, with ``population`` mapping node -> residents (optional); any graph,
        even one in several pieces (the enumerator then finds no plan)."""
        nodes = list(graph.nodes)
        index = {node: i for i, node in enumerate(nodes)}
        edges = np.array([(index[a], index[b]) for a, b in graph.edges], dtype=np.int64).reshape(-1, 2)
        values = None if population is None else np.array([float(population[u]) for u in nodes])
        return cls.build(nodes, values, edges, source)

    @classmethod
    def from_networkx(cls, graph: nx.Graph, population: str | Mapping[Hashable, float] = "population",
                      ids: Sequence[Hashable] | None = None) -> UnitGraph:
        """Build from a networkx graph; ``population`` names a node attribute or maps node -> population."""
        nodes = list(graph.nodes) if ids is None else list(ids)
        if isinstance(population, str):
            missing = [n for n in nodes if population not in graph.nodes[n]]
            if missing:
                raise LocalignError.single(
                    f"{len(missing)} node(s) have no '{population}' attribute: {list_items(missing)}.",
                    "the graph", f"give every node a '{population}' value, or name the population attribute.")
            values = [graph.nodes[n][population] for n in nodes]
        else:
            missing = [n for n in nodes if n not in population]
            if missing:
                raise LocalignError.single(f"{len(missing)} node(s) have no population: {list_items(missing)}.",
                                           "the graph", "give a population for every node.")
            values = [population[n] for n in nodes]
        try:
            values = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise LocalignError.single("some node populations are not numbers.", "the graph",
                                       "store populations as numbers.") from None
        position = {node: i for i, node in enumerate(nodes)}
        edges = np.array([(position[a], position[b]) for a, b in graph.edges], dtype=np.int64).reshape(-1, 2)
        return cls.from_edges([str(n) for n in nodes], values, edges)

    def to_gerrychain(self, population: str = "population"):
        """The graph as a GerryChain Graph (nodes = unit ids carrying their population), made on demand."""
        from gerrychain import Graph

        return Graph.from_networkx(self.to_networkx(population))

    def to_networkx(self, population: str = "population") -> nx.Graph:
        """The graph as networkx, nodes = unit ids carrying their population under ``population``."""
        graph = nx.Graph()
        graph.add_nodes_from((u, {population: float(p)}) for u, p in zip(self.ids, self.population))
        graph.add_edges_from((self.ids[a], self.ids[b]) for a, b in zip(self.edge_a, self.edge_b))
        return graph

    def pieces(self, codes: np.ndarray, k: int) -> np.ndarray:
        """Number of connected pieces of each locality (1 everywhere for a contiguous plan; 0 for an empty one)."""
        codes = np.asarray(codes)
        same = codes[self.edge_a] == codes[self.edge_b]
        a, b = self.edge_a[same], self.edge_b[same]
        matrix = csr_matrix((np.ones(len(a)), (a, b)), shape=(self.n, self.n))
        _, labels = connected_components(matrix, directed=False)
        out = np.zeros(k, dtype=np.int64)
        for j in range(k):
            out[j] = len(np.unique(labels[codes == j]))
        return out

    def is_contiguous(self, codes: np.ndarray, k: int) -> bool:
        """True when every one of the k localities is non-empty and one connected piece."""
        return bool((self.pieces(codes, k) == 1).all())
