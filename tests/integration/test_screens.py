"""The touchscreen under SDL's dummy driver: sizes, targets, contrast, taps and pixels."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pygame
import pytest
from fakes import build_harness, finger, through_to_routine, through_to_walking, wait_for
from player_clips import truncate

from hardware.buzzer import Priority
from kiosk import typeface
from kiosk.log.store import SessionStore
from kiosk.player.captions import CaptionOverlay, caption_font_px
from kiosk.player.routine import find_routine, load_routine
from kiosk.safety.monitor import SafetyStatus
from kiosk.safety.reach import ReachZone
from kiosk.screens import theme
from kiosk.screens.caregiver.pages.name_entry import KEYS
from kiosk.screens.layout import MIN_ALERT_PX, MIN_BODY_PX, MIN_TARGET_PX, SUPPORTED_SIZES, Layout
from kiosk.screens.walker import WalkerView, draw_walker_screen, for_the_walker
from kiosk.screens.widgets import draw_gauge
from kiosk.vocabulary import Ending
from kiosk.walk.flow import Screen
from kiosk.walk.session import EndSummary
from kiosk.walker_names import undrawn_characters

ROUTINE = load_routine(find_routine("beginner"))
WALKING_AT = 150.0  # seconds into the beginner routine: its "Follow along" part


@pytest.fixture(autouse=True)
def pygame_display():
    pygame.display.init()
    pygame.font.init()
    yield
    pygame.display.quit()  # fonts stay loaded: the kiosk, too, keeps them for its life


def test_every_colour_pair_has_at_least_7_to_1_contrast():
    for name, (ink, paper) in theme.PAIRS.items():
        assert theme.contrast(ink, paper) >= 7.0, name


@pytest.mark.parametrize("size", SUPPORTED_SIZES)
def test_type_sizes_meet_the_minimums(size):
    layout = Layout(*size)
    assert theme.font(layout.body_px).get_height() >= MIN_BODY_PX
    assert theme.font(layout.alert_px, bold=True).get_height() >= MIN_ALERT_PX
    assert layout.button_height >= MIN_TARGET_PX


def walker_view(screen: Screen, zone=ReachZone.WITHIN_REACH, fault=None) -> WalkerView:
    status = SafetyStatus(0.0, zone, fault, 470, 470, 600, 550)
    return WalkerView(
        screen=screen,
        status=status,
        routine_title=ROUTINE.title,
        safety_points=ROUTINE.safety_points,
        goal_text="Today's goal: 10 minutes",
        profiles=[(1, "Ann"), (2, "José Ñandú-Łukasz Wiśniewski"), (3, "Cy"), (4, "Di")],
        profile_id=2,
        countdown_left=2,
        end=EndSummary(4.5, 2, Ending.COMPLETED, "Next goal: 10 minutes, 3 days a week."),
        armed=screen not in (Screen.HOME, Screen.BEFORE_START, Screen.READY_CHECK),
    )


@pytest.mark.parametrize("size", SUPPORTED_SIZES)
@pytest.mark.parametrize("screen", list(Screen))
def test_buttons_are_large_inside_the_screen_and_apart(size, screen):
    surface = pygame.Surface(size)
    layout = Layout(*size)
    buttons = draw_walker_screen(surface, layout, walker_view(screen, fault="unplugged"))
    assert buttons, f"{screen} has no button: nothing may trap the walker"
    for button in buttons:
        assert button.rect.width >= MIN_TARGET_PX and button.rect.height >= MIN_TARGET_PX
        assert surface.get_rect().contains(button.rect), (button.label, button.rect)
    for i, a in enumerate(buttons):
        for b in buttons[i + 1 :]:
            assert not a.rect.colliderect(b.rect), (a.label, b.label)


def test_alert_screens_are_coloured_as_alerts():
    surface = pygame.Surface((800, 480))
    layout = Layout(800, 480)
    draw_walker_screen(surface, layout, walker_view(Screen.OUT_OF_REACH, ReachZone.OUT_OF_REACH))
    assert surface.get_at((400, 470))[:3] == theme.ALERT
    draw_walker_screen(surface, layout, walker_view(Screen.SENSOR_FAULT, fault="unplugged"))
    assert surface.get_at((400, 470))[:3] == theme.FAULT
    draw_walker_screen(surface, layout, walker_view(Screen.HOME))
    assert surface.get_at((400, 200))[:3] == theme.BACKGROUND


# -- the app itself, with the emulated sensor, mock pins, a real log and the real video --------


@pytest.mark.parametrize("size", SUPPORTED_SIZES)
def test_taps_land_on_the_right_buttons_at_every_size(make_kiosk, size):
    app = make_kiosk(size)
    through_to_routine(app)
    app.frame(finger(app, "pause"))
    assert app.flow.screen is Screen.PAUSED and app.player.is_paused
    app.frame(finger(app, "resume"))
    assert app.flow.screen is Screen.ROUTINE
    app.frame(finger(app, "stop"))
    assert app.flow.screen is Screen.END
    app.frame(finger(app, "done"))
    assert app.flow.screen is Screen.HOME


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotation_turns_the_picture_and_the_touch_points(make_kiosk, rotation):
    app = make_kiosk((800, 480), rotation)
    assert app.logical.get_size() == ((480, 800) if rotation != 180 else (800, 480))
    app.frame(finger(app, "start"))
    assert app.flow.screen is Screen.BEFORE_START


def test_drift_pauses_the_video_within_a_frame_and_the_countdown_resumes_it(make_kiosk):
    app = make_kiosk()
    through_to_walking(app)
    app.player.seek(WALKING_AT)
    for _ in range(5):
        app.frame([])
    app.sim.walker.move_to(800.0)
    wait_for(lambda: app.buzzer.sounding)  # the safety thread sounded the buzzer by itself
    assert app.flow.screen is Screen.ROUTINE  # the screen has not looked yet
    wait_for(lambda: app.monitor.status.alarm)  # the event is out, after the buzzer
    app.frame([])  # one frame later
    assert app.flow.screen is Screen.OUT_OF_REACH and app.player.is_paused
    frozen = app.player.position_s
    app.sim.walker.move_to(450.0)
    wait_for(lambda: not app.buzzer.sounding)
    app.frame([])
    assert app.flow.screen is Screen.COUNTDOWN and app.player.is_paused
    app.test_clock.now += 3.1
    app.frame([])
    assert app.flow.screen is Screen.ROUTINE and not app.player.is_paused
    assert frozen >= WALKING_AT - 0.1
    assert frozen - 3.5 <= app.player.position_s <= frozen - 2.5  # rewound a few seconds


def drift_and_return(app):
    """Out of reach at 20 s into the video, back, and the countdown; the paused position."""
    app.player.seek(WALKING_AT)
    for _ in range(5):
        app.frame([])
    app.sim.walker.move_to(800.0)
    wait_for(lambda: app.monitor.status.alarm)
    app.frame([])
    frozen = app.player.position_s
    app.sim.walker.move_to(450.0)
    wait_for(lambda: not app.monitor.status.alarm)
    app.frame([])
    app.test_clock.now += 3.1
    app.frame([])
    assert app.flow.screen is Screen.ROUTINE
    return frozen


def test_the_rewind_setting_sets_how_far_the_video_goes_back(make_kiosk):
    app = make_kiosk(routine__rewind_s=8)
    through_to_walking(app)
    frozen = drift_and_return(app)
    assert frozen - 8.5 <= app.player.position_s <= frozen - 7.5
    app.kiosk.settings.save("routine.rewind_s", 12)  # the caregiver changes it mid-routine
    frozen = drift_and_return(app)
    assert frozen - 12.5 <= app.player.position_s <= frozen - 11.5


def test_three_second_corner_press_opens_the_pin_pad_and_the_pin_opens_the_menu(make_kiosk):
    app = make_kiosk()
    down = pygame.event.Event(pygame.FINGERDOWN, x=0.01, y=0.01, touch_id=1, finger_id=0)
    app.frame([down])
    app.test_clock.now += 2.0
    app.frame([])
    assert not app.caregiver.open
    app.test_clock.now += 1.1
    app.frame([])
    assert app.caregiver.open and app.current_screen == "caregiver-pin"
    app.frame([pygame.event.Event(pygame.FINGERUP, x=0.01, y=0.01, touch_id=1, finger_id=0)])
    for digit in "1111":
        app.frame(finger(app, f"digit:{digit}"))
    app.frame(finger(app, "enter"))
    assert app.current_screen == "caregiver-pin" and "Wrong PIN" in app.caregiver.message
    for digit in "2468":
        app.frame(finger(app, f"digit:{digit}"))
    app.frame(finger(app, "enter"))
    assert app.current_screen == "caregiver-menu"
    app.frame(finger(app, "close"))
    assert not app.caregiver.open and app.flow.screen is Screen.HOME


def test_a_short_corner_press_does_nothing(make_kiosk):
    app = make_kiosk()
    spot = {"x": 0.01, "y": 0.01, "touch_id": 1, "finger_id": 0}
    app.frame([pygame.event.Event(pygame.FINGERDOWN, **spot)])
    app.test_clock.now += 1.0
    app.frame([pygame.event.Event(pygame.FINGERUP, **spot)])
    app.test_clock.now += 5.0
    app.frame([])
    assert not app.caregiver.open


@pytest.mark.parametrize("size", SUPPORTED_SIZES)
def test_caregiver_pages_have_large_separate_buttons(make_kiosk, size):
    app = make_kiosk(size)
    area = app.caregiver
    area.show()
    surface = pygame.Surface(app.logical.get_size())
    for page in (
        "pin",
        "menu",
        "calibrate",
        "settings",
        "sessions",
        "weekly",
        "walkers",
        "problems",
        "web",
        "web_password",
        "name",
    ):
        area.page = page
        buttons = area.draw(surface, app.layout)
        assert buttons, page
        for button in buttons:
            assert min(button.rect.size) >= MIN_TARGET_PX, (page, button.label, button.rect)
            assert surface.get_rect().contains(button.rect), (page, button.label, button.rect)
        for i, a in enumerate(buttons):
            for b in buttons[i + 1 :]:
                assert not a.rect.colliderect(b.rect), (page, a.label, b.label)


def test_calibration_sets_the_reach_from_where_the_walker_stands(make_kiosk):
    app = make_kiosk()
    app.sim.walker.move_to(683.0)
    wait_for(lambda: app.monitor.status.distance_mm and app.monitor.status.distance_mm > 670)
    app.caregiver.show()
    app.caregiver.page = "calibrate"
    app.frame([])
    app.frame(finger(app, "calibrate"))
    assert app.kiosk.settings["safety.reach_mm"] == 680
    assert app.monitor.status.reach_mm == 680 or app.monitor.config.rule.reach_mm == 680
    assert "reach_mm = 680" in app.kiosk.data.settings_overrides.read_text()


def test_caregiver_hold_silences_the_alarm_and_shows_the_time_left(make_kiosk):
    app = make_kiosk()
    through_to_walking(app)
    app.sim.walker.move_to(800.0)
    wait_for(lambda: app.buzzer.sounding and app.monitor.status.alarm)
    app.caregiver.show()
    app.caregiver.page = "menu"
    app.frame([])
    app.frame(finger(app, "hold"))
    wait_for(lambda: not app.buzzer.sounding)
    assert 29 < app.buzzer.hold_remaining_s <= 30
    app.frame(finger(app, "close"))
    assert app.flow.screen in (Screen.PAUSED, Screen.OUT_OF_REACH)


def test_a_corrupt_log_is_kept_aside_and_the_caregiver_is_told(make_kiosk, tmp_path):
    app = make_kiosk()
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"this is not a database" * 100)
    original = broken.read_bytes()
    store = SessionStore.open(broken)
    try:
        app.caregiver.tools.store = store
        assert store.problems, "the store did not report the unreadable file"
        kept = [p for p in tmp_path.iterdir() if p.name.startswith("broken.db.unreadable-")]
        assert kept and kept[0].read_bytes() == original
        app.frame([])
        assert app.flow.screen is Screen.HOME
        app.caregiver.show()
        app.caregiver.page = "menu"
        app.frame([])
        app.frame(finger(app, "page:problems"))
        assert app.current_screen == "caregiver-problems"
        app.frame(finger(app, "seen"))
        assert not app.caregiver.unseen_log_problems()
    finally:
        store.close()


def test_a_card_turned_read_only_mid_walk_never_quiets_the_alarm_and_the_caregiver_is_told(
    make_kiosk,
):
    app = make_kiosk()
    through_to_walking(app)
    # With query_only SQLite refuses every write of the log as it does on a card turned
    # read-only (SQLITE_READONLY); the safety loop must not notice.
    app.store._conn.execute("PRAGMA query_only = ON")
    app.sim.walker.move_to(900.0)
    wait_for(lambda: app.buzzer.sounding and app.monitor.status.alarm)
    app.frame()
    assert app.flow.screen is Screen.OUT_OF_REACH
    app.tap("stop")
    app.sim.walker.move_to(450.0)
    wait_for(lambda: not app.monitor.status.alarm)
    app.frame()
    assert app.flow.screen is Screen.END
    assert not app.store.flush()
    [session_id] = app.kiosk.walk.sessions
    s = app.store.session_detail(session_id).session  # from memory: the file has none of it
    assert (s.reminders, s.ended_how) == (1, "stopped")
    [told] = app.caregiver.unseen_log_problems()
    assert "turned read-only" in told and "alarm go on" in told
    app.store._conn.execute("PRAGMA query_only = OFF")  # the card works again
    app.store.record_event(session_id, "chapter", "after")
    assert app.store.flush()
    with app.store.reading() as conn:
        row = conn.execute("SELECT ended_how FROM sessions WHERE id = ?", (session_id,))
        assert row.fetchone() == ("stopped",)


def test_every_labelled_setting_can_be_changed_on_the_settings_screen(make_kiosk, tmp_path):
    from kiosk.settings import SCHEMA, load_settings

    app = make_kiosk((1280, 720))
    current = app.kiosk.settings
    app.caregiver.show()
    app.caregiver.page = "settings"
    changed = set()
    for _ in range(6):  # every page of settings
        app.frame([])
        for button in [b for b in app.buttons if b.action.startswith("adjust:")]:
            key = button.action.split(":", 1)[1].rsplit(",", 1)[0]
            before = current[key]
            app.frame([])
            app.frame(finger(app, button.action))
            if current[key] != before:
                changed.add(key)
        if any(b.action == "more" for b in app.buttons):
            app.frame(finger(app, "more"))
    labelled = {s.key for s in SCHEMA if s.label} - {"routine.name"}  # one routine installed
    assert labelled <= changed
    overrides = app.kiosk.data.settings_overrides
    assert dict(load_settings(None, overrides)) == dict(current.current)


def test_a_hold_taken_during_the_alarm_test_does_not_swallow_a_real_alarm(make_kiosk):
    app = make_kiosk()
    app.caregiver.show()
    app.caregiver.page = "menu"
    app.frame([])
    app.frame(finger(app, "test:HIGH"))
    assert app.buzzer.sounding
    app.frame(finger(app, "hold"))
    app.test_clock.now += 2.1  # the 2-second test ends
    app.frame([])
    app.frame(finger(app, "close"))
    through_to_walking(app)
    app.sim.walker.move_to(800.0)
    wait_for(lambda: app.buzzer.sounding)


def test_calibrating_beyond_the_allowed_reach_says_so_and_keeps_running(make_kiosk, tmp_path):
    app = make_kiosk()
    through_to_routine(app)
    app.sim.walker.move_to(1260.0)
    wait_for(lambda: (app.monitor.status.distance_mm or 0) > 1200)
    app.caregiver.show()
    app.caregiver.page = "calibrate"
    app.frame([])
    app.frame(finger(app, "calibrate"))
    assert "out of range" in app.caregiver.message
    assert app.current_screen == "caregiver-calibrate"


def test_export_runs_beside_the_screen_loop_and_names_the_file(make_kiosk):
    import threading as _threading

    app = make_kiosk()
    release = _threading.Event()

    def slow_export():
        release.wait(5)
        return Path("/media/usb/balance-kiosk-2026-11-25.csv")

    app.caregiver.tools.export_to_usb = slow_export
    app.caregiver.show()
    app.caregiver.page = "menu"
    app.frame([])
    app.frame(finger(app, "export"))
    frames = app.frames
    app.frame([])  # the screen keeps turning while the export runs
    assert app.frames == frames + 1 and "Exporting" in app.caregiver.message
    release.set()
    wait_for(lambda: "balance-kiosk-2026-11-25.csv" in app.caregiver.message)


def test_any_number_of_walkers_can_be_chosen_on_the_home_screen(make_kiosk):
    app = make_kiosk((800, 480))
    for name in ("Ann", "Bob", "Cy", "Di", "Ed"):
        app.store.add_profile(name)
    app.test_clock.now += 6  # the home screen reads the walkers again every few seconds
    app.frame([])
    seen = []
    for _ in range(6):
        seen.append(app.profile_id)
        app.frame(finger(app, "profile:next"))
    names = {p.id: p.name for p in app.store.profiles()}
    assert {names[i] for i in seen} == set(names.values())  # every walker, Walker included
    app.frame(finger(app, "start"))
    assert app.flow.screen is Screen.BEFORE_START


# -- the alarm under adversity, on the assembled kiosk ----------------------------------------


def test_stop_while_away_keeps_the_alarm_until_the_walker_is_back(make_kiosk):
    app = make_kiosk()
    through_to_walking(app)
    app.sim.walker.move_to(900.0)
    wait_for(lambda: app.buzzer.sounding and app.monitor.status.alarm)
    app.frame()
    app.tap("stop")
    assert app.flow.screen is Screen.OUT_OF_REACH and app.flow.stop_pending
    time.sleep(0.5)
    assert app.monitor.armed and Priority.HIGH in app.buzzer.active  # nothing silenced
    app.sim.walker.move_to(450.0)
    wait_for(lambda: not app.monitor.status.alarm)
    app.frame()
    assert app.flow.screen is Screen.END and not app.monitor.armed
    wait_for(lambda: not app.buzzer.sounding)


def test_stop_during_a_fault_waits_and_a_caregiver_can_end_the_walk(make_kiosk):
    app = make_kiosk()
    through_to_walking(app)
    app.sim.chip.unplug()
    wait_for(lambda: app.monitor.status.fault)
    app.frame()
    assert app.flow.screen is Screen.SENSOR_FAULT
    app.tap("stop")
    app.frame()
    assert app.flow.screen is Screen.SENSOR_FAULT and Priority.MEDIUM in app.buzzer.active
    app.tap("acknowledge")  # the walker's "Caregiver" button: the PIN first
    assert app.current_screen == "caregiver-pin"
    for digit in "2468":
        app.tap(f"digit:{digit}")
    app.tap("enter")
    app.tap("end_walk")
    assert app.flow.screen is Screen.END and not app.caregiver.open
    assert not app.monitor.armed


def test_a_rest_sounds_nothing_and_walking_resumes_after_a_check(make_kiosk):
    app = make_kiosk()
    through_to_walking(app)
    app.tap("pause")
    assert app.flow.screen is Screen.PAUSED and not app.monitor.armed
    app.sim.walker.move_to(1500.0)  # steps away and sits down
    wait_for(lambda: app.monitor.status.alarm)
    time.sleep(0.3)
    app.frame()
    assert app.flow.screen is Screen.PAUSED and not app.buzzer.sounding
    app.tap("resume")
    assert app.flow.screen is Screen.WALK_CHECK and app.player.is_paused
    app.sim.walker.move_to(450.0)
    wait_for(lambda: not app.monitor.status.alarm)
    app.frame()
    app.test_clock.now += 2.5
    app.frame()
    assert app.flow.screen is Screen.ROUTINE and app.monitor.armed and not app.player.is_paused
    app.tap("stop")
    app.store.flush()
    detail = app.store.session_detail(app.kiosk.walk.sessions[-1])
    assert detail.session.reminders == 0


def test_the_caregiver_area_shows_the_alarm_and_locks_when_left(make_kiosk):
    app = make_kiosk()
    through_to_walking(app)
    app.sim.walker.move_to(900.0)
    wait_for(lambda: app.monitor.status.alarm)
    app.frame()
    app.caregiver.show()
    app.frame()
    assert app.current_screen == "caregiver-pin"
    width = app.logical.get_width()
    badge = {app.logical.get_at((x, 14))[:3] for x in range(width - 200, width - 20)}
    assert theme.ALERT in badge  # the walker's alarm stays in sight over the PIN pad
    app.test_clock.now += 61  # nobody touches it for a minute
    app.frame()
    assert not app.caregiver.open and app.flow.screen is Screen.OUT_OF_REACH


def test_the_caregiver_area_locks_when_a_walk_starts(make_kiosk):
    app = make_kiosk()
    app.tap("start")
    while any(b.action == "more" for b in app.buttons):
        app.tap("more")
    app.sim.walker.move_to(900.0)  # not at the support yet: the check waits
    wait_for(lambda: app.monitor.status.alarm)
    app.tap("holding")
    app.caregiver.show()
    app.frame()
    for digit in "2468":
        app.tap(f"digit:{digit}")
    app.tap("enter")
    assert app.current_screen == "caregiver-menu"
    app.sim.walker.move_to(450.0)
    wait_for(lambda: not app.monitor.status.alarm)
    app.frame()
    app.test_clock.now += 2.5  # the ready check passes underneath
    app.frame()
    assert app.flow.screen is Screen.ROUTINE and not app.caregiver.open


def open_menu(app):
    app.caregiver.show()
    app.frame()
    for digit in "2468":
        app.tap(f"digit:{digit}")
    app.tap("enter")
    assert app.current_screen == "caregiver-menu"


def test_a_hold_covers_the_sounding_alarm_once_and_anything_new_breaks_through(make_kiosk):
    app = make_kiosk()
    open_menu(app)
    app.tap("hold")
    assert "nothing to hold" in app.caregiver.message and app.buzzer.hold_remaining_s == 0
    app.tap("close")
    through_to_walking(app)
    app.sim.walker.move_to(900.0)
    wait_for(lambda: app.buzzer.sounding and app.monitor.status.alarm)
    open_menu(app)
    app.tap("hold")
    wait_for(lambda: not app.buzzer.sounding)
    assert "on hold for 30 s" in app.caregiver.message
    app.tap("hold")  # again and again: no
    assert "cannot be held again" in app.caregiver.message
    app.sim.walker.move_to(450.0)  # back, then away again: a new episode
    wait_for(lambda: not app.monitor.status.alarm)
    app.sim.walker.move_to(900.0)
    wait_for(lambda: app.buzzer.sounding and app.monitor.status.alarm)
    assert app.buzzer.hold_remaining_s == 0  # the held episode is over; the new one sounds


def test_the_safety_loop_dying_during_an_alarm_stops_the_walk_with_the_fault_pattern(make_kiosk):
    app = make_kiosk()
    through_to_walking(app)
    app.sim.walker.move_to(900.0)
    wait_for(lambda: app.buzzer.sounding and app.monitor.status.alarm)
    app.frame()
    app.monitor.stop()  # the loop is gone, its HIGH alarm still marked active
    app.sim.walker.move_to(450.0)  # the walker comes back: nobody can tell any more
    wait_for(lambda: app.buzzer.watchdog_tripped, limit_s=3.0)
    app.frame()
    assert app.flow.screen is Screen.SENSOR_FAULT and app.flow.loop_stopped
    assert app.buzzer.sounding or wait_for(lambda: app.buzzer.sounding)
    app.tap("stop")  # stays: nobody watches, only a caregiver ends it
    assert app.flow.screen is Screen.SENSOR_FAULT


# -- a routine whose video cannot be played ---------------------------------------------------


def routine_copy(tmp_path, video: bytes | None = None, keep: float | None = None):
    folder = tmp_path / "my-routine"
    shutil.copytree(find_routine("beginner").parent, folder)
    target = folder / "beginner.mp4"
    if video is not None:
        target.write_bytes(video)
    if keep is not None:
        truncate(find_routine("beginner").parent / "beginner.mp4", target, keep)
    return folder


def test_a_routine_that_cannot_be_played_is_refused_and_the_caregiver_told(make_kiosk, tmp_path):
    folder = routine_copy(tmp_path, video=b"not a video at all" * 100)
    app = make_kiosk(routine__name=str(folder))
    actions = {b.action for b in app.buttons}
    assert "start" not in actions and "acknowledge" in actions  # no walk that cannot play
    app.tap("acknowledge")
    for digit in "2468":
        app.tap(f"digit:{digit}")
    app.tap("enter")
    app.tap("page:problems")
    assert app.current_screen == "caregiver-problems"
    assert "cannot be played" in app.caregiver.problems_to_fix()[0]
    assert "beginner.mp4" in app.caregiver.problems_to_fix()[0]


def test_a_video_that_breaks_mid_walk_ends_it_calmly_and_keeps_the_session(make_kiosk, tmp_path):
    folder = routine_copy(tmp_path, keep=0.6)
    app = make_kiosk(routine__name=str(folder))
    through_to_walking(app)
    app.player.seek(app.player.duration_s * 0.55)
    deadline = time.monotonic() + 20
    while app.flow.screen is not Screen.END and time.monotonic() < deadline:
        app.frame()
        time.sleep(0.02)
    assert app.flow.screen is Screen.END and app.kiosk.walk.end.video_failed
    app.store.flush()
    detail = app.store.session_detail(app.kiosk.walk.sessions[-1])
    assert detail.session.ended_how == "stopped"
    assert any("video stopped working" in e.detail for e in detail.events)


def test_a_double_tap_does_not_skip_a_page_of_safety_points(make_kiosk):
    app = make_kiosk()
    app.tap("start")
    page_one = app.flow.safety_page
    more = finger(app, "more")
    app.frame(more)
    app.test_clock.now += 0.15  # the second tap of a double tap, 150 ms later
    app.frame(more)
    assert app.flow.screen is Screen.BEFORE_START  # page 2 is shown, not skipped
    assert app.flow.safety_page == page_one + 1


# -- what a walker and a caregiver meet in their first hour ----------------------------------


@pytest.mark.parametrize("size", SUPPORTED_SIZES)
def test_the_gauge_labels_never_overlap(size):
    surface = pygame.Surface(size)
    layout = Layout(*size)
    for reach in (150, 300, 600, 1200):
        gauge = pygame.Rect(40, 100, size[0] - 80, 28)
        support, reach_label = draw_gauge(surface, gauge, 500, reach, layout)
        assert not support.colliderect(reach_label), (size, reach)
        assert surface.get_rect().contains(reach_label)


def test_captions_use_the_screens_typeface_at_32_px_or_more():
    overlay = CaptionOverlay()
    for width, height in ((800, 450), (480, 270), (1280, 720)):
        size = caption_font_px(width, height)
        box = overlay.render("Stand tall", pygame.Rect(0, 0, width, height))
        line = typeface.font(size)
        assert line.get_height() >= 32
        pad = box.get_height() - line.get_linesize()
        assert 0 < pad <= 2 * max(8, size // 3)  # one line of the screens' own font


def test_the_walker_reads_no_error_codes():
    reason = "no answer from the sensor (is it unplugged?) (I2C error 121)"
    assert for_the_walker(reason) == "no answer from the sensor (is it unplugged?)"
    assert for_the_walker("the bus timed out (error 110)") == "the bus timed out"


def test_adding_a_walker_on_the_keyboard_then_setting_their_goal(make_kiosk):
    app = make_kiosk()
    for name in ("Ann", "Zoë"):
        app.store.add_profile(name)
    open_menu(app)
    app.tap("page:walkers")
    app.tap("add_walker")
    type_name(app, "BOB")
    app.tap("save")
    assert app.current_screen == "caregiver-walkers" and app.caregiver.message == "Added Bob."
    assert app.caregiver.current_profile().name == "Bob"  # the new walker, not another
    app.tap("goal:minutes,up")
    goals = {p.name: p.goal_minutes for p in app.store.profiles()}
    assert goals["Bob"] == 15 and goals["Ann"] == 10 and goals["Zoë"] == 10
    app.tap("rename")
    for _ in "Bob":
        app.tap("erase")
    type_name(app, "BEN")
    app.tap("save")
    assert app.caregiver.message == "Renamed to Ben."
    assert app.caregiver.current_profile().name == "Ben"
    app.tap("add_walker")
    type_name(app, "ANN")
    app.tap("save")
    assert "already exists" in app.caregiver.message  # Ann is there: not a second one
    assert app.current_screen == "caregiver-name"


def type_name(app, letters):
    for key in letters:
        while not any(b.action == f"key:{key}" for b in app.buttons):
            app.tap("keys")
        app.tap(f"key:{key}")


def test_the_keyboard_offers_only_letters_the_screen_can_draw():
    assert undrawn_characters("".join(k for k in KEYS if k != "space")) == []
    assert undrawn_characters("李明 🙂") == ["李", "明", "🙂"]


def test_the_chosen_walker_is_remembered_and_never_guessed(tmp_path):
    first = build_harness(tmp_path / "data")
    try:
        for name in ("Ann", "Zoë"):
            first.store.add_profile(name)
        first.app.walkers.next()
        chosen = first.profile_id
    finally:
        first.close()
    again = build_harness(tmp_path / "data")
    try:
        assert again.profile_id == chosen  # after a restart: the same walker
    finally:
        again.close()
    (tmp_path / "data" / "walker.json").unlink()
    asked = build_harness(tmp_path / "data")
    try:
        assert asked.profile_id is None  # three walkers, none remembered: nobody guessed
        assert [b.action for b in asked.buttons] == ["profile:next"]  # no Start before a choice
        asked.tap("profile:next")
        assert any(b.action == "start" for b in asked.buttons)
    finally:
        asked.close()


def test_the_walker_is_never_asked_to_choose_the_caregiver_pin(tmp_path):
    app = build_harness(tmp_path / "data", pin=None)
    try:
        app.caregiver.show()  # as from a walker's "Caregiver" button
        app.frame()
        assert "No caregiver PIN is set yet" in app.caregiver.message
        assert not any(b.action.startswith("digit:") for b in app.buttons)
        app.tap("close")
        app.caregiver.show(corner_press=True)  # the caregiver's own gesture
        app.frame()
        assert "Choose a caregiver PIN" in app.caregiver.message
        assert any(b.action == "digit:1" for b in app.buttons)
    finally:
        app.close()


def test_a_refused_setting_is_said_in_the_screens_words_and_stays_on_its_page(make_kiosk):
    app = make_kiosk((1280, 720))
    open_menu(app)
    app.tap("page:settings")
    for _ in range(80):  # the reach line up and up, past what the sensor can do
        app.tap("adjust:safety.reach_mm,up")
        if "allowed" in app.caregiver.message:
            break
    message = app.caregiver.message
    assert "Arm's reach" in message and "1200" in message
    assert "safety.reach_mm" not in message and "delete the line" not in message
    if any(b.action == "more" for b in app.buttons):
        app.tap("more")
        assert app.caregiver.message == ""  # it does not follow onto the next page


def test_call_for_help_takes_a_second_tap_and_the_screen_says_help_is_coming(make_kiosk):
    app = make_kiosk(nurse_call__pin=22)
    nurse = app.sim.pin_factory.pin(22)
    through_to_walking(app)
    app.tap("help")
    assert app.kiosk.safety.escalation.call is None  # one tap asks for another, nothing more
    assert any(b.label == "Tap again to call help" for b in app.buttons)
    app.tap("help")
    call = app.kiosk.safety.escalation.call
    assert call is not None and call.cause == "help button"
    assert not nurse.state  # normally closed: the contact opens on a call
    app.frame()
    assert any(b.label == "Help called" for b in app.buttons)
    banner = {app.logical.get_at((x, 30))[:3] for x in range(20, 200)}
    assert theme.PRIMARY in banner
    open_menu(app)
    app.tap("answer")
    assert app.kiosk.safety.escalation.call is None and nurse.state
    app.store.flush()
    kinds = [e.kind for e in app.store.session_detail(app.kiosk.walk.sessions[-1]).events]
    assert [k for k in kinds if k in ("help_requested", "escalated", "acknowledged")] == [
        "help_requested",
        "escalated",
        "acknowledged",
    ]


def test_a_first_tap_on_call_for_help_is_forgotten_after_a_while(make_kiosk):
    app = make_kiosk()
    through_to_walking(app)
    app.tap("help")
    app.test_clock.now += 6  # the second tap comes too late: a fresh first tap
    app.tap("help")
    assert app.kiosk.safety.escalation.call is None
