"""An editing session: the working plan, undo and redo, locked wards, kept plans, and an autosave file.

Pure Python (no Streamlit): the app holds one ``EditSession`` per study area in its session state and
writes it to an ``AutosaveStore`` after every change, so a browser reload or a crash loses nothing.
Each browser session has its own random key (kept in the page address), and its autosaves live in a
folder of their own: one planner's reload, restore or discard never touches another planner's work.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

from analysis.plan.partition import Plan, label_problem, make_plan
from geo.bundle import StudyArea
from geo.errors import LocalignError, list_items, safe_text

AUTOSAVE_VERSION = 1
MAX_HISTORY = 100
"""Undo steps kept in memory; the oldest are dropped first."""
SAVED_HISTORY = 30
"""Undo steps written to the autosave file."""
AUTOSAVE_ENV = "LOCALIGN_AUTOSAVE_DIR"
"""Environment variable naming the autosave folder (tests point it at a temporary folder)."""
AUTOSAVE_MAX_AGE_DAYS = 30
"""Autosaves untouched for longer than this are deleted (a browser session's work is kept a month)."""
SESSION_KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{22,64}")
"""What a browser-session key looks like (``new_session_key`` makes 32 random URL-safe characters)."""


def new_session_key() -> str:
    """A new random key for one browser session (192 bits: it cannot be guessed, so no one opens another's work)."""
    return secrets.token_urlsafe(24)


def valid_session_key(text: object) -> bool:
    """Whether a key from a page address can name an autosave folder (random URL-safe text of the right length)."""
    return isinstance(text, str) and SESSION_KEY_PATTERN.fullmatch(text) is not None


def study_area_key(area: StudyArea) -> str:
    """A short stable key for a study area: its short name and a hash of its unit codes (same wards, same key)."""
    slug = re.sub(r"[^a-z0-9]+", "-", area.manifest.short_name.lower()).strip("-")[:40] or "area"
    digest = hashlib.sha256("\n".join(area.ids).encode("utf-8")).hexdigest()[:10]
    return f"{slug}-{digest}"


@dataclass(frozen=True)
class State:
    """One point in the editing history: the working plan, the locks, and what the change was."""

    plan: Plan
    locks: Mapping[str, str]
    label: str = ""


def _frozen(locks: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(locks))


@dataclass
class EditSession:
    """The plan a planner is working on, with its history, locked wards and the plans they have kept.

    ``library`` holds plans kept by name (imported files, chosen proposals, saved custom plans); the
    app adds the built-in plans (current localities, groupings) itself, so they are never saved here.
    """

    area_key: str
    state: State
    library: dict[str, Plan] = field(default_factory=dict)
    undo_stack: list[State] = field(default_factory=list)
    redo_stack: list[State] = field(default_factory=list)
    changed_at: datetime | None = None
    version: int = 0
    """Counts changes; views that cache edits (the ward table) use it to reset themselves."""

    @classmethod
    def start(cls, area: StudyArea, plan: Plan) -> EditSession:
        """A fresh session on ``plan`` with no history and no locks."""
        return cls(study_area_key(area), State(plan, _frozen({}), "start"))

    # --- what is there ----------------------------------------------------------------------
    @property
    def plan(self) -> Plan:
        """The working plan."""
        return self.state.plan

    @property
    def locks(self) -> Mapping[str, str]:
        """Locked wards: unit id -> the locality it must stay in."""
        return self.state.locks

    @property
    def can_undo(self) -> bool:
        return bool(self.undo_stack)

    @property
    def can_redo(self) -> bool:
        return bool(self.redo_stack)

    @property
    def undo_label(self) -> str | None:
        """What Undo would reverse, in words."""
        return self.state.label if self.undo_stack else None

    @property
    def redo_label(self) -> str | None:
        """What Redo would apply again, in words."""
        return self.redo_stack[-1].label if self.redo_stack else None

    def broken_locks(self) -> dict[str, str]:
        """Locked wards that the working plan puts in another locality than their lock (unit -> lock)."""
        assignment = self.plan.assignment
        return {u: loc for u, loc in self.locks.items() if assignment.get(u) != loc}

    # --- changes (each one can be undone) ----------------------------------------------------
    def _push(self, plan: Plan, locks: Mapping[str, str], label: str) -> None:
        self.undo_stack.append(self.state)
        del self.undo_stack[:-MAX_HISTORY]
        self.redo_stack.clear()
        self.state = State(plan, _frozen(locks), label)
        self._touch()

    def _touch(self) -> None:
        self.version += 1
        self.changed_at = datetime.now(UTC)

    def open(self, plan: Plan) -> None:
        """Make ``plan`` the working plan (locks are kept; Undo returns to the previous plan)."""
        if plan.same_assignment(self.plan) and plan.name == self.plan.name:
            return
        self._push(plan, self.locks, f"open {plan.name}")

    def move(self, area: StudyArea, moves: Mapping[str, str], name: str | None = None) -> Plan:
        """Move units to other localities; refuses a move of a locked unit or one that empties a locality."""
        moves = {str(u): str(loc).strip() for u, loc in moves.items()
                 if self.plan.assignment.get(str(u)) != str(loc).strip()}
        if not moves:
            return self.plan
        unit = area.manifest.unit_label
        blank = [u for u, loc in moves.items() if not loc]
        if blank:
            raise LocalignError.single(f"no locality was given for {list_items(_named(area, blank))}.",
                                       "the edit", "choose a locality name for each ward you move.")
        for locality in set(moves.values()) - set(self.plan.localities):
            _check_new_name(locality, "the edit")
        locked = [u for u in moves if u in self.locks]
        if locked:
            raise LocalignError.single(
                f"{list_items(_named(area, locked))} {'is' if len(locked) == 1 else 'are'} locked to "
                f"{list_items(sorted({self.locks[u] for u in locked}))}.", "the edit",
                f"unlock the {unit} first if it should move.")
        edited = self.plan.reassign(moves, name=name or _edited_name(self.plan))
        emptied = [loc for loc in self.plan.localities if loc not in set(edited.labels)]
        if emptied:
            raise LocalignError.single(
                f"locality {list_items(emptied)} would have no {unit}s left.", "the edit",
                f"keep at least one {unit} in each locality; to plan with fewer localities, start from a plan "
                "with fewer localities or import one.")
        self._push(edited, self.locks, _describe_moves(area, moves))
        return edited

    def rename_locality(self, old: str, new: str) -> Plan:
        """Rename one locality of the working plan (locks follow the new name)."""
        new = new.strip()
        if old not in self.plan.localities:
            raise LocalignError.single(f"the plan has no locality called '{old}'.", "renaming",
                                       "pick one of the plan's localities.")
        if not new or (new in self.plan.localities and new != old):
            raise LocalignError.single(f"'{new}' is empty or already used by another locality.", "renaming",
                                       "choose a new, unused name.")
        if new == old:
            return self.plan
        _check_new_name(new, "renaming")
        plan = self.plan.renamed({old: new}, name=_edited_name(self.plan))
        plan = Plan(plan.unit_ids, plan.labels, plan.name, "custom", plan.localities)
        locks = {u: (new if loc == old else loc) for u, loc in self.locks.items()}
        self._push(plan, locks, f"rename {old} to {new}")
        return plan

    def lock(self, units: list[str], locality: str | None = None) -> None:
        """Lock units to ``locality`` (by default, each to the locality it is in now)."""
        locks = dict(self.locks)
        for u in units:
            locks[u] = locality or self.plan.assignment[u]
        if locks != dict(self.locks):
            self._push(self.plan, locks, f"lock {len(units)} ward(s)" if len(units) > 1 else f"lock {units[0]}")

    def unlock(self, units: list[str]) -> None:
        """Remove the locks on these units."""
        locks = {u: loc for u, loc in self.locks.items() if u not in set(units)}
        if locks != dict(self.locks):
            self._push(self.plan, locks, f"unlock {len(units)} ward(s)" if len(units) > 1 else f"unlock {units[0]}")

    def set_locks(self, locks: Mapping[str, str], label: str = "change locks") -> None:
        """Replace every lock at once (from the ward table)."""
        if dict(locks) != dict(self.locks):
            self._push(self.plan, locks, label)

    def undo(self) -> bool:
        """Go back one change; False when there is nothing to undo."""
        return self._step(self.undo_stack, self.redo_stack)

    def redo(self) -> bool:
        """Apply again the last change undone; False when there is nothing to redo."""
        return self._step(self.redo_stack, self.undo_stack)

    def _step(self, source: list[State], target: list[State]) -> bool:
        if not source:
            return False
        target.append(self.state)
        self.state = source.pop()
        self._touch()
        return True

    def keep(self, plan: Plan, name: str | None = None) -> str:
        """Keep a plan in the library under a unique name (``name`` or the plan's own) and return that name."""
        base = (name or plan.name).strip() or "plan"
        unique, n = base, 2
        while unique in self.library and not self.library[unique].same_assignment(plan):
            unique, n = f"{base} ({n})", n + 1
        self.library[unique] = Plan(plan.unit_ids, plan.labels, unique, plan.source, plan.localities)
        self._touch()
        return unique

    def forget(self, name: str) -> None:
        """Remove a kept plan from the library (the working plan is not affected)."""
        if self.library.pop(name, None) is not None:
            self._touch()

    # --- saving -------------------------------------------------------------------------------
    def to_json(self) -> str:
        """The session as JSON: working plan, locks, recent history and kept plans."""
        def state(s: State) -> dict:
            return {"plan": plan_to_dict(s.plan), "locks": dict(s.locks), "label": s.label}

        data = {
            "version": AUTOSAVE_VERSION,
            "area_key": self.area_key,
            "saved_at": (self.changed_at or datetime.now(UTC)).isoformat(),
            "state": state(self.state),
            "undo": [state(s) for s in self.undo_stack[-SAVED_HISTORY:]],
            "redo": [state(s) for s in self.redo_stack[-SAVED_HISTORY:]],
            "library": [plan_to_dict(p) for p in self.library.values()],
        }
        return json.dumps(data, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, area: StudyArea, text: str) -> EditSession:
        """Rebuild a session saved by ``to_json``, checking every plan against the study area."""
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("version") != AUTOSAVE_VERSION:
                raise ValueError("unknown format")
            saved_at = datetime.fromisoformat(data["saved_at"])

            def state(d: dict) -> State:
                locks = {str(u): str(loc) for u, loc in dict(d.get("locks", {})).items() if u in set(area.ids)}
                return State(plan_from_dict(area, d["plan"]), _frozen(locks), str(d.get("label", "")))

            session = cls(str(data["area_key"]), state(data["state"]))
            session.undo_stack = [state(d) for d in data.get("undo", [])]
            session.redo_stack = [state(d) for d in data.get("redo", [])]
            for d in data.get("library", []):
                plan = plan_from_dict(area, d)
                session.library[plan.name] = plan
        except LocalignError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError):
            raise LocalignError.single("the autosaved plan could not be read.", "autosave",
                                       "start again from the current localities; the file was left as it was "
                                       "in case someone needs it.") from None
        session.changed_at = saved_at
        if session.area_key != study_area_key(area):
            raise LocalignError.single("the autosaved plan belongs to another study area.", "autosave",
                                       "open the study area it was made for, or discard it.")
        return session


