"""The session log: the one place the kiosk writes sessions, events and distance samples.

What the routine needs from it, above all, is that logging never gets in the way of the exercise:

* Writes from the safety loop and the screen are queued and committed by one writer thread, so
  no caller ever waits on the SD card (except ``start_session``/``end_session``, which wait a
  bounded time for their commit) and there is exactly one writer.
* Nothing raises to the routine. A full disk or an I/O error is recorded in ``problems`` and
  logged; unwritten rows stay in a bounded memory buffer and are retried with the next write.
* A file that cannot be used (damaged, another program's, a newer schema) is renamed aside,
  untouched, and a fresh log is started; if no file can be used at all, an in-memory log keeps
  the routine going and ``problems`` says sessions are not being saved.
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
import errno
import itertools
import logging
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
from kiosk.log.clock_correction import shift_session_times
from kiosk.log.schema import (
    UnusableDatabase,
    configure,
    inspect_file,
    is_damage,
    migrate,
    prepare_file,
    secure_files,
    set_aside,
    sync_word_checks,
)
from kiosk.vocabulary import Ending, EventKind, sql_list

logger = logging.getLogger(__name__)

# Plain strings, so that a kind read from anywhere is checked by its text.
EVENT_KINDS = frozenset(str(kind) for kind in EventKind)
ENDINGS = frozenset(str(ending) for ending in Ending)

SAMPLE_BUFFER_S = 1.0  # distance samples wait at most this long before they are written
DURABLE_EVERY_S = 5.0  # a samples-only commit is fsynced at least this often
RETRY_EVERY_S = 2.0  # after a failed write, retry this often even if nothing new arrives
MAX_PENDING_ROWS = 20_000  # sessions/events kept in memory while writes fail
MAX_BUFFERED_SAMPLES = 18_000  # one hour at 5 Hz

_INSERT_SESSION = (
    "INSERT INTO sessions (id, profile_id, routine, level, started_at) VALUES (?, ?, ?, ?, ?)"
)
_INSERT_EVENT = (
    "INSERT INTO events (session_id, t, kind, detail, distance_mm) VALUES (?, ?, ?, ?, ?)"
)
_INSERT_SAMPLE = "INSERT INTO samples (session_id, t, distance_mm) VALUES (?, ?, ?)"
_INSERT_OUTBOX = (
    "INSERT OR REPLACE INTO outbox (seq, kind, topic, payload, created_at) VALUES (?, ?, ?, ?, ?)"
)
_DELETE_OUTBOX = "DELETE FROM outbox WHERE seq = ?"
_PAUSE_MARKS = f"kind IN {sql_list((EventKind.PAUSE, EventKind.RESUME))}"
# The first ending wins: a fault reported while a finished session shuts down changes nothing.
_END_SESSION = """UPDATE sessions SET ended_at = ?, ended_how = ?, seconds_walking = ?,
    seconds_paused = ? WHERE id = ? AND ended_at IS NULL"""

# Errors about one row's data, not about the disk: that row is dropped, the others are written.
_BAD_ROW = (
    sqlite3.IntegrityError,
    sqlite3.InterfaceError,
    sqlite3.ProgrammingError,
    sqlite3.DataError,
)

_memory_ids = itertools.count(1)
_open_stores: weakref.WeakSet[SessionStore] = weakref.WeakSet()


@dataclass(frozen=True)
class StoreProblem:
    """Something a caregiver should know about the log; ``message`` is written for them."""

    kind: str  # unreadable|foreign|newer|not_saving|disk_full|write_error|dropped|recovered
    message: str
    at: datetime = field(default_factory=datetime.now)

    def __str__(self) -> str:
        return self.message


class StoreError(Exception):
    """A caregiver action on the log (not the routine's) could not be done."""


@dataclass
class _Row:
    kind: str  # session|event|end|sample|outbox
    sql: str
    params: tuple


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
        # Writer-thread state (touched only by the writer thread after start).
        self._pending: deque[_Row] = deque()
        self._samples: deque[_Row] = deque()
        self._oldest_sample = 0.0
        self._failing = False
        self._retry_at = 0.0
        self._last_durable = time.monotonic()
        self._dropped = 0
        max_id = conn.execute("SELECT max(id) FROM sessions").fetchone()[0]
        self._next_id = (max_id or 0) + 1
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

        Sessions left open by a crash or power cut are closed as 'interrupted' here. A file that
        cannot be used is set aside and a fresh one tried once; failing that, the log is kept in
        memory.
        """
        path = Path(path)
        problems: list[StoreProblem] = []

        def report(problem: StoreProblem) -> None:
            logger.error("%s", problem.message)
            problems.append(problem)

        for _attempt in range(2):
            conn: sqlite3.Connection | None = None
            try:
                conn = _open_file(path)
                interrupted = _recover_at_open(conn, path, report)
                reader = _open_reader(path)
                store = cls(
                    path,
                    conn,
                    reader,
                    problems,
                    clock=clock,
                    sync_timeout=sync_timeout,
                    in_memory=False,
                )
                store.interrupted = interrupted
                return store
            except (UnusableDatabase, sqlite3.DatabaseError, OSError) as exc:
                if conn is not None:
                    conn.close()
                if not _set_aside_unusable(path, exc, report):
                    break
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
            problem = _not_saving(path, OSError("a new log could not be started"))
            problems.append(problem)
            logger.error("%s", problem.message)
        uri = f"file:balance-kiosk-memory-{next(_memory_ids)}?mode=memory&cache=shared"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn)
        sync_word_checks(conn)
        reader = sqlite3.connect(uri, uri=True, check_same_thread=False)
        reader.execute("PRAGMA read_uncommitted = ON")  # shared cache: don't wait on the writer
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
        self, profile_id: int, routine: str, level: int, *, t_ms: int | None = None
    ) -> int:
        """Record that a routine starts; returns the session id. Waits (bounded) for the commit."""
        with self._id_lock:
            session_id = self._next_id
            self._next_id += 1
        t = self.now_ms() if t_ms is None else t_ms
        params = (session_id, int(profile_id), str(routine), int(level), int(t))
        self._submit(_Row("session", _INSERT_SESSION, params))
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
        self._submit(_Row("event", _INSERT_EVENT, params))

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
        self._submit(_Row("sample", _INSERT_SAMPLE, params))

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
        self._submit(_Row("end", _END_SESSION, params))
        self.flush(self._sync_timeout)

    # ------------------------------------------------- the broker's outbox (kiosk/link)

    def outbox_add(self, seq: int, kind: str, topic: str, payload: str, t_ms: int) -> None:
        """Queue a message for the broker; committed durably, like an event."""
        params = (int(seq), str(kind), str(topic), str(payload), int(t_ms))
        self._submit(_Row("outbox", _INSERT_OUTBOX, params))

    def outbox_delete(self, seq: int) -> None:
        """Queue the removal of a message the broker has (or that was dropped)."""
        self._submit(_Row("outbox", _DELETE_OUTBOX, (int(seq),)))

    def outbox_rows(self) -> list[tuple[int, str, str, str, int]]:
        """What the broker has not confirmed yet, oldest first: (seq, kind, topic, payload,
        created_at). Reads what is committed; call `flush` first to include what is queued."""
        with self.reading() as conn:
            return conn.execute(
                "SELECT seq, kind, topic, payload, created_at FROM outbox ORDER BY seq"
            ).fetchall()

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
        name = _clean_name(name)
        now = self.now_ms()

        def insert(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                """INSERT INTO profiles (name, goal_minutes, goal_days, created_at)
                   VALUES (?, ?, ?, ?)""",
                (name, goal_minutes, goal_days, now),
            )
            return int(cur.lastrowid or 0)

        try:
            return self._call(insert)
        except sqlite3.IntegrityError:
            raise ValueError(f"a profile named {name!r} already exists") from None

    def ensure_profile(self, name: str) -> int:
        """The id of the profile with this name, created with the default goal if missing."""
        found = self.find_profile(name)
        return found.id if found else self.add_profile(name)

    def rename_profile(self, profile_id: int, name: str) -> None:
        """Raises ValueError if the name is empty or taken."""
        name = _clean_name(name)
        try:
            self._call(
                lambda conn: conn.execute(
                    "UPDATE profiles SET name = ? WHERE id = ?", (name, profile_id)
                )
            )
        except sqlite3.IntegrityError:
            raise ValueError(f"a profile named {name!r} already exists") from None

    def set_goal(self, profile_id: int, *, goal_minutes: int, goal_days: int) -> None:
        self._call(
            lambda conn: conn.execute(
                "UPDATE profiles SET goal_minutes = ?, goal_days = ? WHERE id = ?",
                (goal_minutes, goal_days, profile_id),
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
        with self.reading() as conn:
            return q.session_detail(conn, session_id)

    def weekly_summary(self, profile_id: int, *, weeks: int | None = 12) -> q.WeeklySummary | None:
        with self.reading() as conn:
            return q.weekly_summary(conn, profile_id, weeks=weeks)

    @contextlib.contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The read connection (for session_queries and log_export), one user at a time."""
        with self._read_lock:
            yield self._reader

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
        return self._call(lambda conn: _recover(conn, self._first_id))

    def close(self, timeout: float = 5.0) -> None:
        """Write what is buffered, checkpoint, and close. Safe to call twice."""
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
        _open_stores.discard(self)

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --------------------------------------------------------------- internals

    def now_ms(self) -> int:
        """Now on the log's clock, in ms since the epoch (the time sessions are stamped with)."""
        return int(round(self._clock() * 1000))

    def _submit(self, row: _Row) -> None:
        if self._closed:
            logger.warning("session log is closed; %s not recorded", row.kind)
            return
        self._queue.put(row)

    def _call(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        if self._closed:
            raise StoreError("the session log is closed")
        call = _Call(fn)
        self._queue.put(call)
        if not call.done.wait(self._sync_timeout):
            raise StoreError("the session log did not answer in time")
        if isinstance(call.error, sqlite3.IntegrityError | ValueError):
            raise call.error
        if call.error is not None:
            raise StoreError(f"could not save to {self.path}: {call.error}") from call.error
        return call.result

    def _report(self, kind: str, message: str, level: int = logging.ERROR) -> None:
        logger.log(level, "%s", message)
        with self._problem_lock:
            self.problems.append(StoreProblem(kind, message))

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
            if stop:
                return

    def _wait_time(self) -> float | None:
        now = time.monotonic()
        if self._failing and (self._pending or self._samples):
            return max(0.0, self._retry_at - now)
        if self._samples:
            return max(0.0, self._oldest_sample + SAMPLE_BUFFER_S - now)
        return None

    def _handle(self, items: list[object]) -> bool:
        waiters: list[_Waiter] = []
        stop = new_rows = False
        for it in items:
            if it is _STOP:
                stop = True
            elif isinstance(it, _Waiter):
                waiters.append(it)
            elif isinstance(it, _Call):
                self._write()  # keep order: rows queued before the call go first
                try:
                    it.result = it.fn(self._conn)
                except BaseException as exc:
                    it.error = exc
                it.done.set()
            elif isinstance(it, _Row):
                if it.kind == "sample":
                    if not self._samples:
                        self._oldest_sample = time.monotonic()
                    self._samples.append(it)
                else:
                    self._pending.append(it)
                    new_rows = True
        self._trim()
        now = time.monotonic()
        if self._failing:
            due = bool(waiters) or stop or new_rows or now >= self._retry_at
        else:
            due = (
                bool(waiters)
                or stop
                or new_rows
                or (bool(self._samples) and now - self._oldest_sample >= SAMPLE_BUFFER_S)
            )
        ok = self._write() if due else True
        for w in waiters:
            w.ok = ok
            w.done.set()
        return stop

    def _write(self) -> bool:
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
                conn.executemany(_INSERT_SAMPLE, samples)
            conn.execute("COMMIT")
        except _BAD_ROW as exc:
            _rollback(conn)
            logger.warning("a queued row was refused (%s); writing rows one by one", exc)
            return self._write_one_by_one()
        except (sqlite3.Error, OSError) as exc:
            _rollback(conn)
            self._write_failed(exc)
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

    def _write_failed(self, exc: BaseException) -> None:
        self._retry_at = time.monotonic() + RETRY_EVERY_S
        if self._failing:
            return
        self._failing = True
        problem = _write_problem(self.path, exc)
        self._report(problem.kind, problem.message)

    def _write_succeeded(self, count: int) -> None:
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
            kept: deque[_Row] = deque()
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


def _open_file(path: Path) -> sqlite3.Connection:
    inspect_file(path)
    prepare_file(path)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        configure(conn)
        migrate(conn)
        _sync_word_checks(conn)
        secure_files(path)
    except BaseException:
        conn.close()
        raise
    return conn


def _recover_at_open(
    conn: sqlite3.Connection, path: Path, report: Callable[[StoreProblem], None]
) -> list[int]:
    """Close the sessions a crash left open and return their ids; damage raises, any other
    error is only reported."""
    try:
        closed = _recover(conn, None)
        if closed:
            logger.warning("closed %d interrupted session(s): %s", len(closed), closed)
        return closed
    except sqlite3.Error as exc:
        if is_damage(exc):
            raise
        # e.g. a full disk: keep the file; the next open tries again.
        report(_write_problem(path, exc))
        return []


def _open_reader(path: Path) -> sqlite3.Connection:
    """The read-only connection the caregiver queries use, beside the writer."""
    return sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, check_same_thread=False)


def _set_aside_unusable(
    path: Path, exc: BaseException, report: Callable[[StoreProblem], None]
) -> bool:
    """After a failed open: True when the file was set aside (so a fresh one is worth trying).

    An error that is not about the file's contents (locked, full, no permission) and a file
    that cannot be moved are reported as not saving, and False is returned.
    """
    if isinstance(exc, UnusableDatabase):
        unusable = exc
    elif is_damage(exc):
        unusable = UnusableDatabase("unreadable", f"it is damaged: {exc}")
    else:
        report(_not_saving(path, exc))  # locked, full, no permission: not the file
        return False
    try:
        aside = set_aside(path)
    except OSError as move_exc:
        report(_not_saving(path, move_exc))
        return False
    report(_set_aside_problem(path, aside, unusable))
    return True


def _sync_word_checks(conn: sqlite3.Connection) -> None:
    """Bring the file's word checks up to this vocabulary, unless it cannot be written now.

    Only a damaged file stops the open: with a full disk or a busy file the log is still
    usable (the store checks its own words), and the next open tries again.
    """
    try:
        sync_word_checks(conn)
    except sqlite3.Error as exc:
        if is_damage(exc):
            raise
        logger.warning(
            "could not update the session log's word checks (%s); retried at next open", exc
        )


def _recover(conn: sqlite3.Connection, before_id: int | None) -> list[int]:
    """Close open sessions as 'interrupted', ending at their last event or sample.

    Walking time is estimated as the time up to that end less the paused spans.
    """
    sql = "SELECT id, started_at FROM sessions WHERE ended_at IS NULL"
    params: tuple = ()
    if before_id is not None:
        sql += " AND id < ?"
        params = (before_id,)
    open_sessions = conn.execute(sql, params).fetchall()
    if not open_sessions:
        return []
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("BEGIN IMMEDIATE")
    try:
        for session_id, started_at in open_sessions:
            last_event = conn.execute(
                "SELECT max(t) FROM events WHERE session_id = ?", (session_id,)
            ).fetchone()[0]
            last_sample = conn.execute(
                "SELECT max(t) FROM samples WHERE session_id = ?", (session_id,)
            ).fetchone()[0]
            ended_at = max(started_at, last_event or started_at, last_sample or started_at)
            marks = conn.execute(
                f"""SELECT t, kind FROM events WHERE session_id = ? AND {_PAUSE_MARKS}
                    ORDER BY t, id""",
                (session_id,),
            ).fetchall()
            paused = _paused_seconds(marks, ended_at)
            walking = max(0.0, (ended_at - started_at) / 1000 - paused)
            conn.execute(
                _END_SESSION,
                (ended_at, str(Ending.INTERRUPTED), walking, paused, session_id),
            )
        conn.execute("COMMIT")
    except BaseException:
        _rollback(conn)
        raise
    finally:
        conn.execute("PRAGMA synchronous = NORMAL")
    return [s[0] for s in open_sessions]


def _paused_seconds(marks: list[tuple[int, str]], end_ms: int) -> float:
    total = 0
    paused_at: int | None = None
    for t, kind in marks:
        if kind == EventKind.PAUSE and paused_at is None:
            paused_at = t
        elif kind == EventKind.RESUME and paused_at is not None:
            total += t - paused_at
            paused_at = None
    if paused_at is not None:
        total += max(0, end_ms - paused_at)
    return total / 1000


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


def _mm(distance_mm: float | None) -> int | None:
    return None if distance_mm is None else int(round(distance_mm))


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def _set_aside_problem(path: Path, aside: Path, exc: UnusableDatabase) -> StoreProblem:
    advice = (
        "To see those sessions again, install the newer kiosk software."
        if exc.reason == "newer"
        else "Give the kept file to whoever looks after the kiosk; they may be able to rescue it."
    )
    return StoreProblem(
        exc.reason,
        f"The session log {path} {exc.describe()}. It was kept unchanged as {aside.name} "
        f"and a new, empty log was started; earlier sessions are not shown. {advice}",
    )


def _write_problem(path: Path, exc: BaseException) -> StoreProblem:
    waiting = "The exercise goes on; what it records is kept in memory and saved later."
    full = getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL" or (
        isinstance(exc, OSError) and exc.errno == errno.ENOSPC
    )
    if full:
        return StoreProblem(
            "disk_full",
            f"The kiosk's storage is full, so sessions cannot be saved to {path}. {waiting} "
            "Free some space on the storage (SD card), or ask whoever looks after the kiosk.",
        )
    return StoreProblem(
        "write_error",
        f"The kiosk could not save to the session log {path} ({exc}). {waiting} "
        "If this keeps happening, ask whoever looks after the kiosk to check the storage.",
    )


def _not_saving(path: Path, exc: BaseException) -> StoreProblem:
    reason = getattr(exc, "strerror", None) or str(exc)
    return StoreProblem(
        "not_saving",
        f"Sessions are NOT being saved: the session log {path} could not be opened ({reason}). "
        "The exercise still works. Check that the data folder exists and has free space, "
        "then restart the kiosk.",
    )


@atexit.register
def _close_open_stores() -> None:
    """Write what is buffered if the program exits without closing its store."""
    for store in list(_open_stores):
        with contextlib.suppress(Exception):
            store.close(timeout=2.0)
