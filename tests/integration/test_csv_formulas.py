"""Walker names and other text in the kiosk's CSV files are shown by a spreadsheet, never run
as formulas; the JSON export keeps them as they are."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from kiosk.log.export import export, export_to_usb
from kiosk.log.store import SessionStore

# Names a walker could be given, each one a formula in a spreadsheet if written as it is.
FORMULA_NAMES = [
    '=HYPERLINK("http://x","Anna")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "Eve;=1+1",  # a spreadsheet that splits on semicolons sees a cell starting with =
]
# An older log may hold a tab or a carriage return at the start of a name (the kiosk now
# refuses such names, but it must still export the logs it has).
OLD_NAMES = ["\tTab", "\rReturn"]
ORDINARY = ["Anna", "Zoë", "Ben-Ali"]


@pytest.fixture
def store(tmp_path: Path):
    path = tmp_path / "sessions.db"
    opened = SessionStore.open(path)
    names = [*FORMULA_NAMES, *[f"old{i}" for i in range(len(OLD_NAMES))], *ORDINARY]
    for name in names:
        sid = opened.start_session(opened.add_profile(name), "beginner", 1)
        opened.record_event(sid, "chapter", "-Step back", t_ms=opened.now_ms() + 1)
        opened.end_session(sid, "completed", seconds_walking=60, seconds_paused=0)
    opened.flush()
    with sqlite3.connect(path) as conn:  # what an older version may have let through
        for i, name in enumerate(OLD_NAMES):
            conn.execute("UPDATE profiles SET name = ? WHERE name = ?", (name, f"old{i}"))
    yield opened
    opened.close()


def table(store: SessionStore, what: str, fmt: str = "csv") -> str:
    out = io.StringIO()
    with store.reading() as conn:
        export(conn, out, fmt=fmt, what=what)
    return out.getvalue()


def column(text: str, name: str) -> list[str]:
    return [row[name] for row in csv.DictReader(io.StringIO(text, newline=""))]


EXPECTED = [
    '\'=HYPERLINK("http://x","Anna")',
    "'+1+1",
    "'-2+3",
    "'@SUM(A1)",
    "Eve;'=1+1",
    "'\tTab",
    "'\nReturn",  # a lone carriage return would end the CSV row in a spreadsheet
    *ORDINARY,
]


@pytest.mark.parametrize("what", ["sessions", "events"])
def test_names_that_look_like_formulas_are_written_as_text(store, what):
    names = column(table(store, what), "profile")
    assert names == EXPECTED
    for name in names:
        assert not name.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_event_details_are_written_as_text_too(store):
    rows = list(csv.DictReader(io.StringIO(table(store, "events"), newline="")))
    details = {row["detail"] for row in rows if row["kind"] == "chapter"}
    assert details == {"'-Step back"}


def test_json_keeps_names_as_they_are(store):
    sessions = json.loads(table(store, "sessions", fmt="json"))["sessions"]
    assert [s["profile"] for s in sessions] == [*FORMULA_NAMES, *OLD_NAMES, *ORDINARY]


def test_the_usb_export_is_written_as_text(store, tmp_path):
    stick = tmp_path / "media" / "STICK"
    stick.mkdir(parents=True)
    path = export_to_usb(
        store,
        (tmp_path / "media",),
        now=datetime(2026, 11, 25, 10, 15),
        is_mount=lambda p: p.name == "STICK",
    )
    assert path is not None
    for name in (path.name, path.name.replace("sessions", "events")):
        with (stick / name).open(encoding="utf-8-sig", newline="") as file:
            assert [row["profile"] for row in csv.DictReader(file)] == EXPECTED
