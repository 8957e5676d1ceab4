"""Any council in England: build a study-area bundle for one of the 296 districts from the national pack in data/national.

The pack is read lazily: every file is sorted by district and read with a row filter on ``lad24_code``, so
building one council reads that council's rows only, never England. The figures are official where they can be
(Census 2021 residents by LSOA, IMD 2019 by LSOA 2011, GP registrations by LSOA 2011, July 2022) and every
derived figure (ward residents, deprivation per ward, practice catchments) is labelled an estimate, with the
rule that made it written into the bundle's manifest.

Stable interface (other commands build on it): ``districts()`` -> DataFrame (``code``, ``name``, ``changed_wards``;
296 rows); ``resolve_council(text)`` -> (code, name), raising CouncilNotFound (a LocalignError with ``choices``);
``build_bundle(council, out_dir, units="wards")`` -> BuildResult (``path``, ``code``, ``name``, ``warnings``,
``units``, ``residents``), a folder that ``geo.load_bundle`` loads.
"""

from __future__ import annotations

import difflib
import json
import re
import shutil
import uuid
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from geo.crs import METRIC_CRS
from geo.errors import LocalignError, Problem, list_items, safe_text

PACK = Path(__file__).resolve().parent.parent / "data" / "national"
"""The national open-data pack shipped with localign (see data/national/README.md)."""

UNIT_CHOICES = ("wards", "wards2024", "lsoa")
"""wards: the council's wards (December 2022 shapes, or May 2024 wards rebuilt from LSOAs where wards changed);
wards2024: always the May 2024 wards rebuilt from their best-fit LSOAs; lsoa: Census 2021 LSOAs."""

AGE_BANDS = ("age_0_15", "age_16_24", "age_25_34", "age_35_49", "age_50_64", "age_65_plus")
AGE_TITLES = {"age_0_15": "Aged 0-15", "age_16_24": "Aged 16-24", "age_25_34": "Aged 25-34",
              "age_35_49": "Aged 35-49", "age_50_64": "Aged 50-64", "age_65_plus": "Aged 65+"}
MIN_PRACTICE_PATIENTS = 100
"""A practice is listed for a council when at least this many of its registered patients live there."""
PEOPLE_PER_LOCALITY = 60_000
"""The default number of localities gives about this many residents each (Barking and Dagenham: 4)."""

ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0.",
    "Contains National Statistics data © Crown copyright and database right 2022; "
    "Contains OS data © Crown copyright and database right 2022.",
    "Contains MHCLG English Indices of Deprivation 2019 and NHS Digital GP registration data (July 2022), "
    "both under the Open Government Licence v3.0.",
)
SOURCES = (
    "Ward boundaries: ONS Wards (December 2022) Boundaries UK BSC (super-generalised), via humaniverse/geographr.",
    "LSOA boundaries: ONS LSOA (2021) Boundaries EW BSC (super-generalised), via humaniverse/geographr.",
    "Residents and age bands: ONS Census 2021 usual residents by six age bands per LSOA (custom dataset), "
    "via cwthom/hack25usefuldata.",
    "LSOA to May-2024 ward (best fit) and district, and LSOA 2011 to 2021: ONS Open Geography lookups.",
    "Deprivation: MHCLG English Indices of Deprivation 2019 (LSOA 2011).",
    "GP practices and registrations: NHS Digital, Patients Registered at a GP Practice (July 2022) and ODS epraccur.",
)


class CouncilNotFound(LocalignError):
    """A council name or code that matches no district, or several; ``choices`` holds (code, name) candidates."""

    def __init__(self, problems: list[Problem], choices: list[tuple[str, str]]):
        self.choices = choices
        super().__init__(problems)


@dataclass
class BuildResult:
    """What ``build_bundle`` wrote: the folder, the district, the unit count, residents and plain-words warnings."""

    path: Path
    code: str
    name: str
    unit_kind: str
    units: int
    residents: int
    warnings: list[str] = field(default_factory=list)
    changed_wards: bool = False
    rook_edges: int = 0
    islands: list[list[str]] = field(default_factory=list)


# --- the pack, read lazily --------------------------------------------------------------------------

def _pack_file(name: str) -> Path:
    path = PACK / name
    if not path.is_file():
        raise LocalignError.single(f"the national data file {name} is missing.", str(PACK),
                                   "use a complete copy of localign (the data/national folder ships with it).")
    return path


def _read(name: str, code: str | None = None, columns: list[str] | None = None) -> pd.DataFrame:
    """Rows of one pack table (only district ``code``'s rows when given): a filtered read, not all of England."""
    filters = [("lad24_code", "==", code)] if code else None
    return pq.read_table(_pack_file(name), columns=columns, filters=filters).to_pandas()


def _read_shapes(name: str, code: str) -> gpd.GeoDataFrame:
    """One district's shapes from a GeoParquet file of the pack (filtered read), in metres."""
    frame = gpd.read_parquet(_pack_file(name), filters=[("lad24_code", "==", code)])
    return frame.to_crs(METRIC_CRS)


