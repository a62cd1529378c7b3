"""The kiosk's settings: one declarative schema, read from TOML and checked before use.

The same table renders the commented config file the installer writes, and later the
caregiver's settings screen. Anything unsafe is refused with a message that names the key,
the value and what is allowed.
"""

from __future__ import annotations

import difflib
import ipaddress
import logging
import os
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.paths import write_owner_only

log = logging.getLogger(__name__)

SYSTEM_CONFIG = Path("/etc/balance-kiosk/config.toml")
MAX_FAULT_MS = 200  # no usable reading for longer than this is a sensor fault, always


class ConfigError(Exception):
    """A config file the kiosk cannot use; the message tells the caregiver what to change."""


@dataclass(frozen=True)
class Setting:
    key: str  # "section.name"
    default: Any
    help: str = ""
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] = ()
    why_limited: str = ""
    label: str = ""  # shown on the caregiver's settings screen; empty: file only
    step: float = 0  # the screen's - and + change the value by this much

    @property
    def section(self) -> str:
        return self.key.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.key.split(".", 1)[1]

    def allowed(self) -> str:
        if self.choices:
            return "one of " + ", ".join(_toml_value(c) for c in self.choices)
        if self.minimum is None and self.maximum is None:
            return "any text" if isinstance(self.default, str) else "any value"
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
        unit="mm",
        minimum=150,
        maximum=1200,
        step=10,
        label="Arm's reach",
        why_limited="the sensor is not reliable beyond about 1200 mm",
        help="How far from the sensor the walker may be and still hold the support (arm's "
        "reach). Beyond it the alarm sounds.",
    ),
    Setting(
        "safety.margin_mm",
        50,
        unit="mm",
        minimum=10,
        maximum=300,
        step=10,
        label="Return margin",
        help="How much closer than the reach line the walker must come back before the alarm "
        "stops, so that swaying on the line does not chatter.",
    ),
    Setting(
        "safety.alarm_delay_readings",
        3,
        unit="readings",
        minimum=2,
        maximum=60,
        step=1,
        label="Alarm delay",
        why_limited="one reading alone can be a glitch: a lost signal reads as nobody there",
        help="How many readings in a row must be out of reach before the alarm sounds (the "
        "alarm condition delay; 3 readings at 33 ms is 0.1 s), and back within reach before "
        "it stops.",
    ),
    Setting(
        "safety.fault_after_periods",
        3,
        unit="periods",
        minimum=2,
        maximum=6,
        why_limited="a longer wait would leave the walker unwatched",
        help="How many sensor periods without a usable reading count as a sensor fault; "
        f"never more than {MAX_FAULT_MS} ms in all (at a long sensor period, fewer periods).",
    ),
    Setting(
        "sensor.source",
        "auto",
        choices=("auto", "i2c", "simulated"),
        help="Where distances come from: 'i2c' (the VL53L0X), 'simulated' (an emulated sensor "
        "and walker, for trying the kiosk on a computer) or 'auto' (i2c on a Raspberry Pi, "
        "simulated elsewhere).",
    ),
    Setting(
        "sensor.i2c_address",
        0x29,
        minimum=0x08,
        maximum=0x77,
        help="The sensor's I2C address (41 = 0x29, the chip's default).",
    ),
    Setting(
        "sensor.period_ms",
        33,
        unit="ms",
        minimum=20,
        maximum=100,
        help="The sensor's timing budget: one reading every this many ms. Longer is steadier, "
        "shorter reacts sooner.",
    ),
    Setting(
        "sensor.io_timeout_ms",
        100,
        unit="ms",
        minimum=20,
        maximum=1000,
        help="How long to wait for the sensor on the bus before calling it a fault.",
    ),
    Setting(
        "sensor.xshut_pin",
        -1,
        minimum=-1,
        maximum=27,
        help="The GPIO pin wired to the sensor's XSHUT, used to reset it after a fault; -1 "
        "when not wired.",
    ),
    # buzzer.kind and display.rotation stay off the caregiver's screen on purpose: a wrong
    # buzzer type turns a passive piezo's alarm into faint clicks, and a wrong rotation
    # moves the touch points so the screen can no longer be used to put it right.
    Setting(
        "buzzer.kind",
        "active",
        choices=("active", "tonal"),
        help="'active' for a buzzer with its own fixed tone, 'tonal' for a passive piezo "
        "driven at 500-900 Hz.",
    ),
    Setting(
        "buzzer.pin",
        17,
        minimum=4,
        maximum=27,
        why_limited="GPIO 2 and 3 are the sensor's I2C lines",
        help="The GPIO pin (BCM number) the buzzer is wired to.",
    ),
    Setting(
        "buzzer.volume",
        10,
        minimum=5,
        maximum=10,
        step=1,
        label="Buzzer volume",
        why_limited="an alarm turned down is an alarm nobody hears",
        help="How loud a tonal (passive piezo) buzzer plays, 5 to 10; an active buzzer has one "
        "volume only.",
    ),
    Setting(
        "display.rotation",
        0,
        unit="degrees",
        choices=(0, 90, 180, 270),
        help="Turn the picture and the touch points clockwise by this many degrees, for "
        "panels mounted turned (KMSDRM does not rotate).",
    ),
    Setting(
        "routine.name",
        "beginner",
        label="Routine",
        help="The routine to play: a folder name under media/routines, or the path of a "
        "routine folder or manifest.",
    ),
    Setting(
        "routine.rewind_s",
        3,
        unit="s",
        minimum=0,
        maximum=15,
        step=1,
        label="Rewind after a pause",
        help="How many seconds the video goes back when the walker returns.",
    ),
    Setting(
        "escalation.after_s",
        20,
        unit="s",
        minimum=5,
        maximum=120,
        step=5,
        label="Call for help after",
        why_limited="calls must be few and meaningful, and never late",
        help="How long the walker may be out of reach, or the sensor out of order, during a "
        "walk before help is called (the nurse call, and the broker when set up).",
    ),
    Setting(
        "nurse_call.pin",
        -1,
        minimum=-1,
        maximum=27,
        help="The GPIO pin (BCM) driving the nurse-call relay or optocoupler; -1 when none "
        "is wired.",
    ),
    Setting(
        "nurse_call.mode",
        "normally_closed",
        choices=("normally_closed", "normally_open"),
        help="'normally_closed' (fail-safe, as facility equipment prefers): the contact is "
        "closed while all is well and opens on a call, a crash, a power cut or a stop; "
        "'normally_open': it closes on a call only.",
    ),
    Setting(
        "mqtt.host",
        "",
        help="The MQTT broker's host name or address (Home Assistant's Mosquitto add-on, or a "
        "facility's broker); empty: the kiosk does not talk to a broker.",
    ),
    Setting(
        "mqtt.port",
        1883,
        minimum=1,
        maximum=65535,
        help="The broker's port: 1883 without TLS, usually 8883 with it.",
    ),
    Setting(
        "mqtt.username",
        "",
        help="The user name the kiosk logs in to the broker with; empty: no login.",
    ),
    Setting(
        "mqtt.password_file",
        "",
        help="The full path of a file holding only the broker password, readable by the "
        "kiosk's user alone (chmod 600). The password itself never goes in this file.",
    ),
    Setting(
        "mqtt.tls",
        False,
        help="Talk to the broker over TLS (encrypted, the broker's certificate checked).",
    ),
    Setting(
        "mqtt.ca_file",
        "",
        help="The full path of the certificate authority that signed the broker's "
        "certificate, with mqtt.tls = true; empty: the system's authorities.",
    ),
    Setting(
        "mqtt.topic_prefix",
        "balance-kiosk",
        help="The first level of the kiosk's topics: PREFIX/KIOSK-ID/state, /event, ...",
    ),
    Setting(
        "mqtt.discovery_prefix",
        "homeassistant",
        help="Home Assistant's discovery prefix (its MQTT integration's setting; "
        "'homeassistant' unless changed there).",
    ),
    Setting(
        "kiosk.id",
        "",
        help="This kiosk's ID in the broker's topics: lower-case letters, digits and '-', "
        "for example 'hall-2'; empty: one derived from /etc/machine-id, the same at every start.",
    ),
    Setting(
        "kiosk.name",
        "Balance kiosk",
        help="This kiosk's name for people, as Home Assistant shows it, for example "
        "'Balance kiosk, 2nd floor'.",
    ),
)

