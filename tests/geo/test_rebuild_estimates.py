"""The bundled ward estimates follow from the LSOA tables kept beside them."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

BUNDLE = Path(__file__).resolve().parents[2] / "data" / "boundaries" / "lbbd"
SCRIPT = BUNDLE / "rebuild_ward_estimates.py"


def run_check(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(folder / SCRIPT.name), "--check"], capture_output=True, text=True,
                          timeout=120)


def test_rebuild_check_passes_on_the_shipped_files():
    done = run_check(BUNDLE)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "total 218,865; 0 differ" in done.stdout
    assert "deprivation: 0 wards differ" in done.stdout


def test_rebuild_check_fails_when_a_ward_figure_is_changed(tmp_path, capsys):
    copy = tmp_path / "lbbd"
    copy.mkdir()
    shutil.copy(SCRIPT, copy)
    shutil.copytree(BUNDLE / "lsoa", copy / "lsoa")
    shutil.copy(BUNDLE / "ward_deprivation.csv", copy)
    shutil.copy(BUNDLE / "ward_need.csv", copy)
    shutil.copy(BUNDLE / "gp_registrations_lsoa11_jul2022.csv", copy)
    wards = pd.read_csv(BUNDLE / "ward_population.csv")
    wards.loc[wards["ward_name"] == "Heath", "population"] += 1
    wards.to_csv(copy / "ward_population.csv", index=False)
    spec = importlib.util.spec_from_file_location("rebuild_copy", copy / SCRIPT.name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # the copy reads the files beside it
    assert module.main(["--check"]) == 1
    assert "1 differ" in capsys.readouterr().out


def test_lsoa_inputs_add_up_to_the_borough_and_the_best_fit_column():
    """Independent of the script: LSOA 2021 residents summed by their best-fit ward give the bundle's
    population_lsoa21_bestfit column, and all LSOAs give the borough total."""
    lsoa = pd.read_csv(BUNDLE / "lsoa" / "bd_lsoa21_population.csv")
    lookup = pd.read_csv(BUNDLE / "lsoa" / "bd_lsoa21_ward22_lookup.csv")
    assert lsoa["usual_residents_census2021"].sum() == 218_865
    best_fit = lsoa.merge(lookup, on="lsoa21_code").groupby("ward22_code")["usual_residents_census2021"].sum()
    wards = pd.read_csv(BUNDLE / "ward_population.csv").set_index("ward_code")
    assert best_fit.to_dict() == wards["population_lsoa21_bestfit"].to_dict()
    assert wards["population"].sum() == wards["population_lsoa21_bestfit"].sum() == 218_865


def test_bundle_copies_match_the_shared_data():
    shared = Path("/work/shared/data")
    if not shared.exists():
        pytest.skip("the shared data folder the bundle was built from is not on this machine")
    for bundled, original in (("ward_population.csv", "bd_ward_population.csv"),
                              ("lsoa/bd_lsoa21_population.csv", "bd_lsoa21_population.csv"),
                              ("lsoa/bd_lsoa11_ward22_weights_2021.csv", "bd_lsoa11_ward22_weights_2021.csv")):
        assert (BUNDLE / bundled).read_bytes() == (shared / original).read_bytes(), bundled
