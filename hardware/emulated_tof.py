"""A register-level emulation of the VL53L0X behind a fake I2C bus.

The real Adafruit driver runs against it unchanged: it probes the address, checks the ID
registers, walks the SPAD handshake, calibrates, starts continuous ranging and reads results.
The distance the chip "sees" comes from a walker model, and the chip can be unplugged
(every transfer fails with errno 121), stuck (it never finishes a measurement), or blinded
(it reports no target, 8190 mm).
"""

from __future__ import annotations

import errno
import random
import threading
import time
from collections.abc import Callable
from typing import Protocol

ADDRESS = 0x29
NO_TARGET_MM = 8190

_PAGE_SELECT = 0xFF
_SYSRANGE_START = 0x00
_SYSTEM_INTERRUPT_CLEAR = 0x0B
_RESULT_INTERRUPT_STATUS = 0x13
_RESULT_RANGE_STATUS = 0x14
_RESULT_RANGE_MM = _RESULT_RANGE_STATUS + 10
_SPAD_HANDSHAKE = 0x83
_SPAD_INFO = 0x92
_STOP_VARIABLE = 0x91

RANGE_STATUS_VALID = 11
RANGE_STATUS_SIGNAL_FAIL = 4

# What the chip holds after power-on, by (page, register). Everything else reads 0.
_POWER_ON = {
    (0, 0xC0): 0xEE,  # model ID
    (0, 0xC1): 0xAA,  # module type
    (0, 0xC2): 0x10,  # revision
    (0, 0x01): 0xFF,  # sequence config
    (0, 0x50): 0x06,  # pre-range VCSEL period
    (0, 0x70): 0x04,  # final-range VCSEL period
    (0, 0x46): 0x25,  # MSRC timeout
    (0, 0x51): 0x00,
    (0, 0x52): 0x96,
    (0, 0x71): 0x01,
    (0, 0x72): 0xFE,
    (0, 0x84): 0x11,  # GPIO_HV_MUX_ACTIVE_HIGH
    (1, _STOP_VARIABLE): 0x3C,
    (7, _SPAD_INFO): 0x85,  # 5 reference SPADs, aperture type
    **{(0, 0xB0 + i): 0xFF for i in range(6)},  # reference SPAD map
}


class WalkerModel(Protocol):
    """Where the walker is, as the sensor would see them."""

    def distance_at(self, t: float) -> float | None:
        """Distance in mm at clock time t, or None when nothing is in front of the sensor."""


class FixedWalker:
    """A walker whose distance is set from outside (keys, a drag bar, a test)."""

    def __init__(self, distance_mm: float | None = 450.0) -> None:
        self._distance = distance_mm
        self._lock = threading.Lock()

    def distance_at(self, t: float) -> float | None:
        with self._lock:
            return self._distance

    def move_to(self, distance_mm: float | None) -> None:
        with self._lock:
            self._distance = distance_mm

    def move_by(self, delta_mm: float) -> None:
        with self._lock:
            if self._distance is not None:
                self._distance = max(0.0, self._distance + delta_mm)


class ScriptedWalker:
    """A walker following (time_s, distance_mm) waypoints, linearly between them."""

    def __init__(self, waypoints: list[tuple[float, float | None]], start: float = 0.0) -> None:
        if not waypoints:
            raise ValueError("a scripted walker needs at least one waypoint")
        self._points = sorted(waypoints)
        self._start = start

    def distance_at(self, t: float) -> float | None:
        elapsed = t - self._start
        points = self._points
        if elapsed <= points[0][0]:
            return points[0][1]
        for (t0, d0), (t1, d1) in zip(points, points[1:], strict=False):
            if elapsed < t1:
                if d0 is None or d1 is None:
                    return d0
                return d0 + (d1 - d0) * (elapsed - t0) / (t1 - t0)
        return points[-1][1]


