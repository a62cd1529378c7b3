"""`make bench` keeps working, and the figures it prints are numbers that agree with each other.

Nothing here judges speed: the reports are read back as a user would read them, and each
ratio is checked against the figures printed beside it, each verdict against its figure.
"""

from __future__ import annotations

import math
import re
import time

import pytest
from fakes import find_mosquitto
from player_clips import make_clip

from benchmarks import (
    against_mpv,
    bench_mqtt,
    bench_player,
    bench_report,
    bench_safety,
    bench_store,
    bench_web,
    bench_web_load,
)

PLAYED_S = 1.0
CLIP_FPS = 30  # make_clip's default
GENEROUS_RSS_MB = 1024  # far above anything a 320x180 clip needs; catches a wrong unit
ROUNDING = 0.005  # the figures and ratios are printed with two decimals


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("bench") / "clip.mp4", seconds=1.5)


@pytest.mark.parametrize("mode", ["floor", "defaults", "real-time", "bursts", "shown"])
def test_each_floor_converts_every_frame_it_was_asked_for(clip, mode):
    started = time.monotonic()
    result = bench_player.measure_floor(str(clip), 1.0, mode)
    assert result["frames"] == 30  # one second at 30 fps
    assert result["cpu_ms_per_frame"] > 0
    if mode in ("real-time", "bursts", "shown"):
        # Paced: the last frame waits for its time (29/30 s after the first).
        assert time.monotonic() - started >= 0.9


# ------------------------------------------------------------------------------------------
# reading a report back
# ------------------------------------------------------------------------------------------


def check_quotient(printed: float, numerator: float, denominator: float) -> None:
    """`printed` (two decimals) is numerator / denominator, both themselves printed with two
    decimals: it lies within what the rounding of all three allows."""
    assert denominator - ROUNDING > 0, f"a divisor printed as {denominator} says nothing"
    low = (numerator - ROUNDING) / (denominator + ROUNDING) - ROUNDING
    high = (numerator + ROUNDING) / (denominator - ROUNDING) + ROUNDING
    assert low <= printed <= high, f"{printed} is not {numerator} / {denominator}"


def check_verdict(ok: bool, printed: float, limit: float, places: int = 2) -> None:
    """An ok/MISS verdict agrees with the printed figure, unless the figure is within
    rounding of the limit (then either verdict is right)."""
    if abs(printed - limit) > 0.5 * 10**-places:
        assert ok == (printed <= limit), f"verdict {ok} for {printed} against {limit}"


def one_match(pattern: str, report: str) -> re.Match:
    matches = list(re.finditer(pattern, report, re.MULTILINE))
    assert len(matches) == 1, f"expected one line like {pattern!r} in:\n{report}"
    return matches[0]


NUMBER = r"[-+]?\d+(?:\.\d+)?"


def player_rows(report: str) -> dict[str, tuple[float, float, float]]:
    """{label: (ms CPU per frame, times the floor, peak RSS MB)} for each measurement row."""
    rows = {}
    for label in bench_player.ROW_LABELS.values():
        m = one_match(
            rf"^  {re.escape(label)} +(?P<ms>{NUMBER}) ms CPU/frame +(?P<ratio>{NUMBER})x the "
            rf"floor +peak RSS +(?P<rss>{NUMBER}) MB$",
            report,
        )
        rows[label] = (float(m["ms"]), float(m["ratio"]), float(m["rss"]))
    return rows


def target_line(report: str, figure: str) -> tuple[bool, re.Match]:
    """(whether it says ok, the figure matched) for a target line."""
    m = one_match(rf"^  \[(?P<verdict>ok|MISS)\] {figure} \(target [^)]*\)$", report)
    return m["verdict"] == "ok", m


