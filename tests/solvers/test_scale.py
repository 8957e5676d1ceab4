"""Hundreds of localities end to end: names that never run out, objectives only where the data allow, readable output."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.cli import main
from analysis.plan.naming import name_localities
from analysis.solvers.optimise import Optimiser
from analysis.plan.partition import Plan
from analysis.solvers.propose import propose
from analysis.metrics.scoring import Weights, applicable_weights
from tests.synthetic import grid_cells, make_area

COLUMNS, ROWS = 16, 10  # 160 units


@pytest.fixture(scope="module")
def grid_area():
    cells = grid_cells(COLUMNS, ROWS)
    people = {u: 100.0 + (hash(u) % 7) * 10 for u in cells}  # uneven but fixed
    return make_area(cells, people, unit_label="ward")


def strip_plan(area, k: int) -> Plan:
    """k localities of whole columns and column pieces: unit (c, r) goes to locality (c * ROWS + r) * k // n."""
    n = len(area.ids)
    order = {f"c{c}r{r}": c * ROWS + r for c in range(COLUMNS) for r in range(ROWS)}
    return Plan(tuple(area.ids), tuple(f"L{order[u] * k // n}" for u in area.ids), "strips")


@pytest.mark.parametrize("k", [8, 120, 150])
def test_names_never_run_out_and_are_distinct(grid_area, k):
    named = name_localities(grid_area, strip_plan(grid_area, k))
    assert len(set(named.localities)) == k
    if k <= 9:
        assert all(not name.startswith("Unit ") for name in named.localities)  # compass names
    else:
        # too many for the compass: each locality is named after its most populous ward (here: 'Unit c..r..')
        codes = named.codes()
        people = grid_area.population.to_numpy(float)
        for j, name in enumerate(named.localities):
            members = np.flatnonzero(codes == j)
            assert name == grid_area.unit_names[grid_area.ids[members[np.argmax(people[members])]]]


def test_lsoa_units_get_numbered_names():
    lsoa = make_area(grid_cells(COLUMNS, ROWS), unit_label="LSOA")
    assert lsoa.manifest.unit_label == "LSOA"
    named = name_localities(lsoa, strip_plan(lsoa, 150))
    assert sorted(named.localities, key=lambda s: int(s.split()[-1])) == [f"Locality {i}" for i in range(1, 151)]


def test_objectives_without_their_data_are_off_and_say_why(grid_area, lbbd):
    weights, notes = applicable_weights(grid_area, Weights())
    assert (weights.nesting, weights.continuity) == (0.0, 0.0)
    assert weights.balance == 1.0 and weights.compactness == 0.5
    assert any("no current localities" in n for n in notes) and any("no PCN grouping" in n for n in notes)
    same, none = applicable_weights(lbbd, Weights())
    assert same == Weights() and none == []


def test_propose_130_localities_turns_off_what_cannot_be_measured(grid_area):
    result = propose(grid_area, 130, weights=Weights(balance=1, compactness=0.1), top=2, method="optimiser",
                     budget_s=3)
    assert result.plans.codes.max() == 129
    assert any("Continuity is off" in n for n in result.notes)
    optimiser = Optimiser(grid_area, 130, seed=0, max_steps=20_000, workers=1)
    assert optimiser.annealing  # 160 units


def test_cli_propose_at_scale_prints_counts_not_unit_lists(tmp_path, capsys):
    from tests.synthetic import units_frame

    cells = grid_cells(COLUMNS, ROWS)
    frame = units_frame(cells).rename_axis("unit_id").reset_index().to_crs("EPSG:4326")
    frame.to_file(tmp_path / "units.geojson", driver="GeoJSON")
    (tmp_path / "people.csv").write_text("unit_id,residents\n" + "".join(f"{u},{100 + i % 5}\n"
                                                                        for i, u in enumerate(cells)))
    (tmp_path / "manifest.toml").write_text('''[study_area]
name = "Grid"
short_name = "Grid"
unit_label = "LSOA"
default_k = 4

[units]
path = "units.geojson"
id = "unit_id"
name = "name"

[[attributes]]
path = "people.csv"
id = "unit_id"
population = "residents"
columns = ["residents"]
''')
    code = main(["propose", "--bundle", str(tmp_path), "--k", "140", "--budget-s", "2", "--top", "2",
                 "--out", str(tmp_path / "out")])
    text = capsys.readouterr().out
    assert code == 0
    assert "localities: 140" in text and "PCN nesting is off" in text and "Continuity is off" in text
    assert "PCN nesting" not in text.split("rank")[1].splitlines()[0]  # no nesting column without PCNs
    assert "Unit c" not in text  # no unit lists
    assert len(text.splitlines()) < 60
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "Unit c" not in summary and "Locality 1" in (tmp_path / "out" / "option_01.csv").read_text()
