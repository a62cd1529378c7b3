"""Sizes that follow the panel: touch targets >= 96 px (15 mm on a 7-inch 800x480 panel),
body text >= 32 px, alerts >= 64 px, at every supported resolution and in portrait."""

from __future__ import annotations

from dataclasses import dataclass

import pygame

MIN_TARGET_PX = 96
MIN_BODY_PX = 32
MIN_ALERT_PX = 64
SUPPORTED_SIZES = ((800, 480), (1024, 600), (1280, 720), (720, 1280))


@dataclass(frozen=True)
class Layout:
    width: int
    height: int

    @property
    def scale(self) -> float:
        """1.0 on the 7-inch 800x480 panel; larger panels get larger type and buttons."""
        short, long = sorted((self.width, self.height))
        return max(1.0, min(short / 480, long / 800))

    @property
    def portrait(self) -> bool:
        return self.height > self.width

    @property
    def margin(self) -> int:
        return round(20 * self.scale)

    @property
    def gap(self) -> int:
        return round(16 * self.scale)

    @property
    def body_px(self) -> int:
        return max(MIN_BODY_PX, round(34 * self.scale))

    @property
    def title_px(self) -> int:
        return max(44, round(48 * self.scale))

    @property
    def alert_px(self) -> int:
        return max(MIN_ALERT_PX, round(72 * self.scale))

    @property
    def huge_px(self) -> int:
        return max(160, round(200 * self.scale))

    @property
    def button_height(self) -> int:
        return max(MIN_TARGET_PX, round(104 * self.scale))

    @property
    def rect(self) -> pygame.Rect:
        return pygame.Rect(0, 0, self.width, self.height)

    @property
    def status_strip(self) -> int:
        """Room at the top for the "Alarm on" badge, so titles never run under it."""
        return 40

    @property
    def content(self) -> pygame.Rect:
        return self.rect.inflate(-2 * self.margin, -2 * self.margin)

    @property
    def below_badge(self) -> pygame.Rect:
        """The content area of screens that show the "Alarm on" badge at the top right."""
        area = self.content
        area.top += self.status_strip
        area.height -= self.status_strip
        return area

    def button_row(self, count: int, bottom: int | None = None) -> list[pygame.Rect]:
        """Rectangles for `count` buttons along the bottom; stacked when there is no room."""
        area = self.content
        bottom = area.bottom if bottom is None else bottom
        height = self.button_height
        width = (area.width - (count - 1) * self.gap) // count
        if width >= max(MIN_TARGET_PX, round(220 * self.scale)) or count == 1:
            top = bottom - height
            return [
                pygame.Rect(area.left + i * (width + self.gap), top, width, height)
                for i in range(count)
            ]
        rects = []
        for i in range(count):
            top = bottom - (count - i) * height - (count - i - 1) * self.gap
            rects.append(pygame.Rect(area.left, top, area.width, height))
        return rects
