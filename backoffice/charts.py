"""Server-side SVG charts for the admin: plain strings, no JavaScript, nothing from a CDN.

Every piece of text that goes into the SVG is escaped here, so the caller may mark the result safe.
Text uses `currentColor`, so the chart follows the admin's light or dark theme.
"""

import math
from html import escape

from backoffice import messages

PALETTE = ("#417690", "#e8a33d", "#79aec8", "#b4475a", "#5b8c5a")
HEIGHT = 288
PLOT_TOP = 56  # title and legend above
PLOT_HEIGHT = 200
PAD_LEFT = 48  # y-axis labels
PAD_RIGHT = 16
PLOT_TARGET_WIDTH = 840  # a short range fills this; a long one scrolls
MIN_GROUP_WIDTH = 12
MAX_GROUP_WIDTH = 72
LABEL_WIDTH = 40  # room an x-axis label needs


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def nice_step(maximum: int, ticks: int = 5) -> int:
    """An integer tick step of 1, 2 or 5 × 10^k so that about `ticks` steps cover `maximum`."""
    if maximum <= ticks:
        return 1
    raw = maximum / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    return int(next(factor * magnitude for factor in (1, 2, 5, 10) if factor * magnitude >= raw))


def grouped_bar_chart(
    *,
    title: str,
    labels: list[str],
    series: list[tuple[str, list[int]]],
    description: str = "",
    chart_id: str = "chart",
) -> str:
    """A grouped bar chart: one group per label, one bar per series in each group (a bar of 0 is
    drawn with height 0, so every group always has one bar per series). Each bar carries a <title>
    with its label, series name and value (a tooltip, and text for screen readers)."""
    count = len(labels)
    group_width = max(MIN_GROUP_WIDTH, min(MAX_GROUP_WIDTH, PLOT_TARGET_WIDTH // max(count, 1)))
    plot_width = group_width * count
    legend = []  # (x, name, color); CJK glyphs are about one em wide
    legend_x = PAD_LEFT
    for index, (name, _) in enumerate(series):
        legend.append((legend_x, name, PALETTE[index % len(PALETTE)]))
        legend_x += 14 + 12 * len(name) + 16
    width = max(PAD_LEFT + plot_width, legend_x) + PAD_RIGHT  # a short range still shows the whole legend
    bottom = PLOT_TOP + PLOT_HEIGHT
    maximum = max((value for _, values in series for value in values), default=0)
    step = nice_step(maximum)
    top_value = max(step, step * math.ceil(maximum / step))
    scale = PLOT_HEIGHT / top_value
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" viewBox="0 0 {width} {HEIGHT}" '
        f'role="img" aria-labelledby="{_text(title_id)} {_text(desc_id)}" font-family="sans-serif" font-size="11">',
        f'<title id="{_text(title_id)}">{_text(title)}</title>',
        f'<desc id="{_text(desc_id)}">{_text(description)}</desc>',
        f'<text x="{PAD_LEFT}" y="18" font-size="13" font-weight="bold" fill="currentColor">{_text(title)}</text>',
    ]
    for x, name, color in legend:
        parts.append(f'<rect class="legend" x="{x}" y="28" width="10" height="10" fill="{color}"/>')
        parts.append(f'<text x="{x + 14}" y="37" fill="currentColor">{_text(name)}</text>')

    for tick in range(0, top_value + 1, step):
        y = bottom - tick * scale
        parts.append(
            f'<line x1="{PAD_LEFT}" y1="{_number(y)}" x2="{PAD_LEFT + plot_width}" y2="{_number(y)}" '
            f'stroke="currentColor" stroke-opacity="{0.5 if tick == 0 else 0.12}"/>'
        )
        parts.append(
            f'<text x="{PAD_LEFT - 6}" y="{_number(y + 4)}" text-anchor="end" fill="currentColor">{tick}</text>'
        )

    bar_width = max(1.0, (group_width - 4) / max(len(series), 1))
    label_every = max(1, math.ceil(LABEL_WIDTH / group_width))
    for position, label in enumerate(labels):
        group_x = PAD_LEFT + position * group_width + 2
        parts.append(f'<g class="group" data-label="{_text(label)}">')
        for index, (name, values) in enumerate(series):
            value = values[position]
            height = value * scale
            parts.append(
                f'<rect class="bar" x="{_number(group_x + index * bar_width)}" y="{_number(bottom - height)}" '
                f'width="{_number(bar_width)}" height="{_number(height)}" fill="{PALETTE[index % len(PALETTE)]}">'
                f"<title>{_text(messages.CHART_BAR_TITLE.format(day=label, series=name, value=value))}</title></rect>"
            )
        parts.append("</g>")
        if position % label_every == 0:
            x = PAD_LEFT + position * group_width + group_width / 2
            parts.append(
                f'<text x="{_number(x)}" y="{bottom + 16}" text-anchor="middle" fill="currentColor">'
                f"{_text(label)}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)
