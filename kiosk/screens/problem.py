"""The screen of a kiosk that cannot start: what is wrong, in words a caregiver can act on.

A black screen and a restart every few seconds tell nobody anything. When the settings cannot
be used, or the sensor or the buzzer cannot be set up, the kiosk shows this instead, and stays
on it (nobody is walking: no alarm sounds) until it is stopped and started again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pygame

from kiosk.screens import theme
from kiosk.screens.layout import Layout
from kiosk.screens.widgets import draw_text, fit_size

REDRAW_S = 1.0


class ProblemScreen:
    def __init__(
        self,
        display: pygame.Surface,
        title: str,
        message: str,
        fix: str,
        screenshots: Path | None = None,
    ) -> None:
        self.display = display
        self.title, self.message, self.fix = title, message, fix
        self.screenshots = screenshots  # where to save a picture of it (tests, docs)
        self.running = True

    def stop(self) -> None:
        self.running = False

    def draw(self) -> None:
        surface = self.display
        layout = Layout(*surface.get_size())
        area = layout.content
        surface.fill(theme.FAULT)
        size = fit_size(self.title, area.width, 2, layout.title_px, 36, bold=True)
        y = draw_text(surface, self.title, area, size, theme.FAULT_TEXT, bold=True)
        room = pygame.Rect(area.left, y + layout.gap, area.width, area.bottom - y)
        body = max(28, layout.body_px - 4)
        y = draw_text(surface, self.message, room, body, theme.FAULT_TEXT)
        room = pygame.Rect(area.left, y + layout.gap, area.width, area.bottom - y)
        draw_text(surface, self.fix, room, body, theme.FAULT_TEXT, bold=True)
        pygame.display.flip()
        if self.screenshots is not None:
            self.screenshots.mkdir(parents=True, exist_ok=True)
            pygame.image.save(surface, str(self.screenshots / "01-cannot_start.png"))
            self.screenshots = None

    def run(self, on_frame: Callable[[], None] = lambda: None) -> None:
        """Show it until stopped (a signal, or the window closed); keep pumping events, or
        KMSDRM leaves the screen black."""
        drawn_at = -REDRAW_S
        while self.running:
            for event in pygame.event.get():
                if event.type == pygame.QUIT:
                    self.running = False
            if time.monotonic() - drawn_at >= REDRAW_S:
                self.draw()
                drawn_at = time.monotonic()
            on_frame()
            time.sleep(0.1)
