"""The sessions' filters from a query string, with a clear word for each value that is wrong.

Shared by the Sessions page and /api/sessions. A wrong value is never a crash: the page shows
what was wrong and lists the sessions as if that filter were not given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from kiosk.log.queries import day_start_ms

PAGE_SIZE = 25
MAX_PAGE = 1_000_000


@dataclass
class SessionFilter:
    walker: int | None = None
    since: date | None = None
    until: date | None = None  # inclusive: sessions started on this day are listed
    page: int = 1
    problems: list[str] = field(default_factory=list)

    @property
    def since_ms(self) -> int | None:
        return day_start_ms(self.since) if self.since else None

    @property
    def until_ms(self) -> int | None:
        return day_start_ms(self.until + timedelta(days=1)) if self.until else None

    def query(self, **changes: object) -> str:
        """This filter as a query string, with `changes` (e.g. page=3)."""
        values = {
            "walker": self.walker or "",
            "from": self.since.isoformat() if self.since else "",
            "to": self.until.isoformat() if self.until else "",
            "page": self.page,
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in ("", None, 1)})


def parse_filter(params: QueryParams) -> SessionFilter:
    found = SessionFilter()
    walker = params.get("walker", "").strip()
    if walker:
        if walker.isdigit() and len(walker) < 12:
            found.walker = int(walker)
        else:
            found.problems.append(f"'{walker[:40]}' is not one of the walkers; showing everyone.")
    found.since = _date(params.get("from", ""), "From", found.problems)
    found.until = _date(params.get("to", ""), "To", found.problems)
    if found.since and found.until and found.since > found.until:
        found.problems.append("'From' is after 'To'; showing sessions from 'From' on.")
        found.until = None
    page = params.get("page", "1").strip() or "1"
    if page.isdigit() and 1 <= int(page[:8]) <= MAX_PAGE:
        found.page = int(page)
    else:
        found.problems.append(f"'{page[:20]}' is not a page number; showing the first page.")
    return found


def _date(text: str, label: str, problems: list[str]) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(f"'{label}' wants a date like 2025-03-01, not '{text[:20]}'.")
        return None
