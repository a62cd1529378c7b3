"""The WebVTT captions: one cue per sentence, long ones broken into two balanced lines."""

from __future__ import annotations

from pathlib import Path

from tools.demo_video.timeline import Timeline


def vtt_time(t: float) -> str:
    """Seconds as a WebVTT timestamp, hh:mm:ss.mmm."""
    ms = round(t * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def caption_lines(text: str, limit: int = 38) -> str:
    """Break a long caption into two balanced lines."""
    if len(text) <= limit:
        return text
    words = text.split()
    best = min(
        range(1, len(words)),
        key=lambda i: abs(len(" ".join(words[:i])) - len(" ".join(words[i:]))),
    )
    return " ".join(words[:best]) + "\n" + " ".join(words[best:])


def write_vtt(timeline: Timeline, path: Path) -> None:
    parts = ["WEBVTT", ""]
    for i, cue in enumerate(timeline.cues, start=1):
        parts += [str(i), f"{vtt_time(cue.start_s)} --> {vtt_time(cue.end_s)}"]
        parts += [caption_lines(cue.text), ""]
    path.write_text("\n".join(parts), encoding="utf-8")