_BY_KEY = {s.key: s for s in SCHEMA}


class Settings(Mapping[str, Any]):
    """Checked settings by "section.name" key; every key of the schema is present."""

    def __init__(
        self,
        values: Mapping[str, Any] | None = None,
        source: str = "defaults",
        origins: Mapping[str, str] | None = None,
    ) -> None:
        merged = {s.key: s.default for s in SCHEMA}
        for key, value in (values or {}).items():
            if key not in _BY_KEY:
                raise ConfigError(_unknown_key(key, source))
            merged[key] = _BY_KEY[key].check(value, source)
        _check_together(merged, source)
        self._values = merged
        self.source = source
        # Where each value that is not a default was set (a file's path); `config` shows it.
        self.origins = dict(origins) if origins is not None else dict.fromkeys(values or {}, source)

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
        return Settings(values, self.source, self.origins)


def _unknown_key(key: str, source: str) -> str:
    if key == "mqtt.password":
        return (
            f"{source}: mqtt.password is not a setting: the broker password is never kept in "
            "the config file. Put it alone in a file only the kiosk's user can read "
            "(chmod 600), and set mqtt.password_file to that file's full path."
        )
    close = difflib.get_close_matches(key, list(_BY_KEY), n=1)
    hint = f" Did you mean {close[0]}?" if close else ""
    return f"{source}: unknown setting {key!r}.{hint} Known settings are listed in the README."


