"""Every setting in the schema reaches the part that uses it, as bootstrap builds the kiosk.

Each setting gets a value other than its default, the kiosk (or the safety part, for the
sensor's bus settings) is built through kiosk/bootstrap.py, and the part is asked, where a user
would notice it: pins that sound, the picture's shape, the routine that loads, the reach line
the monitor uses. A setting missing from the table below fails the first test, so a new
setting cannot be added without saying where it goes.
"""

from __future__ import annotations

import shutil
import time

import pygame
import pytest
from fakes import BROKER_PASSWORD, BROKER_USER, Broker, Subscriber, find_mosquitto, wait_for
from gpiozero.pins.mock import MockPWMPin

from hardware.emulated_tof import EmulatedI2CBus, EmulatedVL53L0X, FixedWalker
from hardware.pins import mock_pin_factory
from kiosk import bootstrap
from kiosk.paths import DataFolder
from kiosk.player.routine import find_routine
from kiosk.settings import SCHEMA, LiveSettings, Settings


@pytest.fixture(autouse=True)
def pygame_display():
    yield
    pygame.display.quit()


def build_kiosk(tmp_path, **values):
    settings = LiveSettings(Settings(values))
    data = DataFolder(tmp_path / "data").create()  # a folder per kiosk: tmp_path / something
    flags = bootstrap.KioskFlags(simulate=True, headless=True, size=(800, 480))
    kiosk = bootstrap.build_kiosk(settings, data, flags)
    return kiosk


def close(kiosk):
    kiosk.end_walk()
    kiosk.stop_link()
    kiosk.store.close()


def chirp_states(kiosk, pin_number):
    """The buzzer's start-up chirp, as the mock pin saw it."""
    pin = kiosk.safety.simulation.pin_factory.pin(pin_number)
    pin.clear_states()
    kiosk.safety.buzzer.chirp()
    time.sleep(0.4)
    return pin


def in_kiosk(key, value, read):
    def check(tmp_path):
        kiosk = build_kiosk(tmp_path, **{key: value})
        try:
            assert read(kiosk) == value
        finally:
            close(kiosk)

    return check


def safety_over_i2c(key, value, read):
    """The sensor's bus settings, on a bus of the test's own holding the emulated chip."""

    def check(tmp_path):
        values = {"sensor.source": "i2c", key: value}
        settings = Settings(values)
        address = settings["sensor.i2c_address"]
        chip = EmulatedVL53L0X(FixedWalker(450.0), period_s=settings["sensor.period_ms"] / 1000)
        parts = bootstrap.build_safety(
            settings,
            open_bus=lambda: EmulatedI2CBus({address: chip}),
            pin_factory=mock_pin_factory(),
        )
        try:
            assert parts.simulation is None  # the bus was opened, not the simulator
            assert read(parts) == value
        finally:
            parts.close()

    return check


def buzzer_pin(tmp_path):
    kiosk = build_kiosk(tmp_path, **{"buzzer.pin": 22})
    try:
        assert any(state for _, state in chirp_states(kiosk, 22).states)
        assert not any(state for _, state in chirp_states(kiosk, 17).states)
    finally:
        close(kiosk)


def buzzer_kind_and_volume(tmp_path):
    kiosk = build_kiosk(tmp_path, **{"buzzer.kind": "tonal", "buzzer.volume": 6})
    try:
        pin = chirp_states(kiosk, 17)
        assert isinstance(pin, MockPWMPin)
        settled = [round(level, 3) for level in pulse_levels(pin.states)]
        # Two pulses; 50 % duty is a piezo's loudest, so volume 6 of 10 holds 30 %.
        assert settled == [0.3, 0.3]
    finally:
        close(kiosk)


def pulse_levels(states):
    """The level each pulse settles at (the last state before the pin goes low again)."""
    levels, level = [], 0.0
    for _, state in states:
        if not state and level:
            levels.append(level)
        level = state
    return levels + ([level] if level else [])


def routine_name(tmp_path):
    own = tmp_path / "my-routine"
    shutil.copytree(find_routine("beginner").parent, own)
    kiosk = build_kiosk(tmp_path, **{"routine.name": str(own)})
    try:
        assert kiosk.walk.routine.folder == own
    finally:
        close(kiosk)


