"""WebVTT captions: a small, forgiving parser and the large-type overlay drawn over the video.

Only what the routines need is read: cue timings, multi-line cue text, cue identifiers.
NOTE, STYLE and REGION blocks are skipped, cue settings and inline tags are dropped, and a
malformed cue is logged and skipped rather than losing the whole file.
"""

from __future__ import annotations

import bisect
import html
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pygame

from kiosk import typeface
from kiosk.text_layout import wrap

logger = logging.getLogger(__name__)

_TIMESTAMP = r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})"
_TIMING = re.compile(rf"^\s*{_TIMESTAMP}\s+-->\s+{_TIMESTAMP}(?:\s+.*)?$")
_TAG = re.compile(r"<[^>]*>")


class CaptionError(ValueError):
    """The captions file cannot be read at all."""


@dataclass(frozen=True)
class Cue:
    """One caption: shown from `start_s` (inclusive) to `end_s` (exclusive)."""

    start_s: float
    end_s: float
    text: str


def _seconds(hours: str | None, minutes: str, seconds: str, fraction: str) -> float:
    millis = int(fraction.ljust(3, "0"))
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + millis / 1000


def _clean(line: str) -> str:
    return html.unescape(_TAG.sub("", line)).strip()


def parse_webvtt(text: str, source: str = "captions") -> list[Cue]:
    """Parse WebVTT text into cues sorted by start time."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    blocks = re.split(r"\n[ \t]*\n", text)
    if not blocks or not blocks[0].lstrip().startswith("WEBVTT"):
        logger.warning("%s: no WEBVTT header; reading the cues anyway", source)
    cues: list[Cue] = []
    for block in blocks:
        lines = [line for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        head = lines[0].lstrip()
        if head.startswith(("WEBVTT", "NOTE", "STYLE", "REGION")):
            continue
        timing_at = next((i for i, line in enumerate(lines[:2]) if "-->" in line), None)
        if timing_at is None:
            logger.warning("%s: skipping a block without a cue timing: %.40r", source, lines[0])
            continue
        match = _TIMING.match(lines[timing_at])
        if match is None:
            logger.warning(
                "%s: skipping a cue with a bad timing line: %r", source, lines[timing_at]
            )
            continue
        start = _seconds(*match.groups()[:4])
        end = _seconds(*match.groups()[4:])
        if end <= start:
            logger.warning(
                "%s: skipping a cue that ends before it starts: %r", source, lines[timing_at]
            )
            continue
        body = "\n".join(filter(None, (_clean(line) for line in lines[timing_at + 1 :])))
        if body:
            cues.append(Cue(start, end, body))
    cues.sort(key=lambda cue: cue.start_s)
    return cues


def load_captions(path: str | Path) -> list[Cue]:
    """Read a WebVTT file; raise CaptionError if it cannot be read."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise CaptionError(f"{path}: cannot read captions ({err}); check the file") from err
    return parse_webvtt(text, source=str(path))


class CaptionTrack:
    """Finds the cue showing at a given time."""

    def __init__(self, cues: Iterable[Cue]) -> None:
        self.cues = sorted(cues, key=lambda cue: cue.start_s)
        self._starts = [cue.start_s for cue in self.cues]
        self._longest = max((cue.end_s - cue.start_s for cue in self.cues), default=0.0)

    def __len__(self) -> int:
        return len(self.cues)

    def at(self, position_s: float) -> Cue | None:
        """The cue showing at `position_s`; when cues overlap, the one that started last."""
        index = bisect.bisect_right(self._starts, position_s) - 1
        # Walk back over cues that could still be showing: none started before the longest
        # cue's length ago.
        while index >= 0 and self._starts[index] > position_s - self._longest - 1e-9:
            if position_s < self.cues[index].end_s:
                return self.cues[index]
            index -= 1
        return None


# Colours and sizes of the overlay. The box alpha keeps white text at a contrast of about
# 11:1 even over a pure white picture (WCAG asks 7:1 for enhanced contrast).
TEXT_COLOUR = (255, 255, 255)
BOX_COLOUR = (0, 0, 0, 200)
MIN_FONT_PX = 36  # the brief's floor is 32 px; older eyes get a little more


def caption_font_px(width: int, height: int) -> int:
    """Caption type size for a screen area: 1/12 of its 16:9 height, never below 36 px.

    A tall (portrait) area is sized by its width, so a caption cannot swallow the picture.
    """
    return max(MIN_FONT_PX, round(min(height, width * 9 / 16) / 12))


class CaptionOverlay:
    """Draws a cue in large white type on a dark translucent box at the foot of the picture.

    The rendered box is cached per text and size, so redrawing the same cue costs one blit.
    """

    def __init__(self, font_path: str | None = None) -> None:
        self._font_path = font_path
        self._fonts: dict[int, pygame.font.Font] = {}
        self._cache_key: tuple[str, int, int] | None = None
        self._cache: pygame.Surface | None = None

    def _font(self, size: int) -> pygame.font.Font:
        """The screens' typeface at `size` px of line height (or the font file given)."""
        if self._font_path is None:
            return typeface.font(size)
        if size not in self._fonts:
            if not pygame.font.get_init():
                pygame.font.init()
            self._fonts[size] = pygame.font.Font(self._font_path, size)
        return self._fonts[size]

    def render(self, text: str, area: pygame.Rect) -> pygame.Surface:
        """The caption box for `text`, sized for `area` and wrapped to its width."""
        size = caption_font_px(area.width, area.height)
        key = (text, area.width, size)
        if key == self._cache_key and self._cache is not None:
            return self._cache
        font = self._font(size)
        pad = max(8, size // 3)
        lines = wrap(text, font, max(size * 4, area.width - 4 * pad))
        rendered = [font.render(line, True, TEXT_COLOUR) for line in lines]
        width = max(s.get_width() for s in rendered) + 2 * pad
        line_h = font.get_linesize()
        box = pygame.Surface((width, line_h * len(rendered) + 2 * pad), pygame.SRCALPHA)
        box.fill(BOX_COLOUR)
        for row, surf in enumerate(rendered):
            box.blit(surf, ((width - surf.get_width()) // 2, pad + row * line_h))
        self._cache_key, self._cache = key, box
        return box

    def draw(
        self, surface: pygame.Surface, area: pygame.Rect, picture: pygame.Rect, text: str
    ) -> pygame.Rect:
        """Draw `text` centred at the foot of `picture` inside `area`; returns the box's rect.

        When the bar below a letterboxed picture has room, the caption sits there and hides
        nothing; otherwise it covers the lower part of the picture.
        """
        box = self.render(text, area)
        margin = max(8, area.height // 40)
        below = area.bottom - picture.bottom
        if below >= box.get_height() + 2 * margin:
            top = picture.bottom + margin
        else:
            top = max(area.top, min(picture.bottom, area.bottom) - margin - box.get_height())
        return surface.blit(box, (area.centerx - box.get_width() // 2, top))
