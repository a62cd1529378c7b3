"""The session log's SQLite schema, its forward migrations, and the checks before trusting a file.

Times are integers: milliseconds since the Unix epoch (UTC). They sort and subtract without
parsing, and every reader converts them to local time only for display.

A file is ours when its ``application_id`` is ours; ``user_version`` is the schema version, and
``MIGRATIONS[n]`` turns version n into version n + 1, so a file of any older version opens in the
newest one. Never edit a shipped step: add a new one.

Word checks. The SQL itself refuses an event kind or a session ending that is not in
``kiosk.vocabulary``, so no writer (a raw ``sqlite3`` shell included) can store a word that the
readers do not know. SQLite cannot add a CHECK to an existing table without rebuilding it, so
the checks are BEFORE INSERT/UPDATE triggers, named ``word_check_*`` and built from the
vocabulary by ``word_check_triggers``. They are not a migration step, because a step's text is
frozen and the vocabulary is not. Instead the store's writing connection runs
``sync_word_checks`` at every open: it compares the triggers' stored SQL with the SQL built now
and, only when they differ, drops and recreates them in one transaction. So a kind added to the
vocabulary reaches every existing file at its next open, an up-to-date file is not written at
all, and a read-only open (``open_readonly``, ``inspect_file``) never creates or changes them.
Words are only ever added, never renamed or removed. Then rows already written never need
checking again, and an older kiosk that opens the file (which keeps the newer list, or puts
back its own shorter one) is never refused a word of its own. A file that cannot be written at
open keeps its old checks until the next open (see the store).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Literal

from kiosk.log.reading import connect_readonly
from kiosk.vocabulary import SUMMARY_EVENTS, Ending, EventKind, sql_list

logger = logging.getLogger(__name__)

APPLICATION_ID = 0x42414C4B  # "BALK"
FILE_MODE = 0o600
SQLITE_MAGIC = b"SQLite format 3\x00"
COMPANION_SUFFIXES = ("-wal", "-shm", "-journal")

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # v1: the first schema.
    (
        f"PRAGMA application_id = {APPLICATION_ID}",
        """CREATE TABLE profiles (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            goal_minutes INTEGER NOT NULL DEFAULT 10,
            goal_days INTEGER NOT NULL DEFAULT 3,
            created_at INTEGER NOT NULL
        )""",
        """CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            profile_id INTEGER NOT NULL REFERENCES profiles(id),
            routine TEXT NOT NULL,
            level INTEGER NOT NULL,
            started_at INTEGER NOT NULL,
            ended_at INTEGER,
            ended_how TEXT,
            seconds_walking REAL NOT NULL DEFAULT 0,
            seconds_paused REAL NOT NULL DEFAULT 0
        )""",
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            t INTEGER NOT NULL,
            kind TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '',
            distance_mm INTEGER
        )""",
        "CREATE INDEX events_by_session ON events(session_id, t)",
    ),
    # v2: distance samples (5 Hz or more while a routine runs).
    (
        """CREATE TABLE samples (
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            t INTEGER NOT NULL,
            distance_mm INTEGER
        )""",
        "CREATE INDEX samples_by_session ON samples(session_id, t)",
    ),
    # v3: indexes for the caregiver views, the export and the recovery at open.
    (
        # Newest-first pages, --since ranges, and per-profile pages and weekly summaries.
        "CREATE INDEX sessions_by_start ON sessions(started_at)",
        "CREATE INDEX sessions_by_profile_start ON sessions(profile_id, started_at)",
        # Only the events the summaries count, in (session, time, id) order and covering their
        # kind: the list and the export read these instead of every event. The kinds are spelled
        # out because a shipped step never changes; tests/test_log_vocabulary.py checks them
        # against SUMMARY_EVENTS (if that changes, a new step must rebuild this index).
        """CREATE INDEX events_summary ON events(session_id, t, id, kind)
            WHERE kind IN ('alarm_on', 'alarm_off', 'fault_on')""",
        # Sessions still open: found at once at open without scanning the whole table.
        "CREATE INDEX sessions_open ON sessions(id) WHERE ended_at IS NULL",
    ),
    # v4: the safety settings in force when each session started, so that its chart keeps
    # its own reach line after a recalibration. NULL in the sessions recorded before.
    (
        "ALTER TABLE sessions ADD COLUMN reach_mm INTEGER",
        "ALTER TABLE sessions ADD COLUMN margin_mm INTEGER",
        "ALTER TABLE sessions ADD COLUMN alarm_delay_readings INTEGER",
        "ALTER TABLE sessions ADD COLUMN sensor_period_ms INTEGER",
    ),
    # v5 (OUTBOX_VERSION): the broker's outbox (kiosk/link): messages for the broker, kept
    # until it has them, in the order they were made (seq, given by the link). kind: an event
    # type, "session" or "distance"; the link drops the oldest distance rows first when full.
    (
        """CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            topic TEXT NOT NULL,
            payload TEXT NOT NULL,
            created_at INTEGER NOT NULL
        )""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)
# The oldest schema the readers (the CLI, doctor) read as it is: what v4 and v5 added is shown
# as "not recorded". So a log the kiosk has not migrated yet (a card turned read-only) reads.
MIN_READABLE_VERSION = 3
SETTINGS_VERSION = 4  # the first schema that records each session's settings
OUTBOX_VERSION = 5  # the step that adds the broker's outbox

# The WHERE clause that lets a query use the events_summary index: SQLite uses a partial index
# only when the query's WHERE repeats the index's, so this must match the newest definition of
# events_summary exactly (tests/test_log_vocabulary.py checks both).
SUMMARY_KINDS_SQL = f"kind IN {sql_list(SUMMARY_EVENTS)}"

TABLES_BY_VERSION = {
    1: {"profiles", "sessions", "events"},
    2: {"samples"},
    OUTBOX_VERSION: {"outbox"},
}

Reason = Literal["unreadable", "foreign", "newer", "damaged"]


REASON_TEXT: dict[str, str] = {
    "unreadable": "could not be read",
    "foreign": "is not a balance-kiosk session log",
    "newer": "was written by a newer version of the kiosk software",
    "damaged": "is damaged in places",
}


class UnusableDatabase(Exception):
    """The file is not a session log this code can use; it must be set aside, not changed."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.reason: Reason = reason
        self.detail = detail

    def describe(self) -> str:
        """E.g. 'could not be read (it is not an SQLite database file)'."""
        return f"{REASON_TEXT[self.reason]} ({self.detail})"


def is_damage(exc: BaseException) -> bool:
    """True for SQLite errors that mean the file's contents are damaged or not a database."""
    name = getattr(exc, "sqlite_errorname", "")
    return isinstance(exc, sqlite3.DatabaseError) and name in ("SQLITE_NOTADB", "SQLITE_CORRUPT")


def expected_tables(version: int) -> set[str]:
    tables: set[str] = set()
    for v in range(1, version + 1):
        tables |= TABLES_BY_VERSION.get(v, set())
    return tables


def inspect_file(path: Path, *, thorough: bool = False) -> None:
    """Raise UnusableDatabase unless ``path`` is missing, empty, or a kiosk log we can read;
    ``thorough`` also reads every page (SQLite's quick_check), and a file damaged in places
    raises UnusableDatabase("damaged").

    Opens the file read-only, so a file that fails the check is left byte-for-byte as it was.
    Other errors (locked, a hot journal a read-only connection cannot roll back) leave the
    question open: ``migrate`` asks it again on the writing connection.
    """
    if not _check_header(path):
        return
    conn = connect_readonly(path)
    try:
        check_identity(conn)
        damage = damage_found(conn) if thorough else None
        if damage is not None:
            raise UnusableDatabase("damaged", damage)
    except sqlite3.DatabaseError as exc:
        if is_damage(exc):
            raise UnusableDatabase("unreadable", f"it is damaged: {exc}") from exc
        logger.warning("could not inspect %s read-only (%s); checking it on open", path, exc)
    finally:
        conn.close()


def damage_found(conn: sqlite3.Connection) -> str | None:
    """None when SQLite's quick_check finds every page sound; else its first finding, in one
    line. It reads the whole file: about a second per 200 MB here, a few on a Raspberry Pi."""
    try:
        found = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        if is_damage(exc):
            return str(exc)
        raise
    if found == ["ok"]:
        return None
    lines = [line for text in found for line in str(text).splitlines()]
    return next((line for line in lines if not line.startswith("***")), "damaged")


def _check_header(path: Path) -> bool:
    """False for a missing or empty file; UnusableDatabase unless it starts as SQLite's do."""
    try:
        with path.open("rb") as f:
            header = f.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        return False
    if not header:
        return False
    if header != SQLITE_MAGIC:
        raise UnusableDatabase("unreadable", "it is not an SQLite database file")
    return True


def check_identity(conn: sqlite3.Connection) -> int:
    """Raise UnusableDatabase unless this is an empty database or a kiosk log of a known schema.

    Returns the schema version (0 for an empty database).
    """
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = _table_names(conn)
    if app_id != APPLICATION_ID:
        if app_id == 0 and version == 0 and not tables:
            return 0  # an empty database: ours to fill
        raise UnusableDatabase("foreign", "it holds another program's data")
    if version > SCHEMA_VERSION:
        raise UnusableDatabase("newer", _newer(version))
    missing = expected_tables(version) - tables
    if missing:
        raise UnusableDatabase("unreadable", f"tables are missing: {', '.join(sorted(missing))}")
    return version


def prepare_file(path: Path) -> None:
    """Create the file as owner-only before SQLite does; SQLite gives -wal/-shm the same mode."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
        os.close(fd)
    except FileExistsError:
        pass
    secure_files(path)


def secure_files(path: Path) -> None:
    """Make the database and its companion files readable by their owner only."""
    for p in [path, *(Path(f"{path}{s}") for s in COMPANION_SUFFIXES)]:
        try:
            if p.exists() and (p.stat().st_mode & 0o777) != FILE_MODE:
                p.chmod(FILE_MODE)
        except OSError as exc:
            logger.warning("could not restrict permissions of %s: %s", p, exc)


def set_aside(path: Path, now: datetime | None = None) -> Path:
    """Rename the file (and its -wal/-shm/-journal) to ``NAME.unreadable-STAMP``; return the name.

    Renaming keeps every byte for whoever wants to rescue it, and moving the companions too
    stops a new file from picking up an old write-ahead log.
    """
    stamp = (now or datetime.now()).strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.unreadable-{stamp}")
    n = 2
    while target.exists():
        target = path.with_name(f"{path.name}.unreadable-{stamp}-{n}")
        n += 1
    for suffix in COMPANION_SUFFIXES:
        companion = Path(f"{path}{suffix}")
        if companion.exists():
            companion.rename(Path(f"{target}{suffix}"))
    path.rename(target)
    return target


def configure(conn: sqlite3.Connection) -> None:
    """Settings for the writing connection (see SessionStore for the durability choices)."""
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        logger.warning("the session log is not in WAL mode (%s); writes will be slower", mode)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 5000")


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database to SCHEMA_VERSION, one committed step at a time; return the old version.

    Each step and its new version number commit together, so a power cut leaves either the old
    or the new version, never half a step.
    """
    start = check_identity(conn)
    for version in range(start, SCHEMA_VERSION):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        logger.info("session log schema migrated to version %d", version + 1)
    missing = expected_tables(SCHEMA_VERSION) - _table_names(conn)
    if missing:
        raise UnusableDatabase("unreadable", f"tables are missing: {', '.join(sorted(missing))}")
    return start


WORD_CHECK_PREFIX = "word_check_"


def word_check_triggers() -> dict[str, str]:
    """The triggers that refuse unknown words, by name, spelled as SQLite stores them."""
    kinds = f"NEW.kind NOT IN {sql_list(EventKind)}"
    endings = f"NEW.ended_how IS NOT NULL AND NEW.ended_how NOT IN {sql_list(Ending)}"
    checks = (
        ("event_kind", "events", "kind", kinds, "not an event kind of kiosk.vocabulary"),
        ("ending", "sessions", "ended_how", endings, "not a session ending of kiosk.vocabulary"),
    )
    triggers: dict[str, str] = {}
    for what, table, column, refused, message in checks:
        for name, event in (("insert", "INSERT"), ("update", f"UPDATE OF {column}")):
            trigger = f"{WORD_CHECK_PREFIX}{what}_{name}"
            # One space between words: SQLite keeps this text as given, so it compares equal.
            triggers[trigger] = (
                f"CREATE TRIGGER {trigger} BEFORE {event} ON {table} WHEN {refused} "
                f"BEGIN SELECT RAISE(ABORT, '{table}.{column}: {message}'); END"
            )
    return triggers


def sync_word_checks(conn: sqlite3.Connection) -> list[str]:
    """Make the word-check triggers those of this vocabulary; returns the names changed.

    For the writing connection only (autocommit). Writes nothing when they already match.
    """
    if not _stale_word_checks(conn):
        return []
    conn.execute("BEGIN IMMEDIATE")
    try:
        stale = _stale_word_checks(conn)  # again, now that no other writer can change them
        wanted = word_check_triggers()
        for name in stale:
            conn.execute(f"DROP TRIGGER IF EXISTS {name}")
            if name in wanted:
                conn.execute(wanted[name])
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # SQLite may have rolled back already (a full disk)
            conn.execute("ROLLBACK")
        raise
    logger.info("session log word checks updated: %s", ", ".join(stale))
    return stale


def _stale_word_checks(conn: sqlite3.Connection) -> list[str]:
    """Word-check triggers missing, different from this vocabulary's, or no longer wanted."""
    rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    present = {name: sql for name, sql in rows if name.startswith(WORD_CHECK_PREFIX)}
    wanted = word_check_triggers()
    names = sorted(present.keys() | wanted.keys())
    return [name for name in names if present.get(name) != wanted.get(name)]


def open_readonly(path: Path) -> sqlite3.Connection:
    """Open a log for reading only (the CLI): no recovery, no migration, no set-aside.

    Raises FileNotFoundError for a missing file and UnusableDatabase when it cannot be read or is
    older than MIN_READABLE_VERSION (the kiosk upgrades it the next time it starts).
    """
    if not path.is_file():
        raise FileNotFoundError(path)
    _check_header(path)
    conn = connect_readonly(path, check_same_thread=False)
    try:
        version = check_identity(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        if is_damage(exc):
            raise UnusableDatabase("unreadable", f"it is damaged: {exc}") from exc
        raise
    except UnusableDatabase:
        conn.close()
        raise
    if version < MIN_READABLE_VERSION:
        conn.close()
        raise UnusableDatabase(
            "unreadable",
            f"it is in an older format (schema version {version}); start the kiosk once to "
            "update it",
        )
    return conn


def _newer(version: int) -> str:
    return f"schema version {version}; this version of the software reads up to {SCHEMA_VERSION}"


def _table_names(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {r[0] for r in rows}
