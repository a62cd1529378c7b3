"""`balance-kiosk logs export` as a caregiver runs it: names that look like formulas come out
as text a spreadsheet shows, and the same names in JSON as they are."""

from __future__ import annotations

import csv
import io
import json

from fakes import run_cli

from kiosk.log.store import SessionStore


def test_logs_export_writes_formula_like_names_as_text(tmp_path):
    store = SessionStore.open(tmp_path / "sessions.db")
    try:
        for name in ("=1+1", "@cmd", "Anna"):
            sid = store.start_session(store.add_profile(name), "beginner", 1)
            store.end_session(sid, "completed", seconds_walking=60, seconds_paused=0)
        store.flush()
    finally:
        store.close()

    result = run_cli("logs", "export", "--format", "csv", "--data-dir", tmp_path)
    assert result.returncode == 0, result.stderr
    rows = csv.DictReader(io.StringIO(result.stdout, newline=""))
    assert [row["profile"] for row in rows] == ["'=1+1", "'@cmd", "Anna"]

    result = run_cli("logs", "export", "--format", "json", "--data-dir", tmp_path)
    sessions = json.loads(result.stdout)["sessions"]
    assert [s["profile"] for s in sessions] == ["=1+1", "@cmd", "Anna"]
