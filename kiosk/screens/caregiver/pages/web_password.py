"""The web dashboard's password, typed on the screen's keyboard and saved as the console's
`balance-kiosk web set-password` saves it (argon2id, in the data folder).

Small letters, digits and a space are enough for a long password of a few words, which is
the kind worth choosing. The typed text is hidden but for its last character; "Show" shows it.
A new password signs everyone out of the dashboard, as at the console.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from kiosk.screens import theme
from kiosk.screens.caregiver.page import ROW_GAP, SMALL_ROW_PX, Page, draw_title, small_body_px
from kiosk.screens.caregiver.pages.name_entry import entry_actions, key_buttons
from kiosk.screens.layout import Layout
from kiosk.screens.widgets import Button, draw_text

if TYPE_CHECKING:
    from kiosk.screens.caregiver.area import CaregiverArea

KEYS = (*"abcdefghijklmnopqrstuvwxyz", "space", *"0123456789", *"-.!?")
MAX_TYPED = 60


class WebPasswordPage(Page):
    name = "web_password"
    shows_message = False  # under the field, where the keys leave room

    def __init__(self) -> None:
        self.text = ""
        self.key_page = 0
        self.shown = False

    def start(self, area: CaregiverArea) -> None:
        self.text, self.key_page, self.shown = "", 0, False
        area.go(self.name)

    def on_key(self, area: CaregiverArea, value: str) -> None:
        if len(self.text) < MAX_TYPED:
            self.text += " " if value == "space" else value

    def on_erase(self, area: CaregiverArea, _: str) -> None:
        self.text = self.text[:-1]

    def on_keys(self, area: CaregiverArea, _: str) -> None:
        self.key_page += 1

    def on_show(self, area: CaregiverArea, _: str) -> None:
        self.shown = not self.shown

    def on_save(self, area: CaregiverArea, _: str) -> None:
        from kiosk.web.credentials import PasswordFile, PasswordRefused

        path = area.tools.web_password
        if path is None:
            area.message = "This kiosk has no data folder for the dashboard's password."
            return
        try:
            PasswordFile(path).set(self.text)
        except PasswordRefused as refusal:
            area.message = f"{str(refusal)[0].upper()}{str(refusal)[1:]}; nothing was changed."
            return
        except OSError as error:
            area.message = f"Could not save the password: {error.strerror or error}."
            return
        self.text = ""
        from kiosk.screens.caregiver.pages.web_dashboard import WebDashboardPage

        area.pages_by_type(WebDashboardPage).forget()
        area.go("web")
        area.message = "Web password set. Anyone signed in before must sign in again."

    def typed(self) -> str:
        if self.shown or not self.text:
            return self.text
        return "•" * (len(self.text) - 1) + self.text[-1]

    def draw(self, area: CaregiverArea, surface: pygame.Surface, layout: Layout) -> list[Button]:
        content = layout.content
        top = draw_title(surface, layout, "New web password") + layout.gap // 2
        field = pygame.Rect(content.left, top, content.width, SMALL_ROW_PX)
        buttons = entry_actions(field, below=layout.portrait, cancel="page:web")
        show = Button(buttons[0].rect.copy(), "Hide" if self.shown else "Show", "show")
        if layout.portrait:
            buttons[0].rect.width = show.rect.width = (buttons[0].rect.width - ROW_GAP) // 2
            show.rect.left = buttons[0].rect.right + ROW_GAP
        else:
            show.rect.right = buttons[0].rect.left - ROW_GAP
            field.width = show.rect.left - ROW_GAP - field.left
        pygame.draw.rect(surface, theme.PANEL, field, border_radius=12)
        draw_text(surface, self.typed() + "|", field.inflate(-24, -24), layout.body_px, bold=True)
        y = max(b.rect.bottom for b in buttons) + ROW_GAP
        words = area.message or "At least 8 characters; a few words in a row are best."
        room = pygame.Rect(content.left, y, content.width, layout.body_px)
        y = draw_text(surface, words, room, small_body_px(layout), theme.PRIMARY)
        return [show, *buttons, *key_buttons(layout, y + ROW_GAP, KEYS, self.key_page)]
