"""PCN catchments from where patients are registered: patients by practice and small area, a practice -> PCN table and
small-area -> unit weights give R_gj, the registered patients of PCN g living in unit j.

Rule: each small area's patients are shared between units by the weights (the same weights that apportion residents);
patients of practices in no listed PCN are kept apart as "practice not in a listed PCN", never dropped; patients
living in small areas with no weight (outside the study area) are counted and reported, not apportioned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import geopandas as gpd
import pandas as pd

from geo.errors import LocalignError, Problem, list_items
from geo.manifest import RegistrationsSpec
from geo.read import read_table, to_number

UNASSIGNED = "practice not in a listed PCN"
"""How patients of practices that belong to no PCN of the bundle's list are shown, everywhere."""


@dataclass(frozen=True)
class Registrations:
    """The registration tables of a bundle, read and checked once: rows (practice, small area, patients), practice
    names, the bundle's practice -> PCN list and the small-area -> unit weights."""

    spec: RegistrationsSpec
    rows: pd.DataFrame
    """Columns practice, small_area, patients: one row per practice and small area."""
    practice_names: dict[str, str]
    listed: dict[str, str]
    """Practice code -> PCN name, from the bundle's practice list."""
    weights: pd.DataFrame
    """Columns small_area, unit, weight."""
    assigned: dict[str, str] = field(default_factory=dict)
    """Practice code -> PCN name set by the planner (in the app or from an uploaded CSV); wins over ``listed``."""

    @property
    def basis(self) -> str:
        """The basis in words, e.g. 'registered patients, July 2022'."""
        return self.spec.basis

    def pcn_of(self) -> dict[str, str]:
        """Practice code -> PCN: the bundle's list with the planner's assignments on top."""
        return {**self.listed, **self.assigned}

    def with_assignments(self, assignments: Mapping[str, str]) -> "Registrations":
        """A copy with some practices assigned to PCNs (an empty name removes a planner's assignment)."""
        assigned = dict(self.assigned)
        for code, pcn in assignments.items():
            if pcn:
                assigned[code] = pcn
            else:
                assigned.pop(code, None)
        return Registrations(self.spec, self.rows, self.practice_names, self.listed, self.weights, assigned)

    def patients_by_unit(self, units: pd.Index) -> tuple[pd.DataFrame, pd.Series]:
        """(R, unassigned): registered patients per unit (rows) and PCN (columns), and per unit the patients of
        practices in no listed PCN; both apportioned from small areas with the weights."""
        weighted = self.rows.merge(self.weights, on="small_area", how="inner")
        weighted = weighted[weighted["unit"].isin(units)]
        people = weighted["patients"] * weighted["weight"]
        group = weighted["practice"].map(self.pcn_of())
        table = people.groupby([weighted["unit"], group]).sum().unstack(fill_value=0.0) \
            if group.notna().any() else pd.DataFrame(index=units)
        table = table.reindex(index=units, fill_value=0.0).fillna(0.0)
        table = table[sorted(table.columns)]
        table.index.name = units.name
        table.columns.name = None
        unassigned = people[group.isna().to_numpy()].groupby(weighted.loc[group.isna(), "unit"]).sum()
        return table.astype(float), unassigned.reindex(units, fill_value=0.0).astype(float)

    def unassigned_practices(self, units: pd.Index) -> pd.DataFrame:
        """Practices in no listed PCN with patients living in the study area: code, name, patients (largest first)."""
        weighted = self.rows.merge(self.weights, on="small_area", how="inner")
        weighted = weighted[weighted["unit"].isin(units)]
        weighted = weighted[~weighted["practice"].isin(self.pcn_of())]
        patients = (weighted["patients"] * weighted["weight"]).groupby(weighted["practice"]).sum()
        frame = pd.DataFrame({"practice_code": patients.index,
                              "practice_name": [self.practice_names.get(c, "") for c in patients.index],
                              "patients": patients.to_numpy()})
        return frame.sort_values(["patients", "practice_code"], ascending=[False, True]).reset_index(drop=True)

    def outside_patients(self) -> float:
        """Patients of listed-PCN practices living in small areas outside the study area (no weights)."""
        inside = set(self.weights["small_area"])
        rows = self.rows[~self.rows["small_area"].isin(inside) & self.rows["practice"].isin(self.pcn_of())]
        return float(rows["patients"].sum())

    def small_area_main_pcn(self) -> pd.DataFrame:
        """For each small area of the study area: its main PCN (most registered patients) and that PCN's share."""
        inside = self.rows[self.rows["small_area"].isin(set(self.weights["small_area"]))]
        group = inside["practice"].map(self.pcn_of()).fillna(UNASSIGNED)
        table = inside["patients"].groupby([inside["small_area"], group]).sum().unstack(fill_value=0.0)
        named = table.drop(columns=[UNASSIGNED], errors="ignore")
        main = named.idxmax(axis=1)
        return pd.DataFrame({"main_pcn": main, "share": named.max(axis=1) / table.sum(axis=1),
                             "patients": table.sum(axis=1)})


