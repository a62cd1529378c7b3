"""The routine's manifest (routine.toml): title, level, files, length, safety points, chapters."""

from __future__ import annotations

import json
from pathlib import Path

from tools.demo_video.script import LEVEL, SAFETY_POINTS, TITLE, WALKING_CHAPTERS
from tools.demo_video.timeline import Timeline

# The committed routine.toml starts with these two lines: change both together.
HEADER = (
    "# The beginner routine. Written by tools/demo_video; see media/README.md to",
    "# regenerate it or to put a filmed video in its place.",
)


def toml_string(s: str) -> str:
    return json.dumps(s, ensure_ascii=True)  # a JSON string is a valid TOML basic string


def write_manifest(timeline: Timeline, path: Path, video: str, captions: str) -> None:
    """The manifest for the files named `video` and `captions`, beside it in the folder."""
    lines = [
        *HEADER,
        f"title = {toml_string(TITLE)}",
        f"level = {LEVEL}",
        f"video = {toml_string(video)}",
        f"captions = {toml_string(captions)}",
        f"length_s = {round(timeline.duration_s)}",
        "safety_points = [",
        *(f"    {toml_string(p)}," for p in SAFETY_POINTS),
        "]",
    ]
    for start, title in timeline.chapters:
        lines += ["", "[[chapters]]", f"start_s = {round(start, 2)!r}"]
        lines.append(f"title = {toml_string(title)}")
        lines.append(f"walking = {'true' if title in WALKING_CHAPTERS else 'false'}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
