"""The committed beginner routine (manifest, video, captions) and the generator that makes it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pytest

from tools.demo_video import voice
from tools.demo_video.output import FPS, QUICK_SIZE, SAMPLE_RATE
from tools.demo_video.pacing import LANDING_PHASE
from tools.demo_video.poses import STEP_LEN, standing_pose, walk_pose
from tools.demo_video.script import NUMBER_WORDS, SCRIPT
from tools.demo_video.timeline import build_timeline

ROOT = Path(__file__).resolve().parents[2]
ROUTINE = ROOT / "media" / "routines" / "beginner"
CHAPTERS = ["Welcome", "Why it helps", "Technique", "Safety", "Follow along", "Cool-down"]
MANIFEST_KEYS = {"title", "level", "video", "captions", "length_s", "safety_points", "chapters"}
MAX_BYTES = 8_000_000
TIMING = re.compile(
    r"^(\d{2}):([0-5]\d):([0-5]\d)\.(\d{3}) --> (\d{2}):([0-5]\d):([0-5]\d)\.(\d{3})$"
)


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    video_codec: str
    width: int
    height: int
    fps: float
    pix_fmt: str
    audio_codec: str | None
    sample_rate: int | None
    duration_s: float
    keyframes_s: list[float]
    audio: np.ndarray  # decoded, mono mix, float32


def probe(path: Path) -> Probe:
    with av.open(str(path)) as container:
        assert container.streams.video, f"{path.name} has no video stream"
        video = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        duration = container.duration / av.time_base
        keyframes = [
            float(packet.pts * packet.time_base)
            for packet in container.demux(video)
            if packet.size and packet.is_keyframe
        ]
        info = dict(
            video_codec=video.codec_context.name,
            width=video.width,
            height=video.height,
            fps=float(video.average_rate),
            pix_fmt=video.codec_context.pix_fmt,
            audio_codec=audio.codec_context.name if audio else None,
            sample_rate=audio.rate if audio else None,
        )
    samples = np.zeros(0, np.float32)
    if audio is not None:
        with av.open(str(path)) as container:
            parts = [f.to_ndarray().mean(axis=0) for f in container.decode(audio=0)]
        samples = np.concatenate(parts).astype(np.float32)
    return Probe(**info, duration_s=duration, keyframes_s=sorted(keyframes), audio=samples)


def parse_vtt(text: str) -> list[tuple[float, float, str]]:
    """A strict little WebVTT reader: header, then blocks of [id], timing, text lines."""
    blocks = text.replace("\r\n", "\n").strip().split("\n\n")
    assert blocks[0].splitlines()[0] == "WEBVTT", "missing WEBVTT header"
    cues = []
    for block in blocks[1:]:
        lines = block.splitlines()
        if not TIMING.match(lines[0]):
            lines = lines[1:]  # a cue identifier
        assert lines, f"empty cue block: {block!r}"
        match = TIMING.match(lines[0])
        assert match, f"bad timing line: {lines[0]!r}"
        g = [int(x) for x in match.groups()]
        start = g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 1000
        end = g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 1000
        cues.append((start, end, "\n".join(lines[1:]).strip()))
    return cues


def rms(samples: np.ndarray, start_s: float, end_s: float) -> float:
    part = samples[int(start_s * SAMPLE_RATE) : int(end_s * SAMPLE_RATE)]
    return float(np.sqrt(np.mean(np.square(part, dtype=np.float64)))) if part.size else 0.0


def check_manifest(manifest: dict, folder: Path) -> None:
    assert set(manifest) == MANIFEST_KEYS
    assert isinstance(manifest["title"], str) and manifest["title"].strip()
    assert type(manifest["level"]) is int and manifest["level"] >= 1
    assert isinstance(manifest["length_s"], int) and manifest["length_s"] > 0
    for key, suffix in (("video", ".mp4"), ("captions", ".vtt")):
        name = manifest[key]
        assert isinstance(name, str) and name.endswith(suffix)
        assert Path(name).name == name, "media files are named relative to the manifest"
        assert (folder / name).is_file(), f"{name} is missing"
    points = manifest["safety_points"]
    assert isinstance(points, list) and 3 <= len(points) <= 5
    for point in points:
        assert isinstance(point, str) and point.strip()
        assert len(point) <= 100, f"safety point too long for the screen: {point!r}"
    chapters = manifest["chapters"]
    assert isinstance(chapters, list) and chapters
    for chapter in chapters:
        assert set(chapter) == {"start_s", "title", "walking"}
        assert isinstance(chapter["start_s"], float)
        assert isinstance(chapter["title"], str) and chapter["title"].strip()
        assert isinstance(chapter["walking"], bool)
    # The walker walks beside the support in the technique and the guided part only.
    walked = [c["title"] for c in chapters if c["walking"]]
    assert walked == ["Technique", "Follow along"] or (walked and "Follow along" in walked)


def check_chapters(chapters: list[dict], duration_s: float) -> None:
    starts = [c["start_s"] for c in chapters]
    assert starts[0] == 0.0
    assert all(a < b for a, b in zip(starts, starts[1:], strict=False)), starts
    assert starts[-1] < duration_s


def check_cues(cues: list[tuple[float, float, str]], duration_s: float) -> None:
    assert cues
    previous = 0.0
    for start, end, text in cues:
        assert previous <= start < end <= duration_s + 0.05, (start, end, text)
        assert text
        previous = start


# ------------------------------------------------------------------------------------------
# the committed routine
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def manifest() -> dict:
    with (ROUTINE / "routine.toml").open("rb") as f:
        return tomllib.load(f)


@pytest.fixture(scope="module")
def video(manifest: dict) -> Probe:
    return probe(ROUTINE / manifest["video"])


@pytest.fixture(scope="module")
def cues(manifest: dict) -> list[tuple[float, float, str]]:
    return parse_vtt((ROUTINE / manifest["captions"]).read_text(encoding="utf-8"))


def test_manifest_keys_and_types(manifest: dict) -> None:
    check_manifest(manifest, ROUTINE)
    assert manifest["level"] == 1
    assert manifest["video"] == "beginner.mp4"
    assert manifest["captions"] == "beginner.en.vtt"


def test_chapters_in_order_and_inside_the_video(manifest: dict, video: Probe) -> None:
    assert [c["title"] for c in manifest["chapters"]] == CHAPTERS
    check_chapters(manifest["chapters"], video.duration_s)
    # every chapter lasts long enough to be worth jumping to
    starts = [c["start_s"] for c in manifest["chapters"]] + [video.duration_s]
    assert min(b - a for a, b in zip(starts, starts[1:], strict=False)) > 10


def test_video_format(manifest: dict, video: Probe) -> None:
    assert video.video_codec == "h264"
    assert (video.width, video.height) == (1280, 720)
    assert video.fps == pytest.approx(30, abs=0.01)
    assert video.pix_fmt == "yuv420p"
    assert video.audio_codec == "aac"
    assert video.sample_rate == 48_000
    assert 240 <= video.duration_s <= 360
    assert abs(video.duration_s - manifest["length_s"]) <= 2


def test_video_file_is_small(manifest: dict) -> None:
    assert (ROUTINE / manifest["video"]).stat().st_size < MAX_BYTES


def test_keyframes_at_least_every_two_seconds(video: Probe) -> None:
    keys = video.keyframes_s
    assert keys[0] == pytest.approx(0, abs=0.05)
    gaps = np.diff(keys + [video.duration_s])
    assert gaps.max() <= 2.0 + 1e-3


def test_captions_parse_and_fit_the_video(cues: list, video: Probe) -> None:
    check_cues(cues, video.duration_s)
    assert len(cues) >= 40
    text = " ".join(t for _, _, t in cues).lower()
    for phrase in ("toes", "heel", "small", "counter", "doctor", "helper", "few minutes"):
        assert phrase in text, phrase
    counts = [t for _, _, t in cues if t in NUMBER_WORDS]
    assert counts.count("One") == counts.count("Four") == 6  # 3 sets, back and forward


def test_narration_is_audible_while_captions_show(cues: list, video: Probe) -> None:
    levels = np.array([rms(video.audio, start, end) for start, end, _ in cues])
    assert np.median(levels) > 0.03, "the committed video should have spoken narration"
    assert (levels > 0.01).mean() > 0.95
    assert np.abs(video.audio).max() <= 1.0


def test_audio_is_quiet_between_sentences(manifest: dict, cues: list, video: Probe) -> None:
    # the gaps between sentences are near silence: the narration is placed, not smeared
    quiet = [
        rms(video.audio, end + 0.05, nxt - 0.05)
        for (_, end, _), (nxt, _, _) in zip(cues, cues[1:], strict=False)
        if nxt - end > 0.4
    ]
    assert quiet and np.median(quiet) < 0.01


# ------------------------------------------------------------------------------------------
# the generator, without encoding
# ------------------------------------------------------------------------------------------


def test_timeline_agrees_with_itself() -> None:
    timeline = build_timeline(SCRIPT, voice.SilentVoice())
    assert [title for _, title in timeline.chapters] == CHAPTERS
    assert 240 <= timeline.duration_s <= 360
    scene_starts = {p.start_s for p in timeline.scenes}
    assert all(start in scene_starts for start, _ in timeline.chapters)
    assert [c.text for c in timeline.cues][:1] == [SCRIPT[0].beats[0].say]
    steps = [name for _, name in timeline.tones if name in ("back", "forward")]
    assert steps.count("back") == steps.count("forward") == 12
    # every scene is a whole number of frames long, end to end
    for a, b in zip(timeline.scenes, timeline.scenes[1:], strict=False):
        assert a.end_s == b.start_s
        assert round(a.end_s * FPS, 6).is_integer()


def test_steps_back_land_toes_first_and_forward_returns_to_the_start() -> None:
    n = 4
    for k in range(n):
        # just after landing, a step back has the heel still up; a step forward, the toes
        back = walk_pose(k + LANDING_PHASE + 0.02, n)
        forward = walk_pose(k + LANDING_PHASE + 0.02, n, forward=True)
        assert max(f.pitch for f in back.feet) > 0
        assert min(f.pitch for f in forward.feet) < 0
        assert all(f.lift == 0 for f in back.feet + forward.feet)
    end_back = walk_pose(n, n)
    assert end_back.hip_x < standing_pose().hip_x - 3 * STEP_LEN
    home = walk_pose(n, n, forward=True)
    assert [f.ref_x for f in home.feet] == [0.0, 0.0]
    assert all(f.pitch == 0 for f in home.feet)


def test_speech_required_but_missing_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(voice.shutil, "which", lambda name: None)
    with pytest.raises(SystemExit):
        voice.make_voice(True, tmp_path)
    assert isinstance(voice.make_voice(None, tmp_path), voice.SilentVoice)


# ------------------------------------------------------------------------------------------
# a quick generation
# ------------------------------------------------------------------------------------------


def run_quick(out: Path, *flags: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "tools.demo_video", "--quick", "--out", str(out), *flags],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )


def check_generated(out: Path) -> tuple[dict, Probe, list]:
    with (out / "routine.toml").open("rb") as f:
        manifest = tomllib.load(f)
    check_manifest(manifest, out)
    assert [c["title"] for c in manifest["chapters"]] == CHAPTERS
    result = probe(out / manifest["video"])
    assert result.video_codec == "h264" and result.audio_codec == "aac"
    assert (result.width, result.height) == QUICK_SIZE
    assert 5 <= result.duration_s <= 30
    assert abs(result.duration_s - manifest["length_s"]) <= 1
    check_chapters(manifest["chapters"], result.duration_s)
    cues = parse_vtt((out / manifest["captions"]).read_text(encoding="utf-8"))
    check_cues(cues, result.duration_s)
    assert not list(out.glob(".*.part.mp4")), "a partial file was left behind"
    return manifest, result, cues


def test_quick_generation_without_speech(tmp_path: Path) -> None:
    run_quick(tmp_path, "--no-speech")
    _, result, cues = check_generated(tmp_path)
    assert [t for _, _, t in cues][-2:] == ["One", "Two"]
    # no voice, but a cue tone on each step and a chime at each chapter
    assert rms(result.audio, 0, result.duration_s) > 0.005
    assert np.abs(result.audio).max() > 0.1


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_quick_generation_with_speech(tmp_path: Path) -> None:
    run_quick(tmp_path, "--speech")
    _, result, cues = check_generated(tmp_path)
    start, end, _ = cues[0]
    assert rms(result.audio, start, end) > 0.03
