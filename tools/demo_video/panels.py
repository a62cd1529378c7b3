"""The header and the text column beside the figure: headings, bullets and the step counter."""

from __future__ import annotations

import pygame

from tools.demo_video.canvas import ACCENT, DIM, HEADER_BG, MUTED, WHITE, Canvas
from tools.demo_video.pacing import LANDING_PHASE, STEP_PERIOD_S
from tools.demo_video.script import Scene
from tools.demo_video.timeline import Placed

# The direction arrow's size; it points left for a step back, mirrored for a step forward.
ARROW_LENGTH = 110
ARROW_HEIGHT = 70


def header(canvas: Canvas, chapter: str, chapter_titles: list[str]) -> None:
    """The chapter's name on the left, "Part n of m" on the right."""
    h = canvas.px(96)
    pygame.draw.rect(canvas.surface, HEADER_BG, (0, 0, canvas.w, h))
    title = canvas.text(chapter, 52, ACCENT, True)
    canvas.surface.blit(title, (canvas.px(60), (h - title.get_height()) // 2))
    if chapter in chapter_titles:
        number = chapter_titles.index(chapter) + 1
        part = canvas.text(f"Part {number} of {len(chapter_titles)}", 44, MUTED)
        canvas.surface.blit(
            part, (canvas.w - canvas.px(60) - part.get_width(), (h - part.get_height()) // 2)
        )


def shown_bullets(placed: Placed, t: float) -> list[str]:
    """The bullets of the scene's sentences said by time t: each stays once it appears."""
    scene = placed.scene
    return [
        beat.show
        for beat, start in zip(scene.beats, placed.beat_starts, strict=True)
        if beat.show and start <= t
    ]


def text_column(canvas: Canvas, placed: Placed, t: float) -> None:
    """The left of the picture (all of it for a text scene), laid out as the scene asks."""
    scene = placed.scene
    shown = shown_bullets(placed, t)
    col_x, col_w = canvas.px(60), canvas.px(600)
    if scene.layout == "text":
        y = canvas.blit_lines(
            scene.heading,
            scene.heading_px,
            col_x,
            canvas.px(126),
            canvas.w - 2 * col_x,
            bold=True,
        )
        canvas.bullets(shown, col_x, y + canvas.px(22), canvas.w - 2 * col_x)
    elif scene.layout == "figure":
        y = canvas.blit_lines(
            scene.heading, scene.heading_px, col_x, canvas.px(126), col_w, bold=True
        )
        for line in scene.lines:
            y = canvas.blit_lines(line, 52, col_x, y, col_w, MUTED)
        canvas.bullets(shown, col_x, y + canvas.px(22), col_w)
    elif scene.layout == "rest":
        y = canvas.blit_lines(scene.heading, 120, col_x, canvas.px(120), col_w, ACCENT, True)
        canvas.bullets(shown, col_x, y + canvas.px(30), col_w)
    elif scene.layout == "steps":
        step_panel(canvas, placed, t)


def steps_landed(placed: Placed, t: float) -> int:
    """How many of the scene's guided steps have landed by time t."""
    return sum(
        1
        for i in range(placed.scene.steps)
        if t >= placed.steps_start_s + (i + LANDING_PHASE) * STEP_PERIOD_S
    )


def step_panel(canvas: Canvas, placed: Placed, t: float) -> None:
    """The set, the direction, a large count of the steps landed and a dot for each step."""
    scene = placed.scene
    x = canvas.px(60)
    canvas.surface.blit(canvas.text(scene.set_label, 52, MUTED), (x, canvas.px(116)))
    direction_sign(canvas, scene, x)
    landed = steps_landed(placed, t)
    step_count(canvas, landed, scene.steps, x)
    step_dots(canvas, landed, scene.steps, x)


def direction_sign(canvas: Canvas, scene: Scene, x: int) -> None:
    """An arrow pointing the way to step, and the word for it."""
    word = canvas.text(scene.heading, 88, WHITE, True)
    wy = canvas.px(186)
    aw, ah = canvas.px(ARROW_LENGTH), canvas.px(ARROW_HEIGHT)
    ay = wy + word.get_height() // 2
    head = ah // 2 + canvas.px(4)
    shape = [  # pointing left, the tip at (0, 0)
        (0, 0),
        (head, -ah // 2),
        (head, -ah // 5),
        (aw, -ah // 5),
        (aw, ah // 5),
        (head, ah // 5),
        (head, ah // 2),
    ]
    if scene.direction == "back":
        points = [(x + dx, ay + dy) for dx, dy in shape]
    else:
        points = [(x + aw - dx, ay + dy) for dx, dy in shape]
    canvas.polygon(points, WHITE)
    canvas.surface.blit(word, (x + aw + canvas.px(28), wy))


def step_count(canvas: Canvas, landed: int, steps: int, x: int) -> None:
    """The number of steps landed, "of n" beside it; "Ready" before the first."""
    top = canvas.px(300)
    if not landed:
        canvas.surface.blit(canvas.text("Ready", 96, MUTED, True), (x, top + canvas.px(80)))
        return
    number = canvas.text(str(landed), 250, ACCENT, True)
    canvas.surface.blit(number, (x - canvas.px(6), top))
    of = canvas.text(f"of {steps}", 64, MUTED)
    of_y = top + number.get_height() - of.get_height() - canvas.px(48)
    canvas.surface.blit(of, (x + number.get_width() + canvas.px(20), of_y))


def step_dots(canvas: Canvas, landed: int, steps: int, x: int) -> None:
    """A dot per step of the run, filled once that step has landed."""
    r = canvas.px(24)
    for i in range(steps):
        cx, cy = x + r + i * canvas.px(72), canvas.px(640)
        if i < landed:
            canvas.disc(cx, cy, r, ACCENT)
        else:
            pygame.draw.circle(canvas.surface, DIM, (cx, cy), r, max(1, canvas.px(5)))
