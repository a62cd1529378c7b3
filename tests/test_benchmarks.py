"""`make bench` keeps working: the player benchmark's floors and report, on a short clip.

Nothing here judges speed; these only check that every measurement runs and is reported.
"""

from __future__ import annotations

import time

import pytest
from player_clips import make_clip

from benchmarks import bench_player


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


@pytest.mark.slow
def test_the_report_names_every_figure_and_target(clip, capsys):
    bench_player.run(clip, seconds=1.0, repeats=1)
    report = capsys.readouterr().out
    for figure in (
        "floor: decode + RGB",
        "real time, decoding in bursts",
        "player: headless, real time",
        "player / floor =",
        "player / drawn real-time floor =",
        "frames dropped = 0 of",
        "A/V offset p95",
        "player peak RSS",
    ):
        assert figure in report
