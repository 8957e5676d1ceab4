"""Which measures lead for a board and which are technical: directors see balance, one-piece localities, PCN fit and
continuity first; compactness scores and graph counts come later, each with its one-line meaning."""

from __future__ import annotations

from analysis.metrics.definitions import METRICS, MetricDefinition, shown_in

DIRECTOR_METRICS: tuple[str, ...] = shown_in("director")
"""The measures a director asks about, in the order a briefing leads with them (the registry's 'director' view)."""


def director_metrics() -> tuple[MetricDefinition, ...]:
    """The headline measures for leadership, in DIRECTOR_METRICS order (those defined)."""
    by_key = {m.key: m for m in METRICS}
    return tuple(by_key[key] for key in DIRECTOR_METRICS if key in by_key)


def technical_metrics() -> tuple[MetricDefinition, ...]:
    """Every other plan measure (compactness scores, population range, cut edges, …), in definition order."""
    return tuple(m for m in METRICS if m.key not in DIRECTOR_METRICS)


__all__ = ["DIRECTOR_METRICS", "director_metrics", "technical_metrics"]
