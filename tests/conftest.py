"""Shared fixtures: gpiozero's mock pins, the emulated sensor under the real driver, the whole
kiosk built by bootstrap. The stand-ins themselves are in fakes.py."""

from __future__ import annotations

import os

# Screens are drawn by SDL's dummy drivers in tests: no window, no sound card needed.
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pytest  # noqa: E402
from fakes import build_harness  # noqa: E402
from gpiozero import Device  # noqa: E402

from hardware.clock import VirtualClock  # noqa: E402
from hardware.emulated_tof import ADDRESS, EmulatedI2CBus, EmulatedVL53L0X, FixedWalker  # noqa: E402
from hardware.pins import mock_pin_factory  # noqa: E402


@pytest.fixture
def mock_factory():
    """A fresh MockFactory with PWM-capable pins, reset after the test."""
    factory = mock_pin_factory()
    previous = Device.pin_factory
    Device.pin_factory = factory
    yield factory
    factory.reset()
    Device.pin_factory = previous


@pytest.fixture
def clock() -> VirtualClock:
    """Virtual time for the emulator and the monitor: moves only when slept."""
    return VirtualClock(100.0)


@pytest.fixture
def walker() -> FixedWalker:
    return FixedWalker(450.0)


@pytest.fixture
def chip(walker, clock) -> EmulatedVL53L0X:
    return EmulatedVL53L0X(walker, period_s=0.033, clock=clock)


@pytest.fixture
def bus(chip) -> EmulatedI2CBus:
    return EmulatedI2CBus({ADDRESS: chip})


@pytest.fixture
def make_kiosk(tmp_path):
    """Build kiosks (fakes.KioskHarness) for a test; each is closed after it."""
    made = []

    def build(size=(800, 480), rotation=0, **values):
        harness = build_harness(
            tmp_path / f"data-{len(made)}", size, display__rotation=rotation, **values
        )
        made.append(harness)
        return harness

    yield build
    for harness in made:
        harness.close()


@pytest.fixture
def make_broker(tmp_path):
    """Start mosquitto brokers for a test (fakes.Broker); each is stopped after it."""
    from fakes import Broker, find_mosquitto

    if find_mosquitto() is None:
        pytest.skip("mosquitto is not installed: sudo apt-get install mosquitto mosquitto-clients")
    started = []

    def start(**options):
        broker = Broker(tmp_path / f"broker-{len(started)}", **options).start()
        started.append(broker)
        return broker

    yield start
    for broker in started:
        broker.close()


@pytest.fixture
def broker(make_broker):
    """A mosquitto on 127.0.0.1 for this test, anonymous, no TLS."""
    return make_broker()


@pytest.fixture
def subscribe():
    """Real subscribers (fakes.Subscriber), disconnected after the test."""
    from fakes import Subscriber

    made = []

    def make(broker, *topics, **options):
        subscriber = Subscriber(broker, topics or ("#",), **options)
        made.append(subscriber)
        return subscriber

    yield make
    for subscriber in made:
        subscriber.close()
