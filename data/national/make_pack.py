"""Rebuild the national pack in this folder from the project's shared national open data (run from the repo root).

    python data/national/make_pack.py [--source ../shared/data/national]

Every output keeps only the columns localign needs, is sorted by local authority district (May 2024 code,
``lad24_code``) and written in row groups of one district or a few, so building one council reads only its
own rows (a filtered read), never England. See README.md here for what each file holds and how it was compacted.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

HERE = Path(__file__).resolve().parent
ROW_GROUP = 2_000  # rows per row group: small enough that a district's filtered read touches few groups
PRECISION_DEG = 1e-6  # coordinates rounded to a millionth of a degree (about 0.1 m): far below the 1 m snap rule


def _write(table: pd.DataFrame | gpd.GeoDataFrame, name: str, row_group: int = ROW_GROUP) -> None:
    """Write a (Geo)Parquet file, zstd-compressed, sorted by district, with min/max statistics for filtered reads."""
    path = HERE / name
    if isinstance(table, gpd.GeoDataFrame):
        table.to_parquet(path, index=False, compression="zstd", row_group_size=row_group,
                         schema_version="1.0.0")
    else:
        pq.write_table(pa.Table.from_pandas(table, preserve_index=False), path, compression="zstd",
                       row_group_size=row_group)
    print(f"{name}: {len(table):,} rows, {path.stat().st_size / 1e6:.2f} MB")


def _round(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Coordinates rounded to PRECISION_DEG (shared vertices round identically, so neighbours still meet)."""
    frame = frame.copy()
    frame["geometry"] = shapely.set_precision(frame.geometry.values, PRECISION_DEG, mode="pointwise")
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=str(HERE.parent.parent.parent / "shared" / "data" / "national"))
    source = Path(parser.parse_args().source)

    lookup = pd.read_csv(source / "lookup_lsoa21_ward24_lad24.csv", dtype=str)
    age = pd.read_csv(source / "england_lsoa21_census2021_age.csv", dtype={"lsoa21_code": str, "lsoa21_name": str})
    lsoa = lookup.merge(age.drop(columns="lsoa21_name"), on="lsoa21_code", how="left", validate="1:1")
    if lsoa["usual_residents"].isna().any():
        raise SystemExit("some LSOAs have no Census 2021 residents")
    bands = [c for c in age.columns if c.startswith("age_")]
    for column in ["usual_residents", *bands]:
        lsoa[column] = lsoa[column].astype("int32")
    lsoa = lsoa.sort_values(["lad24_code", "lsoa21_code"]).reset_index(drop=True)
    _write(lsoa, "lsoa21_census2021.parquet")

    shapes = gpd.read_parquet(source / "england_lsoa21.parquet")[["lsoa21_code", "geometry"]]
    shapes = shapes.merge(lsoa[["lsoa21_code", "lad24_code"]], on="lsoa21_code", validate="1:1")
    shapes = _round(shapes.sort_values(["lad24_code", "lsoa21_code"]).reset_index(drop=True))
    _write(shapes[["lad24_code", "lsoa21_code", "geometry"]], "lsoa21_boundaries.parquet", 500)

    # Each December-2022 ward goes to the May-2024 district of the LSOA under its representative point.
    wards = gpd.read_parquet(source / "england_wards_dec2022.parquet")[["ward22_code", "ward22_name", "geometry"]]
    # One ward (E05014284, Hunmanby & Sherburn) comes in two parts with the same code: one ward, one shape.
    wards["ward22_name"] = wards["ward22_name"].str.replace(r" \(part [^)]*\)$", "", regex=True)
    wards = wards.dissolve("ward22_code", aggfunc={"ward22_name": "first"}).reset_index()
    points = gpd.GeoDataFrame(wards[["ward22_code"]], geometry=wards.geometry.representative_point(), crs=wards.crs)
    found = gpd.sjoin_nearest(points.to_crs(27700), shapes[["lad24_code", "geometry"]].to_crs(27700), how="left")
    wards = wards.merge(found.drop_duplicates("ward22_code")[["ward22_code", "lad24_code"]], on="ward22_code")
    wards = _round(wards.sort_values(["lad24_code", "ward22_code"]).reset_index(drop=True))
    _write(wards[["lad24_code", "ward22_code", "ward22_name", "geometry"]], "wards_dec2022.parquet", 500)

    changes = pd.read_csv(source / "lookup_lsoa11_lsoa21_lad22.csv", dtype=str)
    changes = changes.merge(lsoa[["lsoa21_code", "lad24_code"]], on="lsoa21_code", how="inner")
    changes = changes[["lad24_code", "lsoa11_code", "lsoa21_code", "change_code"]]
    _write(changes.sort_values(["lad24_code", "lsoa21_code", "lsoa11_code"]).reset_index(drop=True),
           "lookup_lsoa11_lsoa21.parquet")

    imd = pd.read_parquet(source / "imd2019_lsoa11.parquet").reset_index()
    imd = imd.rename(columns={"LSOA11CD": "lsoa11_code", "IMD": "imd_score",
                              "Population (Total)": "population_mid2015"})[
        ["lsoa11_code", "imd_score", "population_mid2015"]]
    imd["imd_rank"] = imd["imd_score"].rank(ascending=False, method="first").astype("int32")  # 1 = most deprived
    imd["imd_decile"] = np.ceil(imd["imd_rank"] * 10 / len(imd)).astype("int8")
    lad_of_11 = changes.drop_duplicates("lsoa11_code")[["lsoa11_code", "lad24_code"]]
    imd = imd.merge(lad_of_11, on="lsoa11_code", how="left")
    imd["population_mid2015"] = imd["population_mid2015"].astype("int32")
    _write(imd.sort_values(["lad24_code", "lsoa11_code"]).reset_index(drop=True)[
        ["lad24_code", "lsoa11_code", "imd_score", "imd_rank", "imd_decile", "population_mid2015"]],
        "imd2019_lsoa11.parquet")

    regs = pd.read_parquet(source / "gp_registrations_lsoa11_jul2022.parquet")
    list_size = regs.groupby("OrganisationCode")["Patient"].sum().rename("list_size_jul2022")  # incl. NO2011 rows
    regs = regs.rename(columns={"OrganisationCode": "practice_code", "LSOA11CD": "lsoa11_code",
                                "Patient": "patients"})[["practice_code", "lsoa11_code", "patients"]]
    regs = regs.merge(lad_of_11, on="lsoa11_code", how="inner")  # English LSOAs only; NO2011 rows dropped
    regs = regs.groupby(["lad24_code", "lsoa11_code", "practice_code"], as_index=False)["patients"].sum()
    regs["patients"] = regs["patients"].astype("int32")
    _write(regs, "gp_registrations_lsoa11.parquet", 20_000)

    practices = pd.read_parquet(source / "gp_practices.parquet").reset_index()
    practices = practices.rename(columns={"OrganisationCode": "practice_code", "OrganisationName": "practice_name",
                                          "PCDS": "postcode", "Status": "status", "CloseDate": "close_date"})
    practices = practices[practices["practice_code"].isin(set(regs["practice_code"]))]
    practices["list_size_jul2022"] = list_size.reindex(practices["practice_code"]).astype("int32").to_numpy()
    _write(practices[["practice_code", "practice_name", "postcode", "status", "list_size_jul2022"]]
           .sort_values("practice_code").reset_index(drop=True), "gp_practices.parquet")


if __name__ == "__main__":
    main()
