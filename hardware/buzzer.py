"""The alarm buzzer: alarm patterns by priority, played on a thread of their own.

Patterns follow the shapes of IEC 60601-1-8 (quoted in the project's domain notes): the high
priority burst is ten pulses grouped 3 + 2, twice; the medium one three pulses; the low one a
short double chirp. A higher priority breaks through a lower one at once, and a pattern stops
mid-pulse as soon as its condition clears.

The buzzer also guards the safety loop: once `heartbeat()` has been called, a silence from the
loop longer than `watchdog_s` sounds the fault pattern by itself, so a hung or crashed safety
thread is never silent (rule 4).

A caregiver may "hold" (silence for a while) the alarm sounding. An alarm *episode* of a
priority starts when `activate(p)` is called while p is not active, and ends with
`deactivate(p)`. The rules (the tests name them by number):

1. A hold covers the episode that was sounding when it was taken, once, for at most 30 s
   (`MAX_HOLD_S`). Pressing hold again during the same episode neither extends nor renews it.
2. Anything new breaks through a hold: a new episode of the held priority (even within the
   30 s), any other priority newly active, a tripped watchdog. An alarm that was standing
   under the one sounding was not heard, so it is not held either. Only the exact episode
   that was sounding stays silent, and only until the hold ends; then the buzzer chirps
   (re-armed) and that episode sounds again if it is still active.
3. A hold with nothing sounding (no active priority above LOW) does nothing. `hold()` answers
   with a `HoldResult`: the seconds held (0.0 when nothing was held) and a `HoldOutcome` that
   tells "held", "nothing is sounding" and "this episode was already held" apart.
4. A tripped watchdog plays the MEDIUM (fault) pattern, whatever priorities are active: they
   are stale, as the loop that keeps them is dead. No hold silences it, and `hold()` answers
   SAFETY_LOOP_STOPPED. When heartbeats resume, the active alarms and holds rule again.
5. `NullAlarm` (replay, no buzzer) takes the same calls and answers `hold()` the same way.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import Any, Protocol

log = logging.getLogger(__name__)


MAX_HOLD_S = 30.0  # a caregiver's hold never lasts longer
MIN_VOLUME = 5  # of 10: the quietest a tonal buzzer may be set


class Priority(IntEnum):
    LOW = 1  # reminders, the start-up chirp
    MEDIUM = 2  # the sensor is not working
    HIGH = 3  # the walker is out of reach


class HoldOutcome(Enum):
    """What a caregiver's `hold()` did (rule 3); the caregiver screen words it."""

    HELD = "held"  # the sounding alarm is quiet for the hold's seconds
    NOTHING_SOUNDING = "nothing sounding"  # no alarm above LOW: nothing was done
    ALREADY_HELD = "already held"  # this episode had its one hold (rule 1): nothing was done
    SAFETY_LOOP_STOPPED = "safety loop stopped"  # the watchdog's alarm is never held (rule 4)


class HoldResult(float):
    """`hold()`'s answer: the seconds held (0.0 unless held) and, in `outcome`, why.

    A float, so `f"{result:.0f} s"` and `result == 30.0` keep working; true only if held."""

    outcome: HoldOutcome

    def __new__(cls, seconds: float, outcome: HoldOutcome) -> HoldResult:
        result = super().__new__(cls, seconds)
        result.outcome = outcome
        return result

    def __repr__(self) -> str:
        return f"HoldResult({float(self)!r}, {self.outcome.name})"


@dataclass(frozen=True)
class AlarmPattern:
    """Pulses as (on_s, off_s) pairs; `repeat` plays the burst again while it is active."""

    name: str
    pulses: tuple[tuple[float, float], ...]
    tone_hz: float
    repeat: bool

    @property
    def burst_s(self) -> float:
        return sum(on + off for on, off in self.pulses)


def _high_burst(pulse: float, gap: float, half_gap: float, rest: float):
    group_gap = 2 * gap + pulse  # the longer pause between the 3 and the 2
    half = ((pulse, gap), (pulse, gap), (pulse, group_gap), (pulse, gap), (pulse, half_gap))
    *first, last = half * 2
    return (*first, (last[0], rest))


PATTERNS: dict[Priority, AlarmPattern] = {
    Priority.HIGH: AlarmPattern(
        "out of reach", _high_burst(0.150, 0.100, 0.500, 1.000), tone_hz=880.0, repeat=True
    ),
    Priority.MEDIUM: AlarmPattern(
        "sensor fault", ((0.200, 0.200), (0.200, 0.200), (0.200, 2.500)), tone_hz=660.0, repeat=True
    ),
    Priority.LOW: AlarmPattern(
        "chirp", ((0.100, 0.120), (0.100, 0.0)), tone_hz=520.0, repeat=False
    ),
}