def _check_pins(values: Mapping[str, Any], source: str) -> None:
    nurse = values["nurse_call.pin"]
    if nurse < 0:
        return
    taken = {2: "the sensor's I2C lines", 3: "the sensor's I2C lines"}
    taken[values["buzzer.pin"]] = "buzzer.pin"
    if values["sensor.xshut_pin"] >= 0:
        taken[values["sensor.xshut_pin"]] = "sensor.xshut_pin"
    if nurse in taken:
        raise ConfigError(
            f"{source}: nurse_call.pin = {nurse} is already used by {taken[nurse]}; wire the "
            f"nurse-call relay to a free GPIO and set it here, or use -1 when none is wired."
        )


KIOSK_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
MAX_NAME_CHARS = 60
HOST = re.compile(r"[A-Za-z0-9._-]+")


def _check_link(values: Mapping[str, Any], source: str) -> None:
    """The broker's settings: each refusal says what is wrong and what to write instead."""
    kiosk_id = values["kiosk.id"]
    if kiosk_id and not KIOSK_ID.fullmatch(kiosk_id):
        raise ConfigError(
            f'{source}: kiosk.id = "{kiosk_id}" cannot be used in topics; use lower-case '
            "letters, digits and '-' (not first or last), at most 63, for example "
            '"hall-2"; or "" to derive one from this machine.'
        )
    name = values["kiosk.name"]
    if not name.strip() or len(name) > MAX_NAME_CHARS or not name.isprintable():
        raise ConfigError(
            f'{source}: kiosk.name = "{name}" is not a name people can read; use 1 to '
            f'{MAX_NAME_CHARS} printable characters, for example "Balance kiosk, 2nd floor".'
        )
    host = values["mqtt.host"]
    if host and not (HOST.fullmatch(host) or _is_ipv6(host)):
        raise ConfigError(
            f'{source}: mqtt.host = "{host}" is not a host name or address; give the name '
            'or address alone, for example "homeassistant.local" (no mqtt://, no port: '
            "the port goes in mqtt.port)."
        )
    for key in ("mqtt.topic_prefix", "mqtt.discovery_prefix"):
        _check_prefix(key, values[key], source)
    for key in ("mqtt.password_file", "mqtt.ca_file"):
        path = values[key]
        if path and not Path(path).is_absolute():
            raise ConfigError(
                f'{source}: {key} = "{path}" is not a full path; give the path from the root, '
                'for example "/etc/balance-kiosk/mqtt-password".'
            )
    if values["mqtt.ca_file"] and not values["mqtt.tls"]:
        raise ConfigError(
            f"{source}: mqtt.ca_file is set but mqtt.tls = false, so it would not be used; "
            "set mqtt.tls = true, or delete the mqtt.ca_file line."
        )


def _is_ipv6(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).version == 6
    except ValueError:
        return False


def _check_prefix(key: str, prefix: str, source: str) -> None:
    if prefix and not re.search(r"[+#\s]", prefix) and prefix.strip("/") == prefix:
        return
    raise ConfigError(
        f'{source}: {key} = "{prefix}" cannot start a topic; use letters, digits, "-" or "_" '
        'with no "+", "#", spaces, or "/" at either end, for example "balance-kiosk".'
    )


def _check_together(values: Mapping[str, Any], source: str) -> None:
    _check_pins(values, source)
    _check_link(values, source)
    xshut, buzzer = values["sensor.xshut_pin"], values["buzzer.pin"]
    if xshut in (2, 3) or xshut == buzzer:
        used = "the sensor's I2C lines (GPIO 2 and 3)" if xshut in (2, 3) else "buzzer.pin"
        raise ConfigError(
            f"{source}: sensor.xshut_pin = {xshut} is already used by {used}; wire XSHUT to "
            f"a free GPIO and set it here, or use -1 when it is not wired."
        )
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


def load_settings(
    path: str | os.PathLike[str] | None = None, overrides: Path | None = None
) -> Settings:
    """Settings from `path`, else the system config if it exists, else the defaults; then
    the caregiver's changes from `overrides` (kept in the data folder, as /etc is read-only
    to the kiosk under systemd)."""
    base = _load_base(path)
    if overrides is None or not overrides.exists():
        return base
    changes = _flatten(_read_toml(overrides), str(overrides))
    origins = {**base.origins, **dict.fromkeys(changes, str(overrides))}
    return Settings({**dict(base), **changes}, f"{base.source} + {overrides}", origins)


