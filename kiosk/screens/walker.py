"""The walker's screens. Each draws itself from a `WalkerView` and returns its buttons."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pygame

from kiosk.safety.monitor import SafetyStatus
from kiosk.screens import theme
from kiosk.screens.layout import Layout
from kiosk.screens.widgets import (
    Button,
    draw_badge,
    draw_button,
    draw_gauge,
    draw_text,
    fit_size,
)
from kiosk.text_layout import wrap
from kiosk.vocabulary import Ending
from kiosk.walk.flow import Screen
from kiosk.walk.session import EndSummary
from kiosk.wording import duration


@dataclass
class WalkerView:
    """Everything the walker's screens show, gathered once per frame by the app."""

    screen: Screen
    status: SafetyStatus
    routine_title: str = "Walking backward"
    safety_points: Sequence[str] = ()
    goal_text: str = ""
    profiles: Sequence[tuple[int, str]] = ()
    profile_id: int | None = None
    ready_progress: float = 0.0
    countdown_left: int = 0
    player: Any = None  # a RoutinePlayer while a routine is open
    chapters: Sequence[tuple[float, str]] = ()
    fault_acknowledged: bool = False
    safety_page: int = 0
    end: EndSummary | None = None
    armed: bool = False
    buzzer_sounding: bool = False
    hold_remaining_s: float = 0.0
    notices: Sequence[str] = field(default_factory=tuple)
    stop_pending: bool = False
    loop_stopped: bool = False
    cannot_start: bool = False  # the routine cannot be played
    help_confirming: bool = False  # "Call for help" was tapped once
    call: str | None = None  # help has been called: by what, in words


def draw_walker_screen(surface: pygame.Surface, layout: Layout, view: WalkerView) -> list[Button]:
    surface.fill(theme.BACKGROUND)
    buttons = _DRAW[view.screen](surface, layout, view)
    if view.call and view.screen not in (Screen.OUT_OF_REACH, Screen.SENSOR_FAULT):
        _draw_call_banner(surface, layout, view, buttons)  # alarm screens say it themselves
    _draw_alarm_strip(surface, layout, view)
    return [draw_button(surface, b, layout) for b in buttons]


# -- the screens ------------------------------------------------------------------------------


