"""Walkers and goals: add a walker, rename one, set the daily minutes and the days a week.

The only page that writes. It uses the store's own profile functions on a short connection of
its own (kiosk.web.log_access.WebLog.write), so the names are checked exactly as on the kiosk,
and the kiosk's writer is waited for a few seconds at most.
"""

from __future__ import annotations

import sqlite3

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kiosk.log import queries as q
from kiosk.log.store import (
    GOAL_DAYS,
    GOAL_MINUTES,
    insert_profile,
    rename_profile_row,
    set_goal_row,
)
from kiosk.walker_names import name_problem
from kiosk.web.guard import Visit, form, page
from kiosk.web.pages import read
from kiosk.web.templating import render

DONE = {
    "added": "The walker was added. The kiosk offers them on its home screen from now on.",
    "renamed": "The walker was renamed.",
    "goal": "The goal was saved. The kiosk shows it from the next walk on.",
}


@page
async def walkers(request: Request, visit: Visit) -> Response:
    done = DONE.get(request.query_params.get("done", ""))
    return await _show(request, visit, done=done)


async def _show(
    request: Request, visit: Visit, *, done: str | None = None, problem: str | None = None
) -> Response:
    profiles = await read(visit, q.profiles)
    context = {
        "visit": visit,
        "title": "Walkers and goals",
        "profiles": profiles,
        "done": done,
        "problem": problem,
        "minutes_range": GOAL_MINUTES,
        "days_range": GOAL_DAYS,
    }
    return render(request, "walkers.html", context, status_code=400 if problem else 200)


@form
async def add_walker(request: Request, visit: Visit, data: FormData) -> Response:
    name = str(data.get("name", ""))
    goal, problem = _goal(data)
    problem = problem or _name_problem(name)
    if problem is None and goal is not None:
        now = visit.dashboard.now_ms()
        problem = await _write(
            visit,
            lambda conn: insert_profile(
                conn, name, goal_minutes=goal[0], goal_days=goal[1], now_ms=now
            ),
        )
    return await _after(request, visit, problem, "added")


@form
async def rename_walker(request: Request, visit: Visit, data: FormData) -> Response:
    walker_id = request.path_params["walker_id"]
    name = str(data.get("name", ""))
    problem = _name_problem(name) or await _write(
        visit, lambda conn: _rename(conn, walker_id, name)
    )
    return await _after(request, visit, problem, "renamed")


@form
async def set_goal(request: Request, visit: Visit, data: FormData) -> Response:
    walker_id = request.path_params["walker_id"]
    goal, problem = _goal(data)
    if problem is None and goal is not None:
        problem = await _write(visit, lambda conn: _set_goal(conn, walker_id, goal))
    return await _after(request, visit, problem, "goal")


def _name_problem(name: str) -> str | None:
    problem = name_problem(name)
    return problem[:1].upper() + problem[1:] + "." if problem else None


def _rename(conn: sqlite3.Connection, walker_id: int, name: str) -> None:
    _existing(conn, walker_id)
    rename_profile_row(conn, walker_id, name)


def _set_goal(conn: sqlite3.Connection, walker_id: int, goal: tuple[int, int]) -> None:
    _existing(conn, walker_id)
    set_goal_row(conn, walker_id, goal_minutes=goal[0], goal_days=goal[1])


def _existing(conn: sqlite3.Connection, walker_id: int) -> None:
    if q.profile_by_id(conn, walker_id) is None:
        raise ValueError(f"there is no walker number {walker_id} (any more)")


def _goal(data: FormData) -> tuple[tuple[int, int] | None, str | None]:
    minutes = _whole(data.get("minutes"), *GOAL_MINUTES)
    days = _whole(data.get("days"), *GOAL_DAYS)
    if minutes is None:
        return None, f"Minutes a day: give a whole number from {GOAL_MINUTES[0]} to " + (
            f"{GOAL_MINUTES[1]}."
        )
    if days is None:
        return None, f"Days a week: give a whole number from {GOAL_DAYS[0]} to {GOAL_DAYS[1]}."
    return (minutes, days), None


def _whole(value: object, least: int, most: int) -> int | None:
    text = str(value or "").strip()
    if not text.isdigit() or len(text) > 4:
        return None
    number = int(text)
    return number if least <= number <= most else None


async def _write(visit: Visit, change) -> str | None:
    """None when saved; else the reason, in words (a refused name; LogProblem propagates)."""
    try:
        await run_in_threadpool(visit.dashboard.log.write, change)
    except ValueError as error:
        text = str(error).replace("profile", "walker")
        return text[:1].upper() + text[1:] + "."
    return None


async def _after(request: Request, visit: Visit, problem: str | None, done: str) -> Response:
    if problem is not None:
        return await _show(request, visit, problem=problem)
    return RedirectResponse(f"/walkers?done={done}", status_code=303)
