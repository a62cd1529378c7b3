"""The report's typeface: the kiosk's own DejaVu Sans, embedded, with a fallback for scripts it
lacks.

reportlab's built-in Helvetica knows only Latin-1, so "Łukasz" would lose its Ł. DejaVu Sans
(the kiosk screens' typeface, on every Raspberry Pi OS image) covers Latin, Greek and Cyrillic;
names in Chinese, Japanese or Korean are drawn from a fallback font, run by run, when one is
installed (Debian's fonts-droid-fallback, or WenQuanYi). Without one those characters cannot be
drawn, and `undrawable` says which.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from kiosk.font_files import find_font

log = logging.getLogger(__name__)

REGULAR = "KioskSans"
BOLD = "KioskSans-Bold"
FALLBACK = "KioskFallback"

FALLBACK_FILES = (
    (Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"), 0),
    (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0),
    (Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0),
)


class FontMissing(Exception):
    """The report's typeface is not installed; the message says what to install."""


def _find(name: str) -> Path:
    found = find_font(name)
    if found is not None:
        return found
    raise FontMissing(
        f"the report needs the DejaVu Sans typeface ({name}), which is not installed: "
        "run 'sudo apt-get install fonts-dejavu-core'"
    )


@functools.cache
def register() -> None:
    """Register the typeface with reportlab (once per process)."""
    pdfmetrics.registerFont(TTFont(REGULAR, str(_find("DejaVuSans.ttf"))))
    pdfmetrics.registerFont(TTFont(BOLD, str(_find("DejaVuSans-Bold.ttf"))))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR)


@functools.cache
def _fallback() -> TTFont | None:
    """The fallback font, registered on first need (loading one takes a third of a second)."""
    for path, index in FALLBACK_FILES:
        if path.exists():
            font = TTFont(FALLBACK, str(path), subfontIndex=index)
            pdfmetrics.registerFont(font)
            return font
    log.warning("no fallback font for characters DejaVu Sans lacks; see kiosk/report/fonts.py")
    return None


def _covers(font_name: str, char: str) -> bool:
    font = pdfmetrics.getFont(font_name)
    return ord(char) in font.face.charToGlyph or char.isspace()


def undrawable(text: str) -> list[str]:
    """The characters of ``text`` that no installed font of the report can draw."""
    register()
    missing = [c for c in text if not _covers(REGULAR, c)]
    if not missing:
        return []
    fallback = _fallback()
    return [c for c in missing if fallback is None or ord(c) not in fallback.face.charToGlyph]


def markup(text: str) -> str:
    """``text`` escaped for a reportlab Paragraph, with runs DejaVu Sans lacks set in the
    fallback font."""
    register()
    pieces: list[str] = []
    run: list[str] = []
    run_is_fallback = False
    for char in text:
        needs = not _covers(REGULAR, char) and _fallback() is not None
        if run and needs != run_is_fallback:
            pieces.append(_run("".join(run), run_is_fallback))
            run = []
        run.append(char)
        run_is_fallback = needs
    if run:
        pieces.append(_run("".join(run), run_is_fallback))
    return "".join(pieces)


def _run(text: str, fallback: bool) -> str:
    return f'<font name="{FALLBACK}">{escape(text)}</font>' if fallback else escape(text)
