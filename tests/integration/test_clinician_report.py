"""The clinician's PDF, read back as a clinician reads it: the numbers on its pages, its page
count, the names in their own letters; made from a real session log."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pypdf
import pytest

from kiosk.log import queries as q
from kiosk.log.store import SessionStore
from kiosk.report import fonts as report_fonts
from kiosk.report import write_atomically, write_report

MIN_MS = 60_000
DATE_CELL = re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4}( \*)?$")
WEEK_COLUMNS = 9


def ms(day: date, hour: int = 10, minute: int = 0) -> int:
    return int(datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC).timestamp() * 1000)


def walk(
    store: SessionStore,
    walker: int,
    day: date,
    minutes: float,
    *,
    away_s: tuple[float, ...] = (),
    level: int = 1,
    ending: str = "completed",
    extra: tuple[str, ...] = (),
) -> int:
    """One session on `day` at 10:00 UTC: `minutes` walked, one reminder per `away_s`."""
    start = ms(day)
    session = store.start_session(walker, "beginner", level, t_ms=start)
    for i, seconds in enumerate(away_s):
        on = start + (i + 1) * MIN_MS
        store.record_event(session, "alarm_on", distance_mm=900, t_ms=on)
        store.record_event(session, "alarm_off", distance_mm=400, t_ms=on + int(seconds * 1000))
    for kind in extra:
        store.record_event(session, kind, t_ms=start + 30_000)
    end = start + int(minutes * MIN_MS)
    store.end_session(session, ending, seconds_walking=minutes * 60, seconds_paused=0, t_ms=end)
    return session


@pytest.fixture
def store(tmp_path):
    opened = SessionStore.open(tmp_path / "sessions.db")
    yield opened
    opened.close()


def report(
    store: SessionStore, walker: int, first: date, last: date, now: date | None = None
) -> tuple[list[str], int]:
    """(the text of each page, the page count) of the walker's report, written to memory."""
    store.flush()
    out = io.BytesIO()
    now_ms = ms(now or last + timedelta(days=30))
    with store.reading() as conn:
        profile = q.profile_by_id(conn, walker)
        written = write_report(conn, profile, first, last, out, tz=UTC, now_ms=now_ms)
    reader = pypdf.PdfReader(io.BytesIO(out.getvalue()))
    assert written.pages == len(reader.pages)
    return [page.extract_text() for page in reader.pages], len(reader.pages)


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def week_rows(pages: list[str]) -> dict[str, list[str]]:
    """The week-by-week table: {"2 Mar 2026": [sessions, minutes, ..., faults]}."""
    rows = {}
    for page in pages:
        cells = lines(page)
        for i, cell in enumerate(cells):
            if DATE_CELL.match(cell) and i + WEEK_COLUMNS <= len(cells):
                rows[cell] = cells[i + 1 : i + WEEK_COLUMNS]
    return rows


# ------------------------------------------------------------------ two weeks in March


@pytest.fixture
def march(store) -> int:
    """Zoë (10 minutes on 3 days a week): a first week at the goal, a second short of it."""
    zoe = store.add_profile("Zoë", goal_minutes=10, goal_days=3)
    walk(store, zoe, date(2026, 3, 2), 12, away_s=(5, 20))
    walk(store, zoe, date(2026, 3, 3), 11)
    walk(store, zoe, date(2026, 3, 4), 13, extra=("fault_on", "fault_off"))
    walk(store, zoe, date(2026, 3, 10), 8, away_s=(45,), extra=("help_requested", "escalated"))
    walk(store, zoe, date(2026, 3, 11), 10, extra=("escalated", "acknowledged"))
    walk(store, zoe, date(2026, 2, 27), 30)  # before the period: counted nowhere
    walk(store, zoe, date(2026, 3, 16), 30)  # after it
    return zoe


def test_the_weeks_show_sessions_minutes_days_and_the_goal(store, march):
    pages, _ = report(store, march, date(2026, 3, 2), date(2026, 3, 15))
    rows = week_rows(pages)
    #                        sessions minutes walked at-goal met reminders longest faults
    assert rows["2 Mar 2026"] == ["3", "36", "3", "3", "yes", "2", "20 s", "1"]
    assert rows["9 Mar 2026"] == ["2", "18", "2", "1", "no", "1", "45 s", "0"]
    assert list(rows) == ["2 Mar 2026", "9 Mar 2026"]  # whole weeks: no part-week marks


