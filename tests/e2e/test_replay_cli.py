"""`balance-kiosk replay` as a user runs it: a trace in, one JSON line per event out."""

from __future__ import annotations

import json

import pytest
from fakes import run_cli

PERIOD = 33


def trace(tmp_path, *segments, name="trace.csv"):
    """Segments of (count, value); one sample every 33 ms."""
    rows, t = ["t_ms,distance_mm"], 0
    for count, value in segments:
        for _ in range(count):
            rows.append(f"{t},{value}")
            t += PERIOD
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n")
    return path


def replay(*args):
    result = run_cli("replay", *args)
    events = [json.loads(line) for line in result.stdout.splitlines()]
    return result, events


def test_drift_out_and_back(tmp_path):
    result, events = replay(trace(tmp_path, (30, 450), (30, 720), (30, 480)))
    assert result.returncode == 0, result.stderr
    assert [e["event"] for e in events] == ["alarm_on", "alarm_off"]
    on, off = events
    assert set(on) == {"t_ms", "event", "reason", "distance_mm"}
    assert 30 * PERIOD < on["t_ms"] <= 30 * PERIOD + 4 * PERIOD + 5
    assert on["distance_mm"] == 720 and on["reason"] == "out of reach"
    assert 60 * PERIOD < off["t_ms"] <= 60 * PERIOD + 2 * PERIOD + 5
    assert off["distance_mm"] == 480


def test_glitches_raise_nothing(tmp_path):
    path = trace(
        tmp_path,
        (20, 450),
        (1, ""),
        (20, 450),
        (1, 5),
        (20, 450),
        (1, 1900),
        (10, 450),
        (1, "error"),
        (20, 450),
    )
    result, events = replay(path)
    assert result.returncode == 0 and events == []


def test_swaying_on_the_reach_line_raises_one_alarm(tmp_path):
    sway = [(1, v) for v in (570, 585, 600, 615, 630, 615, 600, 585)] * 15
    result, events = replay(trace(tmp_path, (20, 450), *sway))
    assert [e["event"] for e in events] == ["alarm_on"]


def test_unplug_stuck_and_walk_off(tmp_path):
    path = trace(tmp_path, (20, 450), (15, "error"), (40, 450), (15, "stuck"), (40, 450), (20, ""))
    result, events = replay(path)
    assert [e["event"] for e in events] == [
        "fault_on",
        "fault_off",
        "fault_on",
        "fault_off",
        "alarm_on",
    ]
    unplug_at, stuck_at = 20 * PERIOD, 75 * PERIOD
    assert unplug_at < events[0]["t_ms"] <= unplug_at + 200
    assert "121" in events[0]["reason"] and events[0]["distance_mm"] is None
    assert stuck_at < events[2]["t_ms"] <= stuck_at + 200
    assert "stuck" in events[2]["reason"]
    assert events[-1]["distance_mm"] is None  # walked off: nothing in range


def test_config_changes_the_reach(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[safety]\nreach_mm = 800\n")
    path = trace(tmp_path, (20, 450), (30, 720))
    assert replay(path)[1] != []
    result, events = replay(path, "--config", config)
    assert result.returncode == 0 and events == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("time,distance\n0,450\n", "line 1 must be the header 't_ms,distance_mm'"),
        ("t_ms,distance_mm\n0,450\n33,far\n", "line 3: distance_mm 'far' is not a whole number"),
        ("t_ms,distance_mm\n0,450\n0,450\n", "line 3: t_ms 0 does not increase"),
        ("t_ms,distance_mm\n0,450,1\n", "line 2: expected 2 columns"),
        ("t_ms,distance_mm\nsoon,450\n", "t_ms 'soon' is not a whole number"),
        ("t_ms,distance_mm\n", "no samples"),
        ("", "line 1 must be the header"),
        ("t_ms,distance_mm\n0,-4\n", "outside 0..8191"),
    ],
)
def test_malformed_traces_get_a_clear_error(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    result, _ = replay(path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_missing_and_binary_files(tmp_path):
    result, _ = replay(tmp_path / "none.csv")
    assert result.returncode == 2 and "no such file" in result.stderr
    binary = tmp_path / "b.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    result, _ = replay(binary)
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_bad_config_is_a_clear_error(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[safety]\nreach_mm = 5000\n")
    result, _ = replay(trace(tmp_path, (5, 450)), "--config", config)
    assert result.returncode == 2
    assert "safety.reach_mm = 5000 is out of range" in result.stderr
    assert "Traceback" not in result.stderr


def test_spreadsheet_traces_with_a_bom_and_typo_times(tmp_path):
    bom = tmp_path / "excel.csv"
    bom.write_bytes(b"\xef\xbb\xbft_ms,distance_mm\r\n0,450\r\n33,450\r\n")
    result, events = replay(bom)
    assert result.returncode == 0 and events == []
    typo = tmp_path / "typo.csv"
    typo.write_text("t_ms,distance_mm\n0,450\n99999999999999,450\n")
    result, _ = replay(typo)
    assert result.returncode == 2 and "more than a day" in result.stderr


def test_a_field_too_long_for_csv_is_a_clear_error_naming_its_line(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("t_ms,distance_mm\n0,450\n33," + "4" * 200_000 + "\n66,450\n")
    result, _ = replay(path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "huge.csv, line 3" in lines[0]
    assert "4444" not in lines[0]  # the message names the line, it does not repeat it


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("33,٤٥٠", "distance_mm"),  # Arabic-Indic digits
        ("33,４５０", "distance_mm"),  # full-width digits
        ("33,4_50", "distance_mm"),
        ("33,+450", "distance_mm"),
        ("٣٣,450", "t_ms"),
        ("３３,450", "t_ms"),
        ("3_3,450", "t_ms"),
        ("+33,450", "t_ms"),
    ],
)
def test_only_plain_digits_are_numbers(tmp_path, row, column):
    path = tmp_path / "digits.csv"
    path.write_text(f"t_ms,distance_mm\n0,450\n{row}\n", encoding="utf-8")
    result, _ = replay(path)
    assert result.returncode == 2, result.stdout
    assert f"line 3: {column}" in result.stderr and "not a whole number" in result.stderr
