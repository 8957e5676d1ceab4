"""`localign enumerate` and `localign propose` from the command line: exact counts as the last line, gerrychain JSON
graphs, written proposals that import back, and plain-worded errors (exit status 2)."""

from __future__ import annotations

import csv
import json

import pytest

from analysis.cli import main
from analysis.plan.io import read_plan
from geo.adjacency import to_gerrychain


@pytest.fixture(scope="module")
def graph_json(lbbd, tmp_path_factory):
    """The bundled rook graph written by gerrychain's Graph.to_json, population under 'TOTPOP'."""
    path = tmp_path_factory.mktemp("graphs") / "lbbd.json"
    to_gerrychain(lbbd.graph("rook"), lbbd.population, "TOTPOP").to_json(str(path))
    return path


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


@pytest.mark.parametrize("argv, expected", [
    (["enumerate", "--k", "4", "--count"], "336985"),
    (["enumerate", "--k", "3", "--count"], "34807"),
    (["enumerate", "--k", "4", "--count", "--max-deviation", "0.05"], None),
])
def test_count_is_the_last_line(argv, expected, capsys):
    assert main(argv) == 0
    out = last_line(capsys.readouterr().out)
    assert out.isdigit()
    if expected is not None:
        assert out == expected
    else:
        assert 0 < int(out) < 336_985


def test_percent_and_fraction_bounds_agree(capsys):
    main(["enumerate", "--k", "4", "--count", "--max-deviation", "5%"])
    percent = last_line(capsys.readouterr().out)
    main(["enumerate", "--k", "4", "--count", "--max-deviation", "0.05"])
    assert last_line(capsys.readouterr().out) == percent


def test_gerrychain_graph_counts_like_the_bundle(graph_json, capsys):
    assert main(["enumerate", "--k", "3", "--graph", str(graph_json), "--count"]) == 0
    assert last_line(capsys.readouterr().out) == "34807"
    main(["enumerate", "--k", "4", "--graph", str(graph_json), "--pop-col", "TOTPOP", "--max-deviation", "0.1",
          "--count"])
    from_graph = last_line(capsys.readouterr().out)
    main(["enumerate", "--k", "4", "--max-deviation", "0.1", "--count"])
    assert from_graph == last_line(capsys.readouterr().out)


def test_graph_summary_reports_the_best_balance(graph_json, capsys):
    assert main(["enumerate", "--k", "4", "--graph", str(graph_json), "--pop-col", "TOTPOP", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["count"] == 336_985
    assert 0.0313 < summary["best_max_abs_deviation"] < 0.0315


def test_bundle_summary_lists_best_values_and_assumptions(capsys):
    assert main(["enumerate", "--k", "3"]) == 0
    out = capsys.readouterr().out
    assert "34,807 plans of 3 connected localities" in out
    assert "Largest population deviation" in out and "Assumptions:" in out


@pytest.mark.parametrize("content, message", [
    ("[1, 2", "not valid JSON"),
    ('{"nodes": [{"id": 1}], "adjacency": [[]]}', "no attribute 'TOTPOP'"),
    ('{"nodes": [{"id": 1, "TOTPOP": "n/a"}], "adjacency": [[]]}', "not a non-negative number"),
])
def test_bad_graph_files_exit_2_with_the_problem(tmp_path, capsys, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    assert main(["enumerate", "--k", "2", "--graph", str(path), "--pop-col", "TOTPOP", "--count"]) == 2
    assert message in capsys.readouterr().err


def test_bound_without_population_is_refused(graph_json, capsys):
    assert main(["enumerate", "--k", "2", "--graph", str(graph_json), "--max-deviation", "0.1", "--count"]) == 2
    assert "--pop-col" in capsys.readouterr().err


def test_propose_writes_each_option_and_a_summary(lbbd, tmp_path, capsys):
    out = tmp_path / "proposals"
    assert main(["propose", "--k", "4", "--max-deviation", "0.1", "--top", "3", "--out", str(out),
                 "--require", "together:Abbey,Gascoigne", "--weights", "balance=2,nesting=1"]) == 0
    text = capsys.readouterr().out
    assert "Largest population deviation" in text and "Option 1" in text and "Pareto front" in text
    assert "Method: exhaustive" in text and "Assumptions:" in text
    for rank in (1, 2, 3):
        plan = read_plan(lbbd, out / f"option_0{rank}.csv")
        assert plan.k == 4
        assert plan.assignment["E05014053"] == plan.assignment["E05014061"]  # Abbey with Gascoigne
        assert read_plan(lbbd, out / f"option_0{rank}.geojson").same_assignment(plan)
        assert (out / f"option_0{rank}.csv").read_text().splitlines()[0] == "ward_code,ward_name,locality"
    rows = list(csv.reader((out / "summary.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][:4] == ["rank", "option", "penalty", "pareto_front"]
    penalties = [float(r[2]) for r in rows[1:4]]
    assert penalties == sorted(penalties)
    assert all(float(r[rows[0].index("max_abs_deviation")]) <= 0.1 for r in rows[1:4])
    assert any(r and r[0] == "note" for r in rows)
    assert "| rank |" in (out / "summary.md").read_text()


def test_propose_json_ranks_by_penalty(capsys):
    assert main(["propose", "--k", "3", "--top", "4", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["method"] == "exhaustive" and data["valid_plans"] == 34_807
    penalties = [p["penalty"] for p in data["proposals"]]
    assert len(penalties) == 4 and penalties == sorted(penalties)


def test_unknown_ward_in_a_requirement_names_it_and_lists_the_wards(capsys):
    assert main(["propose", "--k", "4", "--require", "apart:Abbey,Narnia"]) == 2
    err = capsys.readouterr().err
    assert "'Narnia' is not a ward" in err and "Gascoigne" in err


def test_impossible_requirements_say_so_and_exit_1(capsys):
    assert main(["propose", "--k", "4", "--max-deviation", "0.01"]) == 1
    assert "No plan meets every requirement" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["enumerate", "propose"])
def test_help_prints(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0 and "--max-deviation" in capsys.readouterr().out
