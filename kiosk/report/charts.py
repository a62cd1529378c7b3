"""The report's two charts, drawn with reportlab graphics and readable on a black-and-white
printer: weeks at the goal are solid, weeks short of it hatched, the goal a dashed line, and
every mark is named in a legend or a label, never by colour alone."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

from reportlab.graphics.shapes import Circle, Drawing, Group, Hatching, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from kiosk.report.figures import ReportFigures, WeekFigures
from kiosk.report.fonts import REGULAR

LABEL_PT = 11
INK = colors.black
GREY = colors.Color(0.35, 0.35, 0.35)
LEFT, BOTTOM = 44, 20  # room for the axis labels
LEGEND_ROW_PT = 16
FEW_WEEKS = 14  # up to this many weeks every bar gets its own labels


def adherence_chart(figures: ReportFigures, width: float, height: float) -> Drawing:
    """Minutes walked each week as bars, against the weekly goal as a dashed line."""
    weeks = figures.weeks
    goal, p = figures.weekly_goal_minutes, figures.profile
    top = _nice_top(max([goal * 1.2] + [w.summary.minutes_walked for w in weeks]))
    legend = [
        (_bar(0, 0, 12, 11, True), f"goal met ({p.goal_days} days of {p.goal_minutes} min)"),
        (_bar(0, 0, 12, 11, False), "not met"),
        (_dash_sample(), f"{goal} min a week"),
    ]
    drawing, plot = _frame(width, height, top, legend)
    slot = plot.width / max(1, len(weeks))
    for i, week in enumerate(weeks):
        x = plot.x + i * slot + slot * 0.15
        bar_height = plot.height * week.summary.minutes_walked / top
        drawing.add(_bar(x, plot.y, slot * 0.7, bar_height, week.summary.goal_met))
        if len(weeks) <= FEW_WEEKS and week.summary.sessions:
            label = f"{week.summary.minutes_walked:.0f}"
            drawing.add(_text(x + slot * 0.35, plot.y + bar_height + 3, label, "middle"))
    _week_labels(drawing, plot, weeks)
    goal_y = plot.y + plot.height * goal / top
    drawing.add(Line(plot.x, goal_y, plot.right, goal_y, strokeWidth=2, strokeDashArray=[6, 3]))
    return drawing


def trend_chart(figures: ReportFigures, width: float, height: float) -> Drawing:
    """Minutes walked each week as a line of dots, and the straight-line trend through them."""
    weeks = figures.weeks
    values = [w.summary.minutes_walked for w in weeks]
    top = _nice_top(max([figures.weekly_goal_minutes * 1.2, *values]))
    legend = [(_dot_sample(), "minutes each week"), (_dash_sample(), "straight-line trend")]
    if any(w.partial for w in weeks):
        legend.append((_dot_sample(hollow=True), "part of a week"))
    drawing, plot = _frame(width, height, top, legend)
    slot = plot.width / max(1, len(weeks))
    points = [
        (plot.x + (i + 0.5) * slot, plot.y + plot.height * v / top) for i, v in enumerate(values)
    ]
    whole = [p for p, w in zip(points, weeks, strict=True) if not w.partial]
    if len(whole) > 1:
        drawing.add(PolyLine(_flat(whole), strokeColor=INK, strokeWidth=1.5))
    for (x, y), week in zip(points, weeks, strict=True):
        fill = colors.white if week.partial else INK
        drawing.add(Circle(x, y, 3.5, fillColor=fill, strokeColor=INK, strokeWidth=1.2))
    fit = trend_line(weeks)
    if fit is not None:
        start, end = fit
        y0 = plot.y + plot.height * max(0.0, start) / top
        y1 = plot.y + plot.height * max(0.0, end) / top
        drawing.add(
            Line(points[0][0], y0, points[-1][0], y1, strokeWidth=2.5, strokeDashArray=[8, 4])
        )
    _week_labels(drawing, plot, weeks)
    return drawing


def trend_line(weeks: Sequence[WeekFigures]) -> tuple[float, float] | None:
    """(minutes at the first week, minutes at the last) on the least-squares line through the
    weeks wholly inside the period; None when fewer than two such weeks."""
    full = [(i, w.summary.minutes_walked) for i, w in enumerate(weeks) if not w.partial]
    if len(full) < 2:
        return None
    n = len(full)
    mean_x = sum(i for i, _ in full) / n
    mean_y = sum(v for _, v in full) / n
    spread = sum((i - mean_x) ** 2 for i, _ in full)
    slope = sum((i - mean_x) * (v - mean_y) for i, v in full) / spread
    at = lambda i: mean_y + slope * (i - mean_x)  # noqa: E731
    return at(0), at(len(weeks) - 1)


# ------------------------------------------------------------------ pieces


class _Plot:
    def __init__(self, x: float, y: float, width: float, height: float) -> None:
        self.x, self.y, self.width, self.height = x, y, width, height
        self.right = x + width


def _frame(
    width: float, height: float, top: float, legend: list[tuple[Group, str]]
) -> tuple[Drawing, _Plot]:
    """A drawing with its legend above and its value axis: grid lines at four round steps,
    each labelled."""
    drawing = Drawing(width, height)
    rows = _legend_rows(width, legend)
    _draw_legend(drawing, rows)
    room_above = len(rows) * LEGEND_ROW_PT + LABEL_PT + 12
    plot = _Plot(LEFT, BOTTOM, width - LEFT - 6, height - BOTTOM - room_above)
    for i in range(5):
        y = plot.y + plot.height * i / 4
        drawing.add(Line(plot.x, y, plot.right, y, strokeColor=GREY, strokeWidth=0.4))
        drawing.add(_text(plot.x - 4, y - 4, f"{top * i / 4:g}", "end"))
    drawing.add(_text(2, plot.y + plot.height + 10, "minutes", "start"))
    drawing.add(Line(plot.x, plot.y, plot.right, plot.y, strokeColor=INK, strokeWidth=1))
    return drawing, plot


def _bar(x: float, y: float, width: float, height: float, solid: bool) -> Group:
    group = Group()
    if height <= 0:
        return group
    fill = INK if solid else colors.white
    group.add(Rect(x, y, width, height, fillColor=fill, strokeColor=INK, strokeWidth=1))
    if not solid:
        corners = [x, y, x + width, y, x + width, y + height, x, y + height]
        group.add(Hatching(spacings=3.5, angles=45, xyLists=corners, strokeWidth=0.7))
    return group


def _week_labels(drawing: Drawing, plot: _Plot, weeks: Sequence[WeekFigures]) -> None:
    """Each week's Monday when there are few weeks; else the month under its first week,
    with the year on the first label and on January's, and none crowding the one before."""
    slot = plot.width / max(1, len(weeks))
    shown_month, free_from = None, 0.0
    for i, week in enumerate(weeks):
        monday = week.summary.monday
        thursday = monday + timedelta(days=3)  # an ISO week belongs to its Thursday's month
        x = plot.x + (i + 0.5) * slot
        if len(weeks) <= FEW_WEEKS:
            label = f"{monday.day} {monday:%b}"
        elif (thursday.year, thursday.month) != shown_month:
            label = f"{thursday:%b %Y}" if thursday.month == 1 or i == 0 else f"{thursday:%b}"
            shown_month = (thursday.year, thursday.month)
        else:
            continue
        half = stringWidth(label, REGULAR, LABEL_PT) / 2
        if x - half < free_from:
            continue
        drawing.add(_text(x, plot.y - LABEL_PT - 4, label, "middle"))
        free_from = x + half + 4


