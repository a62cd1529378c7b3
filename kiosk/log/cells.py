"""What a CSV cell of the export holds, where a spreadsheet could misread it: text that must
never run as a formula, and a UTC offset written the way ISO 8601 writes it."""

from __future__ import annotations

import functools

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(text: str | None) -> str | None:
    """`text` for a CSV cell that a spreadsheet shows as text and never runs as a formula."""
    if not text:
        return text
    if ";" in text:
        parts = text.split(";")
        text = ";".join("'" + p if p.startswith(_FORMULA_STARTS) else p for p in parts)
    elif text.startswith(_FORMULA_STARTS):
        text = "'" + text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


@functools.lru_cache(maxsize=64)
def utc_offset(seconds: int) -> str:
    """ "+HH:MM" (or "-HH:MM") of an offset from UTC in seconds."""
    sign = "-" if seconds < 0 else "+"
    minutes = abs(seconds) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


class SafeTexts(dict):
    """spreadsheet_text of each text, worked out once: an export repeats a few walker names
    and routines over thousands of rows."""

    def __missing__(self, text: str | None) -> str | None:
        safe = self[text] = spreadsheet_text(text)
        return safe


class Offsets(dict):
    """utc_offset of each offset in seconds, by a dictionary look-up per row."""

    def __missing__(self, seconds: int) -> str:
        text = self[seconds] = utc_offset(seconds)
        return text