def save_override(overrides: Path, settings: Settings, key: str, value: Any) -> Settings:
    """Check one change against the schema, write it to the overrides file, return the new
    settings. Raises ConfigError (and writes nothing) when the value is not allowed."""
    updated = Settings(
        {**dict(settings), key: value}, settings.source, {**settings.origins, key: str(overrides)}
    )
    current = _read_toml(overrides) if overrides.exists() else {}
    section, name = key.split(".", 1)
    current.setdefault(section, {})[name] = value
    lines = ["# Changes made on the kiosk's caregiver screen; they win over config.toml.", ""]
    for table, values in current.items():
        lines.append(f"[{table}]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in values.items()]
        lines.append("")
    write_owner_only(overrides, "\n".join(lines))
    return updated


def load_with_overrides(config: str | os.PathLike[str] | None, overrides: Path) -> Settings:
    """The settings the kiosk runs with: `config` (or the system file), then the caregiver's
    changes. A spoilt changes file (a power cut mid-write, a hand edit) must not keep the kiosk
    from starting: it is set aside, untouched, and the kiosk starts with the config file."""
    try:
        return load_settings(config, overrides)
    except ConfigError as error:
        if not overrides.exists() or str(overrides) not in str(error):
            raise
        aside = overrides.with_name(f"{overrides.name}.unreadable-{datetime.now():%Y%m%dT%H%M%S}")
        overrides.replace(aside)
        log.error("%s; kept it as %s and started without the screen's changes", error, aside)
        return load_settings(config)


Applier = Callable[["Settings"], None]


class LiveSettings:
    """The settings in force while the kiosk runs, and the caregiver's changes to them.

    Parts that can take a change at once register an applier for the keys they use; a change
    to any other key is saved and used from the next start.
    """

    def __init__(self, settings: Settings, overrides: Path | None = None) -> None:
        self.current = settings
        self.overrides = overrides
        self._appliers: list[tuple[tuple[str, ...], Applier, str]] = []

    def __getitem__(self, key: str) -> Any:
        return self.current[key]

    def apply_now(self, keys: tuple[str, ...], applier: Applier, when: str = "In use now.") -> None:
        """Call `applier(settings)` whenever one of `keys` changes; `when` tells the
        caregiver when the change takes effect."""
        self._appliers.append((keys, applier, when))

    def applies_now(self, key: str) -> bool:
        return any(key in keys for keys, _, _ in self._appliers)

    def save(self, key: str, value: Any) -> str:
        """Check, save and apply one change; returns what the caregiver is told.

        Raises ConfigError (nothing saved) for a value the schema refuses, OSError when the
        file cannot be written."""
        if self.overrides is None:
            self.current = Settings({**dict(self.current), key: value}, self.current.source)
        else:
            self.current = save_override(self.overrides, self.current, key, value)
        when = "Used from the next start of the kiosk."
        for keys, applier, applied in self._appliers:
            if key in keys:
                applier(self.current)
                when = applied
        setting = _BY_KEY[key]
        shown = f"{_toml_value(value)} {setting.unit}".strip()
        return f"Saved: {setting.label or key} {shown}. {when}"


def for_people(message: str) -> str:
    """A refusal from the schema, for the caregiver's screen: the labels they see instead of
    the file's keys, without the file's name or advice about editing lines."""
    text = message.split(": ", 1)[-1] if message.count(": ") else message
    text = re.sub(r"\s*Change it, or delete the line to use the default [^.]+\.", "", text)
    for setting in SCHEMA:
        if setting.label:
            text = text.replace(f"{setting.key} = ", f"{setting.label} ")
            text = text.replace(setting.key, setting.label)
    return text.strip()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")  # Notepad saves a byte-order mark
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file. Check the path.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read ({error}).") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}. Fix that line.") from None


def _load_base(path: str | os.PathLike[str] | None) -> Settings:
    if path is None:
        config_dir = os.environ.get("CONFIGURATION_DIRECTORY")
        candidate = Path(config_dir) / "config.toml" if config_dir else SYSTEM_CONFIG
        if not candidate.exists():
            return Settings()
        path = candidate
    path = Path(path)
    return Settings(_flatten(_read_toml(path), str(path)), str(path))


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
        ]
        if setting.key in settings.origins:
            lines.append(f"# In force: set in {settings.origins[setting.key]}.")
        lines.append(f"{setting.name} = {_toml_value(settings[setting.key])}")
    return "\n".join(lines) + "\n"
