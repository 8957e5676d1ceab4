"""Growth scenarios: residents a planner assumes will be added to some units (e.g. a new town's build-out).

Rule: a scenario's residents are the base residents plus the added residents of its units; scenarios are assumptions
from the sources quoted in the table, never projections, and are labelled so wherever they are used.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geo.errors import LocalignError, list_items
from geo.manifest import ScenarioSpec
from geo.read import read_table, to_number


@dataclass(frozen=True)
class Scenario:
    """One named scenario: residents added per unit, with its basis and source in words."""

    name: str
    added: dict[str, float]
    basis: str
    source: str

    @property
    def total_added(self) -> float:
        return float(sum(self.added.values()))

    def label(self) -> str:
        """The scenario in one line for screens and exports: name, residents added and that it is an assumption."""
        return f"Scenario (assumption, not a projection): {self.name}, +{self.total_added:,.0f} residents"


def read_scenarios(spec: ScenarioSpec, units: pd.Index) -> dict[str, Scenario]:
    """Read a scenario table: every unit code must be a unit, added residents numbers (may be negative)."""
    where = spec.path.name
    frame = read_table(spec.path, where, required=[spec.scenario, spec.unit, spec.added])
    added = to_number(frame, spec.added, where, spec.scenario, allow_negative=True)
    unknown = sorted(set(frame[spec.unit].str.strip()) - set(units))
    if unknown:
        raise LocalignError.single(f"{len(unknown)} scenario row(s) name units that are not in the study area: "
                                   f"{list_items(unknown)}.", where,
                                   f"use the unit codes of the boundaries in '{spec.unit}'.")
    out: dict[str, Scenario] = {}
    for name, rows in frame.assign(_added=added).groupby(frame[spec.scenario].str.strip(), sort=False):
        if not name:
            raise LocalignError.single("a scenario row has no name.", where, f"fill in '{spec.scenario}' on every row.")
        text = lambda col: "; ".join(dict.fromkeys(v for v in rows.get(col, pd.Series(dtype=str)) if v))  # noqa: E731
        per_unit = rows.groupby(rows[spec.unit].str.strip())["_added"].sum()
        out[name] = Scenario(name, {u: float(v) for u, v in per_unit.items()}, text(spec.basis), text(spec.source))
    return out


def find_scenario(scenarios: dict[str, Scenario], name: str) -> Scenario:
    """The scenario with this name (exact, or ignoring case), or a clear error listing the ones there are."""
    if name in scenarios:
        return scenarios[name]
    folded = {k.casefold(): v for k, v in scenarios.items()}
    if name.strip().casefold() in folded:
        return folded[name.strip().casefold()]
    if not scenarios:
        raise LocalignError.single(f"there is no scenario '{name}': this study area lists no growth scenarios.",
                                   "--scenario", "drop --scenario, or add a [scenarios] table to the bundle's "
                                                 "manifest.toml.")
    raise LocalignError.single(f"there is no scenario '{name}'.", "--scenario",
                               "use one of: " + "; ".join(f'"{n}"' for n in scenarios) + ".")