def test_page_one_gives_the_totals_reminders_faults_and_calls(store, march):
    pages, count = report(store, march, date(2026, 3, 2), date(2026, 3, 15))
    assert count == 1
    first = " ".join(lines(pages[0]))
    assert first.startswith("Zoë Backward-walking report for 2 Mar 2026 to 15 Mar 2026")
    assert "Goal: 10 minutes a day on 3 days a week (30 minutes a week)" in first
    assert "Routine: beginner, level 1" in first
    assert "Sessions 5 (5 completed)" in first
    assert "Minutes walked 54 in all, 27 a week on average" in first
    assert "Weeks at the goal 1 of 2" in first
    assert "3, 1 min 10 s out of reach in all; longest 45 s (on 10 Mar 2026)" in first
    assert "Sensor faults 1; 0 sessions ended by one" in first
    assert "Calls for help 1 asked for by the walker, 2 made in all, 1 answered" in first
    assert "weekly goal; and the trend" in first and "30 min a week" in first


def test_the_build_up_suggestion_is_the_kiosks_rule_at_the_periods_end(store, march):
    pages, _ = report(store, march, date(2026, 3, 2), date(2026, 3, 15))
    first = " ".join(lines(pages[0]))
    assert "Try level 2. The last 3 sessions at level 1 were completed" in first
    assert "(from the sessions up to 15 Mar 2026)" in first
    # Up to 3 March, the three newest sessions include 2 March's two reminders.
    pages, _ = report(store, march, date(2026, 3, 2), date(2026, 3, 3))
    first = " ".join(lines(pages[0]))
    assert "Stay at level 1: the session on 02 Mar needed 2 reminders." in first
    assert "Try level" not in first


def test_a_stopped_session_holds_the_suggestion_back_and_says_why(store):
    ann = store.add_profile("Ann")
    for day in (1, 2, 3):
        walk(store, ann, date(2026, 4, day), 10, level=2)
    walk(store, ann, date(2026, 4, 4), 4, level=2, ending="stopped")
    pages, _ = report(store, ann, date(2026, 4, 1), date(2026, 4, 10))
    first = " ".join(lines(pages[0]))
    assert "Stay at level 2: the session on 04 Apr was stopped before the end" in first
    assert "Try level" not in first


def test_the_trend_is_told_in_words_beside_its_chart(store):
    ben = store.add_profile("Ben", goal_minutes=5, goal_days=2)
    for week in range(4):  # 10, 20, 30, 40 minutes a week
        monday = date(2026, 6, 1) + timedelta(weeks=week)
        walk(store, ben, monday, 5 * (week + 1))
        walk(store, ben, monday + timedelta(days=2), 5 * (week + 1))
    pages, _ = report(store, ben, date(2026, 6, 1), date(2026, 6, 28))
    assert "Trend: walking time rose from about 10 to 40 minutes a week." in pages[0]


# ------------------------------------------------------------------ pages


def test_a_period_without_sessions_is_one_page_that_says_so(store, march):
    pages, count = report(store, march, date(2025, 1, 1), date(2025, 12, 31))
    assert count == 1
    assert "No sessions in this period." in pages[0]
    assert "Zoë" in pages[0] and "1 Jan 2025 to 31 Dec 2025" in pages[0]
    assert "Week by week" not in pages[0]


def test_a_busy_year_stays_within_twelve_pages(store):
    cara = store.add_profile("Cara")
    day = date(2026, 1, 1)
    while day.year == 2026:
        level = 1 + (day.month - 1) // 4
        walk(store, cara, day, 10 + day.month, away_s=(5,) * (day.day % 3), level=level)
        day += timedelta(days=1)
    pages, count = report(store, cara, date(2026, 1, 1), date(2026, 12, 31))
    assert count <= 12
    rows = week_rows(pages)
    assert len(rows) == 53  # 29 Dec 2025 to 28 Dec 2026, every week in the table
    assert rows["5 Jan 2026"][:2] == ["7", "77"]  # 7 days of 11 minutes
    assert rows["29 Dec 2025 *"][:2] == ["4", "44"]  # only 1-4 January inside the period
    assert "Routine: beginner, level 1, then beginner, level 2, then beginner, level 3" in (
        " ".join(lines(pages[0]))
    )


