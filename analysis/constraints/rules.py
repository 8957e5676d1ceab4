"""The planner's rules for a proposal, in unit ids: population bound, PCN splits, units kept together or apart, and
units fixed to a locality name. analysis.constraints.validator turns them into predicates over plans."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping


@dataclass(frozen=True)
class Constraints:
    """Rules a proposal must meet. Unit ids throughout; ``fixed`` maps a unit to the locality name it must keep."""

    max_deviation: float | None = None
    max_pcns_split: int | None = None
    together: tuple[tuple[str, ...], ...] = ()
    apart: tuple[tuple[str, ...], ...] = ()
    fixed: Mapping[str, str] = field(default_factory=dict)

    def unit_groups(self) -> tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]]:
        """Together and apart groups with ``fixed`` folded in: units fixed to one name go together, to different names apart."""
        together = list(self.together)
        apart = list(self.apart)
        by_name: dict[str, list[str]] = {}
        for unit, name in self.fixed.items():
            by_name.setdefault(name, []).append(unit)
        together += [tuple(units) for units in by_name.values() if len(units) > 1]
        names = list(by_name)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                apart.append((by_name[a][0], by_name[b][0]))
        return tuple(together), tuple(apart)
