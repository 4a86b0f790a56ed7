"""Build-time charts: pygal draws static SVG, which the dashboard inlines.

The site loads nothing from another host and its Content-Security-Policy
allows no inline style or script, so each chart is cleaned after pygal:
no `<script>` (pygal's tooltips load a script from its CDN: `js=[]`), no
comment (pygal dates its output, which would break byte-identical builds),
and its `<style>` moved out into one stylesheet file for the dashboard.
pygal's random chart id is replaced by a fixed one, so its CSS selectors
(`#chart-<id> …`) are deterministic too. Text stays text, in the system's CJK
fonts, like the rest of the site (`theme.font: false`).

Example:
    >>> chart = bar_chart("reuses", "每月复用次数", ["2026-05", "2026-06"], [("复用", [3, 1])])   # doctest: +SKIP
    >>> chart.svg.startswith("<svg")                                                               # doctest: +SKIP
    True
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pygal
from pygal.style import Style

# The fonts the theme uses with `font: false`, CJK first so that Chinese labels never fall back to boxes.
FONTS = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'
PALETTE = ("#3f51b5", "#e65100", "#2e7d32", "#ad1457", "#00838f", "#6a1b9a", "#5d4037")

_STYLE = Style(
    font_family=FONTS,
    background="transparent",
    plot_background="transparent",
    foreground="rgba(0, 0, 0, .87)",
    foreground_strong="rgba(0, 0, 0, .87)",
    foreground_subtle="rgba(0, 0, 0, .6)",
    colors=PALETTE,
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=12,
    title_font_size=14,
    value_font_size=11,
)
LABEL_CHARS = 16
_COMMON = dict(style=_STYLE, js=[], disable_xml_declaration=True, show_y_guides=True, width=800, height=360,
               legend_at_bottom=True, legend_at_bottom_columns=4, print_values=False, margin=8, spacing=12,
               x_label_rotation=0, truncate_legend=-1, truncate_label=-1, explicit_size=False, title=None,
               min_scale=3, max_scale=6)


@dataclass(frozen=True)
class ChartSvg:
    svg: str  # inline SVG, no style element, no script
    css: str  # its rules, scoped to `#chart-<id>`


_SVG = "http://www.w3.org/2000/svg"
ET.register_namespace("", _SVG)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
# pygal's interactive parts, useless (and disallowed) without its script: the script, the tooltip
# layer (an inline style), the tooltip data (<desc>), and its style sheet, moved out.
_DROP = {f"{{{_SVG}}}script", f"{{{_SVG}}}desc"}


def _finish(chart, chart_id: str, label: str) -> ChartSvg:
    chart.uuid = chart_id  # pygal scopes its CSS under #chart-<uuid>; a fixed id keeps builds identical
    root = ET.fromstring(chart.render(is_unicode=True))  # comments (pygal dates them) are not kept
    css = []
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == f"{{{_SVG}}}style":
                css.append((child.text or "").strip())
                parent.remove(child)
            elif child.tag in _DROP or "tooltip" in child.get("class", "").split():
                parent.remove(child)
    for el in root.iter():
        el.attrib.pop("style", None)
        _compact(el)
    # One accessible name for the picture; the data table beside it carries the numbers.
    for title in root.findall(f"{{{_SVG}}}title"):
        title.text = label  # pygal names an untitled chart "Pygal"
    root.set("role", "img")
    root.set("aria-label", label)
    root.set("focusable", "false")
    svg = ET.tostring(root, encoding="unicode")
    assert "<script" not in svg and " style=" not in svg, "a chart must carry no script and no inline style"
    return ChartSvg(svg, "\n".join(css))


# pygal writes coordinates with 15 digits; a tenth of a pixel is plenty, and the
# dashboard must stay small at any library size.
_LONG_NUMBER = re.compile(r"(-?\d+\.\d)\d+")
_GEOMETRY = ("x", "y", "width", "height", "d", "transform", "cx", "cy", "r", "points", "x1", "x2", "y1", "y2")


def _compact(el) -> None:
    for name in _GEOMETRY:
        if name in el.attrib:
            el.set(name, _LONG_NUMBER.sub(r"\1", el.get(name)))
    for name in ("rx", "ry"):
        if el.get(name) == "0":
            del el.attrib[name]
    if "class" in el.attrib:
        classes = [c for c in el.get("class").split() if c != "tooltip-trigger"]
        if classes:
            el.set("class", " ".join(classes))
        else:
            del el.attrib["class"]


def _gaps(values: list[int]) -> list[int | None]:
    # A zero bar is drawn as a flat rectangle: None draws nothing.
    return [v if v else None for v in values]


def integer_ticks(top: float) -> list[int]:
    """Whole-number axis labels for counts (pygal would label 0.2, 0.4 … for small ones).

    >>> integer_ticks(3), integer_ticks(23)
    ([0, 1, 2, 3], [0, 5, 10, 15, 20, 25])
    """
    step = max(1, math.ceil(top / 5))
    step = next((s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000) if s >= step), step)
    return list(range(0, int(math.ceil(max(top, 1) / step)) * step + 1, step))


# pygal cannot place explicit axis labels on a chart without any series (it has no
# scale then): an empty chart keeps pygal's own axis, which says "No data".
def stacked_bar_chart(chart_id: str, label: str, x_labels: list[str], series: list[tuple[str, list[int]]],
                      show_every: int = 1) -> ChartSvg:
    top = max([sum(v[i] for _, v in series) for i in range(len(x_labels))] or [1])
    options = dict(_COMMON, legend_at_bottom_columns=max(1, len(series)))  # one row: pygal clips a second
    chart = pygal.StackedBar(**options, show_legend=len(series) > 1, x_labels_major_every=show_every,
                             show_minor_x_labels=show_every == 1, y_labels=integer_ticks(top) if series else None)
    chart.x_labels = x_labels
    for name, values in series:
        chart.add(name, _gaps(values))
    return _finish(chart, chart_id, label)


def bar_chart(chart_id: str, label: str, x_labels: list[str], series: list[tuple[str, list[int]]],
              show_every: int = 1) -> ChartSvg:
    top = max([x for _, v in series for x in v] or [1])
    chart = pygal.Bar(**_COMMON, show_legend=len(series) > 1, x_labels_major_every=show_every,
                      show_minor_x_labels=show_every == 1, y_labels=integer_ticks(top) if series else None)
    chart.x_labels = x_labels
    for name, values in series:
        chart.add(name, _gaps(values))
    return _finish(chart, chart_id, label)


def horizontal_bar_chart(chart_id: str, label: str, items: list[tuple[str, float]], whole: bool = True) -> ChartSvg:
    # pygal sizes the label column for Latin glyphs; CJK ones are twice as wide, so long
    # labels are cut to LABEL_CHARS and the column gets the difference as margin.
    options = dict(_COMMON, height=max(160, 34 * len(items) + 60), truncate_label=LABEL_CHARS,
                   margin_left=8 + LABEL_CHARS * 6)
    top = max([v for _, v in items] or [1])
    chart = pygal.HorizontalBar(**options, show_legend=False, y_labels=integer_ticks(top) if whole else None)
    # pygal draws the first label at the bottom: reversed, the list reads top-down like the table.
    chart.x_labels = [name for name, _ in reversed(items)]
    chart.add(label, [value for _, value in reversed(items)])
    return _finish(chart, chart_id, label)


def dot_matrix(chart_id: str, label: str, columns: list[str], rows: list[tuple[str, list[int]]]) -> ChartSvg:
    """A heat map as a dot matrix (pygal's Dot chart): one row per scenario, a dot per model,
    its size the count; an empty cell has no dot, which is the gap to see."""
    # One colour: the dot's size is the count, the row label says the scenario (no legend needed).
    style = Style(**{**_STYLE.to_dict(), "colors": (PALETTE[0],) * max(1, len(rows))})
    widest = max([len(name) for name, _ in rows] or [0])
    options = dict(_COMMON, style=style, height=max(200, 36 * len(rows) + 90), margin_left=8 + widest * 6)
    chart = pygal.Dot(**options, show_legend=False)
    chart.x_labels = columns
    for name, values in rows:
        chart.add(name, [v if v else None for v in values])
    return _finish(chart, chart_id, label)
