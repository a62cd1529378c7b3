"""`balance-kiosk logs report` as a caregiver runs it: a real log, a PDF on disk, and a clear
line with the right exit code for each mistake."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pypdf
import pytest
from fakes import run_cli

from kiosk.log.store import SessionStore


def ms(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp() * 1000)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("data")
    store = SessionStore.open(folder / "sessions.db")
    anna = store.add_profile("Anna", goal_minutes=10, goal_days=2)
    store.add_profile("Łukasz")
    for day, minutes in ((2, 12), (4, 15), (11, 6)):
        t = ms(2026, 11, day, 9)
        session = store.start_session(anna, "beginner", 1, t_ms=t)
        store.record_event(session, "alarm_on", distance_mm=950, t_ms=t + 60_000)
        store.record_event(session, "alarm_off", distance_mm=420, t_ms=t + 75_000)
        store.end_session(
            session, "completed", seconds_walking=minutes * 60, seconds_paused=0, t_ms=t + 900_000
        )
    store.close()
    return folder


def report(data_dir: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_cli("logs", "report", "--data-dir", data_dir, *args, env={"TZ": "UTC"})


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.stdout == "" and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_the_report_is_written_and_says_what_it_holds(data_dir, tmp_path):
    out = tmp_path / "anna.pdf"
    result = report(
        data_dir, "--walker", "anna", "--from", "2026-11-01", "--to", "2026-11-30", "--out", out
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"Wrote the report for Anna, 2026-11-01 to 2026-11-30 (3 sessions, 1 page), to {out}."
    )
    text = " ".join(pypdf.PdfReader(out).pages[0].extract_text().split())
    assert "Sessions 3 (3 completed)" in text
    assert "3, 45 s out of reach in all; longest 15 s (on 2 Nov 2026)" in text
    assert "2 Nov 2026 2 27 2 2 yes 2 15 s 0" in text  # the week of 2 November
    assert "9 Nov 2026 1 6 1 0 no 1 15 s 0" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["anna.pdf"]  # no temporary left


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (
            ["--walker", "Zoe", "--from", "2026-11-01", "--to", "2026-11-30"],
            2,
            "no walker named 'Zoe' (the walkers are: Anna, Łukasz)",
        ),
        (
            ["--walker", "Anna", "--from", "2026-11-31", "--to", "2026-12-30"],
            2,
            "--from wants a date like 2026-11-01, not '2026-11-31'",
        ),
        (
            ["--walker", "Anna", "--from", "2026-11-01", "--to", "next week"],
            2,
            "--to wants a date like 2026-11-01, not 'next week'",
        ),
        (
            ["--walker", "Anna", "--from", "2026-12-01", "--to", "2026-11-01"],
            2,
            "the period ends before it starts (--from 2026-12-01 is after --to 2026-11-01); "
            "swap the two dates",
        ),
        (
            ["--walker", "Anna", "--from", "0001-01-01", "--to", "2026-11-01"],
            2,
            "--from wants a year from 1970 to 9998, not '0001-01-01'",
        ),
    ],
    ids=["unknown walker", "no such day", "not a date", "from after to", "year 1"],
)
def test_a_mistake_on_the_command_line_gets_one_clear_line(data_dir, tmp_path, args, code, words):
    result = report(data_dir, *args, "--out", tmp_path / "r.pdf")
    assert result.returncode == code
    assert one_line_error(result) == f"balance-kiosk logs report: {words}"
    assert list(tmp_path.iterdir()) == []


def test_an_output_that_cannot_be_written_is_named_with_what_to_do(data_dir, tmp_path):
    period = ["--walker", "Anna", "--from", "2026-11-01", "--to", "2026-11-30"]
    missing = tmp_path / "no-such-folder" / "r.pdf"
    result = report(data_dir, *period, "--out", missing)
    assert result.returncode == 1
    assert one_line_error(result) == (
        f"balance-kiosk logs report: cannot write {missing}: there is no folder "
        f"{missing.parent}; create it first"
    )
    result = report(data_dir, *period, "--out", tmp_path)
    assert result.returncode == 2
    assert "--out wants a file name such as report.pdf" in one_line_error(result)
    result = report(data_dir, *period, "--out", "/proc/report.pdf")  # no files can be made there
    assert result.returncode == 1
    line = one_line_error(result)
    assert line.startswith("balance-kiosk logs report: could not write /proc/report.pdf: ")
    assert line.endswith("; choose a folder you may write to")


def test_without_a_log_it_says_where_it_looked(tmp_path):
    result = report(
        tmp_path, "--walker", "Anna", "--from", "2026-11-01", "--to", "2026-11-30", "--out", "x.pdf"
    )
    assert result.returncode == 1
    assert "no session log in" in one_line_error(result)


def test_a_missing_option_is_named_by_the_parser(data_dir):
    result = report(data_dir, "--walker", "Anna", "--from", "2026-11-01", "--out", "x.pdf")
    assert result.returncode == 2
    assert "the following arguments are required: --to" in result.stderr