def plan_to_dict(plan: Plan) -> dict:
    """A plan as JSON-ready data: name, source, localities in order and the assignment."""
    return {"name": plan.name, "source": plan.source, "localities": list(plan.localities),
            "assignment": dict(plan.assignment)}


def plan_from_dict(area: StudyArea, data: dict) -> Plan:
    """A plan from ``plan_to_dict`` data, checked against the study area."""
    return make_plan(area, data["assignment"], name=str(data.get("name", "restored plan")),
                     source=str(data.get("source", "custom")), localities=tuple(data.get("localities", ())),
                     where="autosave")


def _named(area: StudyArea, units: list[str]) -> list[str]:
    return [str(area.unit_names.get(u, u)) for u in units]


def _edited_name(plan: Plan) -> str:
    return plan.name if plan.source == "custom" or plan.name.endswith("(edited)") else f"{plan.name} (edited)"


def _describe_moves(area: StudyArea, moves: Mapping[str, str]) -> str:
    if len(moves) == 1:
        unit, loc = next(iter(moves.items()))
        return f"move {area.unit_names.get(unit, unit)} to {loc}"
    return f"move {len(moves)} {area.manifest.unit_label}s"


class AutosaveStore:
    """Autosave files of one browser session, one per study area: ``<folder>/<session key>/<area key>.json``.

    The folder is ``$LOCALIGN_AUTOSAVE_DIR`` if set, else ``~/.localign/autosave``; if that cannot be
    written, ``.localign-autosave`` in the working folder. Files are written atomically and readable by
    their owner only. Without a session key (scripts, tests) files go straight into the folder.
    """

    def __init__(self, folder: str | Path | None = None, session: str | None = None,
                 max_age_days: float = AUTOSAVE_MAX_AGE_DAYS) -> None:
        if session is not None and not valid_session_key(session):
            raise ValueError("a session key must be random URL-safe text of 22 to 64 characters")
        self.root = Path(folder or os.environ.get(AUTOSAVE_ENV) or Path.home() / ".localign" / "autosave")
        self.session = session
        self.max_age_days = max_age_days

    @property
    def folder(self) -> Path:
        """The folder holding this session's autosaves."""
        return self.root / self.session if self.session else self.root

    def path(self, area_key: str) -> Path:
        """The autosave file of a study area in this session."""
        return self.folder / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', area_key)}.json"

    def save(self, session: EditSession) -> Path:
        """Write the session (atomically: a half-written file never replaces a good one) and return the path."""
        text = session.to_json()
        for root in (self.root, Path.cwd() / ".localign-autosave"):
            folder = root / self.session if self.session else root
            try:
                folder.mkdir(mode=0o700, parents=True, exist_ok=True)
                target = folder / self.path(session.area_key).name
                handle, temp = tempfile.mkstemp(prefix=".autosave-", suffix=".tmp", dir=folder)
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    out.write(text)
                os.replace(temp, target)
                self.root = root
                self.clean()
                return target
            except OSError:
                continue
        raise LocalignError.single("the plan could not be autosaved.", str(self.folder),
                                   f"make the folder writable or set {AUTOSAVE_ENV} to a folder you can write to; "
                                   "export the plan as CSV meanwhile.")

    def saved_at(self, area_key: str) -> datetime | None:
        """When the autosave of a study area was last written, or None if there is none."""
        path = self.path(area_key)
        return datetime.fromtimestamp(path.stat().st_mtime, UTC) if path.exists() else None

    def load(self, area: StudyArea) -> EditSession | None:
        """The autosaved session of this study area, or None if there is none; a damaged file raises LocalignError."""
        path = self.path(study_area_key(area))
        if not path.exists():
            return None
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise LocalignError.single("the autosaved plan could not be read.", str(path),
                                       "discard it and start from the current localities.") from None
        return EditSession.from_json(area, text)

    def discard(self, area_key: str) -> None:
        """Delete this session's autosave of a study area (nothing happens if there is none; others' are kept)."""
        self.path(area_key).unlink(missing_ok=True)

    def clean(self, now: float | None = None) -> list[Path]:
        """Delete autosaves (files, and session folders with nothing newer) older than ``max_age_days``; return them."""
        limit = (now if now is not None else time.time()) - self.max_age_days * 86400
        removed = []
        try:
            entries = list(self.root.iterdir())
        except OSError:
            return removed
        for entry in entries:
            try:
                if entry.is_symlink():
                    continue
                if entry.is_dir() and valid_session_key(entry.name):
                    newest = max((f.stat().st_mtime for f in entry.iterdir()), default=entry.stat().st_mtime)
                    if newest < limit:
                        shutil.rmtree(entry)
                        removed.append(entry)
                elif entry.is_file() and entry.suffix == ".json" and entry.stat().st_mtime < limit:
                    entry.unlink()
                    removed.append(entry)
            except OSError:
                continue
        return removed


__all__ = ["AutosaveStore", "EditSession", "State", "new_session_key", "plan_from_dict", "plan_to_dict",
           "study_area_key", "valid_session_key"]


def _check_new_name(name: str, where: str) -> None:
    """Refuse a new locality name that exports could not carry safely (see analysis.plan.partition.label_problem)."""
    problem = label_problem(name)
    if problem:
        raise LocalignError.single(f"the locality name {safe_text(name, 30)!r} {problem}.", where,
                                   "choose a plain name such as 'North' or 'Riverside'.")
