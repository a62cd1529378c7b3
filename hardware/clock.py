"""A clock that moves only when someone sleeps: replays and tests run at the speed of thought."""

from __future__ import annotations


class VirtualClock:
    """Call it for the time; pass `sleep` where the code would sleep."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