@pytest.mark.slow
def test_the_player_report_prints_figures_that_agree(clip, capsys):
    bench_player.run(clip, seconds=PLAYED_S, repeats=1)
    report = capsys.readouterr().out
    labels = bench_player.ROW_LABELS
    assert list(labels) == ["floor", "defaults", "real-time", "bursts", "shown", "player"]
    header = one_match(
        rf"^320x180, sound: True, played (?P<played>{NUMBER}) s in (?P<wall>{NUMBER}) s wall, "
        r"best of 1 interleaved rounds$",
        report,
    )
    # the player stops at the first frame at or past the length asked for
    assert PLAYED_S <= float(header["played"]) < PLAYED_S + 1
    assert float(header["wall"]) > 0

    rows = player_rows(report)
    floor_ms = rows[labels["floor"]][0]
    assert rows[labels["floor"]][1] == 1.00
    for label, (ms, ratio, rss) in rows.items():
        assert ms > 0, label
        check_quotient(ratio, ms, floor_ms)
        assert 0 < rss < GENEROUS_RSS_MB, label
    convert = one_match(rf"BGRA conversion (?P<ms>{NUMBER}) ms/frame \(wall clock\)$", report)
    assert float(convert["ms"]) >= 0

    player_ms, _, player_rss = rows[labels["player"]]
    ok, m = target_line(report, rf"player / floor = (?P<ratio>{NUMBER})x")
    check_quotient(float(m["ratio"]), player_ms, floor_ms)
    check_verdict(ok, float(m["ratio"]), bench_player.MAX_RATIO)
    ok, m = target_line(report, rf"player / drawn real-time floor = (?P<ratio>{NUMBER})x")
    check_quotient(float(m["ratio"]), player_ms, rows[labels["shown"]][0])
    check_verdict(ok, float(m["ratio"]), bench_player.MAX_RATIO)

    ok, m = target_line(report, r"frames dropped = (?P<dropped>\d+) of (?P<frames>\d+)")
    assert (ok, int(m["dropped"])) == (True, 0)
    # every frame due in the second asked for, and any due by the position the player stopped
    # at: it looks at the position between frames, so it can pass the end by a frame or two
    played = float(header["played"])  # printed with one decimal
    frames_due_by_stop = math.floor((played + 0.05) * CLIP_FPS) + 1
    assert round(PLAYED_S * CLIP_FPS) <= int(m["frames"]) <= frames_due_by_stop

    ok, m = target_line(
        report,
        rf"A/V offset p95 (?P<p95>{NUMBER}) ms, min (?P<min>{NUMBER}), max (?P<max>{NUMBER})",
    )
    low, p95, high = float(m["min"]), float(m["p95"]), float(m["max"])
    assert low <= p95 <= high
    lowest, highest = bench_player.AV_OFFSET_RANGE_MS
    if lowest + 0.5 < low and high < highest - 0.5:
        assert ok
    elif low < lowest - 0.5 or high > highest + 0.5:
        assert not ok

    ok, m = target_line(report, rf"player peak RSS = (?P<rss>{NUMBER}) MB")
    assert float(m["rss"]) == player_rss
    check_verdict(ok, float(m["rss"]), bench_player.MAX_RSS_MB, places=0)

    m = one_match(
        rf"costs (?P<paced>{NUMBER})x the floor before anything is drawn or heard, and "
        rf"(?P<shown>{NUMBER})x once drawn$",
        report,
    )
    paced_ms = min(rows[labels["real-time"]][0], rows[labels["bursts"]][0])
    check_quotient(float(m["paced"]), paced_ms, floor_ms)
    check_quotient(float(m["shown"]), rows[labels["shown"]][0], floor_ms)


