"""The session log: the one place the kiosk writes sessions, events and distance samples.

What the routine needs from it, above all, is that logging never gets in the way of the exercise,
and that nothing it records is lost without a word:

* Writes from the safety loop and the screen are queued and committed by one writer thread, so
  no caller ever waits on the SD card (except ``start_session``/``end_session``, which wait a
  bounded time for their commit) and there is exactly one writer.
* Nothing raises to the routine. A full disk or an I/O error is recorded in ``problems`` and
  logged; unwritten rows stay in a bounded memory buffer and are retried. Rows still unwritten
  when the store closes are kept in room set aside beside the log and written at the next open
  (``kiosk.log.unsaved``); where even that fails, the journal says what they held.
* The file is checked page by page (SQLite's quick_check) before anything is written to it, and
  again after a write fails. A file that cannot be used (damaged, another program's, a newer
  schema) is renamed aside, untouched, and a fresh log is started; from a file damaged in
  places every readable row is copied into the fresh one (``kiosk.log.salvage``). If no file
  can be used at all, an in-memory log keeps the routine going and ``problems`` says sessions
  are not being saved.
* The store also keeps this run's last sessions in memory (``kiosk.log.run_record``): a file
  deleted or replaced while the kiosk runs is written back from the connection that still has
  it open, and one damaged or overwritten is replaced by a fresh log with this run's sessions
  written again; their summaries never depend on the file.
* Event kinds and endings are checked twice: here, where an unknown one is logged and not
  raised, and in the file's own SQL (triggers from ``kiosk.vocabulary``, brought up to date at
  every open: see ``kiosk.log.schema``).

Durability: the WAL runs with ``synchronous=NORMAL`` (no fsync per commit), which is plenty for
distance samples. Commits that carry a session start, an event or a session end switch to
``synchronous=FULL`` for that commit, so the WAL is fsynced and they survive a power cut; a
samples-only commit is made durable at least every DURABLE_EVERY_S. Auto-checkpoints run in the
writer thread; ``close()`` checkpoints and truncates the WAL.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import logging
import os
import queue
import sqlite3
import threading
import time
import unicodedata
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from kiosk.log import queries as q
from kiosk.log import unsaved
from kiosk.log.clock_correction import shift_session_times
from kiosk.log.file_watch import FileWatch
from kiosk.log.opening import (
    damaged_in_places,
    open_file,
    open_reader,
    recover,
    rescue,
    set_aside_unusable,
    settle,
    worth_rescuing,
)
from kiosk.log.outbox_rows import DELETE_OUTBOX, INSERT_OUTBOX, READ_OUTBOX, OutboxOp, write_outbox
from kiosk.log.problems import (
    StoreProblem,
    is_full,
    moved_problem,
    not_saving,
    store_error_text,
    unsaved_problem,
    write_problem,
)
from kiosk.log.rows import INSERT_SAMPLE, Row
from kiosk.log.run_record import RunRecord, replay
from kiosk.log.schema import (
    UnusableDatabase,
    damage_found,
    is_damage,
    migrate,
    set_aside,
    sync_word_checks,
)
from kiosk.vocabulary import Ending, EventKind

logger = logging.getLogger(__name__)

__all__ = ["SessionStore", "StoreError", "StoreProblem"]

# Plain strings, so that a kind read from anywhere is checked by its text.
EVENT_KINDS = frozenset(str(kind) for kind in EventKind)
ENDINGS = frozenset(str(ending) for ending in Ending)

SAMPLE_BUFFER_S = 1.0  # distance samples wait at most this long before they are written
DURABLE_EVERY_S = 5.0  # a samples-only commit is fsynced at least this often
RETRY_EVERY_S = 2.0  # after a failed write, retry this often even if nothing new arrives
MAX_PENDING_ROWS = 20_000  # sessions/events kept in memory while writes fail
MAX_BUFFERED_SAMPLES = 18_000  # one hour at 5 Hz
CHECK_EVERY_S = 60.0  # after write errors, the whole file is checked at most this often

# Errors about one row's data, not about the disk: that row is dropped, the others are written.
_BAD_ROW = (
    sqlite3.IntegrityError,
    sqlite3.InterfaceError,
    sqlite3.ProgrammingError,
    sqlite3.DataError,
)

_memory_ids = itertools.count(1)
_open_stores: weakref.WeakSet[SessionStore] = weakref.WeakSet()


class StoreError(Exception):
    """A caregiver action on the log (not the routine's) could not be done; the message says
    why in plain words."""


@dataclass
class _Waiter:
    """A caller waiting until everything queued before it has been written."""

    done: threading.Event = field(default_factory=threading.Event)
    ok: bool = False


@dataclass
class _Call:
    """Work that must run on the writer connection, with its result handed back."""

    fn: Callable[[sqlite3.Connection], Any]
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None


_STOP = object()
_CHECK = object()  # a read found damage: check the file on the writer thread


class SessionStore:
    """The session log. Build it with ``SessionStore.open(path)``; every method is thread-safe."""

    def __init__(
        self,
        path: Path,
        conn: sqlite3.Connection,
        reader: sqlite3.Connection,
        problems: list[StoreProblem],
        *,
        clock: Callable[[], float],
        sync_timeout: float,
        in_memory: bool,
        waiting: list[Row] | None = None,
    ) -> None:
        self.path = path
        self.problems = problems
        self.interrupted: list[int] = []  # sessions this open closed as interrupted
        self.in_memory = in_memory
        self._conn = conn
        self._reader = reader
        self._read_lock = threading.Lock()
        self._clock = clock
        self._sync_timeout = sync_timeout
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._problem_lock = threading.Lock()
        self._id_lock = threading.Lock()
        self._closed = False
        self._record = RunRecord()
        self._unsaved_ids: frozenset[int] = frozenset()
        self._watch: FileWatch | None = None if in_memory else FileWatch(path)
        # Writer-thread state (touched only by the writer thread after start).
        waiting = waiting or []  # rows the last run kept beside the log, not written yet
        self._pending: deque[Row] = deque(r for r in waiting if r.kind != "sample")
        self._samples: deque[Row] = deque(r for r in waiting if r.kind == "sample")
        self._keeps_rows = bool(waiting)  # the room beside the log holds rows
        self._oldest_sample = 0.0
        self._failing = False
        self._retry_at = 0.0
        self._checked_at = -CHECK_EVERY_S
        self._last_durable = time.monotonic()
        self._dropped = 0
        max_id = conn.execute("SELECT max(id) FROM sessions").fetchone()[0]
        waiting_ids = [r.session_id for r in waiting if r.kind == "session"]
        self._next_id = max([max_id or 0, *waiting_ids]) + 1
        self._first_id = self._next_id
        self._thread = threading.Thread(target=self._run, name="session-store", daemon=True)
        self._thread.start()
        _open_stores.add(self)

    # ----------------------------------------------------------------- opening

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        clock: Callable[[], float] = time.time,
        sync_timeout: float = 2.0,
    ) -> SessionStore:
        """Open (or create) the log at ``path``; never raises, see ``problems`` instead.

        Rows the last run could not write are written, then sessions left open by a crash or
        power cut are closed as 'interrupted'. A file that cannot be used is set aside (what
        can still be read of a damaged one is copied into the fresh log) and a fresh one tried
        once; failing that, the log is kept in memory.
        """
        path = Path(path)
        problems: list[StoreProblem] = []

        def report(problem: StoreProblem) -> None:
            logger.error("%s", problem.message)
            problems.append(problem)

        damaged: tuple[Path, str] | None = None  # a file set aside to rescue, and its damage
        for _attempt in range(2):
            conn: sqlite3.Connection | None = None
            try:
                conn = open_file(path)
                if damaged is not None:
                    aside, detail = damaged
                    rescue(conn, path, aside, damaged_in_places(detail), report)
                settled = settle(conn, path, report)
                reader = open_reader(path)
                options = {"clock": clock, "sync_timeout": sync_timeout, "in_memory": False}
                store = cls(path, conn, reader, problems, **options, waiting=settled.waiting)
                store.interrupted = settled.interrupted
                return store
            except (UnusableDatabase, sqlite3.DatabaseError, OSError) as exc:
                if conn is not None:
                    conn.close()
                aside = set_aside_unusable(path, exc, report)
                if aside is None:
                    break
                detail = worth_rescuing(exc)
                damaged = (aside, detail) if detail is not None else None
        return cls._in_memory(path, problems, clock=clock, sync_timeout=sync_timeout)

    @classmethod
    def _in_memory(
        cls,
        path: Path,
        problems: list[StoreProblem],
        *,
        clock: Callable[[], float],
        sync_timeout: float,
    ) -> SessionStore:
        if not problems or problems[-1].kind != "not_saving":
            problem = not_saving(path, OSError("a new log could not be started"))
            problems.append(problem)
            logger.error("%s", problem.message)
        conn, reader = _memory_log()
        return cls(
            path,
            conn,
            reader,
            problems,
            clock=clock,
            sync_timeout=sync_timeout,
            in_memory=True,
        )

    # ----------------------------------------------------- the routine's writes

    def start_session(
        self,
        profile_id: int,
        routine: str,
        level: int,
        *,
        t_ms: int | None = None,
        settings: q.SessionSettings | None = None,
    ) -> int:
        """Record that a routine starts, with the safety settings in force (None: not known);
        returns the session id. Waits (bounded) for the commit."""
        with self._id_lock:
            session_id = self._next_id
            self._next_id += 1
        t = self.now_ms() if t_ms is None else t_ms
        in_force = settings.as_row() if settings is not None else (None,) * 4
        params = (session_id, int(profile_id), str(routine), int(level), int(t), *in_force)
        self._submit(Row("session", params))
        self.flush(self._sync_timeout)
        return session_id

    def record_event(
        self,
        session_id: int,
        kind: str,
        detail: str = "",
        distance_mm: int | None = None,
        *,
        t_ms: int | None = None,
    ) -> None:
        """Queue an event (alarm_on, pause, ...); it is committed within milliseconds."""
        t = self.now_ms() if t_ms is None else t_ms
        if kind not in EVENT_KINDS:
            logger.error("event kind %r is not one of %s; not recorded", kind, sorted(EVENT_KINDS))
            return
        try:
            params = (int(session_id), int(t), str(kind), str(detail or ""), _mm(distance_mm))
        except (TypeError, ValueError) as exc:
            logger.error("event %s not recorded: %s", kind, exc)
            return
        self._submit(Row("event", params))

    def record_sample(
        self, session_id: int, distance_mm: int | None, *, t_ms: int | None = None
    ) -> None:
        """Queue a distance sample (None: no reading); samples are written once a second."""
        t = self.now_ms() if t_ms is None else t_ms
        try:
            params = (int(session_id), int(t), _mm(distance_mm))
        except (TypeError, ValueError) as exc:
            logger.error("distance sample not recorded: %s", exc)
            return
        self._submit(Row("sample", params))

    def end_session(
        self,
        session_id: int,
        ended_how: str,
        *,
        seconds_walking: float,
        seconds_paused: float,
        t_ms: int | None = None,
    ) -> None:
        """Close a session (completed|stopped|interrupted|fault), durably; waits for the commit."""
        t = self.now_ms() if t_ms is None else t_ms
        if ended_how not in ENDINGS:
            logger.error(
                "ending %r is not one of %s; saved as %r", ended_how, ENDINGS, str(Ending.STOPPED)
            )
            ended_how = Ending.STOPPED
        ending = str(ended_how)  # an Ending is stored as its word
        params = (int(t), ending, float(seconds_walking), float(seconds_paused), int(session_id))
        self._submit(Row("end", params))
        self.flush(self._sync_timeout)

    # ------------------------------------------------- the broker's outbox (kiosk/link)

    def outbox_add(self, seq: int, kind: str, topic: str, payload: str, t_ms: int) -> None:
        """Queue a message for the broker; committed durably, like an event."""
        params = (int(seq), str(kind), str(topic), str(payload), int(t_ms))
        self._submit(OutboxOp(INSERT_OUTBOX, params))

    def outbox_delete(self, seq: int) -> None:
        """Queue the removal of a message the broker has (or that was dropped)."""
        self._submit(OutboxOp(DELETE_OUTBOX, (int(seq),)))

    def outbox_rows(self) -> list[tuple[int, str, str, str, int]]:
        """What the broker has not confirmed yet, oldest first: (seq, kind, topic, payload,
        created_at). Reads what is committed; call `flush` first to include what is queued."""
        with self.reading() as conn:
            return conn.execute(READ_OUTBOX).fetchall()

    def flush(self, timeout: float | None = 5.0) -> bool:
        """Write everything queued so far; True when all of it is in the file."""
        if self._closed:
            return not self._pending and not self._samples
        waiter = _Waiter()
        self._queue.put(waiter)
        if not waiter.done.wait(timeout):
            logger.warning("session log write did not finish within %s s", timeout)
            return False
        return waiter.ok

    @property
    def saving_ok(self) -> bool:
        """False while writes are failing (rows are waiting in memory)."""
        return not self._failing

    # ------------------------------------------------------------ profiles

    def add_profile(self, name: str, *, goal_minutes: int = 10, goal_days: int = 3) -> int:
        """Create a walker's profile; raises ValueError if the name is taken, StoreError if
        the log cannot be written."""
        now = self.now_ms()
        return self._call(
            lambda conn: insert_profile(
                conn, name, goal_minutes=goal_minutes, goal_days=goal_days, now_ms=now
            )
        )

    def ensure_profile(self, name: str) -> int:
        """The id of the profile with this name, created with the default goal if missing."""
        found = self.find_profile(name)
        return found.id if found else self.add_profile(name)

    def rename_profile(self, profile_id: int, name: str) -> None:
        """Raises ValueError if the name is empty or taken."""
        self._call(lambda conn: rename_profile_row(conn, profile_id, name))

    def set_goal(self, profile_id: int, *, goal_minutes: int, goal_days: int) -> None:
        self._call(
            lambda conn: set_goal_row(
                conn, profile_id, goal_minutes=goal_minutes, goal_days=goal_days
            )
        )

    # ------------------------------------------------------ caregiver queries

    def profiles(self) -> list[q.Profile]:
        with self.reading() as conn:
            return q.profiles(conn)

    def find_profile(self, name_or_id: str) -> q.Profile | None:
        """A walker by name first, then by ID (see queries.find_profile)."""
        with self.reading() as conn:
            return q.find_profile(conn, name_or_id)

    def list_sessions(
        self,
        *,
        profile_id: int | None = None,
        since: date | None = None,
        page: int = 1,
        page_size: int = q.DEFAULT_PAGE_SIZE,
    ) -> q.SessionPage:
        """Newest first; ``since`` is a local date."""
        since_ms = q.day_start_ms(since) if since else None
        with self.reading() as conn:
            return q.list_sessions(
                conn, profile_id=profile_id, since_ms=since_ms, page=page, page_size=page_size
            )

    def session_detail(self, session_id: int) -> q.SessionDetail | None:
        """One session with its events and samples. A session of this run that the file
        cannot give (its rows wait to be written, or the file cannot be read) is answered
        from memory (see RunRecord), so its summary is right whatever became of the file."""
        kept = self._record.rows_of(session_id)
        remembered = kept is not None and not kept[1]
        if session_id not in self._unsaved_ids or not remembered:
            try:
                with self.reading() as conn:
                    detail = q.session_detail(conn, session_id)
                if detail is not None or not remembered:
                    return detail
            except sqlite3.Error:
                if not remembered:
                    raise
        walker = self._record.profile_of(session_id)
        return self._record.detail(session_id, self._profile_if_readable(walker))

    def unsaved_sessions(self) -> set[int]:
        """The sessions with records not yet in the file (kept in memory while it fails)."""
        return set(self._unsaved_ids)

    def _profile_if_readable(self, profile_id: int | None) -> q.Profile | None:
        if profile_id is None:
            return None
        try:
            with self.reading() as conn:
                return q.profile_by_id(conn, profile_id)
        except sqlite3.Error:
            return None

    def weekly_summary(self, profile_id: int, *, weeks: int | None = 12) -> q.WeeklySummary | None:
        with self.reading() as conn:
            return q.weekly_summary(conn, profile_id, weeks=weeks)

    @contextlib.contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The read connection (for session_queries and log_export), one user at a time.
        Damage found while reading has the writer check the whole file."""
        with self._read_lock:
            try:
                yield self._reader
            except sqlite3.DatabaseError as exc:
                if is_damage(exc) and not self._closed:
                    self._queue.put(_CHECK)
                raise

    def correct_clock(self, jump_ms: int) -> list[int]:
        """The wall clock has just been set, `jump_ms` away from what this run logged with:
        move the times of this run's sessions logged before, and return their ids.

        Rows still waiting for room on the card were stamped on the old scale too, and moving
        them in memory would be a guess: then nothing moves and the sessions keep their mark.
        """

        def correct(conn: sqlite3.Connection) -> list[int]:
            if self._pending or self._samples:
                logger.warning("the clock was set while rows wait to be saved; times not moved")
                return []
            return shift_session_times(conn, self._first_id, jump_ms, self.now_ms())

        return self._call(correct)

    # ---------------------------------------------------------------- closing

    def recover_open_sessions(self) -> list[int]:
        """Close sessions an earlier run left open as 'interrupted'; returns their ids.

        Already done by ``open``; sessions started by this store are never touched.
        """
        return self._call(lambda conn: recover(conn, self._first_id))

    def close(self, timeout: float = 5.0) -> None:
        """Write what is buffered (or keep it beside the log), checkpoint, and close. Safe to
        call twice."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(_STOP)
        self._thread.join(timeout)
        with self._read_lock:
            self._reader.close()
        if not self._thread.is_alive():
            if not self.in_memory:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._conn.close()
            self._stop_watching()
        _open_stores.discard(self)

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --------------------------------------------------------------- internals

    def now_ms(self) -> int:
        """Now on the log's clock, in ms since the epoch (the time sessions are stamped with)."""
        return int(round(self._clock() * 1000))

    def _submit(self, row: Row | OutboxOp) -> None:
        if self._closed:
            what = row.kind if isinstance(row, Row) else "a change to the broker's outbox"
            logger.warning("session log is closed; %s not recorded", what)
            return
        self._queue.put(row)

    def _call(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        if self._closed:
            raise StoreError("the session log is closed")
        call = _Call(fn)
        self._queue.put(call)
        if not call.done.wait(self._sync_timeout):
            raise StoreError("the session log did not answer in time; try again")
        if isinstance(call.error, sqlite3.IntegrityError | ValueError):
            raise call.error
        if call.error is not None:
            raise StoreError(store_error_text(self.path, call.error)) from call.error
        return call.result

    def _report(self, kind: str, message: str, level: int = logging.ERROR) -> None:
        logger.log(level, "%s", message)
        with self._problem_lock:
            self.problems.append(StoreProblem(kind, message))

    def _add_problem(self, problem: StoreProblem) -> None:
        self._report(problem.kind, problem.message)

    # ------------------------------------------------------------ the writer

    def _run(self) -> None:
        """The writer thread: collect queued work, write it in one transaction, repeat."""
        while True:
            try:
                item = self._queue.get(timeout=self._wait_time())
            except queue.Empty:
                item = None
            items = [] if item is None else [item]
            with contextlib.suppress(queue.Empty):
                while len(items) < 5000:
                    items.append(self._queue.get_nowait())
            stop = False
            try:
                stop = self._handle(items)
            except Exception as exc:  # a bug here must not end logging for the whole session
                logger.exception("session log writer failed")
                self._report("write_error", f"The session log writer hit an error: {exc}")
                for it in items:
                    if isinstance(it, _Waiter | _Call):
                        it.done.set()
                stop = _STOP in items
            if stop:
                return

    def _wait_time(self) -> float | None:
        now = time.monotonic()
        if self._pending and not self._failing:
            return 0.0  # rows the last run kept: write them now
        if self._failing and (self._pending or self._samples):
            return max(0.0, self._retry_at - now)
        if self._samples:
            return max(0.0, self._oldest_sample + SAMPLE_BUFFER_S - now)
        return None

    def _handle(self, items: list[object]) -> bool:
        waiters: list[_Waiter] = []
        outbox: list[OutboxOp] = []
        stop = new_rows = False
        for it in items:
            if it is _STOP:
                stop = True
            elif it is _CHECK:
                self._check_damage(None)
            elif isinstance(it, _Waiter):
                waiters.append(it)
            elif isinstance(it, _Call):
                self._write()  # keep order: rows queued before the call go first
                try:
                    it.result = it.fn(self._conn)
                except BaseException as exc:
                    it.error = exc
                it.done.set()
            elif isinstance(it, Row):
                new_rows = self._take(it) or new_rows
            elif isinstance(it, OutboxOp):
                outbox.append(it)
        self._trim()
        ok = self._write() if self._due(bool(waiters) or stop or new_rows) else True
        if outbox:
            write_outbox(self._conn, outbox)
        if stop:
            self._finish()
        self._unsaved_ids = frozenset(r.session_id for r in (*self._pending, *self._samples))
        for w in waiters:
            w.ok = ok
            w.done.set()
        return stop

    def _take(self, row: Row) -> bool:
        """Buffer a queued row (and remember it for this run); True for a row that is not a
        sample, which is written at once."""
        self._record.remember(row)
        if row.kind == "sample":
            if not self._samples:
                self._oldest_sample = time.monotonic()
            self._samples.append(row)
            return False
        self._pending.append(row)
        return True

    def _due(self, asked: bool) -> bool:
        """Whether to write now: asked to (a waiter, a stop, new rows), or time has come."""
        if asked:
            return True
        now = time.monotonic()
        if self._failing:
            return now >= self._retry_at
        return bool(self._samples) and now - self._oldest_sample >= SAMPLE_BUFFER_S

    def _write(self, again: bool = True) -> bool:
        if not self._watch_file():
            return False
        if not self._pending and not self._samples:
            return True
        rows = list(self._pending)
        samples = [s.params for s in self._samples]
        durable = bool(rows) or time.monotonic() - self._last_durable >= DURABLE_EVERY_S
        conn = self._conn
        try:
            if durable:
                conn.execute("PRAGMA synchronous = FULL")
            conn.execute("BEGIN IMMEDIATE")
            for row in rows:
                conn.execute(row.sql, row.params)
            if samples:
                conn.executemany(INSERT_SAMPLE, samples)
            conn.execute("COMMIT")
        except _BAD_ROW as exc:
            _rollback(conn)
            logger.warning("a queued row was refused (%s); writing rows one by one", exc)
            return self._write_one_by_one()
        except (sqlite3.Error, OSError) as exc:
            _rollback(conn)
            if self._write_failed(exc) and again:  # a fresh log replaced a damaged one
                return self._write(again=False)
            return False
        finally:
            if durable:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("PRAGMA synchronous = NORMAL")
        if durable:
            self._last_durable = time.monotonic()
        self._pending.clear()
        self._samples.clear()
        self._write_succeeded(len(rows) + len(samples))
        return True

    def _write_one_by_one(self) -> bool:
        """Drop only the rows SQLite refuses (e.g. an event for an unknown session)."""
        refused: list[str] = []
        try:
            for buffer in (self._pending, self._samples):
                while buffer:
                    row = buffer[0]
                    try:
                        self._conn.execute("BEGIN IMMEDIATE")
                        self._conn.execute(row.sql, row.params)
                        self._conn.execute("COMMIT")
                    except _BAD_ROW as exc:
                        _rollback(self._conn)
                        refused.append(f"{row.kind} {row.params!r}: {exc}")
                    except (sqlite3.Error, OSError) as exc:
                        _rollback(self._conn)
                        self._write_failed(exc)
                        return False
                    buffer.popleft()
        finally:
            if refused:  # one line, however many: a bad session id would refuse every sample
                logger.error(
                    "dropped %d row(s) SQLite refused; first: %s", len(refused), refused[0]
                )
        self._write_succeeded(0)
        return True

    def _write_failed(self, exc: BaseException) -> bool:
        """Note a failed write; True when the file turned out damaged and was replaced."""
        self._retry_at = time.monotonic() + RETRY_EVERY_S
        if not is_full(exc) and self._check_damage(exc):
            return True
        if not self._failing:
            self._failing = True
            problem = write_problem(self.path, exc)
            self._report(problem.kind, problem.message)
        return False

    def _write_succeeded(self, count: int) -> None:
        if self._keeps_rows and not self._pending and not self._samples:
            unsaved.clear(self.path)  # what the last run kept is in the log now
            self._keeps_rows = False
        if self._failing:
            self._failing = False
            self._report(
                "recovered",
                f"Saving to {self.path} works again; the {count} waiting records were saved.",
                logging.WARNING,
            )

    def _trim(self) -> None:
        """Bound the memory kept while writes fail: samples go first, then the oldest events."""
        dropped = 0
        while len(self._samples) > MAX_BUFFERED_SAMPLES:
            self._samples.popleft()
            dropped += 1
        if len(self._pending) > MAX_PENDING_ROWS:
            kept: deque[Row] = deque()
            excess = len(self._pending) - MAX_PENDING_ROWS
            for row in self._pending:
                if excess and row.kind == "event":
                    excess -= 1
                    dropped += 1
                else:
                    kept.append(row)
            self._pending = kept
        if dropped:
            if not self._dropped:
                self._report(
                    "dropped",
                    f"Saving has failed for a long time; the oldest unsaved records are being "
                    f"dropped to keep the kiosk running ({self.path}).",
                )
            self._dropped += dropped

    def _finish(self) -> None:
        """At close, on the writer thread, after the last write (which also wrote back a log
        deleted meanwhile): rows that still cannot be written are kept beside the log, or,
        where there is no room at all, described in the journal."""
        if self._pending or self._samples:
            self._keep_unsaved()
        elif self._keeps_rows:
            unsaved.clear(self.path)
            self._keeps_rows = False

    def _keep_unsaved(self) -> None:
        rows = [*self._pending, *self._samples]
        sessions = sorted({row.session_id for row in rows})
        kept_in, dropped = (None, len(rows)) if self.in_memory else unsaved.keep(self.path, rows)
        if kept_in is None:
            for line in unsaved.describe(rows):
                logger.error("not saved, and nowhere to keep it: %s", line)
        elif dropped:
            logger.error("%d distance sample(s) did not fit in %s", dropped, kept_in.name)
        problem = unsaved_problem(self.path, kept_in, sessions)
        self._report(problem.kind, problem.message)

    # ------------------------------------------- a file changed under the store

    def _watch_file(self) -> bool:
        """Whether the file at the log's name is still the one being written; if it was
        deleted or replaced it is written back, if overwritten it is replaced (False when
        that could not be done now: the rows wait)."""
        if self.in_memory:
            return True
        what = self._watch.what_happened() if self._watch is not None else None
        if what is None:
            return True
        if what == "overwritten":
            self._replace_log("was overwritten while the kiosk was running")
            return True
        return self._write_back(what)

    def _check_damage(self, exc: BaseException | None) -> bool:
        """Check the whole file after an error; when it is damaged, replace it (True)."""
        now = time.monotonic()
        surely_damaged = exc is not None and is_damage(exc)
        if self.in_memory or (now - self._checked_at < CHECK_EVERY_S and not surely_damaged):
            return False
        self._checked_at = now
        try:  # a connection of its own: the writer's cache may hold pages since gone bad
            with contextlib.closing(open_reader(self.path)) as checker:
                found = damage_found(checker)
        except sqlite3.Error:
            found = None  # the check itself could not run (e.g. an I/O error): retry later
        if found is None and exc is not None and is_damage(exc):
            found = str(exc)
        if found is None:
            return False
        self._replace_log(damaged_in_places(found))
        return True

    def _replace_log(self, happened: str) -> None:
        """The file cannot be trusted (``happened``: why): keep it aside, start a fresh log,
        copy into it what can still be read, and write this run's sessions again from memory."""
        logger.error("the session log %s %s: replacing it", self.path, happened)
        with self._read_lock:
            self._reader.close()
            try:
                aside = set_aside(self.path)
            except OSError as exc:
                self._to_memory(exc)
                return
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()  # its last checkpoint lands in the kept file
            self._stop_watching()
            try:
                conn = open_file(self.path)
                rescue(conn, self.path, aside, happened, self._add_problem)
                self._write_run_again(conn)
                self._use(conn, open_reader(self.path))
            except (UnusableDatabase, sqlite3.Error, OSError) as exc:
                self._to_memory(exc)

    def _write_back(self, what: str) -> bool:
        """The file was deleted or replaced, but the open connection still holds the whole
        log: copy it out, and make the copy the log under its name."""
        rebuilt = self.path.with_name(f"{self.path.name}.rebuild")
        try:
            rebuilt.unlink(missing_ok=True)
            # Page by page with the backup API: SQLite 3.40's VACUUM INTO wrote a copy with
            # unused pages and missing index rows from a log whose file had been deleted.
            with contextlib.closing(sqlite3.connect(rebuilt)) as copy:
                self._conn.backup(copy)
        except (sqlite3.Error, OSError) as exc:
            self._write_failed(exc)  # e.g. full: the rows wait, and this is tried again
            return False
        with self._read_lock:
            self._reader.close()
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._stop_watching()
            aside = _keep_newcomer(self.path) if what == "replaced" else None
            try:
                if what == "replaced" and aside is None:
                    raise OSError("the file put in its place could not be moved aside")
                os.replace(rebuilt, self.path)
                self._use(open_file(self.path), open_reader(self.path))
            except (UnusableDatabase, sqlite3.Error, OSError) as exc:
                self._to_memory(exc)
                return True
        happened = "deleted" if what == "deleted" else "replaced by another file"
        self._add_problem(moved_problem(self.path, happened, aside))
        return True

    def _write_run_again(self, conn: sqlite3.Connection) -> None:
        """Write this run's sessions into ``conn`` from memory, over whatever was rescued of
        them; their rows still waiting are part of that, so they leave the buffers."""
        written: set[int] = set()
        for session_id in self._record.session_ids():
            kept = self._record.rows_of(session_id)
            walker = self._record.profile_of(session_id)
            if kept is None or walker is None:
                continue
            rows, partial = kept
            if _clear_session(conn, session_id, walker, rows if partial else None):
                rows = [r for r in rows if r.kind != "session"]  # its row stays, with samples
            replay(conn, rows)
            written.add(session_id)
        self._pending = deque(r for r in self._pending if r.session_id not in written)
        self._samples = deque(r for r in self._samples if r.session_id not in written)

    def _use(self, conn: sqlite3.Connection, reader: sqlite3.Connection) -> None:
        self._conn, self._reader = conn, reader
        self._watch = FileWatch(self.path)
        unsaved.make_room(self.path)  # the room may have gone with the old file

    def _stop_watching(self) -> None:
        """Close the watch's descriptor; only after the connections to the file are closed."""
        if self._watch is not None:
            self._watch.close()
            self._watch = None

    def _to_memory(self, exc: BaseException) -> None:
        """No file can be used now: go on in memory, with this run's sessions, and say so."""
        conn, reader = _memory_log()
        self.in_memory = True
        self._write_run_again(conn)
        self._conn, self._reader = conn, reader
        self._add_problem(not_saving(self.path, exc))


def _memory_log() -> tuple[sqlite3.Connection, sqlite3.Connection]:
    """A log in memory (writer and reader) for when no file can be used."""
    uri = f"file:balance-kiosk-memory-{next(_memory_ids)}?mode=memory&cache=shared"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys = ON")
    migrate(conn)
    sync_word_checks(conn)
    reader = sqlite3.connect(uri, uri=True, check_same_thread=False)
    reader.execute("PRAGMA read_uncommitted = ON")  # shared cache: don't wait on the writer
    return conn, reader


def _keep_newcomer(path: Path) -> Path | None:
    """Move a file put in the log's place aside (the log's companions stay: they are the
    open log's), untouched."""
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.replaced-{stamp}")
    try:
        path.rename(target)
    except OSError as exc:
        logger.error("could not move the file found at %s aside: %s", path, exc)
        return None
    return target


def _clear_session(
    conn: sqlite3.Connection, session_id: int, walker: int, partial_rows: list[Row] | None
) -> bool:
    """Make room for a session written again from memory: its rescued rows go, and its walker
    is there. For a session whose oldest samples memory let go (``partial_rows``), the rescued
    samples before the kept ones stay, and so does its row (True)."""
    first_kept = None
    if partial_rows is not None:
        first_kept = min((r.params[1] for r in partial_rows if r.kind == "sample"), default=None)
    conn.execute("DELETE FROM events WHERE session_id = ?", (session_id,))
    if first_kept is None:
        conn.execute("DELETE FROM samples WHERE session_id = ?", (session_id,))
    else:
        conn.execute(
            "DELETE FROM samples WHERE session_id = ? AND t >= ?", (session_id, first_kept)
        )
    older = conn.execute("SELECT count(*) FROM samples WHERE session_id = ?", (session_id,))
    if older.fetchone()[0] == 0:
        conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
    conn.execute(
        "INSERT OR IGNORE INTO profiles (id, name, created_at) VALUES (?, ?, 0)",
        (walker, f"Walker {walker} (recovered)"),
    )
    row = conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone()
    return row is not None


def _clean_name(name: str) -> str:
    """One spelling for each name (é typed either way), printable, at most 40 characters."""
    name = unicodedata.normalize("NFC", name).strip()
    if not name:
        raise ValueError("a profile needs a name")
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise ValueError("a name cannot hold tabs, line breaks or other control characters")
    if len(name) > 40:
        raise ValueError(f"a name is at most 40 characters ({len(name)} given)")
    return name


def _refuse_taken_name(conn: sqlite3.Connection, name: str, profile_id: int | None) -> None:
    """ValueError when another walker has this name in any capitals or accent spelling ("ZOË"
    beside "Zoë"); SQLite's NOCASE folds only A to Z."""
    key = q.name_key(name)
    for other in q.profiles(conn):
        if other.id != profile_id and q.name_key(other.name) == key:
            raise ValueError(f"a profile named {other.name!r} already exists")


def _mm(distance_mm: float | None) -> int | None:
    return None if distance_mm is None else int(round(distance_mm))


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


@atexit.register
def _close_open_stores() -> None:
    """Write what is buffered if the program exits without closing its store."""
    for store in list(_open_stores):
        with contextlib.suppress(Exception):
            store.close(timeout=2.0)


# The walkers' profiles, written on any writing connection: the store's writer thread, or
# the web dashboard's own short-lived connection (a process of its own, see kiosk.web).

GOAL_MINUTES = (1, 120)  # minutes a day
GOAL_DAYS = (1, 7)  # days a week


def insert_profile(
    conn: sqlite3.Connection, name: str, *, goal_minutes: int, goal_days: int, now_ms: int
) -> int:
    """A new walker; ValueError when the name is empty, too long or taken (also as 'ZOË'
    beside 'Zoë')."""
    name = _clean_name(name)
    _refuse_taken_name(conn, name, None)
    try:
        cur = conn.execute(
            """INSERT INTO profiles (name, goal_minutes, goal_days, created_at)
               VALUES (?, ?, ?, ?)""",
            (name, goal_minutes, goal_days, now_ms),
        )
    except sqlite3.IntegrityError:
        raise ValueError(f"a profile named {name!r} already exists") from None
    return int(cur.lastrowid or 0)


def rename_profile_row(conn: sqlite3.Connection, profile_id: int, name: str) -> None:
    """ValueError when the name is empty, too long or taken."""
    name = _clean_name(name)
    _refuse_taken_name(conn, name, profile_id)
    try:
        conn.execute("UPDATE profiles SET name = ? WHERE id = ?", (name, profile_id))
    except sqlite3.IntegrityError:
        raise ValueError(f"a profile named {name!r} already exists") from None


def set_goal_row(
    conn: sqlite3.Connection, profile_id: int, *, goal_minutes: int, goal_days: int
) -> None:
    conn.execute(
        "UPDATE profiles SET goal_minutes = ?, goal_days = ? WHERE id = ?",
        (goal_minutes, goal_days, profile_id),
    )
