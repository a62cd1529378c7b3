"""Replay a recorded distance trace through the real driver and the safety monitor, fast.

The trace drives the emulated chip; the real Adafruit driver reads it over the emulated bus;
the SafetyMonitor decides, all on a virtual clock that jumps ahead whenever the loop sleeps.
A minute of trace replays in well under a second, with the same decisions the kiosk makes.

TRACE.csv has the header `t_ms,distance_mm` and one row per sample. Each row holds until the
next. `distance_mm` is a whole number of millimetres; empty means no target (the chip reports
8190); `error` means the sensor stops answering on the bus; `stuck` means the chip answers but
never finishes a measurement. Numbers are plain ASCII digits: no sign, no underscores, no
digits of other scripts (which Python's int() would take).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from hardware.clock import VirtualClock
from hardware.emulated_tof import EmulatedVL53L0X, FixedWalker
from kiosk.safety.monitor import SafetyEvent

HEADER = ["t_ms", "distance_mm"]
MAX_TRACE_MS = 24 * 3600 * 1000
# How long the driver waits for a stuck chip, on DriverClock's time (it costs no real time).
REPLAY_IO_TIMEOUT_S = 0.05


_WHOLE_NUMBER = re.compile(r"-?[0-9]+")  # a minus is read, so that it can be called negative


class TraceError(Exception):
    """A trace file that cannot be replayed; the message names the line and the fix."""


@dataclass(frozen=True)
class TraceSample:
    t_ms: int
    kind: str  # "distance", "no_target", "error" or "stuck"
    distance_mm: int | None = None


def read_trace(path: Path) -> list[TraceSample]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as file:  # spreadsheets add a BOM
            return parse_trace(file, str(path))
    except FileNotFoundError:
        raise TraceError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise TraceError(
            f"{path}: not a text file; a trace is CSV with {','.join(HEADER)}"
        ) from None
    except OSError as error:
        raise TraceError(f"{path}: cannot be read ({error.strerror})") from None


def parse_trace(lines: Iterable[str], name: str = "trace") -> list[TraceSample]:
    rows = _csv_rows(lines, name)
    _, header = next(rows, (1, None))
    if header is None or [cell.strip() for cell in header] != HEADER:
        raise TraceError(
            f"{name}: line 1 must be the header '{','.join(HEADER)}', found "
            f"{','.join(header) if header else 'nothing'!r}"
        )
    samples: list[TraceSample] = []
    for line, row in rows:
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != 2:
            raise TraceError(
                f"{name}, line {line}: expected 2 columns (t_ms,distance_mm), found {len(row)}"
            )
        sample = _parse_row(row[0].strip(), row[1].strip().lower(), f"{name}, line {line}")
        if samples and sample.t_ms <= samples[-1].t_ms:
            raise TraceError(
                f"{name}, line {line}: t_ms {sample.t_ms} does not increase "
                f"(the line before has {samples[-1].t_ms})"
            )
        samples.append(sample)
    if not samples:
        raise TraceError(f"{name}: no samples after the header")
    return samples


def _csv_rows(lines: Iterable[str], name: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of each row; TraceError naming the line for what CSV refuses."""
    reader = csv.reader(lines)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise TraceError(f"{name}, line {reader.line_num}: {_csv_problem(error)}") from None
        yield reader.line_num, row


def _csv_problem(error: csv.Error) -> str:
    text = str(error)
    if "field larger than field limit" in text:
        return (
            f"a value is longer than {csv.field_size_limit()} characters; a trace holds short "
            f"values ({','.join(HEADER)})"
        )
    if "NUL" in text:
        return "it holds a NUL character; is this a text file?"
    return f"it is not valid CSV ({text})"


def _whole_number(text: str) -> int | None:
    """`text` as a whole number if it is one in plain ASCII digits, else None."""
    return int(text) if _WHOLE_NUMBER.fullmatch(text) else None


