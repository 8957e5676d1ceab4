"""Progress reporting: long tasks call ``progress(fraction, message)``; the CLI shows it as a tqdm bar on stderr.

The same callback type drives the app's progress bar (st.progress accepts a fraction and a text).
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Callable, Iterator

Progress = Callable[[float, str], None]
"""A progress callback: fraction done in [0, 1] and a short message for people."""


def null_progress(fraction: float, message: str) -> None:
    """A progress callback that shows nothing."""


def scaled(progress: Progress, start: float, end: float) -> Progress:
    """A callback mapping a sub-task's 0..1 onto ``start``..``end`` of the parent's progress."""

    def report(fraction: float, message: str) -> None:
        progress(start + (end - start) * min(1.0, max(0.0, fraction)), message)

    return report


@contextmanager
def cli_progress(description: str, stream=None, delay_s: float = 1.0) -> Iterator[Progress]:
    """A tqdm progress bar on stderr for a task, shown only if it lasts more than ``delay_s`` seconds and only on a
    terminal; whatever the terminal, the task's last message is printed as one final line when it took that long."""
    from tqdm import tqdm

    stream = stream or sys.stderr
    interactive = hasattr(stream, "isatty") and stream.isatty()
    bar = tqdm(total=1000, desc=description, file=stream, delay=delay_s, disable=not interactive, leave=False,
               bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining}{postfix}")
    start = time.perf_counter()
    last = {"message": ""}

    def report(fraction: float, message: str) -> None:
        last["message"] = message
        bar.n = int(round(1000 * min(1.0, max(0.0, fraction))))
        bar.set_postfix_str(message, refresh=False)
        bar.refresh()

    try:
        yield report
    finally:
        bar.close()
        if interactive:
            stream.write("\r\x1b[K")  # clear what is left of the bar before the final line
        elapsed = time.perf_counter() - start
        if elapsed >= delay_s and last["message"]:
            print(f"{description}: {last['message']} ({elapsed:.1f} s)", file=stream)