@lru_cache(maxsize=1)
def _district_table() -> pd.DataFrame:
    frame = _read("lsoa21_census2021.parquet", columns=["lad24_code", "lad24_name", "ward24_code"])
    ward22 = set(_read("wards_dec2022.parquet", columns=["ward22_code"])["ward22_code"])
    frame["new_ward"] = ~frame["ward24_code"].isin(ward22)
    table = frame.groupby(["lad24_code", "lad24_name"], as_index=False).agg(changed_wards=("new_ward", "any"))
    return table.rename(columns={"lad24_code": "code", "lad24_name": "name"}).sort_values("name").reset_index(drop=True)


def districts() -> pd.DataFrame:
    """The 296 local authority districts of England (May 2024): ``code``, ``name`` and ``changed_wards``
    (True when some May 2024 wards are not December 2022 wards), sorted by name."""
    return _district_table().copy()


# --- finding a council by name or code ----------------------------------------------------------------

_DROP = re.compile(r"\b(london borough of|royal borough of|borough of|city of|county of|metropolitan borough of|"
                   r"district council|borough council|city council|county council|council|district|borough|county|lb)\b")


def _normal(text: str) -> str:
    """A name folded for matching: lower case, '&' as 'and', punctuation and council words dropped."""
    text = str(text).casefold().replace("&", " and ")
    text = re.sub(r"[^a-z0-9 ]+", " ", text.replace("'", ""))
    text = _DROP.sub(" ", text)
    return " ".join(text.split())


def resolve_council(text: str) -> tuple[str, str]:
    """The district (code, name) that ``text`` names: a code like E09000025 or a name in any case
    ("Newham", "london borough of newham"); an ambiguous or unknown name raises CouncilNotFound with the choices."""
    table = _district_table()
    raw = str(text or "").strip()
    where = f"--council {safe_text(raw) or '(blank)'}"
    if not raw:
        raise CouncilNotFound([Problem("no council was named.", "--council",
                                       'name a district of England, e.g. --council "Newham" or --council E09000025.')],
                              [])
    by_code = table[table["code"] == raw.upper()]
    if len(by_code) == 1:
        return str(by_code["code"].iloc[0]), str(by_code["name"].iloc[0])
    if re.fullmatch(r"[A-Za-z]\d{8}", raw):
        what = ("is a Welsh, Scottish or Northern Irish code; localign's national pack covers England"
                if raw.upper()[0] in "WSN" else "is not the code of a district in England (May 2024)")
        raise CouncilNotFound([Problem(f"{safe_text(raw)} {what}.", where,
                                       "use an English district code (E06, E07, E08 or E09 followed by six digits) "
                                       "or the council's name; `localign bundle list` lists them all.")], [])
    wanted = _normal(raw)
    names = table["name"].map(_normal)
    exact = table[names == wanted]
    if len(exact) == 1:
        return str(exact["code"].iloc[0]), str(exact["name"].iloc[0])
    pattern = re.compile(rf"\b{re.escape(wanted)}\b") if wanted else None
    partial = table[names.map(lambda n: bool(pattern and pattern.search(n)))] if len(exact) == 0 else exact
    if len(partial) == 1 and names[partial.index[0]].startswith(wanted):  # "barking" -> Barking and Dagenham
        return str(partial["code"].iloc[0]), str(partial["name"].iloc[0])
    if len(partial) >= 1:
        choices = list(zip(partial["code"], partial["name"]))
        raise CouncilNotFound([Problem(
            f"'{safe_text(raw)}' matches {len(choices)} district{'s' if len(choices) > 1 else ''}: "
            f"{list_items([f'{n} ({c})' for c, n in choices], limit=12)}.", where,
            "name one of them in full, or give its code.")], choices)
    close = difflib.get_close_matches(wanted, list(names), n=5, cutoff=0.6)
    choices = [(str(c), str(n)) for c, n, k in zip(table["code"], table["name"], names) if k in close]
    hint = (f"did you mean {list_items([f'{n} ({c})' for c, n in choices])}? " if choices else "")
    raise CouncilNotFound([Problem(f"no district in England is called '{safe_text(raw)}'.", where,
                                   f"{hint}Give the district's name or its code (e.g. E09000025 for Newham); "
                                   "`localign bundle list` lists all 296.")], choices)


# --- building a bundle ----------------------------------------------------------------------------

def _largest_remainder(values: pd.Series, total: int) -> pd.Series:
    """Whole numbers close to ``values`` that add up to ``total`` (largest remainders get the spare units)."""
    values = values.astype(float).clip(lower=0)
    if values.sum() <= 0:
        return values.round().astype(int)
    scaled = values * (total / values.sum())
    floors = np.floor(scaled).astype(int)
    spare = int(total - floors.sum())
    order = np.argsort(-(scaled - floors).to_numpy(), kind="stable")
    result = floors.to_numpy().copy()
    result[order[:spare]] += 1
    return pd.Series(result, index=values.index)


