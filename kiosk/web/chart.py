"""Charts drawn on the server as SVG: no script, no library, readable without colour.

A session's chart shows the distance over time, the reach line, and the spans when the walker
was out of reach (hatched, and numbered as in the list under the chart) or the sensor failed
(dotted). A walker's weekly chart shows minutes per week as bars, each with its figure, against
a dashed goal line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from markupsafe import Markup

from kiosk.log.queries import Event, Sample, SessionDetail, WeeklySummary
from kiosk.vocabulary import EventKind

WIDTH, HEIGHT = 600, 300
LEFT, RIGHT, TOP, BOTTOM = 62, 16, 34, 44
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
FONT = 17

_DEFS = (
    "<defs>"
    '<pattern id="hatch" width="10" height="10" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="10" height="10" class="band"/>'
    '<line x1="0" y1="0" x2="0" y2="10" class="hatch"/></pattern>'
    '<pattern id="dots" width="8" height="8" patternUnits="userSpaceOnUse">'
    '<rect width="8" height="8" class="band"/><circle cx="4" cy="4" r="1.6" class="dot"/>'
    "</pattern></defs>"
)


def fault_spans(events: Iterable[Event], end_ms: int) -> list[tuple[int, int]]:
    """(fault_on, fault_off or the end) for each sensor fault, in time order."""
    spans, on = [], None
    for e in events:
        if e.kind == EventKind.FAULT_ON and on is None:
            on = e.t
        elif e.kind == EventKind.FAULT_OFF and on is not None:
            spans.append((on, e.t))
            on = None
    if on is not None:
        spans.append((on, max(on, end_ms)))
    return spans


def session_end_ms(detail: SessionDetail) -> int:
    s = detail.session
    if s.ended_at is not None:
        return s.ended_at
    times = [x.t for x in detail.samples] + [e.t for e in detail.events]
    return max(times, default=s.started_at + 1000)


def session_chart(detail: SessionDetail, reach_mm: int) -> Markup:
    start = detail.session.started_at
    span_ms = max(1000, session_end_ms(detail) - start)
    readings = [s.distance_mm for s in detail.samples if s.distance_mm is not None]
    full_mm = _full_scale(max(readings, default=0), reach_mm)

    def x(t: int) -> float:
        return LEFT + PLOT_W * min(max(t - start, 0), span_ms) / span_ms

    def y(mm: float) -> float:
        return TOP + PLOT_H * (1 - min(mm, full_mm) / full_mm)

    parts = [_svg_open(_chart_title(detail, reach_mm)), _DEFS]
    parts += _bands(detail.alarm_spans, x, "hatch", numbered=True)
    parts += _bands(fault_spans(detail.events, start + span_ms), x, "dots", numbered=False)
    parts += _y_axis(full_mm, y)
    parts += _x_axis(span_ms)
    parts += [_distance_line(detail.samples, x, y)]
    reach_y = y(reach_mm)
    parts.append(
        f'<line x1="{LEFT}" y1="{reach_y:.1f}" x2="{WIDTH - RIGHT}" y2="{reach_y:.1f}" '
        'class="reach"/>'
        f'<text x="{WIDTH - RIGHT - 4}" y="{reach_y - 6:.1f}" text-anchor="end" '
        f'class="label">reach {reach_mm} mm</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def _full_scale(largest_mm: int, reach_mm: int) -> int:
    wanted = max(1200, reach_mm + 300, min(largest_mm, 2000))
    return int(-(-wanted // 300) * 300)


def _svg_open(title: str) -> str:
    return (
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'class="chart" font-size="{FONT}"><title>{escape(title)}</title>'
    )


def _chart_title(detail: SessionDetail, reach_mm: int) -> str:
    n = len(detail.alarm_spans)
    return (
        f"Distance from the support over the session, with the reach line at {reach_mm} mm; "
        f"{n} time{'s' if n != 1 else ''} out of reach, shown as hatched bands."
    )


def _bands(spans: Sequence[tuple[int, int]], x, pattern: str, *, numbered: bool) -> list[str]:
    parts = []
    for number, (on, off) in enumerate(spans, start=1):
        left, right = x(on), x(off)
        width = max(3.0, right - left)
        parts.append(
            f'<rect x="{left:.1f}" y="{TOP}" width="{width:.1f}" height="{PLOT_H}" '
            f'fill="url(#{pattern})" class="band-edge"/>'
        )
        label = str(number) if numbered else "fault"
        parts.append(
            f'<text x="{left + width / 2:.1f}" y="{TOP - 8}" text-anchor="middle" '
            f'class="label">{label}</text>'
        )
    return parts


def _y_axis(full_mm: int, y) -> list[str]:
    parts = [f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + PLOT_H}" class="axis"/>']
    for mm in range(0, full_mm + 1, 300):
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(mm) + 5:.1f}" text-anchor="end" class="tick">{mm}</text>'
            f'<line x1="{LEFT}" y1="{y(mm):.1f}" x2="{WIDTH - RIGHT}" y2="{y(mm):.1f}" '
            'class="grid"/>'
        )
    parts.append(f'<text x="4" y="{TOP - 12}" class="tick">mm</text>')
    return parts


def _x_axis(span_ms: int) -> list[str]:
    """Ticks in seconds for a walk of two minutes or less, else in minutes; six at most."""
    bottom = TOP + PLOT_H
    parts = [f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" class="axis"/>']
    seconds = span_ms / 1000
    unit, per = ("seconds", 1) if seconds <= 120 else ("minutes", 60)
    length = seconds / per
    steps = (5, 10, 15, 30, 60) if per == 1 else (0.5, 1, 2, 5, 10, 15, 30, 60)
    step = next((s for s in steps if length / s <= 6), 120)
    tick = 0.0
    while tick <= length + 1e-9:
        tx = LEFT + PLOT_W * tick / length
        parts.append(
            f'<text x="{tx:.1f}" y="{bottom + 22}" text-anchor="middle" class="tick">'
            f"{tick:g}</text>"
        )
        tick += step
    parts.append(
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 2}" text-anchor="end" class="tick">{unit}</text>'
    )
    return parts


def _distance_line(samples: Sequence[Sample], x, y) -> str:
    """The readings as lines broken where there was none, at most two points a pixel."""
    runs: list[list[str]] = [[]]
    buckets: dict[int, tuple[int, int]] = {}
    order: list[int] = []
    for s in samples:
        if s.distance_mm is None:
            _flush(buckets, order, runs, y)
            runs.append([])
            continue
        column = int(x(s.t))
        low, high = buckets.get(column, (s.distance_mm, s.distance_mm))
        if column not in buckets:
            order.append(column)
        buckets[column] = (min(low, s.distance_mm), max(high, s.distance_mm))
    _flush(buckets, order, runs, y)
    lines = [
        f'<polyline points="{" ".join(run)}" class="distance"/>' for run in runs if len(run) > 1
    ]
    return "".join(lines)


def _flush(buckets: dict[int, tuple[int, int]], order: list[int], runs, y) -> None:
    for column in order:
        low, high = buckets[column]
        runs[-1].append(f"{column},{y(high):.1f}")
        if low != high:
            runs[-1].append(f"{column},{y(low):.1f}")
    buckets.clear()
    order.clear()


def weekly_chart(summary: WeeklySummary) -> Markup:
    """Minutes walked each week (bars with their figure) against the weekly goal (dashed)."""
    weeks = summary.weeks
    goal = summary.profile.goal_minutes * summary.profile.goal_days
    top = max([goal * 1.25, *(w.minutes_walked for w in weeks), 1.0])
    title = (
        f"Minutes walked per week by {summary.profile.name}, against a goal of {goal} minutes "
        "(dashed line)"
    )
    parts = [_svg_open(title)]
    slot = PLOT_W / max(1, len(weeks))
    bottom = TOP + PLOT_H
    for i, week in enumerate(weeks):
        height = PLOT_H * week.minutes_walked / top
        left = LEFT + i * slot + slot * 0.15
        parts.append(
            f'<rect x="{left:.1f}" y="{bottom - height:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{height:.1f}" class="{"bar-met" if week.goal_met else "bar"}"/>'
            f'<text x="{left + slot * 0.35:.1f}" y="{bottom - height - 6:.1f}" '
            f'text-anchor="middle" class="label">{week.minutes_walked:.0f}</text>'
        )
        if i % max(1, round(len(weeks) / 6)) == 0:
            parts.append(
                f'<text x="{left + slot * 0.35:.1f}" y="{bottom + 22}" text-anchor="middle" '
                f'class="tick">{week.monday.day} {week.monday:%b}</text>'
            )
    goal_y = bottom - PLOT_H * goal / top
    parts.append(
        f'<line x1="{LEFT}" y1="{goal_y:.1f}" x2="{WIDTH - RIGHT}" y2="{goal_y:.1f}" '
        'class="goal"/>'
        f'<text x="{LEFT + 4}" y="{goal_y - 6:.1f}" class="label">goal {goal} min</text>'
        f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" class="axis"/>'
        "</svg>"
    )
    return Markup("".join(parts))
