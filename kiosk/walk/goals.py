"""The walker's goal in words: today's goal on the home screen, the next one at the end."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from kiosk.walk.progression import suggest_for

log = logging.getLogger(__name__)


def goal_text(store: Any, walker_id: int, today: date | None = None) -> str:
    """E.g. "Today's goal: 10 minutes. This week: 2 of 3 days, 21 minutes."; "" if unknown."""
    try:
        summary = store.weekly_summary(walker_id, weeks=1)
    except Exception:
        return ""
    if summary is None:
        return ""
    goal = summary.profile
    week = summary.weeks[-1] if summary.weeks else None
    text = f"Today's goal: {goal.goal_minutes} minutes"
    if week is None or week.monday > (today or date.today()):
        return text
    return (
        f"{text}. This week: {week.days_walked} of {goal.goal_days} days, "
        f"{week.minutes_walked:.0f} minutes."
    )


def next_goal_text(store: Any, walker_id: int) -> str:
    """What to aim for next, or the suggestion to ask for a longer routine; "" if unknown."""
    try:
        suggestion = suggest_for(store, walker_id)
        summary = store.weekly_summary(walker_id, weeks=1)
    except Exception:
        log.exception("cannot read the walker's goal from the session log")
        return ""
    if suggestion.suggest:
        return "You are ready for a longer routine: ask your caregiver."
    if summary is None:
        return ""
    return (
        f"Next goal: {summary.profile.goal_minutes} minutes, "
        f"{summary.profile.goal_days} days a week."
    )
