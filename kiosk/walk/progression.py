"""The "build up gradually" rule: when to suggest the next, longer routine.

Beginners are advised to start with a few minutes and build up. The kiosk only suggests a step
up after several recent sessions at the current level that were completed with few reminders,
and never right after a sensor fault or an interrupted session: those say nothing good about
how the walking went. The caregiver decides; the rule only explains itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from kiosk.log.queries import SessionSummary, local_time
from kiosk.vocabulary import ENDINGS_NOT_CLEAN


@dataclass(frozen=True)
class Suggestion:
    suggest: bool
    current_level: int | None
    next_level: int | None
    reason: str


def suggest_next_level(
    recent: Sequence[SessionSummary],
    *,
    needed: int = 3,
    max_reminders: int = 1,
    within_days: int | None = 14,
    max_level: int | None = None,
    now_ms: int,
    tz: tzinfo | None = None,
) -> Suggestion:
    """Decide from a profile's most recent sessions, newest first (open sessions are skipped).

    Suggests level + 1 when the ``needed`` newest sessions are all at the current level,
    completed, with at most ``max_reminders`` reminders each, and started in the last
    ``within_days`` days.
    """
    closed = [s for s in recent if s.ended_how is not None]
    if not closed:
        return Suggestion(False, None, None, "No sessions yet: start with the first level.")
    level = closed[0].level
    if max_level is not None and level >= max_level:
        return Suggestion(False, level, None, f"Already at the longest routine (level {level}).")
    oldest_ms = now_ms - within_days * 86_400_000 if within_days is not None else None
    streak = 0
    for s in closed[:needed]:
        if s.level != level or (oldest_ms is not None and s.started_at < oldest_ms):
            break  # an earlier level, or too long ago to count
        when = local_time(s.started_at, tz).strftime("%d %b")
        if s.ended_how in ENDINGS_NOT_CLEAN:
            return _stay(level, f"the session on {when} {ENDINGS_NOT_CLEAN[s.ended_how]}")
        if s.reminders > max_reminders:
            return _stay(level, f"the session on {when} needed {_n(s.reminders, 'reminder')}")
        streak += 1
    if streak < needed:
        return _stay(
            level,
            f"{_n(streak, 'recent clean session')} so far, {needed} needed before a longer routine",
        )
    reminders = "no reminders" if max_reminders == 0 else f"at most {_n(max_reminders, 'reminder')}"
    return Suggestion(
        True,
        level,
        level + 1,
        f"The last {needed} sessions at level {level} were completed with {reminders} each: "
        f"ready to try level {level + 1}.",
    )


def suggest_for(store: Any, profile_id: int, *, needed: int = 3, **rule: Any) -> Suggestion:
    """The suggestion for one walker, from the session log's newest sessions."""
    page = store.list_sessions(profile_id=profile_id, page_size=needed + 2)
    return suggest_next_level(page.sessions, needed=needed, now_ms=store.now_ms(), **rule)


def _stay(level: int, why: str) -> Suggestion:
    return Suggestion(False, level, None, f"Stay at level {level}: {why}.")


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
