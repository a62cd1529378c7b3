"""Session log at scale: 100,000 sessions and 1,000,000 events, built once per run in a temp dir.

Times the caregiver views and the export against their targets. The indexes doing the work
(schema v3): sessions(started_at) for newest-first pages, sessions(profile_id, started_at) for a
walker's pages and weekly summary, and the partial index events(session_id, t, kind) over the
alarm and fault events, which the list and the export read instead of every event.
"""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from kiosk.log import queries as q
from kiosk.log.export import export
from kiosk.log.store import SessionStore
from kiosk.paths import DataFolder
from kiosk.walk.progression import suggest_for

SESSIONS = 100_000
EVENTS = 1_000_000
PROFILES = 20
DAY_MS = 86_400_000
START_MS = 1_700_000_000_000  # Nov 2023: about three years of sessions up to now
SEED = 6


def build(path: Path, sessions_count: int = SESSIONS, events_count: int = EVENTS) -> None:
    """Create the schema through the store, then bulk-insert in one transaction."""
    SessionStore.open(path).close()
    rng = random.Random(SEED)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO profiles (id, name, created_at) VALUES (?, ?, ?)",
        [(i, f"Walker {i:02d}", START_MS) for i in range(1, PROFILES + 1)],
    )
    span_ms = 3 * 365 * DAY_MS
    starts = sorted(START_MS + rng.randrange(span_ms) for _ in range(sessions_count))
    sessions, events = [], []
    per_session = events_count // sessions_count
    for sid, started in enumerate(starts, start=1):
        length_ms = rng.randrange(3, 16) * 60_000
        how = rng.choices(["completed", "stopped", "interrupted", "fault"], [85, 9, 3, 3])[0]
        sessions.append(
            (sid, rng.randrange(1, PROFILES + 1), "beginner", rng.randrange(1, 4), started,
             started + length_ms, how, length_ms / 1000 - 20, 20.0)
        )  # fmt: skip
        kinds = ["chapter", "pause", "resume", "chapter"]
        alarms = rng.choice([0, 0, 1, 1, 2, 3])
        kinds += ["alarm_on", "alarm_off"] * alarms
        kinds += ["chapter"] * (per_session - len(kinds) - 1) + ["stop"]
        times = sorted(started + rng.randrange(length_ms) for _ in kinds)
        # Keep each alarm_off after its alarm_on: assign kinds in time order.
        order = [k for k in kinds if k not in ("alarm_on", "alarm_off")]
        order[2:2] = ["alarm_on", "alarm_off"] * alarms
        for t, kind in zip(times, order, strict=True):
            distance = rng.randrange(300, 1200) if kind.startswith("alarm") else None
            events.append((sid, t, kind, "", distance))
    conn.executemany(
        """INSERT INTO sessions (id, profile_id, routine, level, started_at, ended_at, ended_how,
           seconds_walking, seconds_paused) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        sessions,
    )
    conn.executemany(
        "INSERT INTO events (session_id, t, kind, detail, distance_mm) VALUES (?, ?, ?, ?, ?)",
        events,
    )
    conn.execute("COMMIT")
    conn.close()  # no ANALYZE: the kiosk's own file has no statistics either


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Median seconds over ``repeat`` runs, after one warm-up run."""
    fn()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def report(name: str, seconds: float, target: float) -> None:
    ratio = seconds / target
    verdict = "ok" if ratio <= 1 else "SLOW"
    print(
        f"{name:<44} {seconds * 1000:9.2f} ms  target {target * 1000:6.0f} ms  "
        f"ratio {ratio:5.2f}  {verdict}",
        flush=True,
    )


def run(sessions: int = SESSIONS, events: int = EVENTS) -> None:
    """Build a log of `sessions` sessions and `events` events, then time each view on it."""
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        path = DataFolder(Path(tmp)).sessions_db
        t0 = time.perf_counter()
        build(path, sessions, events)
        size_mb = path.stat().st_size / 1e6
        print(
            f"built {sessions:,} sessions, {events:,} events in {time.perf_counter() - t0:.1f} s "
            f"({size_mb:.0f} MB); cpus={os.cpu_count()}",
            flush=True,
        )
        store = SessionStore.open(path)
        try:
            for name, fn, target, repeat in view_checks(store, sessions):
                report(name, timed(fn, repeat), target)
            out_path = Path(tmp) / "export.csv"
            measure_csv_export(store, out_path, sessions)
            measure_full_exports(store, out_path)
        finally:
            store.close()


def view_checks(
    store: SessionStore, sessions: int
) -> list[tuple[str, Callable[[], object], float, int]]:
    """(label, query, target in seconds, runs to take the median of) for each caregiver view:
    pages near the start and deep in the log, for everyone and one walker, and the summaries."""
    profile = 7
    per_profile = sessions // PROFILES
    deep_all = sessions // 2 // q.DEFAULT_PAGE_SIZE
    deep_one = per_profile // 2 // q.DEFAULT_PAGE_SIZE
    since = date.fromtimestamp((START_MS + 400 * DAY_MS) / 1000)
    return [
        ("list: first page", lambda: store.list_sessions(), 0.020, 50),
        (f"list: page {deep_all}", lambda: store.list_sessions(page=deep_all), 0.020, 50),
        (
            "list: first page, one profile",
            lambda: store.list_sessions(profile_id=profile),
            0.020,
            50,
        ),
        (
            f"list: page {deep_one}, one profile",
            lambda: store.list_sessions(profile_id=profile, page=deep_one),
            0.020,
            50,
        ),
        (
            "list: page 10, one profile, --since",
            lambda: store.list_sessions(profile_id=profile, since=since, page=10),
            0.020,
            50,
        ),
        ("weekly summary: 12 weeks", lambda: store.weekly_summary(profile), 0.050, 30),
        (
            "weekly summary: all weeks",
            lambda: store.weekly_summary(profile, weeks=None),
            0.050,
            30,
        ),
        ("progression rule", lambda: suggest_for(store, profile), 0.020, 50),
    ]


def measure_csv_export(store: SessionStore, out_path: Path, sessions: int) -> None:
    """Time the caregiver's CSV export of every session against its target."""

    def export_csv() -> None:
        with out_path.open("w", encoding="utf-8", newline="") as out, store.reading() as conn:
            export(conn, out, fmt="csv", what="sessions")

    report(f"CSV export: all {sessions:,} sessions", timed(export_csv, 3), 3.0)
    with out_path.open(encoding="utf-8") as f:
        rows = sum(1 for _ in f) - 1
    print(f"  (export wrote {rows:,} rows, {out_path.stat().st_size / 1e6:.1f} MB)")


def measure_full_exports(store: SessionStore, out_path: Path) -> None:
    """Time the exports that carry every event, once each.

    No target for these: they are for a clinician, and rarely asked for.
    """
    for fmt, what in (("json", "sessions"), ("csv", "events")):
        t0 = time.perf_counter()
        with out_path.open("w", encoding="utf-8", newline="") as out, store.reading() as conn:
            n = export(conn, out, fmt=fmt, what=what)
        seconds = time.perf_counter() - t0
        label = f"{fmt.upper()} export with all events"
        print(f"{label:<44} {seconds * 1000:9.2f} ms  (no target; {n:,} {what})", flush=True)