def _legend_rows(width: float, entries: list[tuple[Group, str]]) -> list[list[tuple]]:
    """The legend's entries placed in rows that fit ``width``: [(sample, words, x), ...]."""
    rows: list[list[tuple]] = [[]]
    x = LEFT
    for sample, words in entries:
        room = 24 + stringWidth(words, REGULAR, LABEL_PT)
        if rows[-1] and x + room > width:
            rows.append([])
            x = LEFT
        rows[-1].append((sample, words, x))
        x += room + 14
    return rows


def _draw_legend(drawing: Drawing, rows: list[list[tuple]]) -> None:
    for n, row in enumerate(rows):
        y = drawing.height - (n + 1) * LEGEND_ROW_PT
        for sample, words, x in row:
            sample.translate(x, y)
            drawing.add(sample)
            drawing.add(_text(x + 20, y + 1, words, "start"))


def _dash_sample() -> Group:
    return Group(Line(0, 5, 14, 5, strokeWidth=2, strokeDashArray=[4, 2]))


def _dot_sample(hollow: bool = False) -> Group:
    if hollow:
        return Group(Circle(7, 5, 3.5, fillColor=colors.white, strokeColor=INK, strokeWidth=1.2))
    return Group(Line(0, 5, 14, 5, strokeWidth=1.5), Circle(7, 5, 3.5, fillColor=INK))


def _text(x: float, y: float, words: str, anchor: str) -> String:
    return String(x, y, words, fontName=REGULAR, fontSize=LABEL_PT, textAnchor=anchor)


def _flat(points: list[tuple[float, float]]) -> list[float]:
    return [c for point in points for c in point]


def _nice_top(value: float) -> float:
    """The axis' top: a round number at or above ``value``, in four round steps."""
    if value <= 0:
        return 4.0
    magnitude = 10 ** math.floor(math.log10(value / 4))
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude * 4 >= value:
            return step * magnitude * 4
    return 40 * magnitude