def _overlay_weights(lsoas: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> pd.DataFrame:
    """Share of each LSOA's area in each unit (maup area overlay), each LSOA's shares adding up to 1.

    An LSOA that overlaps no unit (a generalisation gap) goes wholly to the nearest unit.
    """
    import maup

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pieces = maup.intersections(lsoas[["geometry"]], units[["geometry"]], area_cutoff=0)
    weights = pd.Series(pieces.area.to_numpy(), index=pieces.index)
    weights = weights[weights > 0]
    weights = weights / weights.groupby(level=0).transform("sum")
    frame = weights.rename("weight").rename_axis(["lsoa", "unit"]).reset_index()
    missing = lsoas.index.difference(frame["lsoa"])
    if len(missing):
        near = gpd.sjoin_nearest(lsoas.loc[missing, ["geometry"]], units[["geometry"]].rename_axis("unit").reset_index())
        near = near[~near.index.duplicated()]
        frame = pd.concat([frame, pd.DataFrame({"lsoa": near.index, "unit": near["unit"], "weight": 1.0})])
    return frame[["lsoa", "unit", "weight"]].reset_index(drop=True)


def _lsoa_deprivation(code: str, lsoa: pd.DataFrame) -> pd.DataFrame:
    """IMD 2019 per LSOA 2021 via the LSOA 2011 -> 2021 lookup: a split LSOA keeps its parent's score; merged or
    irregular ones take the mid-2015-population-weighted mean of their parents (score, and share in deciles 1-2)."""
    changes = _read("lookup_lsoa11_lsoa21.parquet", code)
    imd = _read("imd2019_lsoa11.parquet", code)
    pairs = changes.merge(imd[["lsoa11_code", "imd_score", "imd_decile", "population_mid2015"]], on="lsoa11_code",
                          how="inner")
    pairs["w"] = pairs["population_mid2015"].clip(lower=1)
    pairs["deprived"] = (pairs["imd_decile"] <= 2).astype(float)
    grouped = pairs.assign(ws=pairs["w"] * pairs["imd_score"], wd=pairs["w"] * pairs["deprived"]).groupby(
        "lsoa21_code")[["w", "ws", "wd"]].sum()
    out = pd.DataFrame({"imd_score": grouped["ws"] / grouped["w"], "deprived_share": grouped["wd"] / grouped["w"]})
    return out.reindex(lsoa.index)


def _lsoa_registrations(code: str, lsoa: pd.DataFrame) -> pd.DataFrame:
    """Registered patients (July 2022) by practice and LSOA 2021: an LSOA 2011 split in 2021 shares its patients
    among its 2021 parts in proportion to their Census 2021 residents; merged LSOAs add up."""
    regs = _read("gp_registrations_lsoa11.parquet", code, ["lsoa11_code", "practice_code", "patients"])
    changes = _read("lookup_lsoa11_lsoa21.parquet", code, ["lsoa11_code", "lsoa21_code"])
    changes = changes[changes["lsoa21_code"].isin(lsoa.index)]
    changes["residents"] = lsoa["usual_residents"].reindex(changes["lsoa21_code"]).to_numpy()
    changes["part"] = changes["residents"] / changes.groupby("lsoa11_code")["residents"].transform("sum")
    rows = regs.merge(changes[["lsoa11_code", "lsoa21_code", "part"]], on="lsoa11_code", how="inner")
    rows["patients"] = rows["patients"] * rows["part"].fillna(0)
    return rows.groupby(["practice_code", "lsoa21_code"], as_index=False)["patients"].sum()


def _default_k(residents: int, n_units: int) -> int:
    """About PEOPLE_PER_LOCALITY residents per locality, between 2 and 10, and at most a third of the units."""
    return int(max(2, min(10, round(residents / PEOPLE_PER_LOCALITY), max(2, n_units // 3))))


def _toml_text(value: str) -> str:
    return json.dumps(str(value), ensure_ascii=False)


def _toml_list(values) -> str:
    return "[\n" + "".join(f"    {_toml_text(v)},\n" for v in values) + "]"


def read_pcn_list(source: str | Path | bytes, where: str | None = None) -> pd.DataFrame:
    """A practice -> PCN list (CSV file or its bytes): a column of practice ODS codes and a column of PCN names,
    found by their headings."""
    from geo.read import read_table

    where = where or (Path(source).name if not isinstance(source, bytes) else "the PCN list")
    frame = read_table(source, where)
    columns = {c.casefold().strip(): c for c in frame.columns}
    code = next((columns[c] for c in columns if c in ("ods_code", "practice_code", "organisationcode", "code",
                                                      "practice ods code", "ods code")), None)
    pcn = next((columns[c] for c in columns if c in ("pcn_name", "pcn", "pcn name", "network")), None)
    if code is None or pcn is None:
        raise LocalignError.single(
            f"the PCN list needs a practice code column and a PCN column; its columns are {list_items(frame.columns)}.",
            where, "give it two columns headed ods_code (the practice's ODS code, e.g. F82679) and pcn_name.")
    out = frame[[code, pcn]].rename(columns={code: "practice_code", pcn: "pcn_name"})
    out["practice_code"] = out["practice_code"].astype(str).str.strip().str.upper()
    out["pcn_name"] = out["pcn_name"].astype(str).str.strip()
    out = out[(out["practice_code"] != "") & (out["pcn_name"] != "")].drop_duplicates("practice_code")
    if out.empty:
        raise LocalignError.single("the PCN list has no rows with both a practice code and a PCN name.", where,
                                   "fill in both columns for each practice.")
    return out


BUILT_MARK = "built by `localign bundle build`"
"""Written in the first line of every built manifest: only such folders (or empty ones) are ever replaced."""


def _replaceable(folder: Path) -> bool:
    """True for an empty folder or one this builder wrote (its manifest carries BUILT_MARK)."""
    if not folder.is_dir():
        return False
    if not any(folder.iterdir()):
        return True
    try:
        with open(folder / "manifest.toml", encoding="utf-8") as handle:
            return BUILT_MARK in handle.readline()
    except OSError:
        return False


def build_bundle(council: str, out_dir: str | Path, units: str = "wards",
                 pcn_list: str | Path | bytes | None = None) -> BuildResult:
    """Write a complete bundle (manifest.toml and the files it names) for one English district into ``out_dir``.

    ``units``: "wards" (December 2022 wards; where the council's wards changed since, May 2024 wards rebuilt from
    their best-fit LSOAs), "wards2024" (always rebuilt) or "lsoa". ``pcn_list``: optional CSV of practice ODS code
    -> PCN name; each unit then belongs to the PCN holding most of its residents' registrations.
    """
    if units not in UNIT_CHOICES:
        raise LocalignError.single(f"'{safe_text(units)}' is not a kind of unit localign can build.", "--units",
                                   f"use one of: {', '.join(UNIT_CHOICES)}.")
    code, name = resolve_council(council)
    out = Path(out_dir)
    if out.exists() and not _replaceable(out):
        raise LocalignError.single(
            f"{out} already exists and is not a bundle built by `localign bundle build`, so nothing was written "
            "there (a built bundle would be replaced; nothing else is).", "--out", "choose a new folder name.")
    pcns = read_pcn_list(pcn_list) if pcn_list is not None else None
    notes: list[str] = []

    lsoa = _read("lsoa21_census2021.parquet", code).set_index("lsoa21_code")
    shapes = _read_shapes("lsoa21_boundaries.parquet", code).set_index("lsoa21_code").reindex(lsoa.index)
    residents = int(lsoa["usual_residents"].sum())
    changed = bool(_district_table().set_index("code").loc[code, "changed_wards"])
    ward22 = _read_shapes("wards_dec2022.parquet", code).set_index("ward22_code")
    new_codes = sorted(set(lsoa["ward24_code"]) - set(ward22.index))
    kind = units
    if units == "wards" and changed:
        kind = "wards2024"
        notes.append(f"{name}'s wards changed after December 2022 ({len(new_codes)} of its "
                     f"{lsoa['ward24_code'].nunique()} May 2024 wards are new), so the December 2022 ward shapes are "
                     "out of date. The units are the May 2024 wards rebuilt from their best-fit LSOAs: approximate "
                     "outlines. For the LSOAs themselves as units, build with --units lsoa.")

    if kind == "wards":
        unit_frame = gpd.GeoDataFrame({"unit_name": ward22["ward22_name"]}, geometry=ward22.geometry,
                                      crs=ward22.crs).rename_axis("unit_code")
        weights = _overlay_weights(shapes, unit_frame)
        bestfit = lsoa.groupby("ward24_code")["usual_residents"].sum().reindex(unit_frame.index, fill_value=0)
        unit_title = "Electoral wards (December 2022)"
        method = ("area overlay (maup): each LSOA's residents are shared among the wards it overlaps in proportion "
                  "to the overlapping area, then rounded to whole people so the wards add up to the LSOA total")
    elif kind == "wards2024":
        dissolved = shapes.assign(unit_code=lsoa["ward24_code"], unit_name=lsoa["ward24_name"]).dissolve(
            "unit_code", aggfunc={"unit_name": "first"})
        unit_frame = gpd.GeoDataFrame({"unit_name": dissolved["unit_name"]}, geometry=dissolved.geometry,
                                      crs=shapes.crs)
        weights = pd.DataFrame({"lsoa": lsoa.index, "unit": lsoa["ward24_code"].to_numpy(), "weight": 1.0})
        bestfit = None
        unit_title = "Electoral wards (May 2024, rebuilt from best-fit LSOAs: approximate)"
        method = ("best fit: each LSOA's residents go wholly to the May 2024 ward it best fits (ONS lookup); the "
                  "ward outlines are the union of those LSOAs, so they are approximate")
    else:
        unit_frame = gpd.GeoDataFrame({"unit_name": lsoa["lsoa21_name"]}, geometry=shapes.geometry,
                                      crs=shapes.crs).rename_axis("unit_code")
        weights = pd.DataFrame({"lsoa": lsoa.index, "unit": lsoa.index, "weight": 1.0})
        bestfit = None
        unit_title = "Census 2021 LSOAs"
        method = "none needed: the units are the LSOAs, so residents are the Census 2021 figures themselves"
    unit_frame.index = unit_frame.index.astype(str).rename("unit_code")
    unit_frame = unit_frame.sort_index()
    ids = unit_frame.index

    def apportion(values: pd.Series) -> pd.Series:
        """LSOA figures -> unit figures along the weights (fractions; rounding is the caller's)."""
        spread = weights["weight"].to_numpy() * values.reindex(weights["lsoa"]).fillna(0).to_numpy()
        return pd.Series(spread).groupby(weights["unit"].to_numpy()).sum().reindex(ids, fill_value=0.0)

    population = pd.DataFrame(index=ids)
    population["population"] = _largest_remainder(apportion(lsoa["usual_residents"]), residents)
    for band in AGE_BANDS:
        population[band] = _largest_remainder(apportion(lsoa[band]), int(lsoa[band].sum()))
    if bestfit is not None:
        population["population_lsoa21_bestfit"] = bestfit.astype(int)

    deprivation = _lsoa_deprivation(code, lsoa)
    known = deprivation["imd_score"].notna()
    scored = lsoa["usual_residents"].where(known, 0)
    score_sum = apportion(scored * deprivation["imd_score"].fillna(0))
    score_people = apportion(scored)
    depr = pd.DataFrame(index=ids)
    depr["residents_most_deprived_20pct"] = _largest_remainder(
        apportion(lsoa["usual_residents"] * deprivation["deprived_share"].fillna(0)),
        int(round(float((lsoa["usual_residents"] * deprivation["deprived_share"].fillna(0)).sum()))))
    depr["imd2019_score_residents_weighted"] = (score_sum / score_people.replace(0, np.nan)).round(2).fillna(0)
    if (~known).any():
        notes.append(f"{int((~known).sum())} LSOA(s) have no IMD 2019 score via the 2011 -> 2021 lookup: "
                     f"{list_items(lsoa.index[~known])}; they count as not deprived.")

    registrations = _lsoa_registrations(code, lsoa)
    facts: list[str] = []
    practices_table, catchment, pcn_table = _practices(registrations, weights, unit_frame, pcns, notes, facts)

    # write -------------------------------------------------------------------------------------------
    tmp = out.with_name(f"{out.name}.building-{uuid.uuid4().hex[:8]}")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    lonlat = unit_frame.to_crs("EPSG:4326").reset_index()
    lonlat["geometry"] = lonlat.geometry.set_precision(1e-6)
    lonlat.to_file(tmp / "units.geojson", driver="GeoJSON", COORDINATE_PRECISION=6)
    population.insert(0, "unit_name", unit_frame["unit_name"])
    population.rename_axis("unit_code").to_csv(tmp / "unit_population.csv")
    depr.insert(0, "unit_name", unit_frame["unit_name"])
    depr.rename_axis("unit_code").to_csv(tmp / "unit_deprivation.csv")
    lsoa_out = lsoa[["lsoa21_name", "ward24_code", "ward24_name", "usual_residents", *AGE_BANDS]].join(deprivation)
    lsoa_out.round(4).rename_axis("lsoa21_code").to_csv(tmp / "lsoa_figures.csv")
    weights.rename(columns={"lsoa": "lsoa21_code", "unit": "unit_code"}).round(6).to_csv(
        tmp / "lsoa_to_unit_weights.csv", index=False)
    practices_table.to_csv(tmp / "practices.csv", index=False)
    catchment.to_csv(tmp / "practice_catchment.csv", index=False)
    if pcn_table is not None:
        pcn_table.to_csv(tmp / "unit_pcn.csv", index=False)

    unit_label = "LSOA" if kind == "lsoa" else "ward"
    k = _default_k(residents, len(ids))
    estimate = "" if kind == "lsoa" else " (estimates)"
    manifest = _manifest_text(code, name, kind, unit_title, unit_label, k, residents, method, estimate,
                              has_bestfit=bestfit is not None, pcn=pcn_table is not None,
                              practices=len(practices_table), notes=notes, facts=facts)
    (tmp / "manifest.toml").write_text(manifest, encoding="utf-8")
    (tmp / "README.md").write_text(_readme_text(name, code, unit_title, method, notes), encoding="utf-8")
    islands, links, edges = _check_loads(tmp)
    if islands:
        names = unit_frame["unit_name"]
        notes.append(f"The units are in {len(islands) + 1} separate pieces (islands, or gaps in the outlines); "
                     "these touch none of the largest piece: "
                     + "; ".join(", ".join(str(names[u]) for u in island) for island in islands)
                     + ". Each is joined to its nearest unit so localities can include it: "
                     + "; ".join(f"{names[a]} – {names[b]} ({gap:,} m apart)" for a, b, gap in links) + ".")
        (tmp / "manifest.toml").write_text(
            _manifest_text(code, name, kind, unit_title, unit_label, k, residents, method, estimate,
                           has_bestfit=bestfit is not None, pcn=pcn_table is not None,
                           practices=len(practices_table), notes=notes, facts=facts), encoding="utf-8")
        (tmp / "README.md").write_text(_readme_text(name, code, unit_title, method, notes), encoding="utf-8")
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    return BuildResult(path=out, code=code, name=name, unit_kind=kind, units=len(ids), residents=residents,
                       warnings=notes, changed_wards=changed, rook_edges=edges, islands=islands)


def _check_loads(folder: Path) -> tuple[list[list[str]], list[tuple[str, str, int]], int]:
    """Load the bundle just written (so a broken build never replaces a bundle) and return its islands (unit ids),
    the links that join them to their nearest units (with the gap in metres) and the rook edges between touching units."""
    import networkx as nx

    from geo.adjacency import islands
    from geo.bundle import load_bundle

    area = load_bundle(folder)
    rook = area.graph("rook")
    touching = nx.subgraph_view(rook, filter_edge=lambda a, b: not rook.edges[a, b].get("linked"))
    links = [(a, b, int(round(float(d.get("gap_m", 0.0))))) for a, b, d in rook.edges(data=True) if d.get("linked")]
    return islands(touching), links, touching.number_of_edges()


def _practices(registrations: pd.DataFrame, weights: pd.DataFrame, units: gpd.GeoDataFrame,
               pcns: pd.DataFrame | None, notes: list[str], facts: list[str]):
    """Practices whose patients live in the council (at least MIN_PRACTICE_PATIENTS), their catchment shares per
    unit, and (with a PCN list) each unit's PCN: the one whose practices hold most of its residents' registrations."""
    pairs = registrations.merge(weights, left_on="lsoa21_code", right_on="lsoa", how="inner")
    pairs["patients"] = pairs["patients"] * pairs["weight"]
    by_unit = pairs.groupby(["practice_code", "unit"], as_index=False)["patients"].sum()
    here = by_unit.groupby("practice_code")["patients"].sum()
    kept = here[here >= MIN_PRACTICE_PATIENTS].index
    left_out = float(here[here < MIN_PRACTICE_PATIENTS].sum())
    total = float(here.sum())
    if total > 0 and left_out > 0:
        facts.append(f"{len(here) - len(kept)} other practices each hold fewer than {MIN_PRACTICE_PATIENTS} "
                     f"registered patients living here ({left_out / total:.1%} of registrations) and are not listed.")
    info = pq.read_table(_pack_file("gp_practices.parquet"),
                         filters=[("practice_code", "in", list(kept))]).to_pandas() if len(kept) else \
        _read("gp_practices.parquet").iloc[:0]
    table = info.set_index("practice_code").reindex(kept)
    table["patients_living_here"] = here.reindex(kept).round().astype(int)
    table["share_of_list_living_here"] = (here.reindex(kept) / table["list_size_jul2022"]).round(4)
    table["share_of_registrations_here"] = (here.reindex(kept) / total).round(4) if total else 0.0
    main = by_unit[by_unit["practice_code"].isin(kept)].sort_values("patients", ascending=False).drop_duplicates(
        "practice_code").set_index("practice_code")["unit"]
    table["main_unit_code"] = main.reindex(kept)
    table["main_unit_name"] = units["unit_name"].reindex(table["main_unit_code"]).to_numpy()
    table = table.reset_index().sort_values("patients_living_here", ascending=False)
    catchment = by_unit[by_unit["practice_code"].isin(kept)].rename(columns={"unit": "unit_code"})
    unit_total = by_unit.groupby("unit")["patients"].sum()
    catchment["share_of_unit_registrations"] = (catchment["patients"] /
                                                unit_total.reindex(catchment["unit_code"]).to_numpy()).round(4)
    catchment["share_of_practice_here"] = (catchment["patients"] /
                                           here.reindex(catchment["practice_code"]).to_numpy()).round(4)
    catchment["patients"] = catchment["patients"].round(1)
    catchment = catchment.sort_values(["unit_code", "patients"], ascending=[True, False])
    pcn_table = None
    if pcns is not None:
        joined = by_unit.merge(pcns, on="practice_code", how="inner")
        unknown = sorted(set(pcns["practice_code"]) - set(by_unit["practice_code"]))
        if joined.empty:
            raise LocalignError.single(
                "none of the practices in the PCN list has registered patients living in this council.",
                "PCN list", "check the ODS codes (e.g. F82679) and that the list is for this council.")
        if unknown:
            notes.append(f"{len(unknown)} practice(s) in the PCN list have no patients living here: "
                         f"{list_items(unknown)}.")
        per = joined.groupby(["unit", "pcn_name"])["patients"].sum().reset_index()
        per["share"] = per["patients"] / per.groupby("unit")["patients"].transform("sum")
        best = per.sort_values(["unit", "share", "pcn_name"], ascending=[True, False, True]).drop_duplicates("unit")
        pcn_table = pd.DataFrame({"unit_code": units.index}).merge(
            best.rename(columns={"unit": "unit_code"})[["unit_code", "pcn_name", "share"]], on="unit_code",
            how="left")
        missing = pcn_table["pcn_name"].isna()
        if missing.any():
            notes.append(f"{int(missing.sum())} unit(s) have no registrations with the listed practices and are "
                         f"marked 'No listed PCN': {list_items(pcn_table.loc[missing, 'unit_code'])}.")
            pcn_table.loc[missing, "pcn_name"] = "No listed PCN"
            pcn_table.loc[missing, "share"] = 0.0
        pcn_table["share"] = pcn_table["share"].round(4)
        pcn_table = pcn_table.rename(columns={"share": "share_of_registrations"})
    columns = ["practice_code", "practice_name", "postcode", "status", "patients_living_here", "list_size_jul2022",
               "share_of_list_living_here", "share_of_registrations_here", "main_unit_code", "main_unit_name"]
    return table[columns], catchment, pcn_table


def _manifest_text(code: str, name: str, kind: str, unit_title: str, unit_label: str, k: int, residents: int,
                   method: str, estimate: str, has_bestfit: bool, pcn: bool, practices: int,
                   notes: list[str], facts: list[str]) -> str:
    """The manifest.toml of a built bundle (paths relative to the bundle folder)."""
    pop_titles = {"population": f"Residents (Census 2021{', ' + method.split(':')[0] + ' estimate' if estimate else ''})"}
    if has_bestfit:
        pop_titles["population_lsoa21_bestfit"] = "Residents (Census 2021, LSOA best-fit estimate)"
    pop_titles.update({b: f"{t} (Census 2021{', estimate' if estimate else ''})" for b, t in AGE_TITLES.items()})
    columns = ["population", *(["population_lsoa21_bestfit"] if has_bestfit else []), *AGE_BANDS]
    lines = [
        f"# localign study-area bundle: {name} ({code}), {BUILT_MARK} from the national pack.",
        "# Every path is relative to this folder. See README.md here for provenance and licences.",
        "",
        "[study_area]",
        f"name = {_toml_text(name)}",
        f"short_name = {_toml_text(name)}",
        f"code = {_toml_text(code)}",
        f"unit_label = {_toml_text(unit_label)}",
        'locality_label = "locality"',
        f"default_k = {k}",
        "",
        "[units]",
        'path = "units.geojson"',
        'id = "unit_code"',
        'name = "unit_name"',
        f"title = {_toml_text(unit_title)}",
        "snap_m = 1.0",
        "min_shared_m = 1.0",
        "link_islands = true",
        "",
        "[[attributes]]",
        'path = "unit_population.csv"',
        'id = "unit_code"',
        'population = "population"',
        f"columns = {json.dumps(columns)}",
        'assumption = "population_estimate"',
        "",
        "[attributes.titles]",
        *(f"{key} = {_toml_text(title)}" for key, title in pop_titles.items()),
        "",
        "[[attributes]]",
        'path = "unit_deprivation.csv"',
        'id = "unit_code"',
        'columns = ["residents_most_deprived_20pct", "imd2019_score_residents_weighted"]',
        'assumption = "deprivation_estimate"',
        "",
        "[attributes.titles]",
        'residents_most_deprived_20pct = "Residents in England\'s most deprived 20% of areas (IMD 2019, estimate)"',
        'imd2019_score_residents_weighted = "IMD 2019 score, resident-weighted (estimate; higher = more deprived)"',
        "",
    ]
    if pcn:
        lines += [
            "[[groupings]]",
            'name = "pcn"',
            'title = "Primary Care Networks (from registrations: approximate)"',
            'kind = "table"',
            'path = "unit_pcn.csv"',
            'id = "unit_code"',
            'column = "pcn_name"',
            'assumption = "pcn_areas"',
            "",
            "[roles]",
            'pcn = "pcn"',
            "",
        ]
    assumptions = {
        "population_estimate": (
            f"Residents are Census 2021 usual residents by LSOA (ONS custom dataset, perturbed for disclosure control; "
            f"{residents:,} in all). " + ("" if not estimate else
                                          f"Unit figures are estimates from the LSOAs by {method}. They are not official "
                                          "ONS ward counts.")),
        "deprivation_estimate": (
            "Deprivation is the IMD 2019 (LSOA 2011) carried to 2021 LSOAs with the ONS 2011 -> 2021 lookup (a merged "
            "or irregular LSOA takes the mid-2015-population-weighted mean of its parts), then to units like the "
            "residents. Estimates, not official ward figures."),
        "unit_outlines": (
            "Boundaries are ONS super-generalised outlines (coarse at the edges); units closer than 1 m count as "
            "touching, and any island is joined to its nearest unit so localities can include it."
            + (" Rebuilt May 2024 wards are unions of their best-fit LSOAs: approximate." if kind == "wards2024" else "")),
        "practice_catchments": (
            f"{practices} GP practices with at least {MIN_PRACTICE_PATIENTS} registered patients living here are "
            "listed in practices.csv, with catchment shares per unit in practice_catchment.csv, from NHS Digital "
            "registrations by LSOA (July 2022; an LSOA 2011 split in 2021 shares its patients by Census 2021 "
            "residents). Registrations exceed residents (list inflation): they say where a practice's patients live, "
            "not how many people live here. Practice sites have no coordinates in the national pack, so practices "
            "are not drawn on the map. " + " ".join(facts)).strip(),
    }
    if pcn:
        assumptions["pcn_areas"] = (
            "PCNs have no official boundaries. Each unit belongs to the PCN whose practices (from the uploaded "
            "practice -> PCN list) hold most of its residents' registrations (July 2022): an approximation.")
    if notes:
        assumptions["build_notes"] = " ".join(notes)
    lines += ["[assumptions]", *(f"{k_} = {_toml_text(v)}" for k_, v in assumptions.items()), ""]
    lines += ["[provenance]", f"attribution = {_toml_list(ATTRIBUTION)}", f"sources = {_toml_list(SOURCES)}",
              'licence = "Open Government Licence v3.0"', ""]
    return "\n".join(lines)


def _readme_text(name: str, code: str, unit_title: str, method: str, notes: list[str]) -> str:
    files = [
        ("units.geojson", f"{unit_title}, WGS84"),
        ("unit_population.csv", "Census 2021 residents and six age bands per unit"),
        ("unit_deprivation.csv", "residents in England's most deprived 20% (IMD 2019) and resident-weighted IMD score"),
        ("lsoa_figures.csv", "the LSOA inputs: residents, age bands, best-fit May 2024 ward, IMD 2019 carried to 2021"),
        ("lsoa_to_unit_weights.csv", "how each LSOA is shared among units (the estimate's weights)"),
        ("practices.csv", "GP practices whose registered patients live here, with their catchment shares"),
        ("practice_catchment.csv", "registered patients of each practice by unit (July 2022)"),
    ]
    body = "\n".join(f"| `{f}` | {w} |" for f, w in files)
    extra = "\n".join(f"- {n}" for n in notes) or "- none"
    return (f"# {name} ({code}): a localign bundle built from the national pack\n\n"
            "Built by `localign bundle build` from `data/national/` (see its README for every source).\n\n"
            f"| file | what |\n|---|---|\n{body}\n\n"
            f"Unit residents: {method}.\n\nNotes from the build:\n{extra}\n\n"
            "Licence: Open Government Licence v3.0. " + " ".join(ATTRIBUTION) + "\n")


# --- councils opened in the app -------------------------------------------------------------------

COUNCILS_ENV = "LOCALIGN_COUNCILS_DIR"
"""Environment variable naming the folder where the app keeps the council bundles it builds."""


def councils_dir() -> Path:
    """Where built council bundles are kept: $LOCALIGN_COUNCILS_DIR, else ~/.cache/localign/councils."""
    import os

    chosen = os.environ.get(COUNCILS_ENV)
    return Path(chosen).expanduser() if chosen else Path.home() / ".cache" / "localign" / "councils"


def council_bundle(council: str, units: str = "wards", root: str | Path | None = None,
                   pcn_list: bytes | None = None) -> BuildResult:
    """The bundle for a council (with an optional practice -> PCN list, as CSV bytes), built into ``root`` (default
    councils_dir()) the first time and reused after: built folders are read-only inputs shared by every session,
    keyed by council, units and the list's content; each planner's plans stay their own."""
    import hashlib

    code, name = resolve_council(council)
    folder = Path(root) if root else councils_dir()
    key = f"-pcn-{hashlib.sha256(pcn_list).hexdigest()[:12]}" if pcn_list is not None else ""
    target = folder / f"{code}-{units}{key}"
    record = target / "build.json"
    if (target / "manifest.toml").is_file() and record.is_file():
        try:
            saved = json.loads(record.read_text(encoding="utf-8"))
            return BuildResult(path=target, **saved)
        except (OSError, ValueError, TypeError):
            pass  # an unreadable record: build again
    folder.mkdir(parents=True, exist_ok=True)
    result = build_bundle(code, target, units=units, pcn_list=pcn_list)
    saved = {k: v for k, v in result.__dict__.items() if k != "path"}
    record.write_text(json.dumps(saved, ensure_ascii=False), encoding="utf-8")
    return result


UNIT_LABELS = {"wards": "Wards", "lsoa": "LSOAs (Census 2021 small areas)"}
"""The building blocks the app offers, in planners' words."""


def council_choices() -> dict[str, str]:
    """District code -> label for a picker: name, code, and a note where wards changed after December 2022."""
    return {row.code: f"{row.name} ({row.code})" + (" · wards changed since 2022" if row.changed_wards else "")
            for row in _district_table().itertuples()}
