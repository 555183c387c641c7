"""Server-rendered SVG charts: no CDN, nothing for the CSP to allow. On a job's page they are the fallback that
studio/static/studio/curves.js replaces with interactive uPlot charts drawn from the same points."""

import json
import math

from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from .figures import higher_is_better, metric_name

WIDTH, HEIGHT = 560, 220
MARGIN = {"left": 56, "right": 12, "top": 22, "bottom": 28}
MAX_DRAWN_POINTS = 1000


def _ticks(low, high, count=4):
    if high == low:
        return [low]
    return [low + (high - low) * index / count for index in range(count + 1)]


def _label(value):
    if value == 0:
        return "0"
    magnitude = abs(value)
    return f"{value:.3g}" if 1e-3 <= magnitude < 1e5 else f"{value:.2e}"


# What a trainer logs for bookkeeping: behind "more" on a job's page.
# `train_loss` is the trainer's one average over the whole run, not a curve.
BOOKKEEPING = {"epoch", "total_flos", "step", "train_loss", "train_steps_per_second", "train_samples_per_second"}
BOOKKEEPING_ENDINGS = ("_runtime", "_per_second", "_time", "_flos")


def _rank(name):
    """Loss first, then the held-out metrics (their loss first), the learning rate, the rest; None: bookkeeping."""
    if name in BOOKKEEPING or name.endswith(BOOKKEEPING_ENDINGS):
        return None
    if name == "loss" or name.startswith("loss_"):  # the training loss (a multi-task run's: one per task)
        return 0
    if name.startswith(("eval_", "validation_")):
        return 1 if name.endswith("loss") else 2
    if name == "learning_rate":
        return 3
    return 4


def curves(series):
    """A job's metric series {name: [(step, value)]} as two lists of curves, (first, more): loss, held-out metric
    and learning rate first, bookkeeping (epoch, runtimes, FLOs) in `more`. Each curve is a dict: key, title,
    lower_is_better, steps, values; `series`, those as JSON for the page's script; `chart`, the SVG fallback."""
    first, more = [], []
    for name in sorted(series, key=lambda name: (_rank(name) is None, _rank(name) or 0, name)):
        points = [(step, value) for step, value in series[name] if value is not None and math.isfinite(value)]
        curve = {"key": name, "title": metric_name(name), "lower_is_better": not higher_is_better(name),
                 "steps": [step for step, _ in points], "values": [value for _, value in points]}
        # For the page's script, as an attribute: htmx drops <script> elements (even JSON) from polled fragments.
        curve["series"] = json.dumps({key: curve[key] for key in ("title", "lower_is_better", "steps", "values")})
        curve["chart"] = line_chart(curve["title"], points)
        (more if _rank(name) is None else first).append(curve)
    return first, more


def line_chart(title, points):
    """An SVG line chart of [(step, value), ...]; empty or non-finite points are skipped."""
    points = [(step, value) for step, value in points if value is not None and math.isfinite(value)]
    if not points:
        return format_html('<p class="muted">No points for {} yet.</p>', title)
    if len(points) > MAX_DRAWN_POINTS:
        stride = math.ceil(len(points) / MAX_DRAWN_POINTS)
        points = points[::stride] + ([points[-1]] if (len(points) - 1) % stride else [])
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x_low, x_high = min(xs), max(xs)
    y_low, y_high = min(ys), max(ys)
    if y_high == y_low:
        y_low, y_high = y_low - 1, y_high + 1
    plot_w = WIDTH - MARGIN["left"] - MARGIN["right"]
    plot_h = HEIGHT - MARGIN["top"] - MARGIN["bottom"]

    def sx(x):
        return MARGIN["left"] + (0.5 if x_high == x_low else (x - x_low) / (x_high - x_low)) * plot_w

    def sy(y):
        return MARGIN["top"] + (1 - (y - y_low) / (y_high - y_low)) * plot_h

    path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in points)
    y_ticks = format_html_join(
        "", '<line x1="{}" x2="{}" y1="{}" y2="{}" class="grid"/><text x="{}" y="{}" class="tick" text-anchor="end">{}</text>',
        ((MARGIN["left"], WIDTH - MARGIN["right"], f"{sy(v):.1f}", f"{sy(v):.1f}", MARGIN["left"] - 6, f"{sy(v) + 4:.1f}", _label(v))
         for v in _ticks(y_low, y_high)),
    )
    x_ticks = format_html_join(
        "", '<text x="{}" y="{}" class="tick" text-anchor="middle">{}</text>',
        ((f"{sx(v):.1f}", HEIGHT - 8, _label(round(v))) for v in _ticks(x_low, x_high)),
    )
    last = points[-1]
    return format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{title}: {n} points, last {last}">'
        '<text x="{left}" y="14" class="chart-title">{title}</text>{y_ticks}{x_ticks}'
        '<polyline points="{path}" class="series"/></svg>',
        w=WIDTH, h=HEIGHT, title=title, n=len(points), last=_label(last[1]), left=MARGIN["left"],
        y_ticks=y_ticks, x_ticks=x_ticks, path=mark_safe(path),
    )


