"""localign's geography layer: loading and checking bundles, CRS handling, overlays and adjacency."""

from geo.bundle import DEFAULT_BUNDLE, Grouping, StudyArea, load_bundle, summary
from geo.errors import LocalignError, Problem

__all__ = ["DEFAULT_BUNDLE", "Grouping", "LocalignError", "Problem", "StudyArea", "load_bundle", "summary"]
