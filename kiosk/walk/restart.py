"""After an unclean stop: was somebody walking a moment ago?

The session log closes a session left open by a crash or a power cut as "interrupted" when the
kiosk starts. If that session was still active a short while ago, the walker may still be at
the support (or on the floor beside it): the kiosk then starts with a check for someone at the
support instead of the home screen. After a longer stop (a power cut overnight) the room is
most likely empty, and the kiosk starts at home as usual.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from kiosk.vocabulary import EventKind

log = logging.getLogger(__name__)

RECENT_S = 300.0  # a walk active this recently may still have its walker at the support


@dataclass(frozen=True)
class CutShortWalk:
    session_id: int
    chapter: int | None  # the routine's chapter it was in, to go on from


def recent_cut_short_walk(
    store: Any, routine: Any, recent_s: float = RECENT_S
) -> CutShortWalk | None:
    """The walk a restart cut short moments ago, if any."""
    interrupted = getattr(store, "interrupted", [])
    if not interrupted:
        return None
    try:
        detail = store.session_detail(max(interrupted))
    except Exception:
        log.exception("cannot read the interrupted session")
        return None
    if detail is None or detail.session.ended_at is None:
        return None
    idle_s = (store.now_ms() - detail.session.ended_at) / 1000
    if not 0 <= idle_s <= recent_s:
        return None
    titles = [e.detail for e in detail.events if e.kind == EventKind.CHAPTER]
    return CutShortWalk(detail.session.id, _chapter_index(routine, titles[-1] if titles else None))


def _chapter_index(routine: Any, title: str | None) -> int | None:
    if routine is None or title is None:
        return None
    for index, chapter in enumerate(routine.chapters):
        if chapter.title == title:
            return index
    return None
