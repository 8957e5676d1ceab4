"""The slide map: 16:9 at 2560 × 1440, the app's locality colours in map and legend, labels that never
overlap, a true scale bar, and the assumptions, sources and date written on it."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image
from pyproj import Geod, Transformer

from analysis.present.exports.labels import label_boxes
from analysis.present.exports.map_png import plan_figure, plan_png_bytes, render_plan_png
from analysis.present.palette import locality_colours
from analysis.plan.partition import current_plan


@pytest.fixture(scope="module")
def four(lbbd):
    return current_plan(lbbd).reassign({"E05014053": "South", "E05014055": "South", "E05014066": "South",
                                        "E05014062": "South"}, name="Four localities")


@pytest.fixture(scope="module")
def four_figure(lbbd, four):
    """The four-locality map as a drawn figure (built once: drawing takes about a second)."""
    fig = plan_figure(lbbd, four, title="Option B")
    fig.canvas.draw()
    return fig


@pytest.fixture(scope="module")
def png(lbbd, four) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(plan_png_bytes(lbbd, four))).convert("RGB"))


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])


def _count(pixels: np.ndarray, hex_colour: str) -> int:
    return int((pixels == _rgb(hex_colour)).all(axis=-1).sum())


def test_png_is_slide_sized_16_by_9(png):
    height, width, _ = png.shape
    assert width >= 2400 and height >= 1350
    assert width * 9 == height * 16


def test_png_is_not_blank_and_shows_every_locality_colour_in_map_and_legend(png, four, four_figure):
    height, width, _ = png.shape
    packed = (png[..., 0].astype(np.int32) << 16) | (png[..., 1].astype(np.int32) << 8) | png[..., 2]
    assert len(np.unique(packed)) > 200
    white = (png == 255).all(axis=-1).mean()
    assert white < 0.85
    map_right = four_figure.axes[0].get_position().x1  # the map's right edge, as a fraction
    split = int(width * map_right) + 2
    map_part, legend_part = png[:, :split], png[:, split:]
    for locality, colour in locality_colours(four.localities).items():
        assert _count(map_part, colour) > 0.004 * width * height, f"{locality} missing from the map"
        assert _count(legend_part, colour) > 300, f"{locality} missing from the legend"


def test_labels_never_overlap_and_stay_on_the_map(lbbd, four_figure):
    current = plan_figure(lbbd, current_plan(lbbd))
    current.canvas.draw()
    for fig in (current, four_figure):
        wards = label_boxes(fig, "ward")
        pcns = label_boxes(fig, "pcn")
        assert len(wards) == 19 and len(pcns) == len(lbbd.pcn.groups)
        boxes = wards + pcns
        map_box = fig.axes[0].get_window_extent()
        for i, (text_a, a) in enumerate(boxes):
            assert map_box.x0 <= a.x0 and a.x1 <= map_box.x1 and map_box.y0 <= a.y0 and a.y1 <= map_box.y1
            for text_b, b in boxes[i + 1:]:
                assert not a.overlaps(b), f"labels {text_a!r} and {text_b!r} overlap"


def test_naive_centroid_labels_would_overlap(lbbd):
    """The placement test above has teeth: labels at ward centroids do collide on this map."""
    fig = plan_figure(lbbd, current_plan(lbbd))
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    texts = [t for t in ax.texts if (t.get_gid() or "").endswith("-label")]
    anchors = {"ward-label": [(p.x, p.y) for p in lbbd.units.geometry.centroid],
               "pcn-label": [(p.x, p.y) for p in lbbd.pcn.areas.geometry.centroid]}
    for gid, points in anchors.items():
        for text, point in zip([t for t in texts if t.get_gid() == gid], points):
            text.set_position(point)
    boxes = [t.get_window_extent(renderer) for t in texts]
    assert any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_scale_bar_measures_true_kilometres(lbbd, four_figure):
    ax = four_figure.axes[0]
    bar = [p for p in ax.patches if p.get_gid() == "scale-bar"]
    labels = [t.get_text() for t in ax.texts if t.get_gid() == "scale-bar"]
    km = float(re.match(r"([\d.]+) km", labels[-1]).group(1))
    left = ax.transData.transform((bar[0].get_x(), 0))[0]
    right = ax.transData.transform((bar[-1].get_x() + bar[-1].get_width(), 0))[0]
    pixels_per_km = (right - left) / km
    # Independent check: two ward centroids, their distance on the ellipsoid against their distance in pixels.
    a, b = lbbd.units.geometry.centroid.iloc[0], lbbd.units.geometry.centroid.iloc[7]
    to_lonlat = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    (lon1, lat1), (lon2, lat2) = to_lonlat.transform(a.x, a.y), to_lonlat.transform(b.x, b.y)
    ground_km = Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)[2] / 1000
    (x1, y1), (x2, y2) = ax.transData.transform([(a.x, a.y), (b.x, b.y)])
    assert np.hypot(x2 - x1, y2 - y1) / pixels_per_km == pytest.approx(ground_km, rel=0.01)


def test_png_states_title_assumptions_sources_and_date(lbbd, four, four_figure):
    fig = four_figure
    texts = {t.get_gid(): t.get_text() for t in fig.texts if t.get_gid()}
    words = " ".join(" ".join(t.get_text().split()) for t in fig.texts)
    assert texts["title"] == "Option B"
    for note in lbbd.assumption_notes:
        assert " ".join(note.split()) in words
    assert "inferred" in words and "approximate" in words
    assert " ".join(lbbd.source_line.split()) in words
    assert re.search(r"Produced \d{1,2} \w+ \d{4}", texts["date"])
    legend = " ".join(t.get_text() for t in fig.texts if t.get_gid() == "legend")
    for locality in four.localities:
        assert locality in legend
    assert "−24.0%" in legend  # South: 41,589 residents against an equal share of 54,716


def test_render_plan_png_writes_a_png_file(lbbd, tmp_path):
    path = render_plan_png(lbbd, current_plan(lbbd), tmp_path / "map.png", show_pcns=False,
                           show_practices=False)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert Image.open(path).size == (2560, 1440)


def test_every_line_of_text_stays_inside_the_page_margins(lbbd, four):
    """The slide and every page of the briefing pack, drawn at the PNG's resolution: no text runs past the margins
    (notes are wrapped by measured width, so a wrong measure would cut words off at the page edge)."""
    from analysis.present.exports.briefing_pdf import briefing_figures
    from analysis.present.exports.layout import MARGIN, PNG_DPI

    figures = [plan_figure(lbbd, current_plan(lbbd)), *briefing_figures(lbbd, [current_plan(lbbd), four])]
    for number, fig in enumerate(figures):
        fig.set_dpi(PNG_DPI)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        right = (fig.get_figwidth() - MARGIN + 0.02) * PNG_DPI
        for text in fig.texts:
            if text.get_text().strip():
                box = text.get_window_extent(renderer)
                assert box.x1 <= right, (number, text.get_text()[:60], box.x1 / PNG_DPI)


def test_no_two_pieces_of_text_overlap_on_the_slide_or_the_pack(lbbd, four):
    """Headings, tables, notes and the footer each keep their own room on every page (map labels are checked
    above)."""
    from analysis.present.exports.briefing_pdf import briefing_figures
    from analysis.present.exports.layout import PNG_DPI

    figures = [plan_figure(lbbd, current_plan(lbbd)), plan_figure(lbbd, four),
               *briefing_figures(lbbd, [current_plan(lbbd), four])]
    for number, fig in enumerate(figures):
        fig.set_dpi(PNG_DPI)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        boxes = [(t.get_text(), t.get_window_extent(renderer).shrunk(0.98, 0.9)) for t in fig.texts
                 if t.get_text().strip()]
        for i, (text_a, a) in enumerate(boxes):
            for text_b, b in boxes[i + 1:]:
                assert not a.overlaps(b), (number, text_a[:50], text_b[:50])


def test_a_map_page_is_rendered_only_when_saved(lbbd, four, monkeypatch):
    """Building the slide map renders nothing (geopandas asks for an idle redraw after each layer it plots, which on a
    plain Agg canvas renders the whole page three times), yet the saved PNG is still the whole map."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renders = []
    original = FigureCanvasAgg.draw
    monkeypatch.setattr(FigureCanvasAgg, "draw", lambda self, *a, **k: (renders.append(1), original(self, *a, **k)))
    fig = plan_figure(lbbd, four, title="Option B")
    assert renders == []
    assert len([p for ax in fig.axes for p in ax.collections]) >= 3  # the wards, localities and PCN layers are there
    fig.canvas.draw()
    assert renders == [1]
