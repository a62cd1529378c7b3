"""Greedy word wrap, shared by the screens, the captions and the demo-video generator.

It measures with whatever font it is given (anything with pygame's `size(text)`), so it needs
no display and no pygame import of its own.
"""

from __future__ import annotations

from typing import Protocol


class Measures(Protocol):
    def size(self, text: str, /) -> tuple[int, int]: ...


def wrap(text: str, font: Measures, width: int) -> list[str]:
    """Lines of `text` no wider than `width` (a single word wider than that stands alone).

    The text's own line breaks are kept, a blank line among them included; the result has at
    least one line.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if line and font.size(candidate)[0] > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines
