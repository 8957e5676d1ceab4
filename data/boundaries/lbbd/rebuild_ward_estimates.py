"""Rebuild the bundled ward estimates from the LSOA tables kept in ``lsoa/``.

Run ``python data/boundaries/lbbd/rebuild_ward_estimates.py --check`` to confirm that the
shipped ``ward_population.csv`` and ``ward_deprivation.csv`` follow from the LSOA inputs, or
without ``--check`` to (re)write ``ward_deprivation.csv``.

Method (the same as ``../shared/data/SOURCES.md``):

1. Census 2021 usual residents of the 115 LSOA 2021 (``lsoa/bd_lsoa21_population.csv``) are
   regrouped to their 110 LSOA 2011 parents: unchanged (U) keep their code, split (S) children
   are summed into the parent, and the merged LSOA (M) E01034479 is given to its parents, which
   both lie wholly in Gascoigne.
2. Each parent's residents are shared between the May 2022 wards with the GLA's year-2021
   weights (``lsoa/bd_lsoa11_ward22_weights_2021.csv``) and summed by ward.
3. Ward totals (to one decimal place, as published) are rounded to whole people by the
   largest-remainder method (ties in ward-code order) so that they sum to the LSOA total, 218,865.

The deprivation count is the number of residents (the same apportioned Census 2021 figures)
living in LSOAs in the most deprived 20 % of England on the IMD 2019 (decile 1 or 2).
These are estimates, not official ONS or MHCLG ward figures.

``ward_need.csv`` holds the need measures, apportioned the same way:

- ``age_0_15`` and ``age_65_plus``: Census 2021 usual residents by age band per LSOA 2021
  (``lsoa/bd_lsoa21_age_census2021.csv``, an ONS custom dataset that is perturbed: it sums to
  218,878, not 218,865, and has no 0-19 band), regrouped to LSOA 2011 parents and shared with the
  GLA weights as in steps 1-2, then rounded by largest remainder to the band's LSOA total.
- ``patients_registered``: patients registered at any GP practice (NHS Digital, July 2022,
  ``gp_registrations_lsoa11_jul2022.csv``) living in each LSOA 2011 of the borough, shared with the
  same weights (the merged pair keeps its own 2011 weights) and rounded by largest remainder to
  the borough total, 252,235. List inflation makes this about 15 % more than residents.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
MERGED_LSOA21 = "E01034479"


def lsoa11_residents() -> pd.Series:
    """Census 2021 residents per LSOA 2011 parent; the merged LSOA keeps its 2021 code."""
    lsoa21 = pd.read_csv(HERE / "lsoa" / "bd_lsoa21_population.csv", dtype={"lsoa11_code": str})
    parent = lsoa21["lsoa11_code"].where(lsoa21["chgind"] != "M", MERGED_LSOA21)
    return lsoa21.groupby(parent)["usual_residents_census2021"].sum()


def ward_weights() -> pd.DataFrame:
    """The GLA 2021 LSOA11 -> ward 2022 weights, with the merged pair folded into E01034479."""
    weights = pd.read_csv(HERE / "lsoa" / "bd_lsoa11_ward22_weights_2021.csv")
    merged_parents = {"E01000048", "E01033588"}
    weights = weights[~weights["lsoa11_code"].isin(merged_parents)]
    gascoigne = pd.DataFrame(
        {"lsoa11_code": [MERGED_LSOA21], "ward22_code": ["E05014061"], "weight_2021": [1.0]}
    )
    return pd.concat([weights[["lsoa11_code", "ward22_code", "weight_2021"]], gascoigne])


def largest_remainder(values: pd.Series, total: int) -> pd.Series:
    """Round values to integers that sum to ``total``, giving the spare units to the largest remainders."""
    floors = np.floor(values).astype(int)
    spare = int(total - floors.sum())
    order = (values - floors).sort_values(ascending=False, kind="stable").index[:spare]
    floors.loc[order] += 1
    return floors


def rebuild_population() -> pd.DataFrame:
    """Return ward_code, population_unrounded and population (rounded by largest remainder)."""
    residents = lsoa11_residents()
    weights = ward_weights()
    borough_wards = pd.read_csv(HERE / "ward_population.csv")["ward_code"]
    weights = weights[weights["ward22_code"].isin(borough_wards)]
    weights = weights.assign(people=weights["weight_2021"] * weights["lsoa11_code"].map(residents))
    # The source publishes the unrounded totals to one decimal place; rounding starts from those.
    unrounded = weights.groupby("ward22_code")["people"].sum().round(1)
    rounded = largest_remainder(unrounded, int(round(residents.sum())))
    return pd.DataFrame(
        {"population_unrounded": unrounded, "population": rounded}
    ).rename_axis("ward_code")


def rebuild_deprivation() -> pd.DataFrame:
    """Residents of the most deprived 20 % LSOAs (IMD 2019 decile 1-2) apportioned to each ward."""
    residents = lsoa11_residents()
    imd = pd.read_csv(HERE / "lsoa" / "bd_lsoa11_imd2019.csv").set_index("lsoa11_code")
    deprived = imd["imd_decile"] <= 2
    # The merged LSOA's two parents are both in decile <= 2 (SOURCES.md), so it counts as deprived.
    deprived.loc[MERGED_LSOA21] = bool(deprived.loc[["E01000048", "E01033588"]].all())
    weights = ward_weights()
    weights = weights[weights["weight_2021"] > 0]
    people = weights["weight_2021"] * weights["lsoa11_code"].map(residents)
    in_deprived = people * weights["lsoa11_code"].map(deprived).astype(float)
    counts = in_deprived.groupby(weights["ward22_code"]).sum().round().astype(int)
    return counts.rename("residents_most_deprived_20pct").rename_axis("ward_code").to_frame()


AGE_BANDS = ("age_0_15", "age_65_plus")


def _apportion(values: pd.Series, weights: pd.DataFrame, wards: pd.Series) -> pd.Series:
    """Share values per LSOA 2011 between wards with the weights and round by largest remainder to their total."""
    weights = weights[weights["ward22_code"].isin(wards) & weights["lsoa11_code"].isin(values.index)]
    people = weights["weight_2021"] * weights["lsoa11_code"].map(values)
    unrounded = people.groupby(weights["ward22_code"]).sum().reindex(wards, fill_value=0.0)
    return largest_remainder(unrounded.round(6), int(round(values.sum())))


def rebuild_need() -> pd.DataFrame:
    """ward_code, ward_name, age_0_15, age_65_plus, patients_registered (see the module docstring)."""
    shipped = pd.read_csv(HERE / "ward_population.csv").set_index("ward_code")
    wards = pd.Series(shipped.index)
    lsoa21 = pd.read_csv(HERE / "lsoa" / "bd_lsoa21_population.csv")
    parent = lsoa21.set_index("lsoa21_code")["lsoa11_code"].where(
        lsoa21.set_index("lsoa21_code")["chgind"] != "M", MERGED_LSOA21)
    ages = pd.read_csv(HERE / "lsoa" / "bd_lsoa21_age_census2021.csv").set_index("lsoa21_code")
    out = pd.DataFrame({"ward_name": shipped["ward_name"]})
    for band in AGE_BANDS:
        by_parent = ages[band].groupby(parent.reindex(ages.index)).sum()
        out[band] = _apportion(by_parent, ward_weights(), wards)
    raw = pd.read_csv(HERE / "lsoa" / "bd_lsoa11_ward22_weights_2021.csv")
    registrations = pd.read_csv(HERE / "gp_registrations_lsoa11_jul2022.csv")
    registrations = registrations[registrations["lsoa11_code"].isin(raw["lsoa11_code"])]
    out["patients_registered"] = _apportion(registrations.groupby("lsoa11_code")["patients"].sum(), raw, wards)
    return out.rename_axis("ward_code")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped files only")
    args = parser.parse_args(argv)

    population = rebuild_population()
    shipped = pd.read_csv(HERE / "ward_population.csv").set_index("ward_code")
    mismatch = (population["population"] != shipped["population"]).sum()
    print(f"population: {len(population)} wards, total {population['population'].sum():,}; "
          f"{mismatch} differ from ward_population.csv")

    deprivation = rebuild_deprivation()
    names = shipped["ward_name"]
    table = deprivation.join(names)[["ward_name", "residents_most_deprived_20pct"]]
    table["basis"] = ("Census 2021 usual residents (apportioned to 2022 wards with GLA 2021 weights) "
                      "living in LSOAs in IMD 2019 deciles 1-2 (most deprived 20% of England); "
                      "an estimate, not an official figure")
    target = HERE / "ward_deprivation.csv"
    if args.check:
        current = pd.read_csv(target).set_index("ward_code")
        differ = (current["residents_most_deprived_20pct"]
                  != table["residents_most_deprived_20pct"]).sum()
        print(f"deprivation: {differ} wards differ from ward_deprivation.csv")
        need = rebuild_need()
        shipped_need = pd.read_csv(HERE / "ward_need.csv").set_index("ward_code")
        columns = [*AGE_BANDS, "patients_registered"]
        need_differ = int((shipped_need[columns].reindex(need.index) != need[columns]).any(axis=1).sum())
        print(f"need: {need_differ} wards differ from ward_need.csv (children 0-15 {need['age_0_15'].sum():,}, "
              f"65 and over {need['age_65_plus'].sum():,}, registered patients {need['patients_registered'].sum():,})")
        return 0 if mismatch == 0 and differ == 0 and need_differ == 0 else 1
    table.to_csv(target)
    rebuild_need().to_csv(HERE / "ward_need.csv")
    print(f"wrote {target.name} and ward_need.csv")
    return 0 if mismatch == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
