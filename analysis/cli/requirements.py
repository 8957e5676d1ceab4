"""Reading a planner's requirements (`localign propose --require ...`) into Constraints.

Each item is one of:
  together:Abbey,Gascoigne        these wards stay in one locality
  apart:Heath,Village             these wards are in different localities
  fixed:Abbey=West[,Heath=East]   the ward stays in the locality that continues today's West (a name that is
                                  not a current locality just labels the ward's locality)
  max-pcns-split=3                at most 3 PCNs split between localities
  max-deviation=0.05 (or 5%)      every locality within ±5 % of an equal share
Wards are named by name (any case) or by code.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Iterable

from analysis.constraints.rules import Constraints
from geo.bundle import StudyArea
from geo.errors import LocalignError, list_items

WHERE = "--require"
EXAMPLES = "together:Abbey,Gascoigne  apart:Heath,Village  fixed:Abbey=West  max-pcns-split=3  max-deviation=5%"


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip()).casefold()


def unit_lookup(area: StudyArea) -> dict[str, str]:
    """Every way to name a unit (code, or name when unique; any case) -> unit id."""
    lookup = {_key(u): u for u in area.ids}
    names: dict[str, list[str]] = {}
    for unit, name in area.unit_names.items():
        names.setdefault(_key(str(name)), []).append(unit)
    for name, units in names.items():
        if len(units) == 1:
            lookup.setdefault(name, units[0])
    return lookup


def resolve_unit(area: StudyArea, text: str, lookup: dict[str, str] | None = None) -> str:
    """The unit id for a ward name or code, or a LocalignError naming it and listing the valid names."""
    lookup = lookup if lookup is not None else unit_lookup(area)
    found = lookup.get(_key(text))
    if found is not None:
        return found
    unit = area.manifest.unit_label
    shared = [u for u, name in area.unit_names.items() if _key(str(name)) == _key(text)]
    if shared:
        raise LocalignError.single(f"'{text}' names more than one {unit}: {list_items(shared)}.", WHERE,
                                   f"use the {unit} code instead.")
    valid = sorted(str(n) for n in area.unit_names)
    raise LocalignError.single(f"'{text}' is not a {unit} of {area.manifest.short_name}.", WHERE,
                               f"use a {unit} name or code; the {unit}s are: {list_items(valid, len(valid))}.")


def _units(area: StudyArea, body: str, lookup: dict[str, str], item: str) -> tuple[str, ...]:
    units = tuple(resolve_unit(area, part, lookup) for part in body.split(",") if part.strip())
    if len(set(units)) < 2:
        raise LocalignError.single(f"'{item}' names fewer than two different {area.manifest.unit_label}s.", WHERE,
                                   "list two or more, separated by commas, e.g. together:Abbey,Gascoigne.")
    return units


def _number(text: str, item: str, whole: bool = False, where: str = WHERE, example: str = EXAMPLES) -> float:
    text = text.strip()
    percent = text.endswith("%")
    try:
        value = float(text.rstrip("%")) / (100 if percent else 1)
    except ValueError:
        raise LocalignError.single(f"'{item}' is not a number.", where, f"write e.g. {example}.") from None
    if not value >= 0 or value == float("inf") or (whole and value != int(value)):
        raise LocalignError.single(f"'{item}' needs a {'whole ' if whole else ''}number of 0 or more.", where,
                                   f"write e.g. {example}.")
    return value


def parse_fraction(text: str | None, where: str = "--max-deviation") -> float | None:
    """A deviation such as '0.05' or '5%' as a fraction (None stays None); '5' (which would mean ±500 %) is refused."""
    if text is None:
        return None
    value = _number(text, text, where=where, example="0.05 or 5% for ±5% of an equal share")
    _check_deviation(text, value, where)
    return value


def _check_deviation(text: str, value: float, where: str) -> None:
    """Refuse a deviation over 1 written without '%': '5' means ±500 %, which is almost certainly meant as 5 %."""
    if value > 1 and not text.strip().endswith("%"):
        shown = f"{value:g}"
        raise LocalignError.single(f"'{text.strip()}' as a deviation means ±{value:.0%} of an equal share; did you "
                                   f"mean {shown} %?", where,
                                   f"write {shown}% (or {value / 100:g}) for ±{shown} %; a fraction such as 0.05 "
                                   "also works.")


def locality_name(area: StudyArea, text: str) -> str:
    """A fixed locality name: a current locality's own spelling when it names one (any case), else the text."""
    name = text.strip()
    if not name:
        raise LocalignError.single("a fixed requirement has no locality name.", WHERE, "write e.g. fixed:Abbey=West.")
    if area.current is not None:
        for group in area.current.groups:
            if _key(group) == _key(name):
                return group
    return name


