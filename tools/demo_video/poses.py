"""The stick figure in world units: its proportions, its poses and its skeleton.

A side view, facing right, walking backward (towards -x) beside a counter. World units are the
figure's height; y is up from the floor, and x = 0 is where the toes stand at the start.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tools.demo_video.pacing import LANDING_PHASE

FOOT = 0.15
ANKLE_H = 0.045
THIGH = 0.245
SHIN = 0.245
HIP_H = 0.53
TORSO = 0.30
NECK = 0.035
HEAD_R = 0.065
UPPER_ARM = 0.18
FOREARM = 0.17
COUNTER_H = 0.50  # the counter top, where the support hand rests
STEP_LEN = 0.12  # small steps
LIFT = 0.04
TOE_DOWN = math.radians(20)  # stepping back: toes point down and land first
TOE_UP = math.radians(15)  # stepping forward: heel lands first
HAND_AHEAD = 0.14

Point = tuple[float, float]


@dataclass(frozen=True)
class Foot:
    """One foot: where it stands, how high it is lifted and how it is tilted."""

    ref_x: float  # where the toes are when the foot is flat
    lift: float = 0.0
    pitch: float = 0.0  # > 0: heel up, pivot on the toes; < 0: toes up, pivot on the heel


@dataclass(frozen=True)
class Pose:
    """What a moment of the routine needs of the figure: the hips and the two feet."""

    hip_x: float
    feet: tuple[Foot, Foot]
    breath: float = 0.0  # 0..1, lifts the shoulders a little


def smoothstep(x: float) -> float:
    x = min(1.0, max(0.0, x))
    return x * x * (3 - 2 * x)


def lerp(a: float, b: float, u: float) -> float:
    return a + (b - a) * u


def back_positions(n: int) -> list[tuple[float, float]]:
    """Toe positions of both feet before step 0 and after each of n steps back."""
    feet = [0.0, 0.0]
    positions = [(0.0, 0.0)]
    for k in range(n):
        swing = k % 2
        feet[swing] = feet[1 - swing] - STEP_LEN
        positions.append((feet[0], feet[1]))
    return positions


def swing_foot(start: float, end: float, phase: float, forward: bool) -> Foot:
    tilt = -TOE_UP if forward else TOE_DOWN
    if phase < 0.08:
        return Foot(start)
    if phase < LANDING_PHASE:
        u = smoothstep((phase - 0.08) / (LANDING_PHASE - 0.08))
        return Foot(
            lerp(start, end, u),
            LIFT * math.sin(math.pi * u),
            tilt * smoothstep((phase - 0.08) / 0.25),
        )
    return Foot(end, 0.0, tilt * (1 - smoothstep((phase - LANDING_PHASE) / 0.25)))


def walk_pose(progress: float, n: int, forward: bool = False) -> Pose:
    """The pose `progress` steps into a run of n steps back (or the same n steps forward,
    returning to the start)."""
    positions = back_positions(n)
    if progress <= 0:
        k, phase = 0, 0.0
    elif progress >= n:
        k, phase = n - 1, 1.0
    else:
        k, phase = int(progress), progress - int(progress)
    if forward:
        before, after, swing = positions[n - k], positions[n - k - 1], (n - k - 1) % 2
    else:
        before, after, swing = positions[k], positions[k + 1], k % 2
    feet = tuple(
        swing_foot(before[i], after[i], phase, forward) if i == swing else Foot(before[i])
        for i in (0, 1)
    )
    mid = lerp(sum(before) / 2, sum(after) / 2, smoothstep((phase - 0.1) / 0.8))
    return Pose(mid - (1 - 0.28) * FOOT, (feet[0], feet[1]))


def standing_pose(breath: float = 0.0) -> Pose:
    """Both feet at the start, the hips above the ankles; `breath` (0..1) lifts the shoulders."""
    return Pose(-(1 - 0.28) * FOOT, (Foot(0.0), Foot(0.0)), breath)


def foot_points(foot: Foot) -> tuple[Point, Point, Point]:
    """Heel, toes and ankle of a foot."""
    p = foot.pitch
    if p >= 0:
        toe = (foot.ref_x, foot.lift)
        heel = (toe[0] - FOOT * math.cos(p), foot.lift + FOOT * math.sin(p))
    else:
        heel = (foot.ref_x - FOOT, foot.lift)
        toe = (heel[0] + FOOT * math.cos(p), foot.lift + FOOT * math.sin(-p))
    dx, dy = (toe[0] - heel[0]) / FOOT, (toe[1] - heel[1]) / FOOT
    ankle = (heel[0] + dx * 0.28 * FOOT - dy * ANKLE_H, heel[1] + dy * 0.28 * FOOT + dx * ANKLE_H)
    return heel, toe, ankle


def two_link(root: Point, end: Point, a: float, b: float, bend: float) -> tuple[Point, Point]:
    """The middle joint of a two-segment limb from root to end; bend=+1 puts it in front
    (+x) for a limb hanging down, -1 behind. Returns (joint, reached end)."""
    dx, dy = end[0] - root[0], end[1] - root[1]
    d = math.hypot(dx, dy)
    reach = (a + b) * 0.999
    if d > reach:
        dx, dy, d = dx * reach / d, dy * reach / d, reach
    cos_a = (a * a + d * d - b * b) / (2 * a * d)
    alpha = math.acos(max(-1.0, min(1.0, cos_a))) * bend
    ux, uy = dx / d, dy / d
    jx = root[0] + a * (ux * math.cos(alpha) - uy * math.sin(alpha))
    jy = root[1] + a * (ux * math.sin(alpha) + uy * math.cos(alpha))
    return (jx, jy), (root[0] + dx, root[1] + dy)


@dataclass(frozen=True)
class Skeleton:
    """The joints to draw, worked out from a pose."""

    hip: Point
    shoulder: Point
    head: Point
    legs: tuple[tuple[Point, Point, Point, Point], ...]  # knee, ankle, heel, toe
    support_arm: tuple[Point, Point]  # elbow, hand on the counter
    free_arm: tuple[Point, Point]  # elbow, hand


def skeleton(pose: Pose) -> Skeleton:
    """The joints for a pose: the hips are lowered until every planted foot is within the
    leg's reach, and the support hand stays on the counter top."""
    reach = (THIGH + SHIN) * 0.995
    feet = [foot_points(f) for f in pose.feet]
    hip_y = HIP_H
    for foot, (_, _, ankle) in zip(pose.feet, feet, strict=True):
        if foot.lift == 0.0:
            dx = pose.hip_x - ankle[0]
            hip_y = min(hip_y, ankle[1] + math.sqrt(max(0.0, reach * reach - dx * dx)))
    hip = (pose.hip_x, hip_y)
    legs = []
    for heel, toe, ankle in feet:
        knee, _ = two_link(hip, ankle, THIGH, SHIN, +1)
        legs.append((knee, ankle, heel, toe))
    shoulder = (hip[0], hip[1] + TORSO + 0.008 * pose.breath)
    head = (shoulder[0] + 0.005, shoulder[1] + NECK + HEAD_R)
    hand = (hip[0] + HAND_AHEAD, COUNTER_H + 0.012)
    elbow, hand = two_link(shoulder, hand, UPPER_ARM, FOREARM, -1)
    free_elbow = (shoulder[0] - 0.012, shoulder[1] - UPPER_ARM)
    free_hand = (free_elbow[0] + 0.045, free_elbow[1] - FOREARM * 0.99)
    return Skeleton(hip, shoulder, head, tuple(legs), (elbow, hand), (free_elbow, free_hand))
