"""The VL53L0X time-of-flight sensor, read through Adafruit's driver on a bus it is given.

The driver is used with care for its gaps: it always gets an I/O timeout (its wait loops never
time out otherwise), it ranges continuously and is only asked for a result once `data_ready`
says one is there (so nothing spins), and the range-status register it ignores is read here,
so that "no target" and failed measurements are not taken for distances. Every bus error
becomes a `SensorFault`; the next `connect()` builds the driver again, as a replugged chip
has reset and must be initialised from scratch.

Use one `TofSensor` from one thread only: the driver shares a class-level buffer.
"""

from __future__ import annotations

import errno
import importlib.util
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adafruit_bus_device.i2c_device import I2CDevice

log = logging.getLogger(__name__)

DEFAULT_ADDRESS = 0x29
NO_TARGET_CODES = (8190, 8191)
RANGE_STATUS_VALID = 11
_RESULT_RANGE_STATUS = 0x14

_ERRNO_MEANING = {
    errno.EREMOTEIO: "no answer from the sensor (is it unplugged?)",
    errno.ETIMEDOUT: "the I2C bus timed out",
    errno.EIO: "I2C input/output error",
    errno.EAGAIN: "I2C arbitration lost",
}


class SensorFault(Exception):
    """The sensor cannot be read; the message says why in words a caregiver can act on."""


@dataclass(frozen=True)
class Reading:
    """One measurement. `distance_mm` is None when the sensor saw nothing in range."""

    t: float
    distance_mm: int | None
    status: int
    raw_mm: int

    @property
    def no_target(self) -> bool:
        return self.distance_mm is None


def adafruit_driver(bus: Any, address: int, io_timeout_s: float) -> Any:
    """Adafruit's driver for the chip at `address`, its waits timed on the real clock."""
    from adafruit_vl53l0x import VL53L0X

    return VL53L0X(bus, address=address, io_timeout_s=io_timeout_s)


def driver_on_clock(monotonic: Callable[[], float]) -> Callable[[Any, int, float], Any]:
    """A driver factory like `adafruit_driver`, but the driver's waits for the chip time
    `io_timeout_s` on `monotonic` instead of the real clock (for replays on a virtual clock).

    Adafruit's driver reads `time.monotonic()` through its own module, so that module is loaded
    again as a private copy whose `time` answers with `monotonic`; the shared module, and every
    driver made from it, keep the real clock."""
    spec = importlib.util.find_spec("adafruit_vl53l0x")
    if spec is None or spec.loader is None:
        raise ImportError("the adafruit_vl53l0x driver is not installed")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.time = _TimeWith(monotonic)

    def make(bus: Any, address: int, io_timeout_s: float) -> Any:
        return module.VL53L0X(bus, address=address, io_timeout_s=io_timeout_s)

    return make


class _TimeWith:
    """The `time` module, with `monotonic` answered by another clock."""

    def __init__(self, monotonic: Callable[[], float]) -> None:
        self.monotonic = monotonic

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


class TofSensor:
    """Continuous ranging with fault detection; `poll()` never blocks for long."""

    def __init__(
        self,
        bus: Any,
        *,
        address: int = DEFAULT_ADDRESS,
        timing_budget_us: int = 33_000,
        io_timeout_s: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        driver_factory: Callable[[Any, int, float], Any] = adafruit_driver,
        reset_line: Any = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if io_timeout_s <= 0:
            raise ValueError("io_timeout_s must be positive: the driver would wait forever")
        self._bus = bus
        self._address = address
        self._timing_budget_us = timing_budget_us
        self._io_timeout_s = io_timeout_s
        self._clock = clock
        self._driver_factory = driver_factory
        self._reset_line = reset_line  # XSHUT as a gpiozero output, if it is wired
        self._sleep = sleep
        self._driver: Any = None
        self._status_device: I2CDevice | None = None
        self._status_buffer = bytearray(1)
        self.connects = 0

    @property
    def connected(self) -> bool:
        return self._driver is not None

    @property
    def address(self) -> int:
        return self._address

    @property
    def timing_budget_us(self) -> int:
        return self._timing_budget_us

    @property
    def io_timeout_s(self) -> float:
        return self._io_timeout_s

    def connect(self) -> None:
        """Build the driver from scratch and start continuous ranging.

        With XSHUT wired, the chip is power-cycled first, so a hung chip starts afresh."""
        self._driver = None
        if self._reset_line is not None and self.connects:
            self._reset_line.off()
            self._sleep(0.01)
            self._reset_line.on()
            self._sleep(0.002)  # the chip boots in at most 1.2 ms
        try:
            driver = self._driver_factory(self._bus, self._address, self._io_timeout_s)
            driver.measurement_timing_budget = self._timing_budget_us
            driver.start_continuous()
            self._status_device = I2CDevice(self._bus, self._address, probe=False)
        except Exception as error:  # the driver raises OSError, ValueError and RuntimeError
            raise self._fault(error) from error
        self._driver = driver
        self.connects += 1
        log.info("distance sensor ready at 0x%02x", self._address)

    def poll(self) -> Reading | None:
        """The newest measurement, or None if the chip has not finished one yet."""
        if self._driver is None:
            raise SensorFault("the distance sensor is not connected")
        try:
            if not self._driver.data_ready:
                return None
            status = self._read_range_status()
            raw_mm = self._driver.read_range()
        except Exception as error:
            # Keep the driver: a glitch on the bus passes. If the errors go on, the caller
            # closes the sensor and connects again.
            raise self._fault(error) from error
        valid = status == RANGE_STATUS_VALID and raw_mm not in NO_TARGET_CODES
        return Reading(self._clock(), raw_mm if valid else None, status, raw_mm)

    def close(self) -> None:
        """Stop ranging; safe to call twice and on a sensor that is gone."""
        driver, self._driver = self._driver, None
        if driver is not None:
            try:
                driver.stop_continuous()
            except Exception:  # closing a sensor that is gone is not an error
                log.debug("could not stop the sensor while closing", exc_info=True)

    def _read_range_status(self) -> int:
        assert self._status_device is not None
        buffer = self._status_buffer
        with self._status_device as device:
            buffer[0] = _RESULT_RANGE_STATUS
            device.write_then_readinto(buffer, buffer)
        return (buffer[0] & 0x78) >> 3

    def _fault(self, error: Exception) -> SensorFault:
        if isinstance(error, SensorFault):
            return error
        if isinstance(error, OSError) and error.errno in _ERRNO_MEANING:
            text = f"{_ERRNO_MEANING[error.errno]} (I2C error {error.errno})"
        elif isinstance(error, ValueError):
            text = f"no sensor found at I2C address 0x{self._address:02x}: check the wiring"
        elif isinstance(error, RuntimeError) and "Timeout" in str(error):
            text = "the sensor stopped answering in time (stuck?)"
        elif isinstance(error, RuntimeError):
            text = f"the device at 0x{self._address:02x} is not a VL53L0X: check the wiring"
        else:
            text = f"sensor error: {error}"
        log.debug("distance sensor fault: %s", text)
        return SensorFault(text)
