"""GeoJSON exports (RFC 7946): dissolved localities and wards with their locality, in WGS84 longitude/latitude.

Every polygon is snapped to a 1e-6 degree grid (about 10 cm), kept valid, and wound right-hand
(exterior rings counter-clockwise, holes clockwise). There is no ``crs`` member: RFC 7946 fixes the
CRS to WGS84. Plan name, generation date, assumption notes, sources and attribution travel in a
foreign member ``localign`` at collection level, which RFC 7946 section 6.1 allows, with a field guide
(``localign.fields``: every property name and what it holds).

Property names are short lower_snake_case (``^[a-z0-9_]+$``, at most 10 characters where possible, so
Shapefile's DBF and QGIS expressions take them unchanged) and every value is a scalar: lists of wards
are one string joined by LIST_SEPARATOR.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from analysis.metrics.evaluate import evaluate
from analysis.present.exports.files import write_bytes
from analysis.plan.geometry import dissolve_plan
from analysis.plan.partition import Plan
from geo.bundle import StudyArea
from geo.crs import LONLAT_CRS

PRECISION = 6
"""Decimal places of longitude/latitude (1e-6 degree is about 0.1 m at UK latitudes)."""

LIST_SEPARATOR = "; "
"""Joins list values (ward codes, ward names) into one string property."""

FIELD_NAME = re.compile(r"^[a-z0-9_]+$")
"""What every property name matches: lower case letters, digits and underscores."""

SHAPEFILE_FIELD_CHARS = 10
"""Longest field name a Shapefile (dBASE) keeps; longer names are cut short by GIS tools."""


def field_name(text: str, fallback: str) -> str:
    """``text`` as a lower_snake_case property name of at most 10 characters, else ``fallback``."""
    name = re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")
    return name if name and len(name) <= SHAPEFILE_FIELD_CHARS else fallback


def pcn_share_fields(pcn_names) -> dict[str, str]:
    """Each PCN's share property name ('pcn1_shr', 'pcn2_shr', …, in the PCNs' order) keyed by PCN name."""
    return {name: f"pcn{i}_shr" for i, name in enumerate(pcn_names, start=1)}


def rfc7946_geometry(geometry: BaseGeometry) -> dict[str, Any]:
    """A WGS84 polygon as a GeoJSON MultiPolygon dict: snapped to the 1e-6 degree grid, valid, exteriors
    counter-clockwise (one geometry type per layer, as GIS formats such as Shapefile and GeoPackage expect)."""
    snapped = shapely.set_precision(geometry, 10.0 ** -PRECISION)
    if not snapped.is_valid:
        snapped = shapely.make_valid(snapped)
    polygons = [g for g in shapely.get_parts(snapped) if g.geom_type == "Polygon" and not g.is_empty]
    oriented = shapely.orient_polygons(shapely.MultiPolygon(polygons), exterior_cw=False)
    return _rounded(mapping(oriented))


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, PRECISION)
    if isinstance(value, (list, tuple)):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def residents(value: float) -> int | float:
    """Residents as a whole number when the estimate is one, else to one decimal place."""
    value = float(value)
    return round(value) if math.isclose(value, round(value), abs_tol=1e-6) else round(value, 1)


def _metadata(area: StudyArea, plan: Plan, kind: str, fields: dict[str, str],
              generated: dt.date | None) -> dict[str, Any]:
    manifest = area.manifest
    return {
        "plan": plan.name,
        "layer": kind,
        "study_area": area.name,
        "localities": list(plan.localities),
        "generated": (generated or dt.date.today()).isoformat(),
        "generator": "localign",
        "crs": "WGS84 longitude/latitude (RFC 7946); areas and lengths were measured in EPSG:27700",
        "total_population": residents(area.total_population),
        "equal_share": round(area.total_population / plan.k, 1),
        "fields": fields,
        "pcn_basis": area.pcn_basis,
        "balance_on": list(area.balance_columns),
        "scenario": area.scenario.name if area.scenario else None,
        "scenario_basis": area.scenario.basis if area.scenario else None,
        "choices": area.choice_lines,
        "assumptions": area.assumption_notes,
        "attribution": list(manifest.attribution),
        "sources": list(manifest.sources),
        "licence": manifest.licence,
    }


def _collection(name: str, features: list[dict], metadata: dict, bounds) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "name": name,
        "bbox": [round(float(b), PRECISION) for b in bounds],
        "localign": metadata,
        "features": features,
    }


def localities_geojson(area: StudyArea, plan: Plan, generated: dt.date | None = None) -> dict[str, Any]:
    """The plan's localities as one feature each (dissolved wards) with population, deviation, wards and PCN shares."""
    result = evaluate(area, plan)
    dissolved = dissolve_plan(area, plan).to_crs(LONLAT_CRS)
    unit = area.manifest.unit_label
    count_f, units_f, names_f = (field_name(f"{unit}_count", "unit_count"), field_name(f"{unit}s", "units"),
                                 field_name(f"{unit}_names", "unit_names"))
    pcn_fields = pcn_share_fields(result.pcn_residents)
    features = []
    for locality, geometry in zip(dissolved.index, dissolved.geometry):
        members = plan.members(locality)
        properties: dict[str, Any] = {
            "locality": locality,
            "population": residents(result.populations[locality]),
            "deviation": round(result.deviations[locality], 6),
            "dev_text": f"{result.deviations[locality]:+.1%}",
            count_f: len(members),
            units_f: LIST_SEPARATOR.join(members),
            names_f: LIST_SEPARATOR.join(str(area.unit_names[u]) for u in members),
            "area_km2": round(result.area_km2[locality], 3),
            "one_piece": locality not in result.noncontiguous,
            "compact_pp": round(result.polsby_popper[locality], 4),
        }
        for pcn, by_locality in result.pcn_residents.items():
            total = sum(by_locality.values())
            share = by_locality.get(locality, 0.0) / total if total else 0.0
            properties[pcn_fields[pcn]] = round(share, 4)
        features.append({"type": "Feature", "id": locality, "properties": properties,
                         "geometry": rfc7946_geometry(geometry)})
    fields = {
        "locality": "locality name",
        "population": f"residents (sum of the {unit} estimates)",
        "deviation": "(population − equal share) / equal share, as a fraction: 0.021 means 2.1% above",
        "dev_text": "the deviation as a percentage, for labels",
        count_f: f"number of {unit}s",
        units_f: f"{unit} codes in the locality, separated by '{LIST_SEPARATOR.strip()}'",
        names_f: f"{unit} names in the locality, separated by '{LIST_SEPARATOR.strip()}'",
        "area_km2": "area in square kilometres (EPSG:27700)",
        "one_piece": f"true when the locality's {unit}s form one connected area",
        "compact_pp": "compactness (Polsby–Popper 4πA/L², 1 = circle)",
    }
    for pcn, name in pcn_fields.items():
        fields[name] = (f"share of {pcn}'s residents (approximate PCN area) living in this locality; "
                        "each PCN's shares sum to 1 across localities")
    metadata = _metadata(area, plan, "localities", fields, generated)
    return _collection(f"{plan.name} – localities", features, metadata, dissolved.total_bounds)