def display_rotation(tmp_path):
    kiosk = build_kiosk(tmp_path, **{"display.rotation": 90})
    try:
        assert kiosk.app.logical.get_size() == (480, 800)
    finally:
        close(kiosk)


def sensor_source(tmp_path):
    settings = Settings({"sensor.source": "simulated"})
    parts = bootstrap.build_safety(settings)  # not asked to simulate: the setting decides
    try:
        assert parts.simulation is not None
    finally:
        parts.close()
    opened = []
    settings = Settings({"sensor.source": "i2c"})
    with pytest.raises(OSError):
        bootstrap.build_safety(settings, open_bus=lambda: opened.append(1) or _no_bus())
    assert opened == [1]


def _no_bus():
    raise OSError(2, "No such file or directory: '/dev/i2c-1'")


def rule(name):
    return lambda kiosk: getattr(kiosk.safety.monitor.config.rule, name)


def nurse_call(tmp_path):
    for mode, idle in (("normally_closed", True), ("normally_open", False)):
        kiosk = build_kiosk(tmp_path / mode, **{"nurse_call.pin": 22, "nurse_call.mode": mode})
        try:
            pin = kiosk.safety.simulation.pin_factory.pin(22)
            assert pin.function == "output" and bool(pin.state) is idle
            kiosk.safety.escalation.request_help()
            assert bool(pin.state) is not idle  # the contact switches on a call
        finally:
            close(kiosk)


def on_a_broker(tmp_path):
    """Every broker setting, as a subscriber on a broker that wants a login notices them."""
    if find_mosquitto() is None:
        pytest.skip("mosquitto is not installed: sudo apt-get install mosquitto")
    broker = Broker(tmp_path / "broker", users=True).start()
    password = tmp_path / "password"
    password.write_text(BROKER_PASSWORD + "\n")
    password.chmod(0o600)
    subscriber = Subscriber(broker, username=BROKER_USER, password=BROKER_PASSWORD)
    values = {
        "mqtt.username": BROKER_USER,
        "mqtt.password_file": str(password),
        "mqtt.topic_prefix": "care/walking",
        "mqtt.discovery_prefix": "ha",
        "kiosk.id": "hall-2",
        "kiosk.name": "Hall, 2nd floor",
    }
    kiosk = build_kiosk(tmp_path, **broker.settings(**values))
    try:
        wait_for(lambda: subscriber.messages("ha/device/hall-2/config"), 10.0)
        wait_for(lambda: subscriber.messages("care/walking/hall-2/availability") == [b"online"])
        config = subscriber.json("ha/device/hall-2/config")[0]
        assert config["dev"]["name"] == "Hall, 2nd floor"
        assert config["availability_topic"] == "care/walking/hall-2/availability"
    finally:
        close(kiosk)
        subscriber.close()
        broker.close()


def over_tls(tmp_path):
    if find_mosquitto() is None:
        pytest.skip("mosquitto is not installed: sudo apt-get install mosquitto")
    broker = Broker(tmp_path / "broker", tls=True).start()
    subscriber = Subscriber(broker)
    kiosk = build_kiosk(
        tmp_path, **broker.settings(**{"mqtt.tls": True, "mqtt.ca_file": str(broker.ca_file)})
    )
    try:
        topic = f"balance-kiosk/{kiosk.link.topics.kiosk_id}/availability"
        wait_for(lambda: subscriber.messages(topic) == [b"online"], 10.0)
    finally:
        close(kiosk)
        subscriber.close()
        broker.close()


