"""What the kiosk says on the broker: its topics, and the JSON it puts there.

Topics, with ID the kiosk's ID (kiosk/link/identity.py) and PREFIX `mqtt.topic_prefix`:

* PREFIX/ID/availability: "online" / "offline", retained; "offline" is the client's last will.
* PREFIX/ID/state: retained JSON, the latest of everything (`state_payload`).
* PREFIX/ID/event: one JSON object per event (`event_payload`), QoS 1, through the outbox.
* PREFIX/ID/session: a session's summary when it ends, QoS 1, through the outbox.
* PREFIX/ID/distance: the walker's distance, at most once a second and only on a change of
  20 mm or more, QoS 1, through the outbox (dropped first when the outbox is full).
* PREFIX/ID/command: `{"command": "acknowledge"}` answers a call for help; nothing else.
* DISCOVERY/device/ID/config: Home Assistant's device discovery, retained.

Pure functions: no broker, no threads, so every payload is checked in unit tests.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.vocabulary import EventKind

ONLINE, OFFLINE = "online", "offline"
ACKNOWLEDGE = "acknowledge"
EVENT_TYPES = (
    "session_started",
    "session_ended",
    "out_of_reach",
    "back_in_reach",
    "sensor_fault",
    "sensor_ok",
    "help_requested",
    "escalated",
    "acknowledged",
)
# The session log's words for the events the broker hears of, in the broker's words.
EVENT_TYPE_OF: dict[EventKind, str] = {
    EventKind.ALARM_ON: "out_of_reach",
    EventKind.ALARM_OFF: "back_in_reach",
    EventKind.FAULT_ON: "sensor_fault",
    EventKind.FAULT_OFF: "sensor_ok",
    EventKind.HELP_REQUESTED: "help_requested",
    EventKind.ESCALATED: "escalated",
    EventKind.ACKNOWLEDGED: "acknowledged",
}
ZONES = ("within_reach", "out_of_reach", "sensor_fault", "idle")
SOFTWARE = "balance-kiosk"


@dataclass(frozen=True)
class Topics:
    prefix: str
    discovery_prefix: str
    kiosk_id: str

    def _own(self, leaf: str) -> str:
        return f"{self.prefix}/{self.kiosk_id}/{leaf}"

    @property
    def availability(self) -> str:
        return self._own("availability")

    @property
    def state(self) -> str:
        return self._own("state")

    @property
    def event(self) -> str:
        return self._own("event")

    @property
    def session(self) -> str:
        return self._own("session")

    @property
    def distance(self) -> str:
        return self._own("distance")

    @property
    def command(self) -> str:
        return self._own("command")

    @property
    def discovery(self) -> str:
        return f"{self.discovery_prefix}/device/{self.kiosk_id}/config"

    @property
    def home_assistant_status(self) -> str:
        return f"{self.discovery_prefix}/status"


def now_iso() -> str:
    """Local time, ISO 8601 with its UTC offset, to the millisecond."""
    return datetime.now().astimezone().isoformat(timespec="milliseconds")


def event_payload(
    event_type: str,
    *,
    kiosk_id: str,
    session_id: int | None,
    walker: str | None,
    **more: Any,
) -> dict[str, Any]:
    """One event: a unique id (for a subscriber to drop a second delivery), when, what."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"{event_type!r} is not one of {EVENT_TYPES}")
    return {
        "id": str(uuid.uuid4()),
        "time": now_iso(),
        "event_type": event_type,
        "kiosk": kiosk_id,
        "session_id": session_id,
        "walker": walker,
        **more,
    }


def session_payload(record: dict[str, Any], kiosk_id: str) -> dict[str, Any]:
    """A session's summary: the JSON export's fields, with a unique id and the kiosk."""
    return {"id": str(uuid.uuid4()), "kiosk": kiosk_id, **record}


def distance_payload(distance_mm: int | None, session_id: int | None) -> dict[str, Any]:
    return {"time": now_iso(), "distance_mm": distance_mm, "session_id": session_id}


