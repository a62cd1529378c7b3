"""The words the kiosk records: event kinds and session endings, defined once.

The safety monitor, the walker's flow, the session recorder, the store (and the checks in its
SQL), the command line's labels and the progression rule all use these, so a new kind of event
is added here and nowhere else.
"""

from __future__ import annotations

from enum import StrEnum


class EventKind(StrEnum):
    """What can happen during a session, as the session log stores it."""

    ALARM_ON = "alarm_on"  # the walker went out of reach (a reminder)
    ALARM_OFF = "alarm_off"  # back within reach
    FAULT_ON = "fault_on"  # the sensor stopped giving usable readings
    FAULT_OFF = "fault_off"  # usable readings again
    PAUSE = "pause"
    RESUME = "resume"
    CHAPTER = "chapter"  # the video reached a new chapter
    STOP = "stop"  # the session ended before the routine did
    HELP_REQUESTED = "help_requested"  # the walker tapped "Call for help" (and confirmed)
    ESCALATED = "escalated"  # help was called: nurse call, broker, screen
    ACKNOWLEDGED = "acknowledged"  # a caregiver answered the call
    CLOCK_UNSET = "clock_unset"  # started before the wall clock was synchronised
    CLOCK_CORRECTED = "clock_corrected"  # the clock was set later: the session's times moved


class Ending(StrEnum):
    """How a session ended."""

    COMPLETED = "completed"
    STOPPED = "stopped"  # the walker tapped Stop
    INTERRUPTED = "interrupted"  # the kiosk stopped or lost power mid-session
    FAULT = "fault"  # stopped during a sensor fault


# The events the safety monitor raises itself.
SAFETY_EVENTS = (EventKind.ALARM_ON, EventKind.ALARM_OFF, EventKind.FAULT_ON, EventKind.FAULT_OFF)

# The events a session's summary is counted from (reminders, alarm spans, faults).
SUMMARY_EVENTS = (EventKind.ALARM_ON, EventKind.ALARM_OFF, EventKind.FAULT_ON)

EVENT_LABELS: dict[EventKind, str] = {
    EventKind.ALARM_ON: "out of reach (reminder)",
    EventKind.ALARM_OFF: "back within reach",
    EventKind.FAULT_ON: "sensor fault",
    EventKind.FAULT_OFF: "sensor works again",
    EventKind.PAUSE: "paused",
    EventKind.RESUME: "resumed",
    EventKind.CHAPTER: "chapter",
    EventKind.STOP: "stop pressed",
    EventKind.HELP_REQUESTED: "help requested by the walker",
    EventKind.ESCALATED: "help called",
    EventKind.ACKNOWLEDGED: "call answered by a caregiver",
    EventKind.CLOCK_UNSET: "time not confirmed: the clock was not set",
    EventKind.CLOCK_CORRECTED: "clock set: the session's times corrected",
}

ENDING_LABELS: dict[Ending, str] = {
    Ending.COMPLETED: "completed",
    Ending.STOPPED: "stopped early",
    Ending.INTERRUPTED: "interrupted",
    Ending.FAULT: "sensor fault",
}

# Why an ending says nothing good about how the walking went (the progression rule).
ENDINGS_NOT_CLEAN: dict[Ending, str] = {
    Ending.FAULT: "ended with a sensor fault",
    Ending.INTERRUPTED: "was interrupted (the kiosk stopped or lost power)",
    Ending.STOPPED: "was stopped before the end",
}


def sql_list(words: tuple[StrEnum, ...] | type[StrEnum]) -> str:
    """`('a', 'b')` for an SQL IN clause; the words are fixed identifiers, never user input."""
    return "(" + ", ".join(f"'{word}'" for word in words) + ")"