def parse_requirements(area: StudyArea, items: Iterable[str], base: Constraints | None = None) -> Constraints:
    """Constraints from --require items, added to ``base`` (e.g. the --max-deviation given on its own)."""
    constraints = base or Constraints()
    lookup = unit_lookup(area)
    together = list(constraints.together)
    apart = list(constraints.apart)
    fixed = dict(constraints.fixed)
    max_deviation, max_pcns_split = constraints.max_deviation, constraints.max_pcns_split
    for item in items:
        kind, _, body = _split(item)
        kind = kind.strip().lower().replace("_", "-")
        if kind == "together":
            together.append(_units(area, body, lookup, item))
        elif kind == "apart":
            apart.append(_units(area, body, lookup, item))
        elif kind == "fixed":
            for pair in filter(str.strip, body.split(",")):
                ward, eq, name = pair.partition("=")
                if not eq:
                    raise LocalignError.single(f"'{pair.strip()}' in '{item}' has no '='.", WHERE,
                                               "write fixed:WARD=LOCALITY, e.g. fixed:Abbey=West.")
                unit = resolve_unit(area, ward, lookup)
                name = locality_name(area, name)
                if fixed.get(unit, name) != name:
                    raise LocalignError.single(f"{area.unit_names[unit]} is fixed to both {fixed[unit]} and {name}.",
                                               WHERE, "fix each ward to one locality.")
                fixed[unit] = name
        elif kind in ("max-pcns-split", "max-pcn-split"):
            max_pcns_split = int(_number(body, item, whole=True))
        elif kind in ("max-deviation", "max-dev"):
            max_deviation = _number(body, item)
            _check_deviation(body, max_deviation, WHERE)
        else:
            raise LocalignError.single(f"'{item}' is not a requirement localign knows.", WHERE,
                                       f"use one of: {EXAMPLES}.")
    result = replace(constraints, together=tuple(together), apart=tuple(apart), fixed=fixed,
                     max_deviation=max_deviation, max_pcns_split=max_pcns_split)
    check_consistent(area, result)
    return result


def _split(item: str) -> tuple[str, str, str]:
    """'kind:body' or 'kind=body' -> (kind, separator, body)."""
    match = re.match(r"\s*([A-Za-z_-]+)\s*([:=])(.*)$", item)
    if not match:
        raise LocalignError.single(f"'{item}' is not a requirement localign knows.", WHERE, f"use one of: {EXAMPLES}.")
    return match.group(1), match.group(2), match.group(3)


def check_consistent(area: StudyArea, constraints: Constraints) -> None:
    """Refuse requirements that can never all hold: two wards both together and apart."""
    together, apart = constraints.unit_groups()
    group_of: dict[str, int] = {}
    for g, units in enumerate(together):
        for unit in units:
            group_of.setdefault(unit, g)
    # merge overlapping together groups
    parent = list(range(len(together)))

    def root(g: int) -> int:
        while parent[g] != g:
            g = parent[g]
        return g

    for g, units in enumerate(together):
        for unit in units:
            parent[root(g)] = root(group_of[unit])
    for units in apart:
        seen: dict[int, str] = {}
        for unit in units:
            if unit in group_of:
                g = root(group_of[unit])
                if g in seen:
                    names = f"{area.unit_names[seen[g]]} and {area.unit_names[unit]}"
                    raise LocalignError.single(f"{names} must be both together and apart.", WHERE,
                                               "drop one of the two requirements.")
                seen[g] = unit
