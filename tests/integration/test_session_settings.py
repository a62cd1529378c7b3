"""Each session keeps the safety settings it was walked with; recalibrating redraws no old chart."""

from __future__ import annotations

import pygame
from fakes import through_to_routine

from kiosk.log.queries import SessionSettings
from kiosk.screens import theme


def test_a_session_is_recorded_with_the_settings_in_force_when_it_starts(make_kiosk):
    app = make_kiosk(safety__reach_mm=700, safety__margin_mm=60, safety__alarm_delay_readings=4)
    app.kiosk.settings.save("safety.reach_mm", 650)  # the caregiver recalibrates before the walk
    through_to_routine(app)
    detail = app.store.session_detail(app.kiosk.walk.sessions[-1])
    assert detail.session.settings == SessionSettings(650, 60, 4, 33)


def reach_line_y(app, session_id: int) -> int:
    """Where the detail page draws the reach line: the rows above the Back button mostly in
    the reach line's colour."""
    app.caregiver.show()
    app.caregiver.page, app.caregiver.session_id = "detail", session_id
    app.frame()
    surface = app.logical
    back = next(b for b in app.buttons if b.action == "page:sessions").rect
    width = surface.get_width()
    rows = {
        y: sum(1 for x in range(0, width, 2) if surface.get_at((x, y))[:3] == theme.PRIMARY)
        for y in range(back.top - 8)
    }
    line = [y for y, count in rows.items() if count > width // 4]  # a line 3 px thick
    assert line, "no reach line on the chart"
    return round(sum(line) / len(line))


def test_each_chart_is_drawn_against_its_own_reach_line(make_kiosk):
    app = make_kiosk(safety__reach_mm=800)  # today's reach, after a recalibration
    store = app.store
    walker = store.add_profile("Ann")
    sessions = {}
    for name, settings in (
        ("then 500", SessionSettings(500, 50, 3, 33)),
        ("then 800", SessionSettings(800, 50, 3, 33)),
        ("not recorded", None),  # from before the kiosk kept them
    ):
        sid = store.start_session(walker, "beginner", 1, t_ms=1_800_000_000_000, settings=settings)
        for i in range(20):
            store.record_sample(sid, 450 + 10 * i, t_ms=1_800_000_000_000 + 500 * i)
        store.end_session(sid, "completed", seconds_walking=10, seconds_paused=0)
        sessions[name] = sid
    assert store.flush()
    line = {name: reach_line_y(app, sid) for name, sid in sessions.items()}
    assert line["then 500"] > line["then 800"]  # nearer the bottom: a shorter reach
    assert line["not recorded"] == line["then 800"]  # drawn against today's, as labelled
    pygame.event.clear()
