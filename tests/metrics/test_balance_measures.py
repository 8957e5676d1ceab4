"""Balance on several measures: the enumerator's bound on two measures against a brute force over every set partition
of small graphs, the CLI count on the bundled wards against filtering every plan, and evaluate's per-measure figures
against a hand computation from the ward table."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from analysis.cli import main
from analysis.plan.graph import UnitGraph
from analysis.solvers.enumeration import Search, count_partitions, enumerate_area, enumerate_partitions
from analysis.metrics.evaluate import evaluate
from analysis.metrics.population import within_tolerance
from analysis.plan.partition import current_plan
from geo.bundle import DEFAULT_BUNDLE
from geo.errors import LocalignError
from tests.solvers.test_enumeration import canonical, connected_set_partitions, small_graphs


def brute_force_two(partitions, measures: np.ndarray, k: int, d: float) -> set[frozenset]:
    """Partitions with every block within d of an equal share of each measure, by summing each block directly."""
    keep = set()
    for labels in partitions:
        labels = np.array(labels)
        ok = True
        for m in range(measures.shape[1]):
            totals = np.array([[measures[labels == b, m].sum() for b in range(k)]])
            ok &= bool(within_tolerance(totals, float(measures[:, m].sum()), d)[0])
        if ok:
            keep.add(canonical(labels))
    return keep


def test_two_measure_bound_equals_brute_force_on_small_graphs():
    rng = np.random.default_rng(11)
    checked = 0
    for index, (name, graph) in enumerate(small_graphs().items()):
        n = graph.number_of_nodes()
        # one measure like residents, one like children: not proportional, so the second bound bites on its own
        measures = np.column_stack([rng.integers(1, 9, n), rng.integers(0, 5, n)]).astype(float)
        if index % 2:
            measures = measures * rng.random((n, 2)) * 100
        if measures[:, 1].sum() == 0:
            measures[0, 1] = 1.0
        pg = UnitGraph.for_enumeration(graph, dict(zip(graph.nodes, measures[:, 0])))
        for k in range(2, min(n, 4) + 1):
            partitions = connected_set_partitions(graph, k)
            for d in (0.1, 0.3, 0.6):
                expected = brute_force_two(partitions, measures, k, d)
                first_only = brute_force_two(partitions, measures[:, :1], k, d)
                search = Search(pg, k, d, measures=measures)
                got = {canonical(row) for row in enumerate_partitions(search)}
                assert got == expected, (name, k, d)
                assert count_partitions(search).count == len(expected), (name, k, d)
                assert expected <= first_only
                checked += 1
    assert checked > 100


def test_enumerate_count_on_population_and_children_is_exact(lbbd):
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["enumerate", "--k", "4", "--balance-on", "population,age_0_15", "--max-deviation", "0.05",
                     "--count"]) == 0
    count = int(out.getvalue().strip().splitlines()[-1])
    every = enumerate_area(lbbd, 4)  # every connected plan, filtered here by summing the ward table directly
    table = pd.read_csv(DEFAULT_BUNDLE / "ward_need.csv").set_index("ward_code").reindex(lbbd.ids)
    values = np.column_stack([lbbd.population.to_numpy(float), table["age_0_15"].to_numpy(float)])
    keep = np.ones(len(every.codes), dtype=bool)
    for m in range(2):
        totals = np.stack([(every.codes == j) @ values[:, m] for j in range(4)], axis=1)
        keep &= within_tolerance(totals, float(values[:, m].sum()), 0.05)
    assert count == int(keep.sum())
    residents_only = int(within_tolerance(every.scores.populations, lbbd.total_population, 0.05).sum())
    assert count < residents_only  # children are not spread like adults: the second measure removes plans


def test_evaluate_reports_deviations_by_measure(lbbd):
    area = lbbd.variant(("population", "age_0_15"))
    plan = current_plan(area)
    result = evaluate(area, plan)
    children = pd.read_csv(DEFAULT_BUNDLE / "ward_need.csv").set_index("ward_code")["age_0_15"]
    total = children.sum()
    for locality in plan.localities:
        share = children[plan.members(locality)].sum() / (total / plan.k) - 1
        assert result.deviations_by_measure["age_0_15"][locality] == pytest.approx(share)
    assert result.max_abs_deviation == pytest.approx(max(result.max_abs_deviation_by_measure.values()))
    assert result.max_abs_deviation_by_measure["population"] == pytest.approx(
        evaluate(lbbd, plan).max_abs_deviation)
    assert round(total) == 57_122  # children 0-15 in the borough, the README figure
    out = io.StringIO()
    with redirect_stdout(out):
        main(["evaluate", "--plan", "current", "--json", "--balance-on", "population,age_0_15"])
    data = json.loads(out.getvalue())
    assert set(data["deviations_by_measure"]) == {"population", "age_0_15"}
    assert data["max_abs_deviation_by_measure"]["age_0_15"] == pytest.approx(
        result.max_abs_deviation_by_measure["age_0_15"])


def test_unknown_measure_is_a_clear_error(lbbd):
    with pytest.raises(LocalignError, match="age_0_19.*not a numeric attribute"):
        lbbd.variant(("population", "age_0_19"))


def test_search_refuses_measures_of_the_wrong_shape():
    pg = UnitGraph.for_enumeration(nx.path_graph(4), {i: 1.0 for i in range(4)})
    with pytest.raises(LocalignError, match="shape"):
        Search(pg, 2, 0.1, measures=np.ones((3, 2)))
