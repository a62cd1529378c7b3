"""`balance-kiosk logs` run as a caregiver would: in a subprocess, on a real session log."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fakes import run_cli

from kiosk.cli.main import build_parser
from kiosk.log.queries import SessionSettings
from kiosk.log.store import SessionStore

REPO = Path(__file__).resolve().parents[2]


def ms(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp() * 1000)


def logs(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return run_cli("logs", *args, cwd=cwd, env={"TZ": "UTC"})


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("data")
    store = SessionStore.open(folder / "sessions.db")
    anna, ben = store.add_profile("Anna"), store.add_profile("Ben")
    t = ms(2026, 11, 2, 10)
    s1 = store.start_session(anna, "beginner", 1, t_ms=t, settings=SessionSettings(650, 40, 4, 33))
    store.record_event(s1, "chapter", "Warm-up", t_ms=t + 1_000)
    store.record_event(s1, "alarm_on", distance_mm=950, t_ms=t + 120_000)
    store.record_event(s1, "alarm_off", distance_mm=430, t_ms=t + 124_500)
    for i in range(5):
        store.record_sample(s1, 400 + 10 * i, t_ms=t + 200 * i)
    store.end_session(s1, "completed", seconds_walking=600, seconds_paused=30, t_ms=t + 630_000)

    t = ms(2026, 11, 5, 15, 30)
    s2 = store.start_session(anna, "beginner", 1, t_ms=t)
    for k in range(2):
        store.record_event(s2, "alarm_on", distance_mm=990, t_ms=t + 10_000 + k * 20_000)
        store.record_event(s2, "alarm_off", distance_mm=440, t_ms=t + 12_000 + k * 20_000)
    store.end_session(s2, "stopped", seconds_walking=250, seconds_paused=0, t_ms=t + 250_000)

    t = ms(2026, 11, 10, 9, 5)
    s3 = store.start_session(ben, "beginner", 2, t_ms=t)
    store.record_event(s3, "chapter", 'Kapitel "Rückwärts", 2', t_ms=t + 5_000)
    store.record_event(s3, "fault_on", "no reading", t_ms=t + 60_000)
    store.end_session(s3, "fault", seconds_walking=60, seconds_paused=0, t_ms=t + 61_000)
    store.close()
    return folder


def test_list_shows_an_aligned_table_in_local_time(data_dir):
    result = logs("list", "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "Date", "Who", "Routine", "Minutes", "Reminders"] + [
        "Longest",
        "out",
        "of",
        "reach",
        "Result",
    ]
    ben, anna2, anna1 = lines[1:4]
    assert ben.split()[:7] == ["3", "Tue", "10", "Nov", "2026", "09:05", "Ben"]
    assert "1.0" in ben and "sensor fault" in ben
    assert "Thu 05 Nov 2026 15:30" in anna2 and "4.2" in anna2 and "stopped early" in anna2
    assert "10.0" in anna1 and "4.5 s" in anna1 and "completed" in anna1
    # Aligned: every row's "Minutes" column ends where the header's does.
    end = lines[0].index("Minutes") + len("Minutes")
    assert {row[end - 4 : end] for row in (ben, anna2, anna1)} == {" 1.0", " 4.2", "10.0"}
    assert "Page 1, 3 session(s)" in result.stdout


def test_list_filters_by_profile_and_date(data_dir):
    result = logs("list", "--data-dir", str(data_dir), "--profile", "anna")
    assert result.returncode == 0
    assert "Ben" not in result.stdout and result.stdout.count("Anna") == 2
    result = logs("--data-dir", str(data_dir), "list", "--since", "2026-11-05")
    assert result.returncode == 0
    assert [line.split()[0] for line in result.stdout.splitlines()[1:3]] == ["3", "2"]
    assert "2 session(s)" in result.stdout
    result = logs("list", "--data-dir", str(data_dir), "--since", "2027-01-01")
    assert (result.returncode, result.stdout.strip()) == (0, "No sessions found.")


def test_show_prints_the_session_and_its_events(data_dir):
    result = logs("show", "1", "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Session 1: Anna" in out
    assert "Mon 02 Nov 2026 10:00:00" in out and "(completed)" in out
    assert "Out of reach 10:02:00 to 10:02:04 (4.5 s)" in out
    assert "5 readings, 400 to 440 mm" in out
    assert "out of reach (reminder)" in out and "950 mm" in out and "2:00" in out
    assert "Warm-up" in out


def test_show_says_what_the_alarm_was_set_to_for_that_session(data_dir):
    out = logs("show", "1", "--data-dir", str(data_dir)).stdout
    settings = "reach 650 mm, margin 40 mm, alarm after 4 readings in a row, a reading every 33 ms"
    assert f"Settings     {settings}" in out
    out = logs("show", "2", "--data-dir", str(data_dir)).stdout  # recorded without them
    assert "Settings     not recorded" in out


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (("show", "abc"), 2, "session ID is a number"),
        (("show", "999"), 1, "no session with ID 999"),
        (("list", "--since", "2026-13-45"), 2, "--since wants a date like"),
        (("list", "--since", "yesterday"), 2, "'yesterday'"),
        (("list", "--profile", "Zoe"), 2, "no profile named 'Zoe' (profiles: Anna, Ben)"),
        (("export", "--since", "1.1.2026"), 2, "--since wants a date"),
        (("export", "--format", "json", "--what", "events"), 2, "--what is for CSV"),
    ],
)
def test_bad_input_gives_one_clear_line_and_an_exit_code(data_dir, args, code, words):
    result = logs(*args, "--data-dir", str(data_dir))
    assert result.returncode == code
    line = one_line_error(result)
    assert line.startswith("balance-kiosk logs: ") and words in line


def test_a_missing_or_unreadable_log_is_a_one_line_error(tmp_path):
    result = logs("list", "--data-dir", str(tmp_path))
    assert result.returncode == 1
    assert "no session log in" in one_line_error(result)

    junk = b"these are not the sessions you are looking for" * 100
    (tmp_path / "sessions.db").write_bytes(junk)
    result = logs("list", "--data-dir", str(tmp_path))
    assert result.returncode == 1
    assert "could not be read" in one_line_error(result)
    assert (tmp_path / "sessions.db").read_bytes() == junk  # the CLI never moves or changes it


def test_export_csv_to_stdout_parses_back(data_dir):
    result = logs("export", "--format", "csv", "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    # The README promises a byte-order mark on every CSV, as with --out: spreadsheets need it.
    assert result.stdout.startswith("\ufeffsession_id,")
    rows = list(csv.DictReader(io.StringIO(result.stdout.removeprefix("\ufeff"))))
    assert [r["session_id"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["date"] == "2026-11-02" and rows[0]["start_time"] == "10:00:00"
    assert (rows[0]["minutes_walked"], rows[0]["reminders"]) == ("10.0", "1")
    assert (rows[1]["reminders"], rows[1]["longest_out_of_reach_s"]) == ("2", "2.0")
    assert (rows[2]["result"], rows[2]["sensor_faults"], rows[2]["completed"]) == (
        "fault",
        "1",
        "no",
    )


def test_export_events_csv_and_json_to_files(data_dir, tmp_path):
    out = tmp_path / "events.csv"
    result = logs("export", "--what", "events", "--out", str(out), "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    assert "Wrote 9 events" in result.stderr
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 9
    assert rows[-2]["detail"] == 'Kapitel "Rückwärts", 2'
    assert rows[-1]["kind"] == "fault_on" and rows[-1]["seconds_into_session"] == "60.0"

    out = tmp_path / "log.json"
    result = logs(
        "export", "--format", "json", "--out", str(out), "--profile", "Anna", "--data-dir",
        str(data_dir),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert [s["session_id"] for s in doc["sessions"]] == [1, 2]
    assert doc["sessions"][0]["started"] == "2026-11-02T10:00:00+00:00"
    assert [e["kind"] for e in doc["sessions"][1]["events"]] == ["alarm_on", "alarm_off"] * 2
    assert doc["sessions"][0]["settings"] == {
        "reach_mm": 650,
        "margin_mm": 40,
        "alarm_delay_readings": 4,
        "sensor_period_ms": 33,
    }
    assert doc["sessions"][1]["settings"] is None  # not recorded
    assert not list(tmp_path.glob("*.part"))

    result = logs("export", "--format", "json", "--out", "-", "--data-dir", str(data_dir))
    assert len(json.loads(result.stdout)["sessions"]) == 3


def test_export_to_a_folder_that_does_not_exist_fails_cleanly(data_dir, tmp_path):
    result = logs("export", "--out", str(tmp_path / "nope" / "x.csv"), "--data-dir", str(data_dir))
    assert result.returncode == 1
    assert "could not write" in one_line_error(result)


def test_the_data_folder_is_accepted_before_or_after_each_command(data_dir, capsys):
    parser = build_parser()
    for argv in (
        ["--data-dir", str(data_dir), "logs", "list"],
        ["logs", "--data-dir", str(data_dir), "list"],
        ["logs", "list", "--data-dir", str(data_dir)],
    ):
        args = parser.parse_args(argv)
        assert args.handler(args) == 0
        assert "Ben" in capsys.readouterr().out
    args = parser.parse_args(["logs", "--data-dir", str(data_dir), "show", "42"])
    assert args.handler(args) == 1
    assert "no session with ID 42" in capsys.readouterr().err


def test_an_out_file_ending_in_json_gets_json(tmp_path):
    from kiosk.log.store import SessionStore

    store = SessionStore.open(tmp_path / "sessions.db")
    store.close()
    out = tmp_path / "week.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kiosk.cli",
            "logs",
            "export",
            "--out",
            str(out),
            "--data-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    json.loads(out.read_text())
