"""The one validator: the planner's Constraints compiled to predicates over plans in one unit order, consulted by
the enumerator (which prunes with the same balance and together/apart rules), the optimiser and the sampler."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from analysis.constraints.predicates import Apart, Balance, FixedNames, MaxPcnsSplit, Together
from analysis.constraints.rules import Constraints
from geo.bundle import StudyArea
from geo.errors import LocalignError, list_items


class Validator:
    """Predicates composed: a plan is valid when it meets every one; its violation is the sum of theirs."""

    def __init__(self, predicates: Sequence) -> None:
        self.predicates = tuple(p for p in predicates if p is not None)

    @classmethod
    def of(cls, constraints: Constraints, unit_index: Mapping[str, int], total: float,
           area: StudyArea | None = None, measures: np.ndarray | None = None) -> "Validator":
        """The validator of a set of constraints over units at ``unit_index`` positions (fixed locality names are
        checked when ``area`` is given; the balance bound applies to each column of ``measures`` (n, m) when given,
        else to residents)."""
        together, apart = constraints.unit_groups()
        unknown = sorted({u for group in (*together, *apart) for u in group if u not in unit_index})
        if unknown:
            raise LocalignError.single(f"the constraints name units that are not in the study area: "
                                       f"{list_items(unknown)}.", "the constraints",
                                       "use unit codes listed by 'localign info'.")
        position = lambda groups: tuple(tuple(unit_index[u] for u in g) for g in groups)  # noqa: E731
        return cls([
            Balance(constraints.max_deviation, total, measures) if constraints.max_deviation is not None else None,
            MaxPcnsSplit(constraints.max_pcns_split) if constraints.max_pcns_split is not None else None,
            Together(position(together)) if together else None,
            Apart(position(apart)) if apart else None,
            FixedNames.of(area, constraints.fixed) if area is not None else None,
        ])

    def mask(self, codes: np.ndarray, table) -> np.ndarray:
        """True for each plan (row of codes) meeting every rule; the costly name check runs on survivors only."""
        codes = np.atleast_2d(codes)
        keep = np.ones(len(codes), dtype=bool)
        for predicate in self.predicates:
            if isinstance(predicate, FixedNames):
                if keep.any():
                    rows = np.flatnonzero(keep)
                    keep[rows] = predicate.mask(codes[rows])
            else:
                keep &= predicate.mask(codes, table)
        return keep

    def violation(self, codes: np.ndarray, table) -> np.ndarray:
        """How far each plan breaks the rules (0 when it meets them all): the sum over predicates."""
        codes = np.atleast_2d(codes)
        out = np.zeros(len(codes))
        for predicate in self.predicates:
            out += predicate.violation(codes, table)
        return out

    def has(self, *kinds: type) -> bool:
        """Whether any predicate is of one of these kinds (e.g. Together, Apart)."""
        return any(isinstance(p, kinds) for p in self.predicates)

    def _find(self, kind: type):
        return next((p for p in self.predicates if isinstance(p, kind)), None)

    def search_rules(self) -> tuple[float | None, tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...]]:
        """The rules the enumerator prunes with, from the same predicates: (max deviation, together, apart)."""
        balance, together, apart = self._find(Balance), self._find(Together), self._find(Apart)
        return (None if balance is None else balance.max_deviation, () if together is None else together.groups,
                () if apart is None else apart.groups)
