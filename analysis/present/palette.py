"""Locality colours: one colour-blind-safe palette, one colour per locality label, used by the app and every export."""

from __future__ import annotations

from typing import Iterable

# Paul Tol's "light" qualitative scheme: distinguishable under common colour-vision deficiencies and
# light enough for dark ward labels on top (https://personal.sron.nl/~pault/#sec:qualitative). Its pale
# grey is replaced by a light purple: a grey locality reads as unassigned land.
PALETTE: tuple[str, ...] = (
    "#77AADD",  # light blue
    "#EE8866",  # orange
    "#44BB99",  # mint
    "#EEDD88",  # light yellow
    "#FFAABB",  # pink
    "#99DDFF",  # light cyan
    "#BBCC33",  # pear
    "#AAAA00",  # olive
    "#CC99DD",  # light purple (instead of Tol's pale grey)
)

CANONICAL_LABELS: tuple[str, ...] = (
    "North", "East", "West", "South", "Central",
    "North East", "North West", "South East", "South West",
)
"""Labels with a fixed colour wherever they appear, so 'West' is the same blue in every plan."""

OUTLINE = "#333333"
CURRENT_OUTLINE = "#004488"
"""Today's localities on maps: dashed dark blue, unlike a plan's solid near-black boundaries."""
PCN_OUTLINE = "#882255"
PRACTICE = "#332288"
TOLERANCE_BAND = "#DDDDDD"


def locality_colours(labels: Iterable[str], among: Iterable[str] | None = None) -> dict[str, str]:
    """Colour for each locality: canonical labels keep their fixed colour, others take the free colours in sorted order.

    ``among`` gives every label of the plans shown together (all options of a run, both sides of a comparison,
    every option of a pack): colours are assigned over all of them, so one name has one colour on every map.
    """
    wanted = list(dict.fromkeys(labels))
    if among is not None:
        every = locality_colours(list(dict.fromkeys([*among, *wanted])))
        return {label: every[label] for label in wanted}
    labels = wanted
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