def _snake(text: str) -> str:
    """A name as a flat lower_snake_case field name."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def numeric_attributes(area: StudyArea) -> tuple[dict[str, Any], dict[str, str]]:
    """Every numeric attribute of the bundle per unit (residents, each age band, deprivation counts, ...), plus the
    registered patients of each PCN (and of practices in no listed PCN), with a description of each field."""
    values: dict[str, Any] = {}
    fields: dict[str, str] = {}
    for column in area.attributes.columns:
        if column == area.population_column:
            continue
        values[column] = area.attributes[column]
        fields[column] = area.measure_title(column)
    pcn = area.pcn
    if pcn is not None:
        what = "registered patients" if pcn.registered else "residents (approximate PCN area)"
        for name in pcn.groups:
            key = f"pcn_{_snake(name)}_{'patients' if pcn.registered else 'residents'}"
            values[key] = pcn.people[name]
            fields[key] = f"{what} of {name} living in the unit ({pcn.basis})"
        if pcn.unassigned is not None:
            values["pcn_not_listed_patients"] = pcn.unassigned
            fields["pcn_not_listed_patients"] = ("registered patients of practices in no listed PCN "
                                                 "('practice not in a listed PCN') living in the unit")
    return values, fields


def wards_geojson(area: StudyArea, plan: Plan, generated: dt.date | None = None) -> dict[str, Any]:
    """Every unit (ward) with its code, name, population and locality: importing it with read_plan gives this plan."""
    id_field = field_name(area.manifest.units.id, "unit_code")
    name_field = field_name(area.manifest.units.name, "unit_name")
    units = area.units_lonlat
    extra, extra_fields = numeric_attributes(area)
    assignment = plan.assignment
    features = []
    for unit, name, geometry in zip(units.index, units["name"], units.geometry):
        properties = {id_field: unit, name_field: str(name), "locality": assignment[unit],
                      "population": residents(area.population[unit])}
        properties.update({column: residents(values[unit]) for column, values in extra.items()})
        features.append({"type": "Feature", "id": unit, "properties": properties,
                         "geometry": rfc7946_geometry(geometry)})
    unit_label = area.manifest.unit_label
    fields = {id_field: f"{unit_label} code", name_field: f"{unit_label} name",
              "locality": "the locality the plan puts the unit in",
              "population": "residents (estimate; see assumptions)", **extra_fields}
    metadata = _metadata(area, plan, f"{unit_label}s", fields, generated)
    return _collection(f"{plan.name} – {unit_label}s", features, metadata, units.total_bounds)


def geojson_text(data: dict[str, Any]) -> str:
    """GeoJSON as compact UTF-8 text (non-ASCII names kept as they are)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def write_geojson(data: dict[str, Any], path: str | Path) -> Path:
    """Write a GeoJSON dict to ``path`` (UTF-8), replacing any file there only once the new one is complete."""
    return write_bytes(geojson_text(data).encode("utf-8"), path, (".geojson", ".json"))


__all__ = [
    "FIELD_NAME",
    "LIST_SEPARATOR",
    "PRECISION",
    "field_name",
    "geojson_text",
    "localities_geojson",
    "rfc7946_geometry",
    "wards_geojson",
    "write_geojson",
]