def _parse_row(t_text: str, value: str, where: str) -> TraceSample:
    t_ms = _whole_number(t_text)
    if t_ms is None:
        raise TraceError(f"{where}: t_ms {t_text!r} is not a whole number of ms")
    if t_ms < 0:
        raise TraceError(f"{where}: t_ms {t_ms} is negative")
    if t_ms > MAX_TRACE_MS:
        raise TraceError(f"{where}: t_ms {t_ms} is more than a day; is a digit too many?")
    if value == "":
        return TraceSample(t_ms, "no_target")
    if value in ("error", "stuck"):
        return TraceSample(t_ms, value)
    distance = _whole_number(value)
    if distance is None:
        raise TraceError(
            f"{where}: distance_mm {value!r} is not a whole number of mm, empty, 'error' or 'stuck'"
        )
    if not 0 <= distance <= 8191:
        raise TraceError(f"{where}: distance_mm {distance} is outside 0..8191")
    return TraceSample(t_ms, "distance", distance)


class DriverClock:
    """The clock the driver's waits for the chip read during a replay.

    The driver waits by asking the time again and again until `io_timeout_s` has passed. On
    the trace's clock, which moves only when the safety loop sleeps, such a wait would never
    end; on the real clock it took real time (a minute of "stuck" took 36 s to replay, a wait
    at every reconnect). On this clock each look takes LOOK_S, and it never runs behind the
    trace's clock: a wait ends after io_timeout_s / LOOK_S looks, and the trace's clock, on
    which every event is timed, stands still meanwhile, as it did while the real clock ran.
    """

    LOOK_S = 0.002  # about one register read over the bus, with the driver's loop around it

    def __init__(self, trace_clock: Callable[[], float]) -> None:
        self._trace_clock = trace_clock
        self._now = trace_clock()

    def __call__(self) -> float:
        self._now = max(self._trace_clock(), self._now + self.LOOK_S)
        return self._now


def replay(
    samples: list[TraceSample], monitor: Any, simulation: Any, clock: VirtualClock
) -> Iterator[SafetyEvent]:
    """The monitor's events over the trace, in order, with times on the trace's clock.

    `monitor` reads the emulated chip of `simulation` (its walker and chip are driven by the
    trace) on `clock`, which moves only when the loop sleeps; kiosk/bootstrap.py builds them.
    """
    events: list[SafetyEvent] = []
    monitor.add_listener(events.append)
    for _ in steps(samples, monitor, simulation, clock):
        yield from events
        events.clear()


def steps(
    samples: list[TraceSample], monitor: Any, simulation: Any, clock: VirtualClock
) -> Iterator[float]:
    """Drive the monitor through the trace one loop step at a time; yields the time before
    each step, so a caller can look at the alarm between steps."""
    end = samples[-1].t_ms / 1000
    index = 0
    while clock.now <= end:
        while index < len(samples) and samples[index].t_ms / 1000 <= clock.now:
            _apply(samples[index], simulation.chip, simulation.walker)
            index += 1
        now = clock.now
        monitor.step()
        yield now


def _apply(sample: TraceSample, chip: EmulatedVL53L0X, walker: FixedWalker) -> None:
    if sample.kind == "error":
        chip.unplugged = True
        return
    if chip.unplugged:
        chip.replug(reset=False)
    chip.stuck = sample.kind == "stuck"
    if sample.kind != "stuck":
        walker.move_to(sample.distance_mm)


def event_json(event: SafetyEvent) -> str:
    return json.dumps(
        {
            "t_ms": int(round(event.t * 1000)),
            "event": str(event.kind),
            "reason": event.reason,
            "distance_mm": event.distance_mm,
        }
    )


def write_events(
    samples: list[TraceSample], monitor: Any, simulation: Any, clock: VirtualClock, out: TextIO
) -> int:
    count = 0
    for event in replay(samples, monitor, simulation, clock):
        out.write(event_json(event) + "\n")
        count += 1
    out.flush()
    return count
