"""Export: the same CSV and JSON files as `balance-kiosk logs export`, streamed as they are made.

The files come from kiosk.log.export itself. It writes to a file object; here that object hands
each 256 KB piece to the response through a small queue, so the first bytes leave at once, the
memory used stays flat however long the log, and a download given up half-way stops the export.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from datetime import datetime

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from kiosk.log import queries as q
from kiosk.log.export import export
from kiosk.web.filters import parse_filter
from kiosk.web.guard import Visit, page
from kiosk.web.log_access import WebLog
from kiosk.web.pages import read
from kiosk.web.templating import render

# name in the URL -> (format, table, media type)
FILES = {
    "sessions.csv": ("csv", "sessions", "text/csv; charset=utf-8"),
    "events.csv": ("csv", "events", "text/csv; charset=utf-8"),
    "samples.csv": ("csv", "samples", "text/csv; charset=utf-8"),
    "sessions.json": ("json", "sessions", "application/json"),
}
PIECE = 256 * 1024
_DONE = object()


class _Cancelled(Exception):
    """The browser went away: stop exporting."""


@page
async def export_form(request: Request, visit: Visit) -> Response:
    walkers = await read(visit, q.profiles)
    return render(
        request,
        "export.html",
        {"visit": visit, "walkers": walkers, "files": FILES, "title": "Export"},
    )


@page
async def download(request: Request, visit: Visit) -> Response:
    name = request.path_params["name"]
    if name not in FILES:
        raise HTTPException(404, "There is no such export: choose one on the Export page.")
    fmt, what, media = FILES[name]
    chosen = parse_filter(request.query_params)
    with visit.dashboard.log.reading():  # a log that cannot be read is said before streaming
        pass
    stamp = datetime.fromtimestamp(visit.dashboard.clock()).strftime("%Y-%m-%d-%H%M")
    filename = f"balance-kiosk-{stamp}-{name}"
    stream = stream_export(
        visit.dashboard.log, fmt=fmt, what=what, walker=chosen.walker, since_ms=chosen.since_ms
    )
    return StreamingResponse(
        stream,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


class _QueueWriter:
    """A text file whose pieces go to a queue, ready to send."""

    def __init__(self, pieces: queue.Queue, cancelled: threading.Event) -> None:
        self._pieces = pieces
        self._cancelled = cancelled
        self._buffer: list[str] = []
        self._size = 0

    def write(self, text: str) -> int:
        self._buffer.append(text)
        self._size += len(text)
        if self._size >= PIECE:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self._buffer:
            self._put("".join(self._buffer).encode("utf-8"))
            self._buffer, self._size = [], 0

    def _put(self, item: object) -> None:
        while not self._cancelled.is_set():
            with contextlib.suppress(queue.Full):
                self._pieces.put(item, timeout=0.5)
                return
        raise _Cancelled


def stream_export(
    log: WebLog, *, fmt: str, what: str, walker: int | None, since_ms: int | None
) -> Iterator[bytes]:
    """The export's bytes, made on a thread of its own; a CSV starts with the byte-order mark
    that `logs export --out FILE` writes too."""
    pieces: queue.Queue = queue.Queue(maxsize=8)
    cancelled = threading.Event()
    out = _QueueWriter(pieces, cancelled)

    def produce() -> None:
        try:
            with log.reading() as conn:
                export(conn, out, fmt=fmt, what=what, profile_id=walker, since_ms=since_ms)  # type: ignore[arg-type]
            out.flush()
        except _Cancelled:
            return
        except Exception as error:  # the download ends short; the log says why
            pieces.put(error)
            return
        pieces.put(_DONE)

    thread = threading.Thread(target=produce, name="web-export", daemon=True)
    thread.start()
    try:
        if fmt == "csv":
            yield "\ufeff".encode()
        while True:
            item = pieces.get()
            if item is _DONE:
                return
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        cancelled.set()
