"""`localign batch` on a local Dask cluster of two workers: three London boroughs from the national pack, then a
second run that skips them. Residents are checked against the Census 2021 table in the shared data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("geo.national", reason="the council builder (geo.national) is not in this checkout yet")

from analysis.cli import main  # noqa: E402
from analysis.solvers.optimise import Optimiser  # noqa: E402
from analysis.metrics.scoring import Weights  # noqa: E402
from analysis.plan.graph import UnitGraph  # noqa: E402

NATIONAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "national"
COUNCILS = ("E09000002", "E09000025", "E09000030")


def census_residents() -> pd.Series:
    """Census 2021 usual residents per council (LSOA -> district best-fit lookup), straight from the shared files."""
    lookup = pd.read_csv(NATIONAL / "lookup_lsoa21_ward24_lad24.csv", usecols=["lsoa21_code", "lad24_code"])
    people = pd.read_csv(NATIONAL / "england_lsoa21_census2021_age.csv", usecols=["lsoa21_code", "usual_residents"])
    return lookup.merge(people, on="lsoa21_code").groupby("lad24_code")["usual_residents"].sum()


def test_batch_plans_three_boroughs_on_two_workers_and_resumes(tmp_path, capsys):
    import geopandas as gpd

    # compile the optimiser's kernels here first, so the two worker processes load them from numba's cache
    graph = UnitGraph.from_edges([str(i) for i in range(200)], np.ones(200), np.c_[np.arange(199), np.arange(1, 200)])
    Optimiser(graph, 4, weights=Weights(1, 0, 0.05, 0), max_steps=100, engine="anneal", workers=1).solve()

    out = tmp_path / "batch"
    args = ["batch", "--councils", ",".join(COUNCILS), "--units", "lsoa", "--target-population", "50000",
            "--budget-s", "2", "--workers", "2", "--out", str(out)]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "Planned now: 3 on a local cluster of 2 worker(s)" in text

    summary = pd.read_csv(out / "summary.csv", encoding="utf-8-sig").set_index("council_code")
    localities = gpd.read_parquet(out / "localities.parquet")
    assert set(summary.index) == set(COUNCILS) and set(localities["council_code"]) == set(COUNCILS)
    expected = census_residents()
    for code in COUNCILS:
        mine = localities[localities["council_code"] == code]
        k = int(round(expected[code] / 50_000))
        assert len(mine) == summary.loc[code, "k"] == k
        assert mine["residents"].sum() == summary.loc[code, "residents"] == expected[code]
        ideal = expected[code] / k
        recount = (mine["residents"] - ideal).abs().max() / ideal
        assert summary.loc[code, "best_deviation"] == pytest.approx(recount, abs=1e-6)
        assert recount < 0.02  # LSOAs of ~1,900 residents balance 50,000-resident neighbourhoods well within 2 %
        assert mine.geometry.notna().all() and mine.geometry.is_valid.all()
        units = " ".join(mine["unit_codes"]).split()
        assert len(units) == len(set(units)) == summary.loc[code, "units"]
    assert localities.crs.to_epsg() == 27700
    assert pd.read_csv(out / "failures.csv", encoding="utf-8-sig").empty

    stamp = {p.name: p.stat().st_mtime_ns for p in (out / "councils").iterdir()}
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "Planned now: 0" in text and "already done (skipped): 3" in text
    assert {p.name: p.stat().st_mtime_ns for p in (out / "councils").iterdir()} == stamp


def test_batch_rejects_an_unknown_council_before_starting(tmp_path, capsys):
    assert main(["batch", "--councils", "E09000002,Atlantis", "--out", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err
    assert "Atlantis" in err and "Traceback" not in err
    assert not (tmp_path / "b").exists()
