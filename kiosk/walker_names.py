"""Whether a walker's name can be shown on the kiosk's screen.

The screens draw in DejaVu Sans, which covers Latin, Greek and Cyrillic letters but not Chinese,
Japanese or Korean, nor emoji: such a name would be a row of boxes on the walker's screen and
in the caregiver's lists. So a name is refused where it is typed (the command line and the web
dashboard; the on-screen keyboard offers only letters it can draw), with the reason. Read from
the font's own character map (reportlab's TrueType reader), so no screen library is needed.
"""

from __future__ import annotations

import functools

from kiosk.font_files import REGULAR, find_font


@functools.cache
def _covered() -> frozenset[int] | None:
    path = find_font(REGULAR)
    if path is None:
        return None  # cannot tell; the screens fall back to pygame's own font
    from reportlab.pdfbase.ttfonts import TTFontFile

    return frozenset(TTFontFile(str(path)).charToGlyph)


def undrawn_characters(name: str) -> list[str]:
    """The characters of ``name`` the kiosk's typeface has no picture for."""
    covered = _covered()
    if covered is None:
        return []
    return [c for c in dict.fromkeys(name) if not c.isspace() and ord(c) not in covered]


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a walker's name on this kiosk, in words; None when it can."""
    missing = undrawn_characters(name)
    if not missing:
        return None
    shown = " ".join(missing[:5])
    return (
        f"the kiosk's screen cannot draw {shown} in {name.strip()!r} (its typeface has Latin, "
        "Greek and Cyrillic letters only): write the name in those letters, for example as it "
        "is spelt in a passport"
    )