def bar_chart(title, bars):
    """A horizontal SVG bar chart of [(name, count), ...], in the order given."""
    if not bars or not any(count for _name, count in bars):
        return format_html('<p class="muted">Nothing to show for {} yet.</p>', title)
    row, label_w, top = 22, 150, 24
    height = top + row * len(bars) + 6
    widest = max(count for _name, count in bars)
    plot_w = WIDTH - label_w - 60
    rows = format_html_join(
        "", '<text x="{}" y="{}" class="tick" text-anchor="end">{}</text>'
            '<rect x="{}" y="{}" width="{}" height="{}" class="bar"/><text x="{}" y="{}" class="tick">{}</text>',
        ((label_w - 6, top + index * row + 14, name[:24], label_w, top + index * row + 3,
          f"{plot_w * count / widest:.1f}", row - 8, f"{label_w + plot_w * count / widest + 4:.1f}",
          top + index * row + 14, count) for index, (name, count) in enumerate(bars)),
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{title}: {summary}">'
        '<text x="{left}" y="14" class="chart-title">{title}</text>{rows}</svg>',
        w=WIDTH, h=height, title=title, left=label_w, rows=rows,
        summary=", ".join(f"{name} {count}" for name, count in bars),
    )


def reliability_chart(title, bins):
    """A reliability diagram: each confidence bin's accuracy against its mean confidence, with the
    diagonal a calibrated model would follow. `bins`: [(low, high, confidence, accuracy, count)]."""
    if not bins:
        return format_html('<p class="muted">Nothing to show for {} yet.</p>', title)
    size, left, top = 240, 56, 28

    def point(x, y):
        return f"{left + x * size:.1f}", f"{top + (1 - y) * size:.1f}"

    dots = format_html_join("", '<circle cx="{}" cy="{}" r="{}" class="series-dot"><title>{}</title></circle>', (
        (*point(confidence, accuracy), f"{2 + min(6, count ** 0.5 / 3):.1f}",
         f"{low:.1f}–{high:.1f}: confidence {confidence:.2f}, accuracy {accuracy:.2f}, {count:,} predictions")
        for low, high, confidence, accuracy, count in bins))
    path = " ".join(f"{x},{y}" for x, y in (point(confidence, accuracy) for _l, _h, confidence, accuracy, _c in bins))
    ticks = [index / 5 for index in range(6)]
    axes = format_html_join("", '<line x1="{}" y1="{}" x2="{}" y2="{}" class="grid"/>'
                                '<text x="{}" y="{}" class="tick" text-anchor="middle">{}</text>'
                                '<text x="{}" y="{}" class="tick" text-anchor="end">{}</text>', (
        (point(tick, 0)[0], point(0, 0)[1], point(tick, 0)[0], f"{float(point(0, 0)[1]) + 4:.1f}",
         point(tick, 0)[0], f"{float(point(0, 0)[1]) + 16:.1f}", f"{tick:.1f}",
         f"{left - 6}", f"{float(point(0, tick)[1]) + 4:.1f}", f"{tick:.1f}") for tick in ticks))
    x0, y0 = point(0, 0)
    x1, y1 = point(1, 1)
    return format_html(
        '<svg class="chart reliability" viewBox="0 0 {w} {h}" role="img" aria-label="{title}: accuracy against '
        'confidence in {n} bins; a calibrated model follows the diagonal">'
        '<text x="{left}" y="16" class="chart-title">{title}</text>'
        '<rect x="{left}" y="{top}" width="{size}" height="{size}" class="frame"/>{axes}'
        '<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y1}" class="diagonal"/>'
        '<text x="{diag_x}" y="{diag_y}" class="tick" text-anchor="end">calibrated</text>'
        '<text x="{mid_x}" y="{bottom}" class="axis-label" text-anchor="middle">Confidence (mean predicted probability)'
        '</text><text x="14" y="{mid_y}" class="axis-label" text-anchor="middle" transform="rotate(-90 14 {mid_y})">'
        'Accuracy</text><polyline points="{path}" class="series"/>{dots}</svg>',
        w=left + size + 20, h=top + size + 48, title=title, n=len(bins), left=left, top=top, size=size, axes=axes,
        x0=x0, y0=y0, x1=x1, y1=y1, diag_x=f"{float(x1) - 4:.1f}", diag_y=f"{float(y1) + 14:.1f}",
        mid_x=left + size / 2, mid_y=top + size / 2, bottom=top + size + 40, path=mark_safe(path), dots=dots,
    )