class BuzzerOutput(Protocol):
    """What a pattern needs from the hardware: sound a tone, or be quiet."""

    def sound(self, tone_hz: float) -> None: ...

    def quiet(self) -> None: ...

    def close(self) -> None: ...


class ActiveBuzzerOutput:
    """An active buzzer: its tone is fixed (about 2-4 kHz); only on and off can be played."""

    def __init__(self, pin: int | str, pin_factory: Any = None) -> None:
        from gpiozero import Buzzer

        self.device = Buzzer(pin, pin_factory=pin_factory)

    def sound(self, tone_hz: float) -> None:
        self.device.on()

    def quiet(self) -> None:
        self.device.off()

    def close(self) -> None:
        self.device.close()


class TonalBuzzerOutput:
    """A passive piezo driven with PWM at the pattern's tone (500-900 Hz).

    Volume is the PWM duty cycle: a square wave at 50 % is the loudest a piezo gets; the
    settings never allow less than half of that, so the alarm cannot be turned down to
    nothing (alarms turned down are a known cause of unnoticed falls)."""

    def __init__(self, pin: int | str, pin_factory: Any = None, volume: int = 10) -> None:
        from gpiozero import TonalBuzzer
        from gpiozero.tones import Tone

        # gpiozero's default range (A3-A5, 220-880 Hz) is centred on 440 Hz; centre it on
        # 700 Hz so the whole 500-900 Hz band is playable.
        self._tone = Tone
        self.device = TonalBuzzer(
            pin,
            initial_value=None,
            mid_tone=Tone.from_frequency(700),
            octaves=1,
            pin_factory=pin_factory,
        )
        self.set_volume(volume)

    def set_volume(self, volume: int) -> None:
        """5 to 10 (values outside are brought inside): the next pulse plays at it."""
        self.duty = 0.5 * max(MIN_VOLUME, min(volume, 10)) / 10

    def sound(self, tone_hz: float) -> None:
        self.device.play(self._tone.from_frequency(tone_hz))
        self.device.pwm_device.value = self.duty

    def quiet(self) -> None:
        self.device.stop()

    def close(self) -> None:
        self.device.close()


def make_buzzer_output(
    kind: str, pin: int | str, pin_factory: Any = None, volume: int = 10
) -> BuzzerOutput:
    if kind == "active":
        return ActiveBuzzerOutput(pin, pin_factory)
    if kind == "tonal":
        return TonalBuzzerOutput(pin, pin_factory, volume)
    raise ValueError(f"unknown buzzer kind {kind!r}: use 'active' or 'tonal'")


