"""Exports made ahead of the click: a slow file (the briefing PDF) is drawn in the background while the planner
reads the page, so the download button hands it over at once.

Rules: one export is drawn at a time (matplotlib's settings are global to the process); a prepared file is
used only for exactly the same study area, plans (names and every unit's locality), format, options and day;
at most ``KEEP`` files are held, the oldest dropped first.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from analysis.plan.partition import Plan
from geo.bundle import StudyArea

KEEP = 8
"""Prepared files kept (each a few hundred kB)."""

_DRAWING = threading.Lock()
_HELD_LOCK = threading.Lock()
_HELD: OrderedDict[tuple, tuple[StudyArea, Future]] = OrderedDict()
_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="localign-exports")


def export_key(area: StudyArea, plans: Sequence[Plan], fmt: str, options: dict) -> tuple:
    """What a file depends on: the study area, each plan's name and assignment, the format, the options and the day."""
    return (id(area), fmt, tuple((p.name, p.key()) for p in plans),
            tuple(sorted((k, repr(v)) for k, v in options.items())), dt.date.today())


def _draw(make: Callable[[], bytes]) -> bytes:
    with _DRAWING:
        return make()


def prepare(key: tuple, area: StudyArea, make: Callable[[], bytes]) -> None:
    """Start drawing a file in the background unless it is already prepared or being drawn."""
    with _HELD_LOCK:
        held = _HELD.get(key)
        if held is not None and held[0] is area:
            _HELD.move_to_end(key)
            return
        _HELD[key] = (area, _WORKER.submit(_draw, make))
        while len(_HELD) > KEEP:
            _HELD.popitem(last=False)


def fetch(key: tuple, area: StudyArea, make: Callable[[], bytes]) -> bytes:
    """The file: the prepared one (waiting for it if still being drawn), or drawn now."""
    with _HELD_LOCK:
        held = _HELD.get(key)
    if held is not None and held[0] is area:
        try:
            return held[1].result()
        except Exception:  # a failed preparation is tried again now, so the planner sees this click's error
            with _HELD_LOCK:
                _HELD.pop(key, None)
    return _draw(make)


def held(fmt: str | None = None) -> dict[tuple, Future]:
    """The exports held now (drawn or still drawing), by key, optionally of one format: a snapshot."""
    with _HELD_LOCK:
        return {key: future for key, (_, future) in _HELD.items() if fmt is None or key[1] == fmt}


def forget() -> None:
    """Drop every prepared file (tests, or after the data changed)."""
    with _HELD_LOCK:
        _HELD.clear()


__all__ = ["KEEP", "export_key", "fetch", "forget", "prepare"]