def read_registrations(spec: RegistrationsSpec, practice_points: Mapping[str, gpd.GeoDataFrame] | None = None
                       ) -> Registrations:
    """Read and check the registrations, the practice -> PCN table and the weights named by the manifest."""
    where = spec.path.name
    frame = read_table(spec.path, where, required=[spec.practice, spec.small_area, spec.patients])
    patients = to_number(frame, spec.patients, where, spec.practice)
    rows = pd.DataFrame({"practice": frame[spec.practice].str.strip(), "small_area": frame[spec.small_area].str.strip(),
                         "patients": patients})
    blank = rows.index[(rows["practice"] == "") | (rows["small_area"] == "")]
    if len(blank):
        raise LocalignError.single(f"{len(blank)} row(s) have no practice code or small-area code: rows "
                                   f"{list_items([int(i) + 2 for i in blank])}.", where,
                                   f"fill in '{spec.practice}' and '{spec.small_area}' on every row.")
    rows = rows.groupby(["practice", "small_area"], as_index=False)["patients"].sum()
    names: dict[str, str] = {}
    if spec.practice_name and spec.practice_name in frame.columns:
        names = dict(zip(frame[spec.practice].str.strip(), frame[spec.practice_name].str.strip()))

    pwhere = spec.pcn_path.name
    table = read_table(spec.pcn_path, pwhere, required=[spec.pcn_practice, spec.pcn_column])
    table = table[table[spec.pcn_practice].str.strip() != ""]
    listed = dict(zip(table[spec.pcn_practice].str.strip(), table[spec.pcn_column].str.strip()))

    wwhere = spec.weights_path.name
    wframe = read_table(spec.weights_path, wwhere, required=[spec.weights_small_area, spec.weights_unit,
                                                               spec.weights_weight])
    weight = to_number(wframe, spec.weights_weight, wwhere, spec.weights_small_area)
    weights = pd.DataFrame({"small_area": wframe[spec.weights_small_area].str.strip(),
                            "unit": wframe[spec.weights_unit].str.strip(), "weight": weight})
    sums = weights.groupby("small_area")["weight"].sum()
    off = sums[(sums - 1.0).abs() > 1e-3]  # published weights are rounded to 6 decimals
    if len(off):
        raise LocalignError.single(f"the weights of {len(off)} small area(s) do not add up to 1: "
                                   f"{list_items(list(off.index))}.", wwhere,
                                   "give each small area weights that sum to 1 over the units it overlaps.")
    return Registrations(spec, rows, names, listed, weights)


def check_units(registrations: Registrations, units: pd.Index) -> list[Problem]:
    """A warning when the weights share small areas with units outside the study area (their patients are left out),
    and an error when no weight names a unit of the study area."""
    names = set(registrations.weights["unit"])
    unknown = sorted(names - set(units))
    where = registrations.spec.weights_path.name
    if not names & set(units):
        return [Problem("no unit code in the weights matches a unit of the study area.", where,
                        "use weights for the same units (e.g. May 2022 ward codes) as the boundaries.")]
    if unknown:
        return [Problem(f"{len(unknown)} unit code(s) in the weights are outside the study area "
                        f"({list_items(unknown)}); patients apportioned to them are left out.", where,
                        "nothing to do if those units are over the boundary; otherwise check the unit codes.",
                        "warning")]
    return []


def parse_assignments(data: bytes, filename: str, registrations: Registrations) -> dict[str, str]:
    """Practice -> PCN assignments from an uploaded CSV with columns practice_code and pcn (every code must be a
    practice with registered patients)."""
    where = filename or "uploaded CSV"
    frame = read_table(data, where)
    columns = {c.strip().lower(): c for c in frame.columns}
    practice = next((columns[c] for c in ("practice_code", "ods_code", "practice") if c in columns), None)
    pcn = next((columns[c] for c in ("pcn", "pcn_name") if c in columns), None)
    if practice is None or pcn is None:
        raise LocalignError.single(f"the file needs a practice_code column and a pcn column; it has "
                                   f"{list_items(list(frame.columns))}.", where,
                                   "save a CSV with the header practice_code,pcn and one practice per row.")
    codes = frame[practice].str.strip().str.upper()
    known = set(registrations.rows["practice"])
    unknown = sorted({c for c in codes if c and c not in known})
    if unknown:
        raise LocalignError.single(f"{len(unknown)} practice code(s) have no registered patients in this study area's "
                                   f"data: {list_items(unknown)}.", where,
                                   "use the practices' ODS codes (e.g. F82019) as listed under 'practice not in a "
                                   "listed PCN'.")
    return {c: p.strip() for c, p in zip(codes, frame[pcn]) if c}
