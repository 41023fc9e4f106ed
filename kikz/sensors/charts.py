"""Server-rendered SVG charts: line charts (daily totals, hourly profiles) and horizontal bar charts (comparison).

The SVG is plain markup with presentation attributes only (no ``style`` attribute, no script), so it passes the
strict Content-Security-Policy inline in a page and embeds unchanged into the PDF (fpdf2 draws it as vectors).
For pages every chart has ``<title>``/``<desc>`` and ``role="img"``; the data itself is repeated in a table next
to it. Colour is never the only cue: series also differ by dash pattern and are named in the legend.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#0b4f8a", "#b34700", "#1b6e3a", "#6a2c91", "#8f1120", "#4a4f55")
"""At least 4.5:1 against white, so lines and their labels stay readable."""
DASHES = ("", "8 4", "2 3", "10 3 2 3", "4 4", "1 2")
TEXT = "#1b1b1b"
GRID = "#c9ced4"
AXIS = "#5d6670"


@dataclass(frozen=True)
class Style:
    font_family: str = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
    font_size: int = 12
    accessible: bool = True
    """``<title>``/``<desc>`` and ARIA attributes (pages); the PDF renderer does not know these elements."""
    lang: str = "de"


PDF_STYLE = Style(font_family="dejavu", font_size=11, accessible=False)


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    group: str = ""


def number(value: float | None, digits: int = 0, lang: str = "de") -> str:
    """12.345,6 in German, 12,345.6 in English; "–" for no value."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    text = f"{value:,.{digits}f}"
    if lang == "de":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def nice_ticks(maximum: float, count: int = 5) -> list[float]:
    """0 and evenly spaced round values (1, 2, 2.5 or 5 × 10^k) up to at least ``maximum``."""
    if maximum <= 0 or not math.isfinite(maximum):
        return [0.0, 1.0]
    raw = maximum / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    top = math.ceil(maximum / step - 1e-9) * step
    return [i * step for i in range(round(top / step) + 1)]


def _open(width: int, height: int, chart_id: str, title: str, description: str, style: Style) -> list[str]:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{escape(style.font_family)}" font-size="{style.font_size}"'
    )
    if not style.accessible:
        return [head + ">"]
    return [
        head + f' role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" class="chart" id="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def _text(x: float, y: float, content: str, *, anchor: str = "start", fill: str = TEXT, weight: str = "") -> str:
    bold = ' font-weight="bold"' if weight else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}"{bold}>{escape(content)}</text>'


def _style_of(index: int) -> tuple[str, str]:
    return PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]


