"""The report's pages: what a clinician reads first comes first, in large type.

Page 1 holds the walker, the period, the routine and the goal; the figures at a glance
(sessions, minutes, weeks at the goal, reminders, sensor faults, calls for help); the build-up
suggestion and its reason; the two charts; and the table of weeks, which runs on to further
pages for long periods (about forty weeks a page). A period without sessions is one page that
says so.
"""

from __future__ import annotations

from datetime import date
from typing import BinaryIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from kiosk.report import charts, fonts
from kiosk.report.figures import ReportFigures, WeekFigures, months_in

MARGIN = 14 * mm
BODY_PT = 13
TABLE_PT = 11.5
SIDE_BY_SIDE_WEEKS = 6  # up to a month: the two charts share a row, so one page holds it all

BODY = ParagraphStyle("body", fontName=fonts.REGULAR, fontSize=BODY_PT, leading=BODY_PT * 1.3)
TITLE = ParagraphStyle("title", parent=BODY, fontName=fonts.BOLD, fontSize=21, leading=26)
HEADING = ParagraphStyle(
    "heading",
    parent=BODY,
    fontName=fonts.BOLD,
    fontSize=15,
    leading=19,
    spaceBefore=8,
    keepWithNext=True,
)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=TABLE_PT, leading=TABLE_PT * 1.2)
CELL_BOLD = ParagraphStyle("cellbold", parent=CELL, fontName=fonts.BOLD)
HEADER_PT = 10.5
HEADER_CELL = ParagraphStyle(
    "header", parent=CELL_BOLD, fontSize=HEADER_PT, leading=HEADER_PT * 1.15
)
FOOT = ParagraphStyle("foot", parent=BODY, fontSize=10, leading=12, textColor=colors.black)


def render(figures: ReportFigures, out: BinaryIO) -> int:
    """Write the report as a PDF to ``out``; returns its number of pages."""
    fonts.register()
    doc = BaseDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 6 * mm,
        title=f"Backward-walking report: {figures.profile.name}",
        author="balance-kiosk",
        subject=f"{_day(figures.first)} to {_day(figures.last)}",
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body")
    # The footer is drawn when a page ends, so text read back (or aloud) starts at the title.
    doc.addPageTemplates([PageTemplate("page", [frame], onPageEnd=_footer(figures))])
    doc.build(_story(figures, doc.width))
    return doc.page


def page_limit(figures: ReportFigures) -> int:
    """At most one page per calendar month of the period."""
    return months_in(figures.first, figures.last)


def _story(figures: ReportFigures, width: float) -> list[Flowable]:
    story: list[Flowable] = _header(figures)
    if figures.sessions == 0:
        story.append(Spacer(1, 10 * mm))
        story.append(Paragraph("No sessions in this period.", TITLE))
        story.append(Paragraph(_suggestion_words(figures), BODY))
        return story
    story += _at_a_glance(figures, width)
    story += _charts(figures, width)
    story += _week_table(figures, width)
    return story


def _header(figures: ReportFigures) -> list[Flowable]:
    profile = figures.profile
    weeks = len(figures.weeks)
    routines = ", then ".join(figures.routines) or "no sessions in the period"
    lines = [
        f"<b>Backward-walking report</b> for {_day(figures.first)} to {_day(figures.last)} "
        f"({weeks} {'week' if weeks == 1 else 'weeks'}, Monday to Sunday)",
        f"<b>Routine:</b> {fonts.markup(routines)}",
        f"<b>Goal:</b> {profile.goal_minutes} minutes a day on {profile.goal_days} days "
        f"a week ({figures.weekly_goal_minutes} minutes a week)",
    ]
    return [
        Paragraph(fonts.markup(profile.name), TITLE),
        *(Paragraph(line, BODY) for line in lines),
    ]


def _at_a_glance(figures: ReportFigures, width: float) -> list[Flowable]:
    calls = figures.calls
    rows = [
        ("Sessions", f"{figures.sessions} ({figures.completed} completed)"),
        (
            "Minutes walked",
            f"{figures.minutes_walked:.0f} in all, "
            f"{figures.minutes_walked / max(1, len(figures.weeks)):.0f} a week on average",
        ),
        ("Weeks at the goal", f"{figures.weeks_at_goal} of {len(figures.weeks)}"),
        ("Out-of-reach reminders", _reminder_words(figures)),
        ("Sensor faults", _fault_words(figures)),
        (
            "Calls for help",
            f"{calls.requested} asked for by the walker, {calls.called} made in all, "
            f"{calls.answered} answered",
        ),
        ("Build-up", _suggestion_words(figures)),
    ]
    cells = [[Paragraph(k, CELL_BOLD), Paragraph(v, CELL)] for k, v in rows]
    table = Table(cells, colWidths=[48 * mm, width - 48 * mm], hAlign="LEFT")
    table.setStyle(_grid())
    return [Paragraph("At a glance", HEADING), table]


def _reminder_words(figures: ReportFigures) -> str:
    if figures.reminders == 0:
        return "none"
    longest = _duration(figures.longest_out_of_reach_s)
    when = f" (on {_day(figures.longest_on)})" if figures.longest_on else ""
    return (
        f"{figures.reminders}, {_duration(figures.seconds_out_of_reach)} out of reach in all; "
        f"longest {longest}{when}"
    )


