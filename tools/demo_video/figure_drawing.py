"""The right of the picture: the counter, the floor and the figure, with the body part being
talked about highlighted.

The camera follows the figure when it walks for the explanation (the counter's doors scroll
past), and stays put in the guided part so the walker sees the steps go back and return.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import pygame
import pygame.gfxdraw

from tools.demo_video.canvas import (
    ACCENT,
    BG,
    BODY,
    BODY_FAR,
    COUNTER_FACE,
    COUNTER_KICK,
    COUNTER_SEAM,
    COUNTER_TOP,
    DIM,
    FLOOR,
    FLOOR_LINE,
    LABEL,
    Canvas,
    Color,
)
from tools.demo_video.pacing import STEP_PERIOD_S
from tools.demo_video.poses import (
    COUNTER_H,
    FOOT,
    HEAD_R,
    Point,
    Pose,
    Skeleton,
    skeleton,
    standing_pose,
    walk_pose,
)
from tools.demo_video.script import Mark
from tools.demo_video.timeline import Placed

DOOR_W = 0.42  # the counter's cupboard doors, in figure heights
BREATH_PERIOD_S = 5.0


@dataclass(frozen=True)
class View:
    """Where world points land on screen."""

    fig_h: float  # the figure's height in pixels
    floor_y: int
    origin: float  # the screen x of world x = cam
    cam: float

    def to_screen(self, p: Point) -> tuple[float, float]:
        return self.origin + (p[0] - self.cam) * self.fig_h, self.floor_y - p[1] * self.fig_h


class Staging(NamedTuple):
    """The figure's pose at a moment, and where the camera stands."""

    pose: Pose
    cam: float
    origin_share: float  # how far across the area world x = cam is drawn
    label_left: bool  # the "Counter" label on the left, out of the figure's way


def staging(placed: Placed, t: float) -> Staging:
    scene = placed.scene
    local = t - placed.start_s
    if scene.figure == "walk":
        progress = local / STEP_PERIOD_S
        pose = walk_pose(progress, int(progress) + 2)
        return Staging(pose, pose.hip_x, 0.40, False)
    if scene.figure == "steps":
        progress = (t - placed.steps_start_s) / STEP_PERIOD_S
        pose = walk_pose(progress, scene.steps, scene.direction == "forward")
    else:
        phase = 2 * math.pi * local / BREATH_PERIOD_S
        pose = standing_pose(0.5 - 0.5 * math.cos(phase) if scene.breathe else 0)
    # room to step back in the guided part; otherwise the figure stands mid-area
    guided = scene.start_mark or scene.figure == "steps"
    return Staging(pose, 0.0, 0.80 if guided else 0.62, True)


def figure_area(canvas: Canvas, placed: Placed, t: float, mark: Mark) -> None:
    """Draw the counter, the floor and the figure at time t (nothing for a text scene)."""
    if placed.scene.layout == "text":
        return
    px = canvas.px
    area = pygame.Rect(px(680), px(96), canvas.w - px(680), canvas.h - px(96))
    stage = staging(placed, t)
    view = View(430 * canvas.k, px(640), area.x + area.w * stage.origin_share, stage.cam)
    canvas.surface.set_clip(area)
    draw_counter(canvas, area, view, stage.label_left)
    if placed.scene.start_mark:
        start_mark(canvas, view)
    FigurePainter(canvas, view, mark).draw(skeleton(stage.pose))
    canvas.surface.set_clip(None)


def start_mark(canvas: Canvas, view: View) -> None:
    """A bar on the floor under the starting foot, labelled "Start"."""
    x0 = view.to_screen((-FOOT, 0))[0]
    x1 = view.to_screen((0.0, 0))[0]
    bar = (round(x0), view.floor_y - canvas.px(2), round(x1 - x0), canvas.px(12))
    pygame.draw.rect(canvas.surface, ACCENT, bar)
    start = canvas.text("Start", 48, ACCENT, True)
    canvas.surface.blit(start, (round((x0 + x1) / 2 - start.get_width() / 2), canvas.px(656)))