def _legend(
    items: Sequence[tuple[str, int]], left: float, top: float, width: float, style: Style, *, swatches: bool = False
) -> tuple[list[str], float]:
    """Legend items (label, style index) in rows: line sample or colour swatch, then the label.

    Returns the markup and the height it takes.
    """
    parts: list[str] = []
    x, y = left, top + 10
    for label, index in items:
        item_width = 34 + len(label) * style.font_size * 0.6 + 18
        if x > left and x + item_width > left + width:
            x, y = left, y + 18
        colour, dash = _style_of(index)
        if swatches:
            parts.append(f'<rect x="{x + 14:.1f}" y="{y - 10:.1f}" width="12" height="12" fill="{colour}"/>')
        else:
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 28:.1f}" y2="{y - 4:.1f}" stroke="{colour}" '
                f'stroke-width="3"{dash_attr}/>'
            )
        parts.append(_text(x + 34, y, label))
        x += item_width
    return parts, y - top + 10


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    series: Sequence[Series],
    x_labels: Sequence[tuple[int, str]],
    unit: str,
    width: int = 720,
    height: int = 300,
    markers: bool = False,
    style: Style = Style(),
) -> str:
    """One line per series over the indices 0..n-1; ``None`` values leave gaps; ``x_labels`` mark chosen indices."""
    count = max((len(s.values) for s in series), default=0)
    values = [v for s in series for v in s.values if v is not None]
    ticks = nice_ticks(max(values) if values else 0.0)
    label_width = max(len(number(t, 0, style.lang)) for t in ticks) * style.font_size * 0.62 + 14
    left, right, bottom = max(48.0, label_width), 16.0, 34.0
    legend, legend_height = _legend([(s.label, i) for i, s in enumerate(series)], left, 4, width - left - right, style)
    top = 4 + legend_height + 14
    plot_w, plot_h = width - left - right, height - top - bottom
    out = _open(width, height, chart_id, title, description, style)
    out.extend(legend)
    out.append(_text(4, top - 8, unit, fill=AXIS))

    def y_of(value: float) -> float:
        return top + plot_h - value / ticks[-1] * plot_h

    def x_of(index: int) -> float:
        return left + (index / (count - 1) * plot_w if count > 1 else plot_w / 2)

    for tick in ticks:
        y = y_of(tick)
        out.append(f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{left + plot_w:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        out.append(_text(left - 6, y + 4, number(tick, 0 if ticks[-1] >= 10 else 1, style.lang), anchor="end"))
    base = top + plot_h
    out.append(f'<line x1="{left:.1f}" y1="{base:.1f}" x2="{left + plot_w:.1f}" y2="{base:.1f}" stroke="{AXIS}"/>')
    for index, label in x_labels:
        if 0 <= index < max(count, 1):
            x = x_of(index)
            out.append(f'<line x1="{x:.1f}" y1="{base:.1f}" x2="{x:.1f}" y2="{base + 5:.1f}" stroke="{AXIS}"/>')
            out.append(_text(x, base + 18, label, anchor="middle"))
    for number_, item in enumerate(series):
        colour, dash = _style_of(number_)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        for run in _runs(item.values):
            points = [(x_of(i), y_of(v)) for i, v in run]
            if len(points) > 1:
                coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
                out.append(
                    f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"'
                    f' stroke-linejoin="round"{dash_attr}/>'
                )
            if markers or len(points) == 1:
                out.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/>' for x, y in points)
    if not values:
        out.append(_text(left + plot_w / 2, top + plot_h / 2, "–", anchor="middle", fill=AXIS))
    out.append("</svg>")
    return "\n".join(out)


def _runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    runs: list[list[tuple[int, float]]] = []
    current: list[tuple[int, float]] = []
    for index, value in enumerate(values):
        if value is None or not math.isfinite(value):
            if current:
                runs.append(current)
            current = []
        else:
            current.append((index, value))
    if current:
        runs.append(current)
    return runs


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    bars: Sequence[Bar],
    unit: str,
    width: int = 720,
    groups: Sequence[str] = (),
    style: Style = Style(),
) -> str:
    """Horizontal bars with their value at the end; bars of one group (city) share a colour named in the legend.

    ``groups`` fixes the colour order (so a city keeps its colour across charts); by default the bars' order.
    """
    order = list(dict.fromkeys([*groups, *(b.group for b in bars if b.group)]))
    shown = [(g, order.index(g)) for g in dict.fromkeys(b.group for b in bars if b.group)]
    label_chars = min(36, max((len(b.label) for b in bars), default=10))
    left = 12 + label_chars * style.font_size * 0.58
    right = 80.0
    legend, legend_height = _legend(shown, left, 4, width - left - right, style, swatches=True) if shown else ([], 0.0)
    top = 4 + legend_height + 20
    row = 22
    ticks = nice_ticks(max((b.value for b in bars), default=0.0))
    plot_w = width - left - right
    height = int(top + row * max(len(bars), 1) + 30)
    out = _open(width, height, chart_id, title, description, style)
    out.extend(legend)
    out.append(_text(left, top - 6, unit, fill=AXIS))
    base = top + row * max(len(bars), 1)
    for tick in ticks:
        x = left + tick / ticks[-1] * plot_w
        out.append(f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{base:.1f}" stroke="{GRID}"/>')
        out.append(_text(x, base + 16, number(tick, 0, style.lang), anchor="middle"))
    for index, bar in enumerate(bars):
        y = top + index * row
        colour = _style_of(order.index(bar.group))[0] if bar.group in order else PALETTE[0]
        length = max(bar.value, 0.0) / ticks[-1] * plot_w
        label = bar.label if len(bar.label) <= label_chars else bar.label[: label_chars - 1] + "…"
        out.append(_text(left - 6, y + 15, label, anchor="end"))
        out.append(f'<rect x="{left:.1f}" y="{y + 4:.1f}" width="{length:.1f}" height="{row - 8}" fill="{colour}"/>')
        out.append(_text(left + length + 4, y + 15, number(bar.value, 0, style.lang)))
    out.append(f'<line x1="{left:.1f}" y1="{top:.1f}" x2="{left:.1f}" y2="{base:.1f}" stroke="{AXIS}"/>')
    out.append("</svg>")
    return "\n".join(out)
