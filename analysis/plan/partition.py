"""Plans: an immutable assignment of every unit of a study area to exactly one locality."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from geo.bundle import StudyArea
from geo.errors import LocalignError, Problem, list_items, safe_text

MIN_LOCALITIES = 2


@dataclass(frozen=True, eq=False)
class Plan:
    """Unit id -> locality label for every unit of one study area (k = number of localities).

    A plan made by editing another keeps a reference to it (``parent``) and the units that moved
    (``flips``), so views can update only what changed.
    """

    unit_ids: tuple[str, ...]
    labels: tuple[str, ...]
    name: str = "plan"
    source: str = "custom"
    localities: tuple[str, ...] = ()
    parent: Plan | None = field(default=None, repr=False)
    flips: tuple[str, ...] = ()
    warnings: tuple[Problem, ...] = field(default=(), repr=False)
    """Notes from reading the plan (e.g. locality names that differ only in capitals); the plan itself is valid."""

    def __post_init__(self) -> None:
        if not self.localities:
            object.__setattr__(self, "localities", tuple(sorted(set(self.labels))))

    # --- views -------------------------------------------------------------------------------
    @property
    def k(self) -> int:
        """Number of localities."""
        return len(self.localities)

    @property
    def assignment(self) -> Mapping[str, str]:
        """Read-only unit id -> locality mapping."""
        return MappingProxyType(dict(zip(self.unit_ids, self.labels)))

    def series(self) -> pd.Series:
        """The assignment as a Series indexed by unit id."""
        return pd.Series(self.labels, index=pd.Index(self.unit_ids, name="unit"), name="locality")

    def codes(self) -> np.ndarray:
        """Locality index (position in ``localities``) of each unit, in unit order."""
        lookup = {label: i for i, label in enumerate(self.localities)}
        return np.fromiter((lookup[label] for label in self.labels), dtype=np.int64, count=len(self.labels))

    def members(self, locality: str) -> list[str]:
        """Unit ids in a locality."""
        return [u for u, lab in zip(self.unit_ids, self.labels) if lab == locality]

    def key(self) -> tuple:
        """Hashable identity of the assignment (not the name), for caches."""
        return (self.unit_ids, self.labels)

    def same_assignment(self, other: Plan) -> bool:
        """True when both plans put every unit in the same-named locality."""
        return self.key() == other.key()

    # --- edits --------------------------------------------------------------------------------
    def reassign(self, moves: Mapping[str, str], name: str | None = None) -> Plan:
        """A new plan with some units moved to other localities; this plan becomes its parent."""
        unknown = [u for u in moves if u not in self.unit_ids]
        if unknown:
            raise LocalignError.single(f"these codes are not units of the plan: {list_items(unknown)}.",
                                       "the edit", "choose units from the map or the table.")
        labels = list(self.labels)
        index = {u: i for i, u in enumerate(self.unit_ids)}
        for unit, locality in moves.items():
            labels[index[unit]] = locality
        localities = tuple(dict.fromkeys([*self.localities, *moves.values()]))
        flips = tuple(u for u, lab in moves.items() if self.labels[index[u]] != lab)
        return Plan(self.unit_ids, tuple(labels), name or self.name, "custom", localities, self, flips)

    def renamed(self, mapping: Mapping[str, str], name: str | None = None) -> Plan:
        """The same partition with localities relabelled through ``mapping`` (labels not in it are kept)."""
        labels = tuple(mapping.get(lab, lab) for lab in self.labels)
        localities = tuple(mapping.get(lab, lab) for lab in self.localities)
        return Plan(self.unit_ids, labels, name or self.name, self.source, localities)


MAX_LABEL_LENGTH = 100
"""Longest locality name accepted (names appear in tables, legends and file exports)."""

_FORMULA_STARTS = ("=", "+", "@")


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
"""Zero-width spaces and joiners, word joiners, byte-order marks and soft hyphens: invisible, so never part of a name."""


def _label_text(value: object) -> str:
    """A locality label or code as clean text: Unicode NFC, invisible characters removed, no-break spaces made plain,
    trimmed; missing values (None, NaN, pandas NA) become blank. 'Wést' typed two ways is then one name."""
    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    text = unicodedata.normalize("NFC", str(value)).translate(_INVISIBLE).replace("\u00a0", " ")
    return text.strip()


def look_alike_labels(labels: set[str] | list[str], where: str) -> list[Problem]:
    """Notes for locality names that look like one name but are kept apart: differing only in capitals
    ('North'/'north') or the same number written differently ('1'/'1.0'/'01')."""
    notes = []
    by_case: dict[str, list[str]] = {}
    by_number: dict[float, list[str]] = {}
    for label in sorted(set(labels)):
        by_case.setdefault(label.casefold(), []).append(label)
        if _is_number(label):
            by_number.setdefault(float(label), []).append(label)
    for group in (g for g in by_case.values() if len(g) > 1):
        notes.append(Problem(f"the locality names {list_items(group)} differ only in capital letters, so they are "
                             f"{len(group)} separate localities.", where,
                             "spell them the same way if they are meant to be one locality.", "warning"))
    for group in (g for g in by_number.values() if len(g) > 1):
        notes.append(Problem(f"the locality names {list_items(group)} are the same number written differently, so "
                             f"they are {len(group)} separate localities.", where,
                             "write the number the same way if they are meant to be one locality.", "warning"))
    return notes


def label_problem(label: str) -> str | None:
    """Why a locality name cannot be used (too long, control characters, or read as a spreadsheet formula), or None.

    Any other text works, including commas, quotes and non-Latin letters.
    """
    if len(label) > MAX_LABEL_LENGTH:
        return f"is {len(label)} characters long (at most {MAX_LABEL_LENGTH})"
    if any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in label):
        return "contains control characters (such as tabs or line breaks)"
    if label.startswith(_FORMULA_STARTS) or (label.startswith("-") and not _is_number(label)):
        return f"starts with '{label[0]}', which spreadsheets run as a formula"
    return None


def _quoted(label: str) -> str:
    """A label for a message: quoted, control characters escaped, long ones shortened."""
    return f"'{safe_text(label, 30)}'"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def plan_problems(area: StudyArea, assignment: Mapping[str, str] | pd.Series, where: str,
                  localities: tuple[str, ...] = (), duplicates: list[str] | None = None,
                  min_localities: int = MIN_LOCALITIES, check_labels: bool = False) -> list[Problem]:
    """Every reason an assignment is not a valid plan for the study area, each naming the units involved.

    ``check_labels`` also refuses locality names that ``label_problem`` rejects (used for imported files).
    """
    problems = []
    given = {_label_text(k): _label_text(v) for k, v in dict(assignment).items()}
    unknown = sorted(set(given) - set(area.ids))
    missing = [u for u in area.ids if u not in given]
    blank = sorted(u for u, lab in given.items() if lab == "" and u in set(area.ids))
    unit = area.manifest.unit_label
    if duplicates:
        problems.append(Problem(f"these {unit} codes are listed more than once: {list_items(duplicates)}.",
                                where, f"keep one row per {unit}: each {unit} belongs to exactly one locality."))
    names = {str(n).casefold(): u for u, n in area.unit_names.items()}
    named = [f"{text} ({names[text.casefold()]})" for text in unknown if text.casefold() in names]
    if named:
        problems.append(Problem(f"{len(named)} value(s) in the code column are {unit} names, not codes: "
                                f"{list_items(named)}.", where,
                                f"give every {unit} by its code (shown in brackets), or every {unit} by its name."))
        unknown = [text for text in unknown if text.casefold() not in names]
    if unknown:
        problems.append(Problem(f"{len(unknown)} code(s) are not {unit}s of {area.manifest.short_name}: "
                                f"{list_items(unknown)}.", where,
                                f"remove them or correct the codes (the {unit} codes are listed by 'localign info' "
                                "and in the table export)."))
    if missing:
        names = [f"{u} {area.unit_names[u]}" for u in missing]
        problems.append(Problem(f"{len(missing)} {unit}(s) have no locality: {list_items(names)}.", where,
                                f"add a row for each {unit} with the locality it belongs to."))
    if blank:
        problems.append(Problem(f"{len(blank)} {unit}(s) have a blank locality: {list_items(blank)}.", where,
                                "fill in the locality for each of them."))
    used = {lab for u, lab in given.items() if lab and u in set(area.ids)}
    unusable = sorted(lab for lab in used if label_problem(lab)) if check_labels else []
    if unusable:
        problems.append(Problem(f"{len(unusable)} locality name(s) cannot be used: "
                                + "; ".join(f"{_quoted(lab)} {label_problem(lab)}" for lab in unusable[:4]) + ".", where,
                                f"rename the localit{'y' if len(unusable) == 1 else 'ies'}, e.g. 'North' or "
                                "'Locality 1'."))
    empty = [loc for loc in localities if loc not in used]
    if empty:
        problems.append(Problem(f"locality {list_items(empty)} has no {unit}s.", where,
                                f"give it at least one {unit}, or remove it to plan with fewer localities."))
    if not problems and len(used | set(localities)) < min_localities:
        problems.append(Problem(f"a plan needs at least {min_localities} localities; this one has "
                                f"{len(used)}.", where, f"assign the {unit}s to two or more localities."))
    return problems


def make_plan(area: StudyArea, assignment: Mapping[str, str] | pd.Series, name: str = "plan",
              source: str = "custom", where: str = "the plan", localities: tuple[str, ...] = (),
              duplicates: list[str] | None = None, min_localities: int = MIN_LOCALITIES,
              check_labels: bool = False) -> Plan:
    """Check an assignment against the study area and return it as a Plan, or raise listing every offending unit.

    ``min_localities`` is 2 for a plan someone drew; a bundle grouping (today's localities) may have one.
    ``check_labels`` refuses unusable locality names (see ``label_problem``): on for files from outside.
    """
    problems = plan_problems(area, assignment, where, localities, duplicates, min_localities, check_labels)
    if problems:
        raise LocalignError(problems)
    mapping = {_label_text(k): _label_text(v) for k, v in dict(assignment).items()}
    labels = tuple(mapping[u] for u in area.ids)
    ordered = tuple(localities) or tuple(sorted(set(labels)))
    notes = tuple(look_alike_labels(set(labels), where)) if check_labels else ()
    return Plan(tuple(area.ids), labels, name, source, ordered, warnings=notes)


def plan_from_codes(area: StudyArea, codes: np.ndarray, localities: tuple[str, ...], name: str,
                    source: str = "proposal") -> Plan:
    """A plan from locality indices in unit order (the engine's compact form)."""
    labels = tuple(localities[int(c)] for c in codes)
    return Plan(tuple(area.ids), labels, name, source, tuple(localities))


def grouping_plan(area: StudyArea, grouping: str) -> Plan:
    """A bundle grouping as a plan: each unit in the group holding most of its residents."""
    if grouping not in area.groupings:
        raise LocalignError.single(f"the study area has no grouping called '{grouping}'.", "--plan",
                                   f"use one of: current, {', '.join(area.groupings)} or a CSV/GeoJSON file.")
    group = area.groupings[grouping]
    return make_plan(area, group.labels, name=group.title, source=grouping, where=group.title, min_localities=1)


def current_plan(area: StudyArea) -> Plan:
    """Today's localities (the bundle's ``current`` grouping) as a plan."""
    if area.current is None:
        raise LocalignError.single("the study area declares no current localities.", "manifest.toml",
                                   'add a grouping and name it under [roles] current = "...".')
    return grouping_plan(area, area.current.name)
