"""The caregiver's Sessions page at the kiosk: every session can be reached, newest first."""

from __future__ import annotations

from datetime import datetime

from fakes import finger

from kiosk.vocabulary import Ending, EventKind

FIRST = datetime(2026, 11, 2, 10, 0).timestamp() * 1000
DAY_MS = 86_400_000


def log_sessions(store, count: int) -> list[int]:
    walker = store.ensure_profile("Ada")
    ids = []
    for day in range(count):
        start = int(FIRST + day * DAY_MS)
        session = store.start_session(walker, "beginner", 1, t_ms=start)
        store.end_session(
            session, Ending.COMPLETED, seconds_walking=300, seconds_paused=0, t_ms=start + 300_000
        )
        ids.append(session)
    return ids


def shown_sessions(app) -> list[int]:
    return [int(b.action.split(":")[1]) for b in app.buttons if b.action.startswith("session:")]


def open_sessions(app) -> None:
    app.caregiver.show()
    app.caregiver.page = "menu"
    app.frame([])
    app.frame(finger(app, "page:sessions"))
    assert app.current_screen == "caregiver-sessions"


def test_older_and_newer_reach_every_session_at_800x480(make_kiosk):
    app = make_kiosk()
    ids = log_sessions(app.kiosk.store, 5)
    open_sessions(app)
    seen = [shown_sessions(app)]
    assert seen[0][0] == ids[-1], "the newest comes first"
    assert "newer" not in [b.action for b in app.buttons]
    while any(b.action == "older" for b in app.buttons):
        app.frame(finger(app, "older"))
        seen.append(shown_sessions(app))
    assert [s for page in seen for s in page] == ids[::-1]
    app.frame(finger(app, "newer"))
    assert shown_sessions(app) == seen[-2]
    app.frame(finger(app, f"session:{seen[-2][0]}"))
    assert app.current_screen == "caregiver-detail"
    app.frame(finger(app, "page:sessions"))
    assert shown_sessions(app) == seen[-2], "Back from a session returns to its page"


def test_a_session_whose_date_is_not_confirmed_says_so(make_kiosk):
    app = make_kiosk()
    (session,) = log_sessions(app.kiosk.store, 1)
    app.kiosk.store.record_event(session, EventKind.CLOCK_UNSET, "the clock was not set")
    app.kiosk.store.flush()
    open_sessions(app)
    (row,) = [b for b in app.buttons if b.action == f"session:{session}"]
    assert "(date unsure)" in row.label


def test_with_everything_needing_attention_the_menu_pages_and_close_stays(make_kiosk):
    from fakes import through_to_walking, wait_for

    from kiosk.screens.caregiver.pages.menu import TOOLS
    from kiosk.service.wall_clock import LogClock

    app = make_kiosk(wall_clock=LogClock(lambda: False))  # Problems to fix: the clock
    through_to_walking(app)  # End the walk
    app.sim.chip.unplug()  # Acknowledge fault
    wait_for(lambda: app.monitor.status.fault)
    app.kiosk.safety.escalation.request_help()  # Answer the call for help
    app.frame()
    app.caregiver.show()
    app.caregiver.page = "menu"
    app.frame([])
    seen: list[str] = []
    for _ in range(3):
        surface = app.kiosk.app.display
        for button in app.buttons:
            assert surface.get_rect().contains(button.rect), button.label
        actions = [b.action for b in app.buttons]
        assert "close" in actions and "more_tools" in actions
        seen += [a for a in actions if a not in seen]
        app.frame(finger(app, "more_tools"))
    urgent = {"answer", "acknowledge", "end_walk", "page:problems"}
    assert urgent | {action for _, action, _ in TOOLS} <= set(seen)
    app.frame(finger(app, "close"))
    assert not app.caregiver.open
