"""Locality colours: one colour-blind-safe palette, one colour per locality label, used by the app and every export."""

from __future__ import annotations

from typing import Iterable

# Paul Tol's "light" qualitative scheme: distinguishable under common colour-vision deficiencies and
# light enough for dark ward labels on top (https://personal.sron.nl/~pault/#sec:qualitative).
PALETTE: tuple[str, ...] = (
    "#77AADD",  # light blue
    "#EE8866",  # orange
    "#44BB99",  # mint
    "#EEDD88",  # light yellow
    "#FFAABB",  # pink
    "#99DDFF",  # light cyan
    "#BBCC33",  # pear
    "#AAAA00",  # olive
    "#DDDDDD",  # pale grey
)

CANONICAL_LABELS: tuple[str, ...] = (
    "North", "East", "West", "South", "Central",
    "North East", "North West", "South East", "South West",
)
"""Labels with a fixed colour wherever they appear, so 'West' is the same blue in every plan."""

OUTLINE = "#333333"
PCN_OUTLINE = "#882255"
PRACTICE = "#332288"
TOLERANCE_BAND = "#DDDDDD"


def locality_colours(labels: Iterable[str]) -> dict[str, str]:
    """Colour for each locality: canonical labels keep their fixed colour, others take the free colours in sorted order."""
    labels = list(dict.fromkeys(labels))
    colours: dict[str, str] = {}
    used: set[int] = set()
    for label in labels:
        if label in CANONICAL_LABELS:
            index = CANONICAL_LABELS.index(label) % len(PALETTE)
            colours[label] = PALETTE[index]
            used.add(index)
    free = [i for i in range(len(PALETTE)) if i not in used] or list(range(len(PALETTE)))
    for n, label in enumerate(sorted(lbl for lbl in labels if lbl not in colours)):
        colours[label] = PALETTE[free[n % len(free)]]
    return colours
