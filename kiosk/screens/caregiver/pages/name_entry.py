"""A walker's name, typed on the screen: large keys, a page of letters at a time, accents.

Letters are shown as capitals and typed with a capital at the start of each word (after a
space, a hyphen or an apostrophe) and small letters after, so "mary-jane o'neill" cannot
happen and no shift key is needed. Only characters the kiosk's typeface can draw are offered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from kiosk.screens import theme
from kiosk.screens.caregiver.page import ROW_GAP, SMALL_ROW_PX, Page, draw_title, small_body_px
from kiosk.screens.layout import Layout
from kiosk.screens.widgets import Button, draw_text

if TYPE_CHECKING:
    from kiosk.screens.caregiver.area import CaregiverArea

KEYS = (
    *"ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "space",
    "-",
    "'",
    *"ÉÈÊËÀÂÄÁÃÅÇÑÔÖÓÒÕØÜÛÙÚÏÎÍÌŒÆŁŚŻŹĆŃ",
)
MAX_NAME = 40
WORD_STARTS = " -'"


class NameEntryPage(Page):
    name = "name"

    def __init__(self) -> None:
        self.text = ""
        self.walker_id: int | None = None  # None: a new walker; else the one being renamed
        self.key_page = 0

    def start(self, area: CaregiverArea, walker_id: int | None, current: str = "") -> None:
        self.text, self.walker_id, self.key_page = current, walker_id, 0
        area.go(self.name)

    # -- taps -------------------------------------------------------------------------------

    def on_key(self, area: CaregiverArea, value: str) -> None:
        char = " " if value == "space" else value
        if len(self.text) >= MAX_NAME or (char == " " and self.text.endswith(" ")):
            return
        at_word_start = not self.text or self.text[-1] in WORD_STARTS
        self.text += char if at_word_start else char.lower()

    def on_erase(self, area: CaregiverArea, _: str) -> None:
        self.text = self.text[:-1]

    def on_keys(self, area: CaregiverArea, _: str) -> None:
        self.key_page += 1

    def on_save(self, area: CaregiverArea, _: str) -> None:
        store, name = area.tools.store, self.text.strip()
        try:
            if self.walker_id is None:
                new_id = store.add_profile(name)
                done = f"Added {name}."
            else:
                store.rename_profile(self.walker_id, name)
                new_id, done = self.walker_id, f"Renamed to {name}."
        except ValueError as error:  # empty, too long, or a name already used
            area.message = f"{str(error)[0].upper()}{str(error)[1:]}."
            return
        area.show_walker(new_id)
        area.message = done

    # -- drawing ----------------------------------------------------------------------------

    def draw(self, area: CaregiverArea, surface: pygame.Surface, layout: Layout) -> list[Button]:
        content = layout.content
        title = "New walker's name" if self.walker_id is None else "Walker's new name"
        top = draw_title(surface, layout, title) + layout.gap // 2
        field = pygame.Rect(content.left, top, content.width, SMALL_ROW_PX)
        buttons = entry_actions(field, below=layout.portrait)
        if not layout.portrait:
            field.width = buttons[0].rect.left - ROW_GAP - field.left
        pygame.draw.rect(surface, theme.PANEL, field, border_radius=12)
        draw_text(surface, self.text + "|", field.inflate(-24, -24), layout.body_px, bold=True)
        y = max(b.rect.bottom for b in buttons) + ROW_GAP
        if area.message:
            room = pygame.Rect(content.left, y, content.width, layout.body_px)
            y = draw_text(surface, area.message, room, small_body_px(layout), theme.PRIMARY)
        return buttons + self._keys(layout, y + ROW_GAP)

    shows_message = False  # under the name, where the keys leave room

    def _keys(self, layout: Layout, top: int) -> list[Button]:
        return key_buttons(layout, top, KEYS, self.key_page)


def key_buttons(layout: Layout, top: int, keys: tuple[str, ...], key_page: int) -> list[Button]:
    """The keyboard from `top` down: as many large keys as fit, the last one turning the page
    (actions "key:X" and "keys"). The password page uses it too."""
    content = layout.content
    step = SMALL_ROW_PX + ROW_GAP
    cols = min(7, max(3, (content.width + ROW_GAP) // step))
    rows = min(8, max(1, (content.bottom - top + ROW_GAP) // step))
    per_page = cols * rows - 1  # the last slot turns the page
    pages = max(1, -(-len(keys) // per_page))
    first = (key_page % pages) * per_page
    labels = list(keys[first : first + per_page])
    width = (content.width - (cols - 1) * ROW_GAP) // cols
    buttons = []
    for i, label in enumerate([*labels, "More keys"]):
        rect = pygame.Rect(
            content.left + (i % cols) * (width + ROW_GAP),
            top + (i // cols) * step,
            width,
            SMALL_ROW_PX,
        )
        action = "keys" if label == "More keys" else f"key:{label}"
        buttons.append(Button(rect, "Space" if label == "space" else label, action, "panel"))
    return buttons


def entry_actions(field: pygame.Rect, *, below: bool, cancel: str = "page:walkers") -> list[Button]:
    """Erase, Cancel and Save: at the right of the name, or in a row under it (portrait)."""
    width = 150 if not below else (field.width - 2 * ROW_GAP) // 3
    top = field.bottom + ROW_GAP if below else field.top
    right = field.right
    rects = []
    for _ in range(3):
        rects.insert(0, pygame.Rect(right - width, top, width, field.height))
        right -= width + ROW_GAP
    return [
        Button(rects[0], "Erase", "erase"),
        Button(rects[1], "Cancel", cancel),
        Button(rects[2], "Save", "save", "go"),
    ]
