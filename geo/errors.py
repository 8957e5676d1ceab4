"""Problems found in a user's data, written for planners: what is wrong, where, and the fix."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One problem in the input: an error stops loading, a warning was repaired or can be ignored."""

    what: str
    where: str
    fix: str
    severity: Severity = "error"

    def __str__(self) -> str:
        label = "Problem" if self.severity == "error" else "Note"
        return f"{label} in {self.where}: {self.what} Fix: {self.fix}"


def safe_text(value: object, limit: int = 60) -> str:
    """A value from a user's file as it may appear in a message: control characters escaped, long text shortened."""
    text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def list_items(items: Iterable[object], limit: int = 8) -> str:
    """Join items for a message (each made safe by ``safe_text``), saying how many were left out after ``limit``."""
    items = [safe_text(i) for i in items]
    shown = ", ".join(items[:limit])
    if len(items) > limit:
        shown += f" and {len(items) - limit} more"
    return shown


@dataclass
class LocalignError(Exception):
    """An input that localign cannot use; carries every problem found, each with its fix."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @classmethod
    def single(cls, what: str, where: str, fix: str) -> LocalignError:
        """Build an error holding one problem."""
        return cls([Problem(what=what, where=where, fix=fix)])

    @property
    def message(self) -> str:
        """All problems as plain text, one per line."""
        return "\n".join(str(p) for p in self.problems)

    def __str__(self) -> str:
        return self.message


class ProblemLog:
    """Collects problems while reading, then raises once with all errors together."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(self, what: str, where: str, fix: str) -> None:
        """Record a problem that stops loading."""
        self.problems.append(Problem(what, where, fix, "error"))

    def warn(self, what: str, where: str, fix: str) -> None:
        """Record a problem that was repaired or can be ignored."""
        self.problems.append(Problem(what, where, fix, "warning"))

    def extend(self, problems: Iterable[Problem]) -> None:
        """Add problems found elsewhere."""
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def raise_if_errors(self) -> None:
        """Raise a LocalignError listing every error recorded so far."""
        if self.errors:
            raise LocalignError(self.errors)
