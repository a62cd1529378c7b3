"""The one place where the real parts are chosen and put together.

On a Raspberry Pi: the VL53L0X on I2C-1 through Blinka, and the buzzer on gpiozero's default
pin library (lgpio first). Elsewhere, or when asked to simulate: the same Adafruit driver over
the emulated chip, a walker that keys or a script move, and gpiozero's mock pins. Everything
else in the kiosk takes these parts as arguments.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hardware.buzzer import AlarmBuzzer, make_buzzer_output
from hardware.emulated_tof import ADDRESS, EmulatedI2CBus, EmulatedVL53L0X, FixedWalker
from hardware.tof_sensor import TofSensor
from kiosk.safety.monitor import SafetyConfig, SafetyMonitor

log = logging.getLogger(__name__)

_PI_MODEL = Path("/proc/device-tree/model")


def on_raspberry_pi() -> bool:
    try:
        return _PI_MODEL.read_bytes().startswith(b"Raspberry Pi")
    except OSError:
        return False


def wants_simulation(settings: Mapping[str, Any], simulate: bool = False) -> bool:
    source = settings["sensor.source"]
    if simulate or source == "simulated":
        return True
    return source == "auto" and not on_raspberry_pi()


@dataclass
class Simulation:
    """The handles a simulator needs to play the walker and break the sensor."""

    walker: FixedWalker
    chip: EmulatedVL53L0X
    pin_factory: Any

    def toggle_unplugged(self) -> bool:
        if self.chip.unplugged:
            self.chip.replug()
        else:
            self.chip.unplug()
        return self.chip.unplugged

    def toggle_stuck(self) -> bool:
        self.chip.stuck = not self.chip.stuck
        return self.chip.stuck


@dataclass
class SafetyParts:
    monitor: SafetyMonitor
    buzzer: AlarmBuzzer
    simulation: Simulation | None

    def close(self) -> None:
        """Silence first: a stop must not beep, and the buzzer's watchdog must not see the
        safety thread's end as a hang."""
        self.buzzer.close()
        self.monitor.stop(timeout=0.5)


def tune_for_alarm_latency() -> None:
    """Let the safety thread take the interpreter back within 1 ms instead of 5 ms.

    Python hands the GIL between threads every "switch interval"; with the screen and the
    video decoder busy, the default 5 ms is added to every reading and again to the buzzer's
    first pulse. The cost is a little more switching for the busy threads.
    """
    sys.setswitchinterval(0.001)


@dataclass
class SensorParts:
    """The sensor on its bus, and what `release()` gives back (bus, XSHUT pin)."""

    sensor: TofSensor
    simulation: Simulation | None
    pin_factory: Any
    bus: Any
    reset_line: Any

    def release(self) -> None:
        if self.reset_line is not None:
            self.reset_line.close()
        self.bus.deinit()


def build_sensor(settings: Mapping[str, Any], *, simulate: bool = False) -> SensorParts:
    """The VL53L0X on I2C-1 with gpiozero's default pins, or the emulated chip with mock
    pins when simulating (see `wants_simulation`)."""
    simulation = None
    if wants_simulation(settings, simulate):
        from gpiozero.pins.mock import MockFactory, MockPWMPin

        pin_factory: Any = MockFactory(pin_class=MockPWMPin)
        walker = FixedWalker(450.0)
        chip = EmulatedVL53L0X(walker, period_s=settings["sensor.period_ms"] / 1000, noise_mm=3.0)
        bus: Any = EmulatedI2CBus({ADDRESS: chip})
        address = ADDRESS
        simulation = Simulation(walker, chip, pin_factory)
        log.info("simulating the sensor, the walker and the GPIO pins")
    else:
        pin_factory = None  # gpiozero's default: lgpio, then RPi.GPIO
        bus = _open_i2c()
        address = settings["sensor.i2c_address"]
    try:
        reset_line = _xshut_line(settings["sensor.xshut_pin"], pin_factory)
    except Exception:
        bus.deinit()
        raise
    sensor = TofSensor(
        bus,
        address=address,
        timing_budget_us=settings["sensor.period_ms"] * 1000,
        io_timeout_s=settings["sensor.io_timeout_ms"] / 1000,
        reset_line=reset_line,
    )
    return SensorParts(sensor, simulation, pin_factory, bus, reset_line)


def build_buzzer_output(settings: Mapping[str, Any], pin_factory: Any = None) -> Any:
    return make_buzzer_output(
        settings["buzzer.kind"], settings["buzzer.pin"], pin_factory, settings["buzzer.volume"]
    )


def build_safety(settings: Mapping[str, Any], *, simulate: bool = False) -> SafetyParts:
    tune_for_alarm_latency()
    parts = build_sensor(settings, simulate=simulate)
    buzzer = AlarmBuzzer(build_buzzer_output(settings, parts.pin_factory))
    monitor = SafetyMonitor(parts.sensor, buzzer, SafetyConfig.from_settings(settings))
    return SafetyParts(monitor, buzzer, parts.simulation)


def _open_i2c() -> Any:
    """I2C-1 on the header pins. Blinka ignores the frequency on Linux: 400 kHz is set with
    dtparam=i2c_arm_baudrate=400000 in config.txt (see the README)."""
    import board
    import busio

    return busio.I2C(board.SCL, board.SDA, frequency=400_000)


def _xshut_line(pin: int, pin_factory: Any) -> Any:
    if pin < 0:
        return None
    from gpiozero import DigitalOutputDevice

    return DigitalOutputDevice(pin, initial_value=True, pin_factory=pin_factory)