class AlarmBuzzer:
    """Plays the pattern of the highest active priority not held, or the fault pattern while
    the watchdog is tripped (rules 1-4 in the module's docstring).

    Thread-safe: episodes, holds, chirps and the watchdog are guarded by the condition
    `_changed`."""

    def __init__(
        self,
        output: BuzzerOutput,
        *,
        watchdog_s: float | None = 1.0,
        clock: Callable[[], float] = time.monotonic,
        patterns: dict[Priority, AlarmPattern] | None = None,
    ) -> None:
        self._output = output
        self._watchdog_s = watchdog_s
        self._clock = clock
        self._patterns = dict(PATTERNS if patterns is None else patterns)
        self._episodes: dict[Priority, int] = {}  # each active priority's episode
        self._last_episode = 0
        self._held_once: set[int] = set()  # episodes a hold has covered (rule 1)
        self._chirps = 0
        self._last_heartbeat: float | None = None
        self._holds: dict[Priority, tuple[int, float]] = {}  # running: (episode, until)
        self._changed = threading.Condition(threading.RLock())
        self._closed = False
        self._sounding = False
        self._tone_hz = 0.0
        self._listeners: list[Callable[[bool], None]] = []
        self._thread = threading.Thread(target=self._run, name="alarm-buzzer", daemon=True)
        self._thread.start()

    def set_volume(self, volume: int) -> bool:
        """Change a tonal buzzer's loudness (5-10) from its next pulse; False for an active
        buzzer, which has one loudness only."""
        setter = getattr(self._output, "set_volume", None)
        if setter is None:
            return False
        setter(volume)
        return True

    # -- what the safety loop calls -------------------------------------------------------------

    def activate(self, priority: Priority) -> None:
        """Sound `priority`'s pattern; if it was not active, a new episode of it starts, which
        no hold covers (rule 2). A new highest alarm starts sounding in the caller's thread,
        so the signal does not wait for the pattern thread to be scheduled."""
        with self._changed:
            if priority in self._episodes:
                return
            before = self._wanted_locked()
            self._last_episode += 1
            self._episodes[priority] = self._last_episode
            starts = self._wanted_locked() == priority != before  # not if already playing
            if starts and priority is not Priority.LOW:
                self._set_sounding(True, self._patterns[priority].tone_hz)
            self._changed.notify_all()

    def deactivate(self, priority: Priority) -> None:
        """End `priority`'s episode; a hold taken of it runs on until its time is up."""
        with self._changed:
            if priority in self._episodes:
                self._held_once.discard(self._episodes.pop(priority))
                self._changed.notify_all()

    def chirp(self) -> None:
        """Play the low-priority pattern once (start-up self-test, reminders)."""
        with self._changed:
            self._chirps += 1
            self._changed.notify_all()

    def hold(self, seconds: float = MAX_HOLD_S) -> HoldResult:
        """Silence the episode now sounding for at most 30 s (a caregiver's "hold").

        Only that episode is held: anything new sounds through (rule 2). When the hold ends
        the buzzer chirps and the episode sounds again if it is still active. Returns the
        hold's length (outcome HELD), or 0.0 and why nothing was done: NOTHING_SOUNDING
        (rule 3), ALREADY_HELD as this episode has had its hold, whether it is still
        running or over (rule 1: no extending, no renewing), or SAFETY_LOOP_STOPPED while
        the watchdog is tripped (rule 4)."""
        seconds = float(max(0.0, min(seconds, MAX_HOLD_S)))
        with self._changed:
            outcome, held = self._hold_target_locked()
            if held is None:
                return HoldResult(0.0, outcome)
            episode = self._episodes[held]
            self._held_once.add(episode)
            self._holds[held] = (episode, self._clock() + seconds)
            self._changed.notify_all()
        return HoldResult(seconds, HoldOutcome.HELD)

    def end_hold(self) -> None:
        """End every running hold now (with the re-arm chirp); their episodes stay spent."""
        with self._changed:
            if self._holds:
                now = self._clock()
                self._holds = {p: (episode, now) for p, (episode, _) in self._holds.items()}
                self._changed.notify_all()

    @property
    def hold_remaining_s(self) -> float:
        """The time left of the hold keeping an alarm quiet now; 0.0 when no hold does (none
        runs, its episode has ended, or the watchdog's alarm sounds through it)."""
        with self._changed:
            if self._watchdog_tripped_locked():
                return 0.0
            now = self._clock()
            return max(
                (
                    max(0.0, until - now)
                    for priority, (_, until) in self._holds.items()
                    if self._silenced_locked(priority)
                ),
                default=0.0,
            )

    def heartbeat(self) -> None:
        """The safety loop is alive; arms the watchdog on first call, and clears a trip."""
        with self._changed:
            wake = self._last_heartbeat is None or self._watchdog_tripped_locked()
            self._last_heartbeat = self._clock()
            if wake:
                self._changed.notify_all()

    # -- state for screens and tests -----------------------------------------------------------

    @property
    def active(self) -> frozenset[Priority]:
        with self._changed:
            return frozenset(self._episodes)

    @property
    def watchdog_tripped(self) -> bool:
        with self._changed:
            return self._watchdog_tripped_locked()

    @property
    def sounding(self) -> bool:
        """True while the buzzer is on (for showing every alarm on screen too)."""
        return self._sounding

    def add_listener(self, callback: Callable[[bool], None]) -> None:
        """Called with True/False as the buzzer goes on and off (on the buzzer's thread)."""
        self._listeners.append(callback)

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._thread.join(timeout=2.0)
        self._output.quiet()
        self._output.close()

    # -- the pattern thread ---------------------------------------------------------------------

    def _watchdog_tripped_locked(self) -> bool:
        if self._watchdog_s is None or self._last_heartbeat is None:
            return False
        return self._clock() - self._last_heartbeat > self._watchdog_s

    def _end_holds_over_locked(self) -> None:
        now = self._clock()
        over = [p for p, (_, until) in self._holds.items() if now >= until]
        for priority in over:
            del self._holds[priority]
        if over:
            self._chirps += 1  # re-armed: say so

    def _silenced_locked(self, priority: Priority) -> bool:
        """Rule 2: a running hold silences the exact episode it was taken of, nothing else."""
        hold = self._holds.get(priority)
        return hold is not None and hold[0] == self._episodes.get(priority)

    def _hold_target_locked(self) -> tuple[HoldOutcome, Priority | None]:
        """What a hold pressed now would cover: the alarm sounding, if it may still be held."""
        self._end_holds_over_locked()
        if self._watchdog_tripped_locked():
            return HoldOutcome.SAFETY_LOOP_STOPPED, None  # rule 4
        audible = [p for p in self._episodes if p > Priority.LOW and not self._silenced_locked(p)]
        if not audible:
            if any(self._silenced_locked(p) for p in self._episodes):
                return HoldOutcome.ALREADY_HELD, None  # pressed again during its hold
            return HoldOutcome.NOTHING_SOUNDING, None
        sounding = max(audible)
        if self._episodes[sounding] in self._held_once:
            return HoldOutcome.ALREADY_HELD, None  # its hold is over
        return HoldOutcome.HELD, sounding

    def _wanted_locked(self) -> Priority | None:
        self._end_holds_over_locked()
        if self._watchdog_tripped_locked():
            return Priority.MEDIUM  # rule 4: not the dead loop's stale alarms, and never held
        audible = {p for p in self._episodes if not self._silenced_locked(p)}
        if audible:
            return max(audible)
        if self._chirps:
            return Priority.LOW
        return None

    def _must_stop_locked(self, priority: Priority) -> bool:
        if self._closed:
            return True
        wanted = self._wanted_locked()
        if priority is Priority.LOW:  # a chirp finishes unless a real alarm needs the buzzer
            return wanted is not None and wanted > Priority.LOW
        return wanted != priority

    def _run(self) -> None:
        while True:
            with self._changed:
                wanted = self._wanted_locked()
                while wanted is None and not self._closed:
                    self._set_sounding(False, self._tone_hz)  # activate() may have started it
                    self._changed.wait(timeout=self._poll_interval())
                    wanted = self._wanted_locked()
                if self._closed:
                    return
                if wanted is Priority.LOW and Priority.LOW not in self._episodes:
                    self._chirps -= 1
            try:
                self._play(wanted)
            except Exception:  # a broken pin must not end the alarm thread
                log.exception("the buzzer failed while playing %s", wanted.name)
                time.sleep(0.1)

    def _poll_interval(self) -> float | None:
        # Wake up to check the watchdog and the end of a hold even when nothing changes.
        if self._holds:
            return 0.05
        if self._watchdog_s is None or self._last_heartbeat is None:
            return None
        return min(0.05, self._watchdog_s / 4)

    def _play(self, priority: Priority) -> None:
        pattern = self._patterns[priority]
        while True:
            for on_s, off_s in pattern.pulses:
                if not self._hold(priority, pattern, on_s, sounding=True):
                    return
                if off_s and not self._hold(priority, pattern, off_s, sounding=False):
                    return
            if not pattern.repeat:
                self._set_sounding(False, pattern.tone_hz)
                return

    def _hold(self, priority: Priority, pattern: AlarmPattern, seconds: float, *, sounding: bool):
        """Keep the buzzer on or off for `seconds`; False if the pattern must stop now."""
        self._set_sounding(sounding, pattern.tone_hz)
        deadline = time.monotonic() + seconds
        with self._changed:
            while not self._must_stop_locked(priority):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return True
                self._changed.wait(timeout=min(remaining, self._poll_interval() or remaining))
        self._set_sounding(False, pattern.tone_hz)
        return False

    def _set_sounding(self, on: bool, tone_hz: float) -> None:
        with self._changed:  # re-entrant: activate() calls this with the lock held
            if on == self._sounding and (not on or tone_hz == self._tone_hz):
                return
            if on:
                self._output.sound(tone_hz)
            else:
                self._output.quiet()
            self._sounding, self._tone_hz = on, tone_hz
        for callback in self._listeners:
            try:
                callback(on)
            except Exception:
                log.exception("a buzzer listener failed")


class NullAlarm:
    """An alarm that only records what it was asked (replay, and where no buzzer exists).

    Rule 5: it takes the calls `AlarmBuzzer` takes; as it never sounds, `hold()` always
    answers NOTHING_SOUNDING and nothing is ever held."""

    def __init__(self) -> None:
        self.active: set[Priority] = set()
        self.chirps = 0
        self.sounding = False
        self.hold_remaining_s = 0.0  # never held

    def activate(self, priority: Priority) -> None:
        self.active.add(priority)

    def deactivate(self, priority: Priority) -> None:
        self.active.discard(priority)

    def chirp(self) -> None:
        self.chirps += 1

    def hold(self, seconds: float = MAX_HOLD_S) -> HoldResult:
        return HoldResult(0.0, HoldOutcome.NOTHING_SOUNDING)  # it never sounds

    def end_hold(self) -> None:
        pass

    def heartbeat(self) -> None:
        pass

    def set_volume(self, volume: int) -> bool:
        return False

    def close(self) -> None:
        pass
