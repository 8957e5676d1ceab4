"""Exact enumeration of every partition of a unit graph into k connected parts (units atomic), with population
bounds and together/apart rules that prune during the search. See engine.py for the API and kernels.py for the rule."""

from analysis.solvers.enumeration.engine import (Count, Estimate, Search, count_partitions, enumerate_masks,
                                         enumerate_partitions, estimate_partitions, count_partitions_within)
from analysis.solvers.enumeration.graph import MAX_UNITS, read_graph_json, require_enumerable
from analysis.solvers.enumeration.study_area import AreaEnumeration, enumerate_area

__all__ = ["Count", "Estimate", "Search", "count_partitions", "enumerate_masks", "enumerate_partitions",
           "estimate_partitions", "count_partitions_within", "MAX_UNITS", "read_graph_json", "require_enumerable", "AreaEnumeration", "enumerate_area"]
