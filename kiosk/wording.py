"""Counts and durations in words a walker reads at a glance: "1 reminder", "45 seconds"."""

from __future__ import annotations


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """`count` and the noun, singular for exactly one: "1 session", "3 sessions"."""
    return f"{count} {noun if count == 1 else (nouns or noun + 's')}"


def duration(seconds: float) -> str:
    """Under a minute in seconds, else in whole minutes: "40 seconds", "1 minute", "12 minutes"
    (no "0.1 minutes" for anybody to work out)."""
    seconds = max(0.0, seconds)
    if seconds < 59.5:
        return plural(round(seconds), "second")
    return plural(round(seconds / 60), "minute")
