"""The simulator's strip below the kiosk screen: a drag bar for the walker, buttons that break
the sensor, and the buzzer shown and heard, so a computer can stand in for the Pi."""

from __future__ import annotations

import math
from array import array

import pygame

from kiosk.screens import theme
from kiosk.sim.simulation import Simulation

HEIGHT = 120
FULL_SCALE_MM = 1200
HELP = "←/→ or drag: walker  U: unplug  S: stuck  F: walk off"


class NullSimulator:
    """The simulator strip's empty twin: the kiosk on a real sensor, or a headless run."""

    def owns(self, point: tuple[int, int]) -> bool:
        return False

    def handle(self, event: pygame.event.Event) -> bool:
        return False

    def update(self, buzzer_on: bool) -> None:
        pass


class SimulatorPanel:
    def __init__(self, simulation: Simulation, display: pygame.Surface, top: int) -> None:
        self.simulation = simulation
        self.display = display
        self.rect = pygame.Rect(0, top, display.get_width(), HEIGHT)
        self.bar = pygame.Rect(20, top + 50, self.rect.width - 360, 30)
        self.unplug = pygame.Rect(self.rect.width - 330, top + 40, 150, 60)
        self.stuck = pygame.Rect(self.rect.width - 170, top + 40, 150, 60)
        self._dragging = False
        self._beep = _tone()

    def owns(self, point: tuple[int, int]) -> bool:
        return self.rect.collidepoint(point)

    def handle(self, event: pygame.event.Event) -> bool:
        """Keys and the mouse in the strip; True when the event was the simulator's."""
        sim = self.simulation
        if event.type == pygame.KEYDOWN:
            if event.key == pygame.K_RIGHT:
                sim.walker.move_by(25.0)
            elif event.key == pygame.K_LEFT:
                sim.walker.move_by(-25.0)
            elif event.key == pygame.K_u:
                sim.toggle_unplugged()
            elif event.key == pygame.K_s:
                sim.toggle_stuck()
            elif event.key == pygame.K_f:
                sim.toggle_walked_off()
            else:
                return False
            return True
        if event.type == pygame.MOUSEBUTTONDOWN and self.owns(event.pos):
            if self.unplug.collidepoint(event.pos):
                sim.toggle_unplugged()
            elif self.stuck.collidepoint(event.pos):
                sim.toggle_stuck()
            elif self.bar.inflate(0, 30).collidepoint(event.pos):
                self._dragging = True
                self._drag_to(event.pos[0])
            return True
        if event.type == pygame.MOUSEMOTION and self._dragging:
            self._drag_to(event.pos[0])
            return True
        if event.type == pygame.MOUSEBUTTONUP and self._dragging:
            self._dragging = False
            return True
        return False

    def _drag_to(self, x: int) -> None:
        fraction = min(1.0, max(0.0, (x - self.bar.left) / self.bar.width))
        self.simulation.walker.move_to(fraction * FULL_SCALE_MM)

    def update(self, buzzer_on: bool) -> None:
        self._sound(buzzer_on)
        self._draw(buzzer_on)
        pygame.display.update(self.rect)

    def _sound(self, on: bool) -> None:
        if self._beep is None:
            return
        if on and not self._beep.get_num_channels():
            self._beep.play(loops=-1)
        elif not on and self._beep.get_num_channels():
            self._beep.stop()

    def _draw(self, buzzer_on: bool) -> None:
        surface = self.display
        sim = self.simulation
        pygame.draw.rect(surface, theme.PANEL, self.rect)
        small = theme.font(24)
        distance = sim.walker.distance_at(0.0)
        where = "walked off" if distance is None else f"{distance:.0f} mm"
        chip = "UNPLUGGED" if sim.chip.unplugged else "STUCK" if sim.chip.stuck else "ok"
        text = f"SIMULATOR  walker {where}  sensor {chip}   {HELP}"
        surface.blit(small.render(text, True, theme.TEXT), (20, self.rect.top + 10))
        pygame.draw.rect(surface, theme.BACKGROUND, self.bar, border_radius=15)
        if distance is not None:
            x = self.bar.left + round(self.bar.width * min(distance, FULL_SCALE_MM) / FULL_SCALE_MM)
            pygame.draw.circle(surface, theme.TEXT, (x, self.bar.centery), 18)
        for rect, label in (
            (self.unplug, "Replug" if sim.chip.unplugged else "Unplug"),
            (self.stuck, "Unstick" if sim.chip.stuck else "Stuck"),
        ):
            pygame.draw.rect(surface, theme.BACKGROUND, rect, border_radius=10)
            image = small.render(label, True, theme.TEXT)
            surface.blit(image, image.get_rect(center=rect.center))
        if buzzer_on:
            lamp = pygame.Rect(self.bar.right - 140, self.rect.top + 8, 130, 30)
            pygame.draw.rect(surface, theme.ALERT, lamp, border_radius=8)
            surface.blit(small.render("BUZZER", True, theme.TEXT), lamp.move(20, 2))


def _tone(frequency: float = 880.0, seconds: float = 0.5) -> pygame.mixer.Sound | None:
    """A loopable square-ish tone for the speakers, in the mixer's own format."""
    init = pygame.mixer.get_init()
    if init is None:
        return None
    rate, size, channels = init
    if size != -16:
        return None
    count = int(rate * seconds)
    count -= count % int(rate / frequency)  # whole periods, so the loop has no click
    wave = array("h")
    for i in range(count):
        value = int(9000 * math.copysign(1.0, math.sin(2 * math.pi * frequency * i / rate)))
        wave.extend([value] * channels)
    return pygame.mixer.Sound(buffer=wave.tobytes())