def _home(surface: pygame.Surface, layout: Layout, view: WalkerView) -> list[Button]:
    """Start at the bottom; above it, who is walking (one button that moves on to the next
    walker, so any number of walkers fits); between them and the title, what matters most
    now: a sensor fault, a problem to report, or today's goal."""
    area = layout.content
    start = layout.button_row(1)[0]
    buttons = [Button(start, "Start", "start", "go")]
    if view.cannot_start:  # refuse a routine that cannot be played: a caregiver fixes it
        buttons = [Button(start, "Caregiver", "acknowledge")]
    bottom = start.top - layout.gap
    if len(view.profiles) > 1:
        names = dict(view.profiles)
        walker = pygame.Rect(
            area.left, bottom - layout.button_height, area.width, layout.button_height
        )
        if view.profile_id in names:
            label = f"Walking: {names[view.profile_id]}  (tap for next)"
        else:  # nobody chosen yet: ask, never guess
            label, buttons = "Who is walking? Tap to choose", []
        buttons.insert(0, Button(walker, label, "profile:next"))
        bottom = walker.top - layout.gap
    title_px = fit_size(view.routine_title, area.width, 2, layout.title_px, 36, bold=True)
    y = draw_text(surface, view.routine_title, area, title_px, bold=True, centre=True)
    if view.cannot_start:
        middle, colour = "The exercise video cannot be played. Please ask a caregiver.", theme.TEXT
    elif view.status.fault:
        middle, colour = "The sensor is not working. Ask a caregiver to check it.", theme.TEXT
    elif view.notices:
        middle, colour = view.notices[0], theme.PRIMARY
    else:
        middle, colour = view.goal_text, theme.MUTED_TEXT
    if middle:
        room = pygame.Rect(area.left, y + layout.gap // 2, area.width, bottom - y)
        size = fit_size(middle, room.width, max(1, room.height // 40), layout.body_px, 32)
        draw_text(surface, middle, room, size, colour, centre=True)
    return buttons


def _before_start(surface: pygame.Surface, layout: Layout, view: WalkerView) -> list[Button]:
    """The safety points in type that stays large; a second page when they do not fit."""
    area = layout.content
    rows = layout.button_row(2)
    points = [f"• {p}" for p in view.safety_points or ("Hold on to a sturdy support.",)]
    room = pygame.Rect(
        area.left,
        area.top + layout.title_px + layout.gap // 2,
        area.width,
        rows[0].top - layout.gap - area.top - layout.title_px,
    )
    pages = _paginate(points, layout.body_px, room)
    page = min(view.safety_page, len(pages) - 1)
    title = "Before you start" + (f" ({page + 1} of {len(pages)})" if len(pages) > 1 else "")
    draw_text(surface, title, area, layout.title_px, bold=True)
    y = room.top
    for point in pages[page]:
        y = draw_text(
            surface, point, pygame.Rect(room.left, y, room.width, room.bottom - y), layout.body_px
        )
    if page < len(pages) - 1:
        return [Button(rows[0], "Back", "back"), Button(rows[1], "Next", "more", "primary")]
    return [Button(rows[0], "Back", "back"), Button(rows[1], "I am holding on", "holding", "go")]


def _paginate(points: Sequence[str], size: int, room: pygame.Rect) -> list[list[str]]:
    pages: list[list[str]] = [[]]
    for point in points:
        if pages[-1] and _text_height([*pages[-1], point], size, room.width) > room.height:
            pages.append([])
        pages[-1].append(point)
    return pages


def _text_height(paragraphs: Sequence[str], size: int, width: int) -> int:
    text_font = theme.font(size)
    return sum(len(wrap(p, text_font, width)) for p in paragraphs) * text_font.get_linesize()


def _ready_check(surface: pygame.Surface, layout: Layout, view: WalkerView) -> list[Button]:
    back = layout.button_row(1)[0]
    _check(surface, layout, view, "Hold the support", bottom=back.top)
    return [Button(back, "Back", "back")]


def _walk_check(surface: pygame.Surface, layout: Layout, view: WalkerView) -> list[Button]:
    stop = _corner_button(layout)
    _check(surface, layout, view, "Time to walk: hold the support", bottom=stop.top)
    return [Button(stop, "Stop", "stop")]


def _restarted(surface: pygame.Surface, layout: Layout, view: WalkerView) -> list[Button]:
    rows = layout.button_row(2)
    _check(
        surface,
        layout,
        view,
        "The kiosk restarted",
        bottom=rows[0].top,
        waiting="If you were walking, come to the support and hold it. "
        "Nobody there? A caregiver checks on the walker.",
    )
    return [Button(rows[0], "Caregiver", "acknowledge"), Button(rows[1], "Stop", "stop")]


def _check(
    surface: pygame.Surface,
    layout: Layout,
    view: WalkerView,
    title: str,
    *,
    bottom: int,
    waiting: str = "Come closer, within arm's reach.",
) -> None:
    """A ready check: the title, what to do, a bar that fills in 2 s, the distance gauge."""
    area = layout.below_badge
    status = view.status
    size = fit_size(title, area.width, 2, layout.title_px, 36, bold=True)
    y = draw_text(surface, title, area, size, bold=True, centre=True)
    if status.fault:
        message = "The sensor is not working. Ask a caregiver to check it."
    elif status.distance_mm is not None and status.distance_mm <= status.reach_mm:
        message = "Good. Stay there..."
    else:
        message = waiting
    room = pygame.Rect(area.left, y, area.width, 200)
    y = draw_text(surface, message, room, layout.body_px, centre=True)
    bar = pygame.Rect(area.left, y + layout.gap, area.width, 24)
    pygame.draw.rect(surface, theme.PANEL, bar, border_radius=12)
    filled = bar.copy()
    filled.width = round(bar.width * view.ready_progress)
    if filled.width:
        pygame.draw.rect(surface, theme.GAUGE_SAFE, filled, border_radius=12)
    gauge_height = round(28 * layout.scale)
    gauge_top = min(
        bar.bottom + 2 * layout.gap + gauge_height, bottom - layout.gap - 54 - gauge_height
    )
    gauge = pygame.Rect(area.left + 30, gauge_top, area.width - 60, gauge_height)
    draw_gauge(surface, gauge, status.distance_mm, status.reach_mm, layout)


def _corner_button(layout: Layout) -> pygame.Rect:
    """A Stop kept small and to the right, so it is not tapped by mistake."""
    stop = layout.button_row(1)[0]
    stop.width = max(stop.width // 3, 200)
    stop.right = layout.below_badge.right
    return stop


def _video_area(layout: Layout) -> tuple[pygame.Rect, list[pygame.Rect]]:
    """The video as large as the panel allows; in landscape the buttons stand beside it."""
    area = layout.content
    chapter_bar = 14 + 8 + max(28, layout.body_px - 6)
    if not layout.portrait:
        column = round(230 * layout.scale)
        side = layout.below_badge
        height = (side.height - 2 * layout.gap) // 3
        rows = [
            pygame.Rect(side.right - column, side.top + i * (height + layout.gap), column, height)
            for i in range(3)
        ]
        video = pygame.Rect(
            0,
            0,
            area.right - column - layout.gap,
            layout.height - layout.margin - chapter_bar - layout.gap,
        )
        return video, rows
    rows = layout.button_row(3)
    top_of_controls = min(r.top for r in rows) - layout.gap - chapter_bar
    video = pygame.Rect(0, 0, layout.width, max(100, top_of_controls - layout.gap))
    return video, rows


def _routine(surface: pygame.Surface, layout: Layout, view: WalkerView) -> list[Button]:
    video, rows = _video_area(layout)
    if view.player is not None:
        view.player.draw(surface, video)
    _chapter_bar(surface, layout, view, video.bottom + layout.gap)
    return _beside_the_video(rows, Button(rows[0], "Pause", "pause", "primary"), view)


def _paused(surface: pygame.Surface, layout: Layout, view: WalkerView) -> list[Button]:
    video, rows = _video_area(layout)
    if view.player is not None:
        view.player.draw(surface, video)
        shade = pygame.Surface(video.size, pygame.SRCALPHA)
        shade.fill((0, 0, 0, 200))
        surface.blit(shade, video.topleft)
    room = video.inflate(-40, 0).move(0, video.height // 5)
    y = draw_text(surface, "Paused", room, layout.alert_px, bold=True, centre=True)
    rest = "A rest: sit down if you like, the alarm is off. Resume when you are back."
    room = pygame.Rect(room.left, y, room.width, video.bottom - y)
    draw_text(surface, rest, room, layout.body_px, centre=True)
    _chapter_bar(surface, layout, view, video.bottom + layout.gap)
    return _beside_the_video(rows, Button(rows[0], "Resume", "resume", "go"), view)


def _out_of_reach(surface: pygame.Surface, layout: Layout, view: WalkerView) -> list[Button]:
    surface.fill(theme.ALERT)
    area = layout.below_badge
    title, hint = "Come back to the support", "Hold on with one hand. The video waits for you."
    if view.stop_pending:
        hint = "Come back and hold on: then the walk ends."
    if view.call:  # said first, in the largest type: somebody is coming
        title, hint = "Help has been called", f"Come back to the support if you can ({view.call})."
    size = fit_size(title, area.width, 2, layout.alert_px, 48, bold=True)
    y = draw_text(surface, title, area, size, bold=True, centre=True)
    room = pygame.Rect(area.left, y + layout.gap // 2, area.width, 200)
    y = draw_text(surface, hint, room, layout.body_px, centre=True)
    stop = _corner_button(layout)
    help_rect = stop.copy()
    help_rect.left = area.left
    gauge_height = round(28 * layout.scale)
    gauge = pygame.Rect(area.left + 30, y + layout.gap + 20, area.width - 60, gauge_height)
    labels_fit = gauge.bottom + 22 + layout.body_px < stop.top - layout.gap
    if gauge.bottom + 20 < stop.top - layout.gap:
        draw_gauge(
            surface, gauge, view.status.distance_mm, view.status.reach_mm, layout, labels=labels_fit
        )
    return [_help_button(help_rect, view), Button(stop, "Stop", "stop", "fault")]


def _countdown(surface: pygame.Surface, layout: Layout, view: WalkerView) -> list[Button]:
    area = layout.below_badge
    y = draw_text(
        surface, "Well done. Starting again in", area, layout.title_px, bold=True, centre=True
    )
    number = theme.font(layout.huge_px, bold=True).render(
        str(view.countdown_left), True, theme.TEXT
    )
    surface.blit(number, number.get_rect(midtop=(area.centerx, y + layout.gap)))
    return [Button(_corner_button(layout), "Stop", "stop")]


def _sensor_fault(surface: pygame.Surface, layout: Layout, view: WalkerView) -> list[Button]:
    surface.fill(theme.FAULT)
    area = layout.below_badge
    rows = layout.button_row(2)
    headline = "Help has been called" if view.call else "Hold the support. Call for help."
    size = fit_size(headline, area.width, 2, layout.alert_px, 64, bold=True)
    y = draw_text(surface, headline, area, size, theme.FAULT_TEXT, bold=True, centre=True)
    detail = _fault_detail(view)
    room = pygame.Rect(area.left, y + layout.gap // 2, area.width, rows[0].top - y - layout.gap)
    text_font = theme.font(layout.body_px)
    lines = wrap(detail, text_font, room.width)
    fitting = max(1, room.height // text_font.get_linesize())
    if len(lines) > fitting:  # a small panel: the reason, shortened, is what matters
        short = for_the_walker(view.status.fault) if view.status.fault else "working again"
        lines = wrap(f"Sensor: {short}", text_font, room.width)
    draw_text(
        surface, "\n".join(lines[:fitting]), room, layout.body_px, theme.FAULT_TEXT, centre=True
    )
    rows = layout.button_row(3)
    return [
        Button(rows[0], "Caregiver: OK", "acknowledge", "fault"),
        _help_button(rows[1], view),
        Button(rows[2], "Stop", "stop", "fault"),
    ]


def _beside_the_video(rows: list[pygame.Rect], first: Button, view: WalkerView) -> list[Button]:
    """Pause or Resume, then Call for help, then Stop."""
    return [first, _help_button(rows[1], view), Button(rows[2], "Stop", "stop")]


def _help_button(rect: pygame.Rect, view: WalkerView) -> Button:
    """ "Call for help"; a second tap confirms (no dialog to read); then it says it is done."""
    if view.call:
        return Button(rect, "Help called", "help", "go")
    if view.help_confirming:
        return Button(rect, "Tap again to call help", "help", "primary")
    return Button(rect, "Call for help", "help", "primary")


def _draw_call_banner(
    surface: pygame.Surface, layout: Layout, view: WalkerView, buttons: list[Button]
) -> None:
    """Help has been called: said in large type at the top, beside any buttons there."""
    area = layout.below_badge
    font = theme.font(layout.title_px, bold=True)
    height = 2 * font.get_linesize() + layout.gap
    beside = [b.rect.left for b in buttons if b.rect.top < area.top + height]
    right = min([*beside, area.right + layout.gap]) - layout.gap
    width = right + layout.gap // 2 if beside else layout.width
    box = pygame.Rect(0, 0, width, area.top + height)
    pygame.draw.rect(surface, theme.PRIMARY, box)
    y = area.top
    for line in ("Help has been called", f"({view.call})"):
        width = right - area.left
        size = fit_size(line, width, 1, layout.title_px, 28, bold=True)
        room = pygame.Rect(area.left, y, width, layout.title_px * 2)
        y = draw_text(surface, line, room, size, theme.PRIMARY_TEXT, bold=True, centre=True)


def for_the_walker(reason: str) -> str:
    """A fault's reason without the codes meant for whoever repairs it ("(I2C error 121)")."""
    return re.sub(r"\s*\((?:I2C )?error \d+\)", "", reason).strip()


def _fault_detail(view: WalkerView) -> str:
    if view.loop_stopped:
        return "The safety check has stopped working. Hold the support until help comes."
    if view.status.fault is None:
        detail = "The sensor works again. A caregiver can let the routine go on."
    else:
        detail = f"The distance sensor is not working: {for_the_walker(view.status.fault)}."
        if view.fault_acknowledged:
            detail += " Acknowledged: the routine goes on when the sensor works again."
    if view.stop_pending:
        detail += " The walk ends when the sensor works again, or a caregiver ends it."
    if view.call:
        detail = f"Hold the support and wait ({view.call}). {detail}"
    return detail


def _end(surface: pygame.Surface, layout: Layout, view: WalkerView) -> list[Button]:
    area = layout.content
    end = view.end
    plain = end is None or (end.ending is not Ending.FAULT and not end.video_failed)
    title = "Well done!" if plain else "Session ended"
    y = draw_text(surface, title, area, layout.alert_px, bold=True, centre=True)
    for line in _end_lines(end) if end is not None else []:
        room = pygame.Rect(area.left, y + layout.gap // 2, area.width, 200)
        y = draw_text(surface, line, room, layout.body_px, centre=True)
    return [Button(layout.button_row(1)[0], "Done", "done", "go")]


def _end_lines(end: EndSummary) -> list[str]:
    lines = []
    if end.video_failed:
        lines.append("The video stopped working, so the walk ended here. It is saved.")
    lines.append(f"You walked for {duration(end.minutes_walked * 60)}.")
    if end.reminders == 0:
        lines.append("You stayed within reach the whole time.")
    else:
        times = "once" if end.reminders == 1 else f"{end.reminders} times"
        lines.append(f"You were reminded to come back to the support {times}.")
    if end.next_goal:
        lines.append(end.next_goal)
    return lines


_DRAW: dict[Screen, Callable[[pygame.Surface, Layout, WalkerView], list[Button]]] = {
    Screen.HOME: _home,
    Screen.BEFORE_START: _before_start,
    Screen.READY_CHECK: _ready_check,
    Screen.WALK_CHECK: _walk_check,
    Screen.RESTARTED: _restarted,
    Screen.ROUTINE: _routine,
    Screen.PAUSED: _paused,
    Screen.OUT_OF_REACH: _out_of_reach,
    Screen.COUNTDOWN: _countdown,
    Screen.SENSOR_FAULT: _sensor_fault,
    Screen.END: _end,
}


# -- shared pieces ----------------------------------------------------------------------------


def _chapter_bar(surface: pygame.Surface, layout: Layout, view: WalkerView, top: int) -> None:
    player = view.player
    if player is None:
        return
    area = layout.content
    duration = max(1.0, float(player.duration_s or 1.0))
    width = area.width if layout.portrait else area.width - round(230 * layout.scale) - layout.gap
    bar = pygame.Rect(area.left, top, width, 14)
    pygame.draw.rect(surface, theme.PANEL, bar, border_radius=7)
    done = bar.copy()
    done.width = round(bar.width * min(1.0, player.position_s / duration))
    pygame.draw.rect(surface, theme.PRIMARY, done, border_radius=7)
    for start, _ in view.chapters[1:]:
        x = bar.left + round(bar.width * start / duration)
        pygame.draw.rect(surface, theme.BACKGROUND, (x - 2, bar.top, 4, bar.height))
    chapter = player.current_chapter
    if chapter is not None:
        label = theme.font(max(28, layout.body_px - 6)).render(chapter.title, True, theme.TEXT)
        surface.blit(label, (bar.left, bar.bottom + 4))


def _draw_alarm_strip(surface: pygame.Surface, layout: Layout, view: WalkerView) -> None:
    """Every alarm is also shown on screen, and so is whether the alarm is armed."""
    alarm_screen = view.screen in (Screen.OUT_OF_REACH, Screen.SENSOR_FAULT)
    if view.buzzer_sounding and not alarm_screen:
        text, fill, ink = "ALARM", theme.ALERT, theme.TEXT
    elif view.hold_remaining_s > 0:
        text, fill, ink = f"Alarm on hold: {view.hold_remaining_s:.0f} s", theme.PRIMARY, (0, 0, 0)
    elif view.armed and not alarm_screen:
        text, fill, ink = "Alarm on", theme.GO, theme.TEXT
    else:
        return
    draw_badge(surface, layout, text, fill, ink)