class EmulatedVL53L0X:
    """The chip's registers and its ranging engine, timed by an injected clock."""

    def __init__(
        self,
        walker: WalkerModel,
        *,
        period_s: float = 0.033,
        clock: Callable[[], float] = time.monotonic,
        noise_mm: float = 0.0,
        max_range_mm: float = 2000.0,
        seed: int = 1,
    ) -> None:
        self.walker = walker
        self.period_s = period_s
        self.clock = clock
        self.noise_mm = noise_mm
        self.max_range_mm = max_range_mm
        self.unplugged = False
        self.stuck = False
        self.blinded = False
        # A real chip that loses the signal sometimes reports a bogus short range together
        # with a failed status, instead of 8190.
        self.bogus_range_when_lost: int | None = None
        self.measurements = 0
        self._random = random.Random(seed)
        self._power_on()

    # -- faults a test or the simulator can cause -------------------------------------------

    def unplug(self) -> None:
        self.unplugged = True

    def replug(self, *, reset: bool = True) -> None:
        """The chip answers again. After a real unplug it lost power and starts from its reset
        state; after a loose contact or bus noise (`reset=False`) it carries on ranging."""
        self.unplugged = False
        if reset:
            self._power_on()

    # -- what the bus calls -------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        self._check_plugged()
        if not data:
            return  # an address probe
        self._index = data[0]
        for value in data[1:]:
            self._write_register(self._index, value)
            self._index = (self._index + 1) & 0xFF

    def read(self, count: int) -> bytes:
        self._check_plugged()
        out = bytearray()
        for _ in range(count):
            out.append(self._read_register(self._index))
            self._index = (self._index + 1) & 0xFF
        return bytes(out)

    # -- the register file --------------------------------------------------------------------

    def _power_on(self) -> None:
        self._registers: dict[tuple[int, int], int] = dict(_POWER_ON)
        self._page = 0
        self._index = 0
        self._continuous = False
        self._next_done = 0.0
        self._single_pending = False
        self._spad_armed = False

    def _check_plugged(self) -> None:
        if self.unplugged:
            raise OSError(errno.EREMOTEIO, "Remote I/O error")

    def _write_register(self, register: int, value: int) -> None:
        if register == _PAGE_SELECT:
            self._page = value
            return
        self._registers[(self._page, register)] = value
        if self._page != 0:
            if (self._page, register, value) == (7, 0x94, 0x6B):
                self._spad_armed = True
            return
        if register == _SYSRANGE_START:
            self._start_ranging(value)
        elif register == _SYSTEM_INTERRUPT_CLEAR and value & 0x01:
            self._registers[(0, _RESULT_INTERRUPT_STATUS)] = 0

    def _read_register(self, register: int) -> int:
        if register == _PAGE_SELECT:
            return self._page
        page = self._page
        if page == 0 and register in (_RESULT_INTERRUPT_STATUS, _RESULT_RANGE_STATUS):
            self._advance()
        if page == 0 and register == _SYSRANGE_START:
            # The start bit clears itself once the chip has taken the command.
            value = self._registers.get((0, register), 0)
            self._registers[(0, register)] = value & ~0x01
            return value & ~0x01
        if (page, register) == (7, _SPAD_HANDSHAKE) and self._spad_armed:
            return 0x01  # the SPAD information is ready
        return self._registers.get((page, register), 0)

    # -- ranging --------------------------------------------------------------------------------

    def _start_ranging(self, value: int) -> None:
        if value & 0x02:  # back-to-back continuous ranging
            self._continuous = True
            self._next_done = self.clock() + self.period_s
        elif value & 0x01:  # one measurement (also how calibration and stop are started)
            self._continuous = False
            self._single_pending = True

    def _advance(self) -> None:
        """Finish whatever measurement is due by now and latch its result."""
        if self.stuck:
            return
        if self._single_pending:
            self._single_pending = False
            self._latch(self.clock())
            return
        if not self._continuous:
            return
        now = self.clock()
        if now < self._next_done:
            return
        # The chip overwrites results nobody read; only the latest measurement counts.
        missed = int((now - self._next_done) / self.period_s)
        done_at = self._next_done + missed * self.period_s
        self._next_done = done_at + self.period_s
        self._latch(done_at)

    def _latch(self, t: float) -> None:
        self.measurements += 1
        distance = None if self.blinded else self.walker.distance_at(t)
        if distance is not None and self.noise_mm:
            distance += self._random.gauss(0.0, self.noise_mm)
        if distance is None or distance > self.max_range_mm:
            millimetres = self.bogus_range_when_lost or NO_TARGET_MM
            status = RANGE_STATUS_SIGNAL_FAIL
        else:
            millimetres, status = max(0, int(round(distance))), RANGE_STATUS_VALID
        self._registers[(0, _RESULT_RANGE_STATUS)] = (status << 3) | 0x06
        self._registers[(0, _RESULT_RANGE_MM)] = millimetres >> 8
        self._registers[(0, _RESULT_RANGE_MM + 1)] = millimetres & 0xFF
        self._registers[(0, _RESULT_INTERRUPT_STATUS)] = 0x04  # new sample ready


class EmulatedI2CBus:
    """The subset of busio.I2C that Adafruit's bus-device layer uses, with chips attached."""

    def __init__(self, devices: dict[int, EmulatedVL53L0X] | None = None) -> None:
        self.devices = dict(devices or {})
        self._lock = threading.Lock()
        self.transfers = 0

    def try_lock(self) -> bool:
        return self._lock.acquire(blocking=False)

    def unlock(self) -> None:
        self._lock.release()

    def scan(self) -> list[int]:
        return sorted(a for a, d in self.devices.items() if not d.unplugged)

    def _device(self, address: int) -> EmulatedVL53L0X:
        self.transfers += 1
        device = self.devices.get(address)
        if device is None:
            raise OSError(errno.EREMOTEIO, "Remote I/O error")
        return device

    def writeto(self, address: int, buffer: bytes, *, start: int = 0, end: int | None = None):
        self._device(address).write(bytes(buffer[start:end]))

    def readfrom_into(
        self, address: int, buffer: bytearray, *, start: int = 0, end: int | None = None
    ) -> None:
        end = len(buffer) if end is None else end
        buffer[start:end] = self._device(address).read(end - start)

    def writeto_then_readfrom(
        self,
        address: int,
        out_buffer: bytes,
        in_buffer: bytearray,
        *,
        out_start: int = 0,
        out_end: int | None = None,
        in_start: int = 0,
        in_end: int | None = None,
    ) -> None:
        self.writeto(address, out_buffer, start=out_start, end=out_end)
        self.readfrom_into(address, in_buffer, start=in_start, end=in_end)

    def deinit(self) -> None:
        pass
