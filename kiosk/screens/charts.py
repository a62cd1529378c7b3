"""Charts for caregivers: a session's distance over time, and minutes walked per week."""

from __future__ import annotations

import pygame

from kiosk.screens import theme

_SMALL = 26


def _axis_label(surface: pygame.Surface, text: str, pos: tuple[int, int]) -> None:
    image = theme.font(_SMALL).render(text, True, theme.MUTED_TEXT)
    surface.blit(image, pos)


def draw_session_chart(
    surface: pygame.Surface,
    rect: pygame.Rect,
    detail,
    reach_mm: int,
    full_scale_mm: int = 1200,
    *,
    label: str | None = None,
) -> None:
    """Distance over the session, the reach line (named by ``label``), and the spans the
    alarm sounded."""
    pygame.draw.rect(surface, theme.PANEL, rect)
    session = detail.session
    start = session.started_at
    end = session.ended_at or (detail.samples[-1].t if detail.samples else start + 1000)
    span = max(1, end - start)
    plot = rect.inflate(-80, -50).move(30, -5)

    def x_of(t: int) -> int:
        return plot.left + round(plot.width * (t - start) / span)

    def y_of(mm: float) -> int:
        return plot.bottom - round(plot.height * min(mm, full_scale_mm) / full_scale_mm)

    for on, off in detail.alarm_spans:
        band = pygame.Rect(x_of(on), plot.top, max(2, x_of(off) - x_of(on)), plot.height)
        pygame.draw.rect(surface, theme.ALERT, band)
    reach_y = y_of(reach_mm)
    pygame.draw.line(surface, theme.PRIMARY, (plot.left, reach_y), (plot.right, reach_y), 3)
    label = label or f"reach {reach_mm} mm"
    _axis_label(surface, label, (plot.left + 6, reach_y - _SMALL - 2))
    points = [
        (x_of(s.t), y_of(s.distance_mm if s.distance_mm is not None else full_scale_mm))
        for s in detail.samples
    ]
    if len(points) > 1:
        pygame.draw.lines(surface, theme.TEXT, False, points, 3)
    pygame.draw.line(surface, theme.MUTED_TEXT, plot.bottomleft, plot.bottomright, 2)
    minutes = span / 60_000
    _axis_label(surface, "0", (plot.left, plot.bottom + 4))
    _axis_label(surface, f"{minutes:.1f} min", (plot.right - 90, plot.bottom + 4))
    _axis_label(surface, f"{full_scale_mm} mm", (rect.left + 4, plot.top - 4))


def draw_weekly_chart(surface: pygame.Surface, rect: pygame.Rect, summary) -> None:
    """Minutes walked each week against the goal (minutes x days)."""
    pygame.draw.rect(surface, theme.PANEL, rect)
    weeks = summary.weeks[-6:]
    goal = summary.profile.goal_minutes * summary.profile.goal_days
    top_value = max([goal * 1.25] + [w.minutes_walked for w in weeks]) or 1
    plot = rect.inflate(-60, -70).move(10, -10)
    if not weeks:
        return
    slot = plot.width // len(weeks)
    for i, week in enumerate(weeks):
        height = round(plot.height * week.minutes_walked / top_value)
        bar = pygame.Rect(
            plot.left + i * slot + slot // 6, plot.bottom - height, slot * 2 // 3, height
        )
        pygame.draw.rect(surface, theme.GAUGE_SAFE if week.goal_met else theme.MUTED_TEXT, bar)
        _axis_label(surface, f"{week.minutes_walked:.0f}", (bar.left, bar.top - _SMALL - 2))
        _axis_label(surface, week.monday.strftime("%d %b"), (bar.left, plot.bottom + 6))
    goal_y = plot.bottom - round(plot.height * goal / top_value)
    pygame.draw.line(surface, theme.PRIMARY, (plot.left, goal_y), (plot.right, goal_y), 3)
    _axis_label(
        surface,
        f"goal {goal} min ({summary.profile.goal_minutes} min x {summary.profile.goal_days} days)",
        (plot.left + 4, goal_y - _SMALL - 4),
    )
