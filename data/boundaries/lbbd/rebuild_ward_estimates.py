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
        return 0 if mismatch == 0 and differ == 0 else 1
    table.to_csv(target)
    print(f"wrote {target.name}")
    return 0 if mismatch == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