def zone_of(*, armed: bool, out_of_reach: bool, fault: bool) -> str:
    """The state's zone: a faulty sensor first, then idle while the alarm is off."""
    if fault:
        return "sensor_fault"
    if not armed:
        return "idle"
    return "out_of_reach" if out_of_reach else "within_reach"


def state_payload(
    *,
    armed: bool,
    zone: str,
    distance_mm: int | None,
    walker: str | None,
    session_id: int | None,
    escalated: bool,
    minutes_today: float,
) -> dict[str, Any]:
    return {
        "armed": armed,
        "zone": zone,
        "distance_mm": distance_mm,
        "walker": walker,
        "session_id": session_id,
        "escalated": escalated,
        "minutes_today": round(minutes_today, 1),
        "updated": now_iso(),
    }


def parse_command(payload: bytes) -> tuple[str | None, str]:
    """(the command, who sent it) from a command message, or (None, why it is refused).

    Only `{"command": "acknowledge"}` is accepted, with an optional "by" for the log: nothing
    that arrives on the broker can silence an alarm or stop a walk.
    """
    try:
        message = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, "it is not JSON"
    if not isinstance(message, dict) or message.get("command") != ACKNOWLEDGE:
        return None, 'only {"command": "acknowledge"} is accepted'
    by = message.get("by", "")
    if not isinstance(by, str) or len(by) > 40 or not by.isprintable():
        by = ""
    return ACKNOWLEDGE, by or "on the broker"


def discovery_payload(topics: Topics, name: str, version: str) -> dict[str, Any]:
    """Home Assistant's device discovery: the device, where the payload comes from, and
    each entity (`cmps`, each with its platform `p` and a `unique_id`). Every entity shares
    the availability topic, so Home Assistant greys them out when the kiosk is offline."""
    kid = topics.kiosk_id
    components = _components(topics)
    for key, component in components.items():
        component["unique_id"] = f"{kid}_{key}"
    return {
        "dev": {
            "ids": [kid],
            "name": name,
            "mf": "balance-kiosk",
            "mdl": "Backward-walking kiosk",
            "sw": version,
        },
        "o": {"name": SOFTWARE, "sw": version},
        "availability_topic": topics.availability,
        "payload_available": ONLINE,
        "payload_not_available": OFFLINE,
        "cmps": components,
    }


def _components(topics: Topics) -> dict[str, dict[str, Any]]:
    """Each entity Home Assistant makes of the kiosk, by its key in `cmps`."""
    state = topics.state
    return {
        "out_of_reach": _binary(
            "Out of reach", state, "safety", "value_json.zone == 'out_of_reach'"
        ),
        "sensor_problem": _binary(
            "Sensor problem", state, "problem", "value_json.zone == 'sensor_fault'"
        ),
        "help_called": _binary("Help called", state, None, "value_json.escalated"),
        "distance": {
            "p": "sensor",
            "name": "Distance",
            "state_topic": topics.distance,
            "value_template": "{{ value_json.distance_mm }}",
            "unit_of_measurement": "mm",
            "device_class": "distance",
            "state_class": "measurement",
        },
        "minutes_today": {
            "p": "sensor",
            "name": "Minutes today",
            "state_topic": state,
            "value_template": "{{ value_json.minutes_today }}",
            "unit_of_measurement": "min",
            "device_class": "duration",
            "state_class": "total_increasing",
            "icon": "mdi:walk",
        },
        "events": {
            "p": "event",
            "name": "Events",
            "state_topic": topics.event,
            "event_types": list(EVENT_TYPES),
        },
        "acknowledge": {
            "p": "button",
            "name": "Acknowledge call",
            "command_topic": topics.command,
            "payload_press": json.dumps({"command": ACKNOWLEDGE, "by": "on Home Assistant"}),
            "qos": 1,
        },
    }


def _binary(name: str, state: str, device_class: str | None, condition: str) -> dict[str, Any]:
    component: dict[str, Any] = {
        "p": "binary_sensor",
        "name": name,
        "state_topic": state,
        "value_template": "{{ 'ON' if " + condition + " else 'OFF' }}",
    }
    if device_class:
        component["device_class"] = device_class
    return component
