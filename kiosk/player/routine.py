"""A routine: the exercise video with its captions, chapters and safety points, read from TOML.

Each routine lives in its own folder holding ``routine.toml`` and the media it names::

    title = "Walking backward: a first routine"
    level = 1
    video = "beginner.mp4"          # relative to this folder
    captions = "beginner.en.vtt"    # optional WebVTT
    length_s = 300
    safety_points = ["...", "..."]  # optional, shown before the routine starts
    [[chapters]]                    # optional, start times strictly increasing
    start_s = 0.0
    title = "Welcome"
    walking = false                 # optional: a talking part, the walker may sit (default
                                    # true: walked beside the support, the alarm armed)

Every problem raises `RoutineError` with a message that names the file, the key and the fix,
so whoever installs the kiosk can correct the manifest without reading code.
"""

from __future__ import annotations

import logging
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

MANIFEST_NAME = "routine.toml"
_KNOWN_KEYS = {"title", "level", "video", "captions", "length_s", "safety_points", "chapters"}


class RoutineError(Exception):
    """A routine manifest or one of its files cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class Chapter:
    """A named point in the video the walker can jump to; `walking` says whether the walker
    walks beside the support during it (the alarm is armed) or may rest (talking parts)."""

    start_s: float
    title: str
    walking: bool = True


@dataclass(frozen=True)
class Routine:
    """Everything the kiosk needs to present and play one routine."""

    title: str
    level: int
    video_path: Path
    captions_path: Path | None
    length_s: float
    safety_points: tuple[str, ...]
    chapters: tuple[Chapter, ...]
    folder: Path

    def chapter_index_at(self, position_s: float) -> int | None:
        """Index of the chapter playing at `position_s`, or None before the first one."""
        return chapter_index_at(self.chapters, position_s)

    def walking_at(self, position_s: float) -> bool:
        """Whether the walker walks beside the support at `position_s` (True when no chapter
        says otherwise: armed is the safe side)."""
        index = self.chapter_index_at(position_s)
        return True if index is None else self.chapters[index].walking


def chapter_index_at(
    chapters: tuple[Chapter, ...] | list[Chapter], position_s: float
) -> int | None:
    """Index of the last chapter starting at or before `position_s` (chapters sorted by start)."""
    found = None
    for index, chapter in enumerate(chapters):
        if chapter.start_s <= position_s + 1e-6:
            found = index
        else:
            break
    return found


def routines_root() -> Path:
    """The folder holding the routines shipped with the package (media/routines)."""
    import media

    return Path(media.__file__).resolve().parent / "routines"


def installed_routines(root: Path | None = None) -> list[str]:
    """The names of the routines installed under `root` (the packaged ones by default)."""
    folder = root or routines_root()
    return sorted(p.name for p in folder.iterdir() if (p / MANIFEST_NAME).is_file())


def find_routine(name_or_path: str | Path, root: Path | None = None) -> Path:
    """Resolve a routine name ("beginner"), folder or manifest to its manifest file.

    A bare name is looked up under `root` (the packaged media/routines by default).
    """
    candidate = Path(name_or_path).expanduser()
    if candidate.is_file():
        return candidate
    if candidate.is_dir():
        manifest = candidate / MANIFEST_NAME
        if manifest.is_file():
            return manifest
        raise RoutineError(
            f"{candidate}: no {MANIFEST_NAME} in this folder; "
            f"pass a routine folder that holds {MANIFEST_NAME}, or the manifest itself"
        )
    if len(candidate.parts) > 1 or candidate.suffix:
        raise RoutineError(f"{candidate}: no such file or folder; check the path")
    base = root if root is not None else routines_root()
    manifest = base / candidate.name / MANIFEST_NAME
    if manifest.is_file():
        return manifest
    available = (
        sorted(p.parent.name for p in base.glob(f"*/{MANIFEST_NAME}")) if base.is_dir() else []
    )
    known = ", ".join(available) if available else "none installed"
    raise RoutineError(
        f"{name_or_path}: no such file, folder or routine name (routines in {base}: {known}); "
        "check the spelling or give the path to the routine's folder"
    )


def load_routine(path: str | Path) -> Routine:
    """Read and check a routine manifest, given the manifest file or the folder holding it."""
    manifest = Path(path).expanduser()
    if manifest.is_dir():
        manifest = manifest / MANIFEST_NAME
    if not manifest.is_file():
        raise RoutineError(
            f"{manifest}: file not found; pass a routine folder that holds {MANIFEST_NAME}, "
            "or the manifest file itself"
        )
    try:
        with manifest.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as err:
        # The decoder's message carries "(at line N, column M)".
        raise RoutineError(f"{manifest}: not valid TOML: {err}; fix the syntax there") from err
    except (OSError, UnicodeDecodeError) as err:
        raise RoutineError(f"{manifest}: cannot be read ({err}); check the file") from err
    return _build(manifest, data)


def _build(manifest: Path, data: dict[str, Any]) -> Routine:
    folder = manifest.parent.resolve()
    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        logger.warning("%s: ignoring unknown key(s) %s (a typo?)", manifest, ", ".join(unknown))

    title = _text(manifest, data, "title")
    level = _require(manifest, data, "level", "level = 1  (1 = beginner)")
    if isinstance(level, bool) or not isinstance(level, int) or level < 1:
        raise RoutineError(
            f"{manifest}: key 'level' must be a whole number from 1 up, not {level!r}"
        )
    length_s = _seconds(
        manifest, _require(manifest, data, "length_s", "length_s = 300"), "length_s"
    )
    if length_s <= 0:
        raise RoutineError(
            f"{manifest}: key 'length_s' must be more than 0 seconds, not {length_s}"
        )

    video_path = _media_file(manifest, folder, "video", _text(manifest, data, "video"))
    captions_path = None
    if "captions" in data:
        captions_path = _media_file(manifest, folder, "captions", _text(manifest, data, "captions"))

    return Routine(
        title=title,
        level=level,
        video_path=video_path,
        captions_path=captions_path,
        length_s=length_s,
        safety_points=_safety_points(manifest, data.get("safety_points", [])),
        chapters=_chapters(manifest, data.get("chapters", []), length_s),
        folder=folder,
    )


def _require(manifest: Path, data: dict[str, Any], key: str, example: str) -> Any:
    if key not in data:
        raise RoutineError(f"{manifest}: missing key '{key}'; add a line like: {example}")
    return data[key]


def _text(manifest: Path, data: dict[str, Any], key: str) -> str:
    value = _require(manifest, data, key, f'{key} = "..."')
    if not isinstance(value, str) or not value.strip():
        raise RoutineError(
            f"{manifest}: key '{key}' must be a non-empty quoted string, not {value!r}"
        )
    return value.strip()


def _seconds(manifest: Path, value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RoutineError(f"{manifest}: key '{key}' must be a number of seconds, not {value!r}")
    return float(value)


def _media_file(manifest: Path, folder: Path, key: str, name: str) -> Path:
    path = folder / name
    if not path.is_file():
        raise RoutineError(
            f"{manifest}: key '{key}' names {path}, which does not exist; "
            f"copy the file into {folder} or correct the name"
        )
    return path


def _safety_points(manifest: Path, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(p, str) and p.strip() for p in value):
        raise RoutineError(
            f"{manifest}: key 'safety_points' must be a list of non-empty strings, "
            'like safety_points = ["Stand beside a sturdy support."]'
        )
    return tuple(p.strip() for p in value)


def _chapters(manifest: Path, value: Any, length_s: float) -> tuple[Chapter, ...]:
    if not isinstance(value, list):
        raise RoutineError(
            f"{manifest}: 'chapters' must be [[chapters]] tables with start_s and title"
        )
    chapters: list[Chapter] = []
    for number, entry in enumerate(value, start=1):
        where = f"{manifest}: chapter {number}"
        if not isinstance(entry, dict):
            raise RoutineError(f"{where} must be a [[chapters]] table with start_s and title")
        extra = sorted(set(entry) - {"start_s", "title", "walking"})
        if extra:
            logger.warning("%s: ignoring unknown key(s) %s (a typo?)", where, ", ".join(extra))
        for key in ("start_s", "title"):
            if key not in entry:
                raise RoutineError(
                    f"{where} is missing key '{key}'; add it under that [[chapters]]"
                )
        start_s = _seconds(manifest, entry["start_s"], f"chapters[{number}].start_s")
        title = entry["title"]
        if not isinstance(title, str) or not title.strip():
            raise RoutineError(f"{where}: key 'title' must be a non-empty quoted string")
        if start_s < 0 or start_s >= length_s:
            raise RoutineError(
                f"{where} ({title!r}): start_s = {start_s} lies outside the routine "
                f"(0 to length_s = {length_s}); correct start_s or length_s"
            )
        if chapters and start_s <= chapters[-1].start_s:
            raise RoutineError(
                f"{where} ({title!r}): start_s = {start_s} is not after the previous chapter's "
                f"{chapters[-1].start_s}; list chapters in order with increasing start_s"
            )
        walking = entry.get("walking", True)
        if not isinstance(walking, bool):
            raise RoutineError(
                f"{where} ({title!r}): key 'walking' must be true or false, not {walking!r}"
            )
        chapters.append(Chapter(start_s=start_s, title=title.strip(), walking=walking))
    return tuple(chapters)
