"""The localign console script: info, evaluate and compare, as a planner runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis.cli import main
from analysis.plan.partition import current_plan
from analysis.plan.io import write_plan_csv
from synthetic import code_of

BUNDLE = Path(__file__).resolve().parents[2] / "data" / "boundaries" / "lbbd"
SCRIPT = Path(sys.executable).with_name("localign")
EVALUATE_KEYS = {"k", "populations", "ideal", "deviations", "max_abs_deviation", "contiguous", "noncontiguous",
                 "polsby_popper", "reock", "convex_hull", "cut_edges", "pcn_nesting", "pcns_split", "wards_moved",
                 "population_moved", "retained_share"}


MOVES = {"Mayesbrook": "West", "Becontree": "West"}


@pytest.fixture(scope="module")
def runs(lbbd, tmp_path_factory) -> dict[str, subprocess.CompletedProcess]:
    """The installed console script run as a planner would, the three commands started together."""
    assert SCRIPT.exists(), f"the console script is not installed next to {sys.executable}"
    folder = tmp_path_factory.mktemp("cli")
    rows = current_plan(lbbd).series()
    bad = folder / "bad.csv"
    bad.write_text("ward_code,locality\n" + "".join(f"{u},{l}\n" for u, l in rows.items() if u != "E05014057")
                   + "E05099999,North\n")
    commands = {"info": ["info", "--json"], "evaluate": ["evaluate", "--plan", "current", "--json"],
                "bad": ["evaluate", "--plan", str(bad)]}
    started = {key: subprocess.Popen([str(SCRIPT), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for key, args in commands.items()}
    done = {}
    for key, process in started.items():
        out, err = process.communicate(timeout=180)
        done[key] = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    return done


def test_info_json_reports_the_bundle_facts(runs):
    done = runs["info"]
    assert done.returncode == 0, done.stderr
    facts = json.loads(done.stdout)
    assert facts["units"] == 19
    assert facts["population_total"] == pd.read_csv(BUNDLE / "ward_population.csv")["population"].sum() == 218_865
    assert facts["groupings"] == {"current_localities": 3, "pcn": 6, "pcn_areas": 6}
    assert facts["adjacency_edges"] == {"rook": 37, "queen": 41}
    assert facts["components"] == 1
    notes = facts["assumptions"]
    assert isinstance(notes, list) and all(isinstance(n, str) for n in notes)
    assert any("inferred" in n and "localities" in n for n in notes)
    assert any("approximate" in n and "PCN" in n for n in notes)


def test_evaluate_current_json(runs):
    done = runs["evaluate"]
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert EVALUATE_KEYS <= set(data)
    wards = pd.read_csv(BUNDLE / "ward_population.csv").merge(pd.read_csv(BUNDLE / "current_localities_INFERRED.csv"),
                                                              on="ward_code")
    assert data["populations"] == wards.groupby("locality_candidate")["population"].sum().astype(float).to_dict()
    assert data["k"] == 3 and data["ideal"] == pytest.approx(218_865 / 3)
    assert sum(data["deviations"].values()) == pytest.approx(0, abs=1e-12)
    assert data["contiguous"] is True and data["noncontiguous"] == {}
    assert data["retained_share"] == 1.0 and data["wards_moved"] == 0 and data["population_moved"] == 0
    assert data["adjacency"] == "rook"


def test_evaluate_with_queen_adjacency(lbbd, capsys):
    assert main(["evaluate", "--plan", "current", "--adjacency", "queen", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    labels = lbbd.current.labels
    assert data["adjacency"] == "queen"
    assert data["cut_edges"] == sum(labels[a] != labels[b] for a, b in lbbd.graph("queen").edges)
    assert data["cut_edges"] == 12 + sum(labels[a] != labels[b] for a, b in
                                         set(lbbd.graph("queen").edges) - set(lbbd.graph("rook").edges))


def test_compare_lists_the_wards_that_change(lbbd, tmp_path, capsys):
    option = write_plan_csv(lbbd, current_plan(lbbd).reassign({code_of(lbbd, w): l for w, l in MOVES.items()}),
                            tmp_path / "option.csv")
    assert main(["compare", "current", str(option), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    moved = [code_of(lbbd, w) for w in MOVES]
    assert sorted(w["unit"] for w in data["wards_changing"]) == sorted(moved)
    assert {w["name"]: (w["locality_a"], w["locality_b"]) for w in data["wards_changing"]} == \
        {"Mayesbrook": ("North", "West"), "Becontree": ("North", "West")}
    assert data["population_changing"] == pytest.approx(float(lbbd.population[moved].sum()))
    assert data["plan_a"] == "Current localities (inferred)" and data["plan_b"] == "option"


def test_compare_text(lbbd, tmp_path, capsys):
    path = write_plan_csv(lbbd, current_plan(lbbd).reassign({code_of(lbbd, "Heath"): "East"}), tmp_path / "b.csv")
    assert main(["compare", "current", str(path)]) == 0
    out = capsys.readouterr().out
    assert "1 ward(s) change locality" in out and "Heath" in out
    assert "Assumptions:" in out and "inferred" in out


def test_non_contiguous_plan_text_warns_naming_the_wards(lbbd, tmp_path, capsys):
    chadwell = code_of(lbbd, "Chadwell Heath")
    path = write_plan_csv(lbbd, current_plan(lbbd).reassign({chadwell: "West"}), tmp_path / "split.csv")
    assert main(["evaluate", "--plan", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Warning: West is in 2 separate pieces" in out
    warning = next(line for line in out.splitlines() if line.startswith("Warning"))
    assert warning.endswith("Move wards so each locality is one connected area.")
    assert "| Chadwell Heath." in warning and "Barking Riverside" in warning


def test_bad_plan_exits_2_naming_the_wards_without_a_traceback(runs):
    done = runs["bad"]
    assert done.returncode == 2
    assert "E05014057" in done.stderr and "Becontree" in done.stderr and "E05099999" in done.stderr
    assert "bad.csv" in done.stderr and "Traceback" not in done.stderr and done.stdout == ""


def test_unknown_plan_name_is_explained(capsys):
    assert main(["evaluate", "--plan", "nowhere"]) == 2
    err = capsys.readouterr().err
    assert "'nowhere' is neither a plan name nor an existing file" in err and "current" in err


def test_info_text(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "19 wards, 218,865 residents" in out
    assert "37 rook edges, 41 queen edges, 1 component(s)" in out
    assert "Assumptions:" in out
