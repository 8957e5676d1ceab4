"""Map labels that never overlap: each label tries positions spiralling out from its anchor and takes the
nearest one that collides with no label placed before it, preferring spots inside its own polygon and
clear of map symbols; a label pushed out of its polygon gets a thin leader line back to the anchor.

Sizes are measured with the figure's own renderer, so what is checked is exactly what is drawn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from matplotlib import patheffects
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

from analysis.present.exports.layout import FONT

HALO = [patheffects.withStroke(linewidth=2.6, foreground="white")]
RINGS = 14
ANGLES = 24
PAD_PX = 3.0


@dataclass
class LabelRequest:
    """A label to place: its text, the point it names (data units) and the polygon it should sit in."""

    text: str
    anchor: tuple[float, float]
    region: BaseGeometry | None = None
    style: dict = field(default_factory=dict)
    gid: str = "label"


def anchor_point(polygon: BaseGeometry) -> tuple[float, float]:
    """The point deepest inside a polygon (pole of inaccessibility), where a label has most room."""
    largest = max(getattr(polygon, "geoms", [polygon]), key=lambda g: g.area)
    point = polylabel(largest, tolerance=max(largest.length / 2000, 1e-9))
    return float(point.x), float(point.y)


def _overlap_counts(boxes: np.ndarray, others: np.ndarray) -> np.ndarray:
    """For each of ``boxes`` (n × 4: x0, y0, x1, y1), how many of ``others`` (m × 4) it intersects."""
    if not len(others):
        return np.zeros(len(boxes), dtype=int)
    a, b = boxes[:, None, :], others[None, :, :]
    hits = (b[..., 0] < a[..., 2]) & (b[..., 2] > a[..., 0]) & (b[..., 1] < a[..., 3]) & (b[..., 3] > a[..., 1])
    return hits.sum(axis=1)


def place_labels(ax, requests: list[LabelRequest], obstacles: list[Bbox] | None = None) -> list[Text]:
    """Draw the labels on ``ax`` without overlaps; smaller regions choose first. Returns the Text artists.

    ``obstacles`` are display-space boxes (symbols, scale bar) that labels avoid when they can.
    """
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    ax.apply_aspect()
    to_display = ax.transData
    to_data = ax.transData.inverted()
    frame = ax.get_window_extent(renderer)
    avoid = np.array([[b.x0, b.y0, b.x1, b.y1] for b in (obstacles or [])]).reshape(-1, 4)
    placed = np.zeros((0, 4))
    texts: list[Text] = []
    order = sorted(range(len(requests)),
                   key=lambda i: requests[i].region.area if requests[i].region is not None else math.inf)
    for i in order:
        req = requests[i]
        style = {"fontsize": 8, "ha": "center", "va": "center", "family": FONT, "color": "#111111",
                 "zorder": 30, "linespacing": 1.05, **req.style}
        text = ax.text(*req.anchor, req.text, path_effects=HALO, parse_math=False, gid=req.gid, **style)
        extent = text.get_window_extent(renderer)
        half_w, half_h = extent.width / 2 + PAD_PX, extent.height / 2 + PAD_PX
        ax_px, ay_px = to_display.transform(req.anchor)
        step = max(extent.height * 0.45, 4.0)
        radii = np.repeat(np.arange(RINGS + 1) * step, [1] + [ANGLES] * RINGS)
        angles = np.concatenate([[0.0], np.tile(np.linspace(0, 2 * np.pi, ANGLES, endpoint=False), RINGS)])
        cx, cy = ax_px + radii * np.cos(angles), ay_px + radii * np.sin(angles) * 0.8
        boxes = np.column_stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h])
        inside_frame = ((boxes[:, 0] >= frame.x0) & (boxes[:, 2] <= frame.x1)
                        & (boxes[:, 1] >= frame.y0) & (boxes[:, 3] <= frame.y1))
        score = radii / step
        if req.region is not None:
            region = req.region
            shapely.prepare(region)
            probes = [(cx, cy), (cx - half_w * 0.8, cy), (cx + half_w * 0.8, cy),
                      (cx, cy - half_h * 0.8), (cx, cy + half_h * 0.8)]
            outside = np.zeros(len(cx))
            for px, py in probes:
                data = to_data.transform(np.column_stack([px, py]))
                outside += ~shapely.contains_xy(region, data[:, 0], data[:, 1])
            centre_out = ~shapely.contains_xy(region, *to_data.transform(np.column_stack([cx, cy])).T)
            score = score + outside * 1.5 + centre_out * 12.0
        blocked = ~inside_frame | (_overlap_counts(boxes, placed) > 0)
        score = np.where(blocked, math.inf, score + 3.0 * _overlap_counts(boxes, avoid))
        best = int(np.argmin(score))
        if not math.isfinite(score[best]):  # nowhere free: keep the anchor (cannot happen with room to spare)
            best = 0
        position = to_data.transform((cx[best], cy[best]))
        text.set_position(position)
        placed = np.vstack([placed, boxes[best]])
        if req.region is not None and not req.region.contains(shapely.Point(*position)):
            _leader(ax, req.anchor, position, boxes[best], to_data, style["color"])
        texts.append(text)
    return texts


def _leader(ax, anchor, position, box, to_data, colour) -> None:
    """A thin line from the anchor to the nearest edge of the label's box."""
    x0, y0, x1, y1 = to_data.transform([[box[0], box[1]], [box[2], box[3]]]).ravel()
    ex = min(max(anchor[0], x0), x1)
    ey = min(max(anchor[1], y0), y1)
    ax.plot([anchor[0], ex], [anchor[1], ey], color=colour, linewidth=0.7, zorder=29, gid="leader")
    ax.plot([anchor[0]], [anchor[1]], marker="o", markersize=2.2, color=colour, zorder=29, gid="leader")


def label_boxes(fig, gid_prefix: str = "") -> list[tuple[str, Bbox]]:
    """The rendered bounding boxes of the figure's labels whose gid starts with ``gid_prefix``."""
    renderer = fig.canvas.get_renderer()
    found = []
    for ax in fig.axes:
        for text in ax.texts:
            gid = text.get_gid() or ""
            if gid.startswith(gid_prefix) and gid.endswith("-label"):
                found.append((text.get_text(), text.get_window_extent(renderer)))
    return found