def _fault_words(figures: ReportFigures) -> str:
    if figures.faults == 0 and figures.ended_by_fault == 0:
        return "none"
    ended = figures.ended_by_fault
    return f"{figures.faults}; {ended} {'session' if ended == 1 else 'sessions'} ended by one"


def _suggestion_words(figures: ReportFigures) -> str:
    """The kiosk's build-up rule in its own words, as of the period's end."""
    s = figures.suggestion
    verdict = f"<b>Try level {s.next_level}.</b> " if s.suggest else ""
    return f"{verdict}{s.reason} (from the sessions up to {_day(figures.last)})"


def _charts(figures: ReportFigures, width: float) -> list[Flowable]:
    heading = Paragraph("Minutes each week, against the weekly goal; and the trend", HEADING)
    trend = Paragraph(_trend_words(figures), BODY)
    if len(figures.weeks) <= SIDE_BY_SIDE_WEEKS:
        half = (width - 6 * mm) / 2
        pair = Table(
            [[charts.adherence_chart(figures, half, 165), charts.trend_chart(figures, half, 165)]],
            colWidths=[half + 6 * mm, half],
            style=[("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)],
        )
        return [heading, pair, trend]
    return [
        heading,
        charts.adherence_chart(figures, width, 190),
        KeepTogether([charts.trend_chart(figures, width, 170), trend]),
    ]


def _trend_words(figures: ReportFigures) -> str:
    fit = charts.trend_line(figures.weeks)
    if fit is None:
        return "Trend: too few whole weeks in the period to draw one."
    start, end = (max(0.0, v) for v in fit)
    if abs(end - start) < 1:
        return f"Trend: steady at about {start:.0f} minutes a week."
    way = "rose" if end > start else "fell"
    return f"Trend: walking time {way} from about {start:.0f} to {end:.0f} minutes a week."


WEEK_COLUMNS = (
    "Week of",
    "Sessions",
    "Minutes",
    "Days walked",
    "Days at goal",
    "Goal met",
    "Reminders",
    "Longest out of reach",
    "Faults",
)
PAD = 4  # points either side of a cell's text


def _week_table(figures: ReportFigures, width: float) -> list[Flowable]:
    rows = [_week_row(week) for week in figures.weeks]
    header = [Paragraph(name, HEADER_CELL) for name in WEEK_COLUMNS]
    table = Table([header, *rows], colWidths=_column_widths(rows, width), repeatRows=1)
    table.setStyle(_grid(font=True))
    flowables: list[Flowable] = [Paragraph("Week by week", HEADING), table]
    if any(week.partial for week in figures.weeks):
        note = "* Part of this week lies outside the period: only its days inside count."
        flowables.append(Paragraph(note, CELL))
    return flowables


def _week_row(week: WeekFigures) -> list[str]:
    w = week.summary
    return [
        f"{_day(w.monday)}{' *' if week.partial else ''}",
        str(w.sessions),
        f"{w.minutes_walked:.0f}",
        str(w.days_walked),
        str(w.days_at_goal),
        "yes" if w.goal_met else "no",
        str(week.reminders),
        _duration(week.longest_out_of_reach_s) if week.reminders else "-",
        str(week.faults),
    ]


def _column_widths(rows: list[list[str]], width: float) -> list[float]:
    """Each column as wide as its longest header word or cell, the room left shared out."""
    needed = []
    for i, name in enumerate(WEEK_COLUMNS):
        words = [stringWidth(word, fonts.BOLD, HEADER_PT) for word in name.split()]
        cells = [stringWidth(row[i], fonts.REGULAR, TABLE_PT) for row in rows]
        needed.append(max(words + cells) + 2 * PAD + 1)
    spare = (width - sum(needed)) / len(needed)
    return [n + spare for n in needed]


def _grid(font: bool = False) -> TableStyle:
    commands: list[tuple] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if font:
        commands += [
            ("FONT", (0, 1), (-1, -1), fonts.REGULAR, TABLE_PT),
            ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.88, 0.88, 0.88)),
            ("LEFTPADDING", (0, 0), (-1, -1), PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
        ]
    return TableStyle(commands)


def _footer(figures: ReportFigures):
    words = (
        f"{fonts.markup(figures.profile.name)}: {_day(figures.first)} to {_day(figures.last)}, "
        f"from the kiosk's session log on {_day(figures.made_at.date())}."
    )

    def draw(canvas, doc) -> None:
        canvas.saveState()
        foot = Paragraph(f"{words} Page {doc.page}.", FOOT)
        _, height = foot.wrap(doc.width, MARGIN)
        foot.drawOn(canvas, doc.leftMargin, MARGIN - height + 2 * mm)
        canvas.restoreState()

    return draw


def _day(day: date | None) -> str:
    return "" if day is None else f"{day.day} {day:%b %Y}"


def _duration(seconds: float) -> str:
    """Whole seconds under a minute, else minutes and seconds: "45 s", "3 min 20 s"."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    return f"{whole // 60} min {whole % 60} s" if whole % 60 else f"{whole // 60} min"