def draw_counter(canvas: Canvas, area: pygame.Rect, view: View, label_left: bool) -> None:
    """The counter's front across the area, its top, the floor and a "Counter" label."""
    surf, fig_h, floor_y = canvas.surface, view.fig_h, view.floor_y
    top = round(floor_y - COUNTER_H * fig_h)
    slab = max(2, round(0.035 * fig_h))
    kick = max(2, round(0.045 * fig_h))
    pygame.draw.rect(surf, FLOOR, (area.x, floor_y, area.w, area.bottom - floor_y))
    pygame.draw.rect(surf, COUNTER_FACE, (area.x, top, area.w, floor_y - top))
    pygame.draw.rect(surf, COUNTER_KICK, (area.x, floor_y - kick, area.w, kick))
    doors = door_range(area, view)
    door_seams(canvas, view, doors, top + slab, floor_y - kick)
    pygame.draw.rect(surf, COUNTER_TOP, (area.x, top, area.w, slab))
    pygame.draw.line(
        surf, FLOOR_LINE, (area.x, floor_y), (area.right, floor_y), max(1, canvas.px(4))
    )
    floor_tiles(canvas, area, view, doors)
    label = canvas.text("Counter", 44, LABEL, True)
    ly = top + slab + canvas.px(58)
    lx = area.x + canvas.px(16) if label_left else area.right - canvas.px(16) - label.get_width()
    surf.blit(label, (lx, ly))


def door_range(area: pygame.Rect, view: View) -> range:
    """The doors in sight (one spare each side): they scroll with the camera, so a walk shows
    as movement."""
    fig_h, origin, cam = view.fig_h, view.origin, view.cam
    first = math.floor((cam - (origin - area.x) / fig_h) / DOOR_W) - 1
    last = math.ceil((cam + (area.right - origin) / fig_h) / DOOR_W) + 1
    return range(first, last + 1)


def door_seams(canvas: Canvas, view: View, doors: range, top: int, bottom: int) -> None:
    """A seam at each door's edge and a handle across its middle, below the counter top."""
    fig_h, origin, cam = view.fig_h, view.origin, view.cam
    for i in doors:
        sx = round(origin + (i * DOOR_W - cam) * fig_h)
        pygame.draw.line(
            canvas.surface, COUNTER_SEAM, (sx, top), (sx, bottom), max(1, canvas.px(4))
        )
        hx = round(origin + ((i + 0.5) * DOOR_W - cam) * fig_h)
        hy = top + canvas.px(22)
        pygame.draw.line(
            canvas.surface,
            COUNTER_SEAM,
            (hx - canvas.px(26), hy),
            (hx + canvas.px(26), hy),
            max(1, canvas.px(7)),
        )


def floor_tiles(canvas: Canvas, area: pygame.Rect, view: View, doors: range) -> None:
    """Tile joints on the floor, two to a door's width."""
    fig_h, origin, cam, floor_y = view.fig_h, view.origin, view.cam, view.floor_y
    for i in range(doors.start * 2, (doors.stop - 1) * 2 + 1):
        sx = round(origin + (i * DOOR_W / 2 - cam) * fig_h)
        pygame.draw.line(
            canvas.surface, DIM, (sx, floor_y), (sx, area.bottom), max(1, canvas.px(2))
        )