def test_without_mpv_the_comparison_says_what_to_install(clip, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # neither mpv nor Xvfb on it
    against_mpv.run(clip, PLAYED_S, 1)
    report = capsys.readouterr().out
    assert report == (
        "  player beside mpv: not measured; install mpv and xvfb (sudo apt-get install mpv "
        "xvfb), then run make bench again\n"
    )


@pytest.mark.slow
@pytest.mark.skipif(bool(against_mpv.missing_packages()), reason="mpv or Xvfb not installed")
def test_the_comparison_with_mpv_prints_figures_that_agree(clip, capsys):
    against_mpv.run(clip, PLAYED_S, 1)
    report = capsys.readouterr().out
    per_frame = {}
    for path, label in against_mpv.PATHS.items():
        block = report.split(f"    {label}:\n", 1)[1]
        for side in ("ours", "mpv"):
            m = one_match(
                rf"^      {side} +(?P<cpu>{NUMBER}) s CPU, +(?P<ms>{NUMBER}) ms/frame  "
                rf"(?P<shown>\d+) frames shown, (?P<dropped>\d+) dropped, A/V "
                rf"(?P<low>{NUMBER})\.\.(?P<high>{NUMBER}) ms, played (?P<played>{NUMBER}) s",
                block.split("\n", 2)[0 if side == "ours" else 1],
            )
            shown, dropped = int(m["shown"]), int(m["dropped"])
            # one second of a 30 fps clip, give or take the frame each stops on
            assert CLIP_FPS - 1 <= shown + dropped <= CLIP_FPS + 2, (path, side)
            assert PLAYED_S <= float(m["played"]) < PLAYED_S + 0.5
            assert float(m["cpu"]) > 0 and float(m["low"]) <= float(m["high"])
            # the CPU per frame times the frames is the CPU, within both roundings
            ms, cpu = float(m["ms"]), float(m["cpu"])
            assert abs(ms * shown / 1000 - cpu) <= 0.005 + ROUNDING * shown / 1000
            per_frame[path, side] = float(m["ms"])
        ok, m = target_line(
            report,
            rf"{path}: player / mpv CPU per frame shown = (?P<ratio>{NUMBER})x "
            rf"\((?P<ours>{NUMBER}) / (?P<mpv>{NUMBER}) ms\)",
        )
        assert (float(m["ours"]), float(m["mpv"])) == (
            per_frame[path, "ours"],
            per_frame[path, "mpv"],
        )
        check_quotient(float(m["ratio"]), float(m["ours"]), float(m["mpv"]))
        check_verdict(ok, float(m["ratio"]), against_mpv.MAX_RATIO)
        target_line(report, rf"{path}: frames shown \d+ \(mpv \d+\)")
        target_line(report, rf"{path}: player A/V offset min {NUMBER}, max {NUMBER} ms")
    assert "X server" in report.split(against_mpv.PATHS["x11"], 1)[1]


STORE_SESSIONS = 800  # enough for a deep page of every walker's list; builds in well under 1 s
STORE_EVENTS = 8_000
STORE_VIEWS = (
    "list: first page",
    "list: page 20",
    "list: first page, one profile",
    "list: page 1, one profile",
    "list: page 10, one profile, --since",
    "weekly summary: 12 weeks",
    "weekly summary: all weeks",
    "progression rule",
    f"CSV export: all {STORE_SESSIONS} sessions",
)


def test_the_store_report_prints_a_figure_for_every_measurement(capsys):
    bench_store.run(sessions=STORE_SESSIONS, events=STORE_EVENTS)
    report = capsys.readouterr().out
    one_match(rf"^built {STORE_SESSIONS} sessions, 8,000 events in {NUMBER} s", report)
    for view in STORE_VIEWS:
        m = one_match(
            rf"^{re.escape(view)} +(?P<ms>{NUMBER}) ms  target +(?P<target>\d+) ms  "
            rf"ratio +(?P<ratio>{NUMBER})  (?P<verdict>ok|SLOW)$",
            report,
        )
        ms, target, ratio = float(m["ms"]), float(m["target"]), float(m["ratio"])
        assert ms >= 0 and target > 0, view
        check_quotient(ratio, ms, target)
        check_verdict(m["verdict"] == "ok", ratio, 1.0)
    rows = one_match(r"^  \(export wrote (?P<rows>[\d,]+) rows, [\d.]+ MB\)$", report)
    assert int(rows["rows"].replace(",", "")) == STORE_SESSIONS
    for label, what in (("JSON export", "sessions"), ("CSV export", "events")):
        m = one_match(
            rf"^{label} with all events +(?P<ms>{NUMBER}) ms  \(no target; "
            rf"(?P<count>[\d,]+) {what}\)$",
            report,
        )
        assert float(m["ms"]) > 0
        count = int(m["count"].replace(",", ""))
        # every session has its events, the last of them its stop
        assert count == STORE_SESSIONS if what == "sessions" else count >= STORE_SESSIONS


def test_the_report_benchmark_times_a_real_years_pdf(capsys):
    bench_report.run(sessions=STORE_SESSIONS, events=STORE_EVENTS)
    report = capsys.readouterr().out
    m = one_match(
        rf"^PDF report: one walker, one year +(?P<ms>{NUMBER}) ms  target +2000 ms  "
        rf"ratio +(?P<ratio>{NUMBER})  (?P<verdict>ok|SLOW)$",
        report,
    )
    check_quotient(float(m["ratio"]), float(m["ms"]), 2000)
    check_verdict(m["verdict"] == "ok", float(m["ratio"]), 1.0)
    held = one_match(r"^  \((?P<sessions>[\d,]+) sessions, (?P<pages>\d+) pages, \d+ kB\)$", report)
    # 800 sessions over three years among 20 walkers: a dozen or so in the year, on few pages
    assert 0 < int(held["sessions"].replace(",", "")) < STORE_SESSIONS // 20 * 2
    assert 1 <= int(held["pages"]) <= 12


def test_the_alarm_latency_is_measured_on_the_kiosks_own_safety_part():
    """A few crossings through the parts bootstrap builds: each one sounds the buzzer pin,
    the event comes before the pin, and the two delays add up to the whole."""
    result = bench_safety.measure(4, load=False)
    assert [len(v) for v in result.values()] == [4, 4, 4]
    for total, condition, signal in zip(*result.values(), strict=True):
        assert 0 < condition <= total and signal >= 0
        assert math.isclose(condition + signal, total, abs_tol=1e-6)


def test_the_flapping_figures_come_from_the_replayed_alarm():
    result = bench_safety.flapping("error", seconds=5)
    assert result["silent_share"] == 0.0 and result["longest_silence_s"] == 0.0
    assert 0 < result["first_alarm_s"] < 0.3


def test_the_dashboard_report_prints_a_figure_for_every_page_the_export_and_the_memory(capsys):
    bench_web.run(sessions=400, events=4000, requests=3)
    report = capsys.readouterr().out
    pages = [name for name, _ in bench_web.page_checks(400, 133)]
    for name in pages:
        m = one_match(
            rf"^{re.escape(name)} p95 +(?P<ms>{NUMBER}) ms  target +100 ms  "
            rf"ratio +(?P<ratio>{NUMBER})  (?P<verdict>ok|SLOW)  \(p50 {NUMBER} ms\)$",
            report,
        )
        check_quotient(float(m["ratio"]), float(m["ms"]), 100.0)
        check_verdict(m["verdict"] == "ok", float(m["ratio"]), 1.0)
    export = one_match(
        rf"^CSV export: all 400 sessions, streamed +(?P<ms>{NUMBER}) ms  target +1500 ms", report
    )
    assert float(export["ms"]) > 0
    memory = one_match(
        rf"^web process RSS after the load +(?P<mb>{NUMBER}) MB  target +60 MB  "
        rf"ratio +(?P<ratio>{NUMBER})  (?P<verdict>ok|BIG)  \(peak (?P<peak>{NUMBER}) MB\)$",
        report,
    )
    assert 10 < float(memory["mb"]) <= float(memory["peak"]) < GENEROUS_RSS_MB
    check_quotient(float(memory["ratio"]), float(memory["mb"]), 60.0)


@pytest.mark.slow
def test_the_alarm_under_dashboard_load_report_shows_pages_served_and_agreeing_ratios(capsys):
    bench_web_load.run(crossings=4, sessions=300, events=3000)
    report = capsys.readouterr().out
    served = one_match(r"^  the dashboard served (?P<n>[\d,]+) pages to 20 clients", report)
    assert int(served["n"].replace(",", "")) > 0  # the load really ran
    rows = {}
    for label in ("quiet", "20 dashboard clients"):
        m = one_match(rf"^  {label} +p50 +(?P<p50>{NUMBER}) ms  p99 +(?P<p99>{NUMBER}) ms$", report)
        rows[label] = (float(m["p50"]), float(m["p99"]))
        assert 0 < rows[label][0] <= rows[label][1]
    m = one_match(
        rf"^  loaded / quiet: p50 (?P<r50>{NUMBER}), p99 (?P<r99>{NUMBER}); target <= 1.02: "
        r"(?P<verdict>ok|MISS)$",
        report,
    )
    (quiet50, quiet99), (loaded50, loaded99) = rows["quiet"], rows["20 dashboard clients"]
    assert abs(float(m["r50"]) - loaded50 / quiet50) < 0.01
    assert abs(float(m["r99"]) - loaded99 / quiet99) < 0.01
    worst = max(float(m["r50"]), float(m["r99"]))
    if abs(worst - 1.02) > 0.0005:
        assert (m["verdict"] == "ok") == (worst <= 1.02)


@pytest.mark.slow
def test_the_mqtt_report_prints_figures_that_agree(capsys):
    if find_mosquitto() is None:
        pytest.skip("mosquitto is not installed: sudo apt-get install mosquitto")
    bench_mqtt.run(events=20, drained=300, crossings=3)
    report = capsys.readouterr().out
    p99s = {}
    for label in ("raw paho publish \\(anchor\\)", "kiosk event \\(outbox, link\\)"):
        m = one_match(
            rf"^  {label}: +p50 +(?P<p50>{NUMBER}) ms  p99 +(?P<p99>{NUMBER}) ms$", report
        )
        assert 0 < float(m["p50"]) <= float(m["p99"])
        p99s[label] = float(m["p99"])
    anchor, kiosk = p99s.values()
    m = one_match(rf"^  kiosk p99 / anchor p99 = (?P<ratio>{NUMBER}); target p99 <= 50 ms: "
                  r"(?P<verdict>ok|MISS)$", report)  # fmt: skip
    check_quotient(float(m["ratio"]), kiosk, anchor)
    check_verdict(m["verdict"] == "ok", kiosk, 50.0)
    m = one_match(rf"^  all confirmed (?P<s>{NUMBER}) s after reconnecting \([\d,]+/s\), "
                  r"0 rows left; target <= 10 s: (?P<verdict>ok|MISS)$", report)  # fmt: skip
    check_verdict(m["verdict"] == "ok", float(m["s"]), 10.0)
    one_match(r"^outbox drain: 300 events queued with the broker stopped$", report)
    m = one_match(rf"^  frozen / none: p50 (?P<p50>{NUMBER}), p99 {NUMBER}; target <= 1.02: "
                  r"(?P<verdict>ok|MISS)$", report)  # fmt: skip
    check_verdict(m["verdict"] == "ok", float(m["p50"]), 1.02, places=3)