CHECKS = {
    "safety.reach_mm": in_kiosk("safety.reach_mm", 700, rule("reach_mm")),
    "safety.margin_mm": in_kiosk("safety.margin_mm", 80, rule("margin_mm")),
    "safety.alarm_delay_readings": in_kiosk(
        "safety.alarm_delay_readings", 5, rule("delay_readings")
    ),
    "safety.fault_after_periods": in_kiosk(
        "safety.fault_after_periods", 4, lambda k: k.safety.monitor.config.fault_after_periods
    ),
    "sensor.source": sensor_source,
    "sensor.i2c_address": safety_over_i2c(
        "sensor.i2c_address",
        0x30,
        lambda p: p.monitor.self_test().ok and p.sensor_parts.sensor.address,
    ),
    "sensor.period_ms": in_kiosk(
        "sensor.period_ms",
        50,
        lambda k: (
            round(k.safety.monitor.config.period_s * 1000)
            == k.safety.sensor_parts.sensor.timing_budget_us // 1000
            and round(k.safety.monitor.config.period_s * 1000)
        ),
    ),
    "sensor.io_timeout_ms": safety_over_i2c(
        "sensor.io_timeout_ms", 250, lambda p: round(p.sensor_parts.sensor.io_timeout_s * 1000)
    ),
    "sensor.xshut_pin": in_kiosk(
        "sensor.xshut_pin",
        22,
        lambda k: int(k.safety.sensor_parts.reset_line.pin.info.name.removeprefix("GPIO")),
    ),
    "buzzer.kind": buzzer_kind_and_volume,
    "buzzer.pin": buzzer_pin,
    "buzzer.volume": buzzer_kind_and_volume,
    "display.rotation": display_rotation,
    "routine.name": routine_name,
    "routine.rewind_s": in_kiosk("routine.rewind_s", 8, lambda k: k.flow.timing.rewind_s),
    "escalation.after_s": in_kiosk("escalation.after_s", 45, lambda k: k.safety.escalation.after_s),
    "nurse_call.pin": nurse_call,
    "nurse_call.mode": nurse_call,
    "mqtt.host": on_a_broker,
    "mqtt.port": on_a_broker,
    "mqtt.username": on_a_broker,
    "mqtt.password_file": on_a_broker,
    "mqtt.tls": over_tls,
    "mqtt.ca_file": over_tls,
    "mqtt.topic_prefix": on_a_broker,
    "mqtt.discovery_prefix": on_a_broker,
    "kiosk.id": on_a_broker,
    "kiosk.name": on_a_broker,
}


def test_every_setting_has_a_check():
    assert set(CHECKS) == {setting.key for setting in SCHEMA}


@pytest.mark.parametrize("key", list(CHECKS))
def test_the_setting_reaches_its_part(key, tmp_path):
    CHECKS[key](tmp_path)


LIVE = {
    "safety.reach_mm": (650, rule("reach_mm")),
    "safety.margin_mm": (70, rule("margin_mm")),
    "safety.alarm_delay_readings": (4, rule("delay_readings")),
    "routine.rewind_s": (9, lambda k: k.flow.timing.rewind_s),
    "escalation.after_s": (30, lambda k: k.safety.escalation.after_s),
}


def test_every_setting_on_the_caregiver_screen_takes_effect_without_a_restart():
    from kiosk.screens.caregiver.pages.settings_page import EDITABLE

    assert set(EDITABLE) <= {*LIVE, "buzzer.volume", "routine.name"}


@pytest.mark.parametrize("key", list(LIVE))
def test_a_caregivers_change_reaches_the_running_part(key, tmp_path):
    value, read = LIVE[key]
    kiosk = build_kiosk(tmp_path)
    try:
        message = kiosk.settings.save(key, value)
        assert read(kiosk) == value and "In use now" in message
    finally:
        close(kiosk)


def test_the_volume_changes_the_next_pulse(tmp_path):
    kiosk = build_kiosk(tmp_path, **{"buzzer.kind": "tonal", "buzzer.volume": 10})
    try:
        assert "In use now" in kiosk.settings.save("buzzer.volume", 6)
        pin = chirp_states(kiosk, 17)
        assert [round(level, 3) for level in pulse_levels(pin.states)] == [0.3, 0.3]
    finally:
        close(kiosk)


def test_another_routine_is_used_from_the_next_walk(tmp_path):
    own = tmp_path / "my-routine"
    shutil.copytree(find_routine("beginner").parent, own)
    kiosk = build_kiosk(tmp_path)
    try:
        message = kiosk.settings.save("routine.name", str(own))
        assert "next walk" in message and kiosk.walk.routine.folder == own
    finally:
        close(kiosk)


def test_a_change_no_part_takes_at_once_says_when_it_will(tmp_path):
    kiosk = build_kiosk(tmp_path)
    try:
        assert "next start" in kiosk.settings.save("sensor.period_ms", 50)
    finally:
        close(kiosk)