class FigurePainter:
    """Draws a skeleton through a view, highlighting the part of the body `mark` names."""

    def __init__(self, canvas: Canvas, view: View, mark: Mark) -> None:
        self.canvas = canvas
        self.view = view
        self.mark = mark
        self.limb = 0.036 * view.fig_h

    def draw(self, sk: Skeleton) -> None:
        """Back to front: the far leg and the free arm, the near leg, the torso, the head and
        the arm on the counter."""
        far, near = sk.legs
        self.leg(sk.hip, far, BODY_FAR)
        self.free_arm(sk)
        if self.mark == "glutes":
            self.glutes(sk.hip)
        self.leg(sk.hip, near, BODY)
        core = self.mark == "core"
        self.bone(sk.hip, sk.shoulder, ACCENT if core else BODY, self.limb * (1.9 if core else 1.5))
        self.head(sk.head)
        self.support_arm(sk)

    def bone(self, a: Point, b: Point, color: Color, width: float) -> None:
        self.canvas.capsule(self.view.to_screen(a), self.view.to_screen(b), width, color)

    def leg(self, hip: Point, leg: tuple[Point, Point, Point, Point], base: Color) -> None:
        knee, ankle, heel, toe = leg
        mark, limb = self.mark, self.limb
        thigh = ACCENT if mark == "quads" else base
        shin = ACCENT if mark == "calves" else base
        foot = ACCENT if mark in ("calves", "feet") else base
        self.bone(hip, knee, thigh, limb * (1.25 if mark == "quads" else 1.0))
        self.bone(knee, ankle, shin, limb * (1.2 if mark == "calves" else 1.0))
        self.bone(heel, toe, foot, limb * 0.9)
        self.bone(heel, ankle, foot, limb * 0.9)

    def free_arm(self, sk: Skeleton) -> None:
        elbow, hand = sk.free_arm
        self.bone(sk.shoulder, elbow, BODY_FAR, self.limb * 0.85)
        self.bone(elbow, hand, BODY_FAR, self.limb * 0.85)

    def glutes(self, hip: Point) -> None:
        """A round patch over the buttocks, behind the near leg."""
        gx, gy = self.view.to_screen((hip[0] - 0.035, hip[1] - 0.01))
        self.canvas.disc(round(gx), round(gy), round(0.055 * self.view.fig_h), ACCENT)

    def head(self, head: Point) -> None:
        fig_h = self.view.fig_h
        hx, hy = self.view.to_screen(head)
        self.canvas.disc(round(hx), round(hy), round(HEAD_R * fig_h), BODY)
        ex, ey = self.view.to_screen((head[0] + 0.032, head[1] + 0.01))
        er = max(1, round(0.011 * fig_h))
        pygame.gfxdraw.filled_circle(self.canvas.surface, round(ex), round(ey), er, BG)
        if self.mark == "eyes":
            self.gaze(ex, ey)

    def gaze(self, ex: float, ey: float) -> None:
        """A dashed line straight ahead from the eye, with an arrowhead."""
        fig_h = self.view.fig_h
        x = ex + 0.06 * fig_h
        dash, gap = 0.05 * fig_h, 0.03 * fig_h
        end = ex + 0.42 * fig_h
        y = round(ey)
        width = max(1, self.canvas.px(6))
        while x + dash < end:
            pygame.draw.line(
                self.canvas.surface, ACCENT, (round(x), y), (round(x + dash), y), width
            )
            x += dash + gap
        a = 0.05 * fig_h
        tip = [
            (round(end + a), y),
            (round(end), round(y - a * 0.7)),
            (round(end), round(y + a * 0.7)),
        ]
        self.canvas.polygon(tip, ACCENT)

    def support_arm(self, sk: Skeleton) -> None:
        """The arm reaching to the counter, the hand resting on its top."""
        arm = ACCENT if self.mark == "hand" else BODY
        elbow, hand = sk.support_arm
        self.bone(sk.shoulder, elbow, arm, self.limb * 0.9)
        self.bone(elbow, hand, arm, self.limb * 0.9)
        hx, hy = self.view.to_screen(hand)
        center = (round(hx), round(hy))
        pygame.gfxdraw.filled_circle(self.canvas.surface, *center, round(self.limb * 0.8), arm)
        if self.mark == "hand":
            ring = round(0.07 * self.view.fig_h)
            pygame.draw.circle(self.canvas.surface, ACCENT, center, ring, max(1, self.canvas.px(5)))
