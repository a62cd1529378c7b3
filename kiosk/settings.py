"""The kiosk's settings: one declarative schema, read from TOML and checked before use.

The same table renders the commented config file the installer writes, and later the
caregiver's settings screen. Anything unsafe is refused with a message that names the key,
the value and what is allowed.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SYSTEM_CONFIG = Path("/etc/balance-kiosk/config.toml")


class ConfigError(Exception):
    """A config file the kiosk cannot use; the message tells the caregiver what to change."""


@dataclass(frozen=True)
class Setting:
    key: str  # "section.name"
    default: Any
    help: str
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] = ()
    why_limited: str = ""

    @property
    def section(self) -> str:
        return self.key.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.key.split(".", 1)[1]

    def allowed(self) -> str:
        if self.choices:
            return "one of " + ", ".join(_toml_value(c) for c in self.choices)
        unit = f" {self.unit}" if self.unit else ""
        return f"{_number(self.minimum)} to {_number(self.maximum)}{unit}"

    def check(self, value: Any, where: str) -> Any:
        shown = f"{where}: {self.key} = {_toml_value(value)}"
        expected = type(self.default)
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if type(value) is not expected:
            kind = {
                int: "a whole number",
                float: "a number",
                str: "text in quotes",
                bool: "true or false",
            }[expected]
            raise ConfigError(f"{shown} is not {kind}; allowed: {self.allowed()}.")
        if self.choices and value not in self.choices:
            raise ConfigError(f"{shown} is not allowed; use {self.allowed()}.")
        low, high = self.minimum, self.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            reason = f" ({self.why_limited})" if self.why_limited else ""
            raise ConfigError(
                f"{shown} is out of range: allowed {self.allowed()}{reason}. "
                f"Change it, or delete the line to use the default {_toml_value(self.default)}."
            )
        return value


def _number(value: float | None) -> str:
    return "any" if value is None else f"{value:g}"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


SCHEMA: tuple[Setting, ...] = (
    Setting(
        "safety.reach_mm",
        600,
        "How far from the sensor the walker may be and still hold "
        "the support (arm's reach). Beyond it the alarm sounds.",
        "mm",
        150,
        1200,
        why_limited="the sensor is not reliable beyond about 1200 mm",
    ),
    Setting(
        "safety.margin_mm",
        50,
        "How much closer than the reach line the walker must come "
        "back before the alarm stops, so that swaying on the line does not chatter.",
        "mm",
        10,
        300,
    ),
    Setting(
        "safety.alarm_delay_readings",
        3,
        "How many readings in a row must be out of reach "
        "before the alarm sounds (the alarm condition delay; 3 readings at 33 ms is 0.1 s).",
        "readings",
        1,
        60,
    ),
    Setting(
        "safety.fault_after_periods",
        3,
        "How many sensor periods without a usable reading count as a sensor fault.",
        "periods",
        2,
        6,
        why_limited="a longer wait would leave the walker unwatched",
    ),
    Setting(
        "sensor.source",
        "auto",
        "Where distances come from: 'i2c' (the VL53L0X), "
        "'simulated' (an emulated sensor and walker, for trying the kiosk on a computer) or "
        "'auto' (i2c on a Raspberry Pi, simulated elsewhere).",
        choices=("auto", "i2c", "simulated"),
    ),
    Setting(
        "sensor.i2c_address",
        0x29,
        "The sensor's I2C address (41 = 0x29, the chip's default).",
        "",
        0x08,
        0x77,
    ),
    Setting(
        "sensor.period_ms",
        33,
        "The sensor's timing budget: one reading every this many "
        "ms. Longer is steadier, shorter reacts sooner.",
        "ms",
        20,
        100,
    ),
    Setting(
        "sensor.io_timeout_ms",
        100,
        "How long to wait for the sensor on the bus before calling it a fault.",
        "ms",
        20,
        1000,
    ),
    Setting(
        "sensor.xshut_pin",
        -1,
        "The GPIO pin wired to the sensor's XSHUT, used to reset "
        "it after a fault; -1 when not wired.",
        "",
        -1,
        27,
    ),
    Setting(
        "buzzer.kind",
        "active",
        "'active' for a buzzer with its own fixed tone, 'tonal' "
        "for a passive piezo driven at 500-900 Hz.",
        choices=("active", "tonal"),
    ),
    Setting(
        "buzzer.pin",
        17,
        "The GPIO pin (BCM number) the buzzer is wired to.",
        "",
        4,
        27,
        why_limited="GPIO 2 and 3 are the sensor's I2C lines",
    ),
)

_BY_KEY = {s.key: s for s in SCHEMA}


class Settings(Mapping[str, Any]):
    """Checked settings by "section.name" key; every key of the schema is present."""

    def __init__(self, values: Mapping[str, Any] | None = None, source: str = "defaults") -> None:
        merged = {s.key: s.default for s in SCHEMA}
        for key, value in (values or {}).items():
            if key not in _BY_KEY:
                raise ConfigError(_unknown_key(key, source))
            merged[key] = _BY_KEY[key].check(value, source)
        _check_together(merged, source)
        self._values = merged
        self.source = source

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def replace(self, **changes: Any) -> Settings:
        """A copy with some values changed; keys use '__' for the dot (safety__reach_mm)."""
        values = dict(self._values)
        values.update({k.replace("__", "."): v for k, v in changes.items()})
        return Settings(values, self.source)


def _unknown_key(key: str, source: str) -> str:
    close = difflib.get_close_matches(key, list(_BY_KEY), n=1)
    hint = f" Did you mean {close[0]}?" if close else ""
    return f"{source}: unknown setting {key!r}.{hint} Known settings are listed in the README."


def _check_together(values: Mapping[str, Any], source: str) -> None:
    reach, margin = values["safety.reach_mm"], values["safety.margin_mm"]
    if reach - margin < 100:
        raise ConfigError(
            f"{source}: safety.margin_mm = {margin} leaves the return line at "
            f"{reach - margin} mm; keep safety.reach_mm minus safety.margin_mm at 100 mm or more."
        )
    delay_ms = values["safety.alarm_delay_readings"] * values["sensor.period_ms"]
    if delay_ms > 2000:
        raise ConfigError(
            f"{source}: safety.alarm_delay_readings = {values['safety.alarm_delay_readings']} "
            f"at sensor.period_ms = {values['sensor.period_ms']} makes an alarm delay of "
            f"{delay_ms} ms; at most 2000 ms is allowed, so a drift is never noticed late."
        )


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Settings from `path`, else the system config if it exists, else the defaults."""
    if path is None:
        config_dir = os.environ.get("CONFIGURATION_DIRECTORY")
        candidate = Path(config_dir) / "config.toml" if config_dir else SYSTEM_CONFIG
        if not candidate.exists():
            return Settings()
        path = candidate
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file. Check the path.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read ({error}).") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}. Fix that line.") from None
    return Settings(_flatten(document, str(path)), str(path))


def _flatten(document: Mapping[str, Any], source: str) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for section, table in document.items():
        if not isinstance(table, dict):
            raise ConfigError(
                f"{source}: {section!r} must be a [section] heading; settings go under their "
                f"section, for example [safety] then reach_mm = 600."
            )
        for name, value in table.items():
            flat[f"{section}.{name}"] = value
    return flat


def render_toml(settings: Settings | None = None) -> str:
    """A commented config file with every setting, its help, range and default."""
    settings = settings or Settings()
    lines = ["# balance-kiosk settings. Delete a line to use its default.", ""]
    section = None
    for setting in SCHEMA:
        if setting.section != section:
            section = setting.section
            lines += ([""] if len(lines) > 2 else []) + [f"[{section}]"]
        lines += [
            f"# {setting.help}",
            f"# Allowed: {setting.allowed()}. Default: {_toml_value(setting.default)}.",
            f"{setting.name} = {_toml_value(settings[setting.key])}",
        ]
    return "\n".join(lines) + "\n"