def test_the_fullest_month_still_fits_on_one_page(store):
    """A long name, three levels, faults, calls and part weeks at both ends: one page."""
    name = "W" * 40
    walker = store.add_profile(name)
    day = date(2026, 3, 1)  # a Sunday: March 2026 touches six ISO weeks
    while day.month == 3:
        extra = ("fault_on", "help_requested", "escalated") if day.day % 9 == 0 else ()
        walk(store, walker, day, 12, away_s=(70, 9), level=1 + day.day // 11, extra=extra)
        day += timedelta(days=1)
    walk(store, walker, date(2026, 3, 31), 3, level=3, ending="interrupted")
    pages, count = report(store, walker, date(2026, 3, 1), date(2026, 3, 31))
    assert count == 1
    assert len(week_rows(pages)) == 6
    assert "Part of this week lies outside the period" in pages[0]


# ------------------------------------------------------------------ letters


def test_names_in_any_script_come_out_in_their_own_letters(store):
    if report_fonts.undrawable("李"):
        pytest.skip("no font for Chinese installed (apt-get install fonts-droid-fallback)")
    names = ["Zoë", "Łukasz", "李"]
    for name in names:
        walk(store, store.add_profile(name), date(2026, 5, 4), 10)
    for walker, name in enumerate(names, start=1):
        store.flush()
        out = io.BytesIO()
        with store.reading() as conn:
            profile = q.profile_by_id(conn, walker)
            write_report(conn, profile, date(2026, 5, 1), date(2026, 5, 31), out, tz=UTC)
        reader = pypdf.PdfReader(io.BytesIO(out.getvalue()))
        assert lines(reader.pages[0].extract_text())[0] == name  # the title
        used = {
            str(font["/BaseFont"]).split("+")[-1]
            for font in reader.pages[0]["/Resources"]["/Font"].values()
        }
        assert "DejaVuSans" in used
        assert ("DroidSansFallback" in used) == (name == "李")  # drawn, not a missing box


def test_every_character_of_those_names_has_a_font():
    if report_fonts.undrawable("李"):
        pytest.skip("no font for Chinese installed (apt-get install fonts-droid-fallback)")
    assert report_fonts.undrawable("Zoë Łukasz 李 Ørjan Ćwik") == []
    assert report_fonts.undrawable("\U0001fab6") == ["\U0001fab6"]  # no font has a feather


def test_markup_in_a_name_is_printed_not_obeyed(store):
    walker = store.add_profile("<b>Al</b> & Co")
    walk(store, walker, date(2026, 5, 4), 10)
    pages, _ = report(store, walker, date(2026, 5, 1), date(2026, 5, 31))
    assert lines(pages[0])[0] == "<b>Al</b> & Co"


# ------------------------------------------------------------------ the file


def test_a_report_that_fails_midway_leaves_the_old_file_and_no_pieces(tmp_path):
    target = tmp_path / "report.pdf"
    target.write_bytes(b"%PDF- the report from last month")

    def crash(stream) -> None:
        stream.write(b"%PDF-1.4 half of it")
        raise RuntimeError("the power went")

    with pytest.raises(RuntimeError):
        write_atomically(target, crash)
    assert target.read_bytes() == b"%PDF- the report from last month"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]


def test_a_report_written_to_a_path_is_a_whole_pdf(store, march, tmp_path):
    store.flush()
    target: Path = tmp_path / "zoe.pdf"
    with store.reading() as conn:
        profile = q.profile_by_id(conn, march)
        written = write_report(conn, profile, date(2026, 3, 2), date(2026, 3, 15), target)
    assert written.figures.sessions == 5
    assert len(pypdf.PdfReader(target).pages) == written.pages == 1
    others = [p.name for p in tmp_path.iterdir() if not p.name.startswith("sessions.db")]
    assert others == ["zoe.pdf"]
