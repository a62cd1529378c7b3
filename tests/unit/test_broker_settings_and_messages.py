"""The broker's settings (each refusal says what to write instead) and what the kiosk puts on
the broker: events, commands, Home Assistant's discovery."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from kiosk.link.messages import (
    EVENT_TYPES,
    Topics,
    discovery_payload,
    event_payload,
    parse_command,
    zone_of,
)
from kiosk.settings import ConfigError, Settings

REFUSED = [
    ({"kiosk.id": "Hall 2"}, 'kiosk.id = "Hall 2" cannot be used in topics', '"hall-2"'),
    ({"kiosk.id": "-hall"}, "lower-case letters, digits and '-'", "derive one"),
    ({"kiosk.name": "   "}, "not a name people can read", "printable characters"),
    ({"kiosk.name": "x" * 61}, "not a name people can read", "1 to 60"),
    ({"mqtt.host": "mqtt://broker:1883"}, "not a host name or address", "mqtt.port"),
    ({"mqtt.host": "my broker"}, "not a host name or address", "homeassistant.local"),
    ({"mqtt.port": 0}, "mqtt.port = 0 is out of range", "1 to 65535"),
    ({"mqtt.topic_prefix": "kiosks/#"}, "cannot start a topic", '"+", "#"'),
    ({"mqtt.discovery_prefix": "/homeassistant"}, "cannot start a topic", '"/" at either end'),
    ({"mqtt.topic_prefix": ""}, "cannot start a topic", "balance-kiosk"),
    ({"mqtt.password_file": "password.txt"}, "is not a full path", "/etc/balance-kiosk/"),
    ({"mqtt.ca_file": "/etc/ssl/ca.pem"}, "mqtt.tls = false", "set mqtt.tls = true"),
    ({"mqtt.tls": "yes"}, 'mqtt.tls = "yes" is not true or false', "true or false"),
]


@pytest.mark.parametrize(("values", "what", "fix"), REFUSED)
def test_a_broker_setting_that_cannot_work_is_refused_with_what_to_write(values, what, fix):
    with pytest.raises(ConfigError) as refused:
        Settings(values, "config.toml")
    message = str(refused.value)
    assert message.startswith("config.toml: ") and what in message and fix in message


def test_the_password_itself_is_never_a_setting():
    with pytest.raises(ConfigError) as refused:
        Settings({"mqtt.password": "secret"}, "config.toml")
    message = str(refused.value)
    assert "never kept in the config file" in message and "mqtt.password_file" in message
    assert "chmod 600" in message and "secret" not in message


def test_the_broker_is_off_unless_a_host_is_set_and_the_rest_has_defaults():
    settings = Settings()
    assert settings["mqtt.host"] == "" and settings["mqtt.port"] == 1883
    assert settings["mqtt.topic_prefix"] == "balance-kiosk"
    assert settings["mqtt.discovery_prefix"] == "homeassistant"
    assert settings["kiosk.id"] == "" and settings["mqtt.tls"] is False
    good = {"mqtt.host": "fe80::1", "kiosk.id": "hall-2", "mqtt.topic_prefix": "care/walk"}
    assert Settings(good)["mqtt.host"] == "fe80::1"


TOPICS = Topics("balance-kiosk", "homeassistant", "hall-2")


def test_an_event_has_a_unique_id_a_time_with_its_offset_and_its_type():
    one = event_payload("escalated", kiosk_id="hall-2", session_id=4, walker="Ana", detail="x")
    two = event_payload("escalated", kiosk_id="hall-2", session_id=4, walker="Ana")
    assert one["id"] != two["id"]
    assert datetime.fromisoformat(one["time"]).utcoffset() is not None
    assert (one["event_type"], one["session_id"], one["walker"]) == ("escalated", 4, "Ana")
    with pytest.raises(ValueError):
        event_payload("silenced", kiosk_id="hall-2", session_id=None, walker=None)


def test_only_acknowledge_is_a_command():
    assert parse_command(b'{"command": "acknowledge"}') == ("acknowledge", "on the broker")
    assert parse_command(b'{"command": "acknowledge", "by": "Nurse Jo"}') == (
        "acknowledge",
        "Nurse Jo",
    )
    for refused in (b'{"command": "silence"}', b'{"command": "stop"}', b"[1]", b"\xff", b""):
        command, why = parse_command(refused)
        assert command is None and why


def test_home_assistants_button_sends_the_one_command_the_kiosk_takes():
    config = discovery_payload(TOPICS, "Hall", "1.0")
    button = config["cmps"]["acknowledge"]
    assert button["p"] == "button" and button["command_topic"] == TOPICS.command
    assert parse_command(button["payload_press"].encode()) == (
        "acknowledge",
        "on Home Assistant",
    )


def test_discovery_names_the_device_the_origin_and_every_entity_with_availability():
    config = discovery_payload(TOPICS, "Hall", "1.0")
    assert config["dev"]["ids"] == ["hall-2"] and config["dev"]["name"] == "Hall"
    assert config["o"]["name"] == "balance-kiosk"
    assert config["availability_topic"] == "balance-kiosk/hall-2/availability"
    platforms = sorted(c["p"] for c in config["cmps"].values())
    assert platforms == ["binary_sensor"] * 3 + ["button", "event"] + ["sensor"] * 2
    assert all(c["unique_id"].startswith("hall-2_") for c in config["cmps"].values())
    assert config["cmps"]["events"]["event_types"] == list(EVENT_TYPES)
    json.dumps(config)  # all of it is JSON


@pytest.mark.parametrize(
    ("armed", "away", "fault", "zone"),
    [
        (True, False, False, "within_reach"),
        (True, True, False, "out_of_reach"),
        (False, True, False, "idle"),  # away during a rest: no alarm
        (False, False, True, "sensor_fault"),
        (True, True, True, "sensor_fault"),
    ],
)
def test_the_states_zone(armed, away, fault, zone):
    assert zone_of(armed=armed, out_of_reach=away, fault=fault) == zone
