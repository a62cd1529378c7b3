"""The facility's kiosks as the broker tells of them: a read-only listener for the dashboard.

Every kiosk keeps two retained topics on the broker (kiosk/link/messages.py): PREFIX/ID/
availability ("online" or "offline") and PREFIX/ID/state (JSON). The dashboard subscribes to
both for every ID and remembers the latest of each, so its Facility page can list every kiosk
seen. It never publishes: no command, no will, nothing that a kiosk would act on.

paho's own network thread connects, reconnects with backoff and calls `_on_message`; the
pages only read a copy of what is known, under a lock. A payload that is not what a kiosk
sends is ignored with one line in the journal.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from kiosk.link.messages import OFFLINE, ONLINE, ZONES
from kiosk.link.mqtt import KEEPALIVE_S, RECONNECT_S, LinkSetupError, broker_login

log = logging.getLogger(__name__)

MAX_KIOSKS = 500  # a facility's broker; beyond this, a runaway publisher, not kiosks
MAX_PAYLOAD = 16 * 1024  # a kiosk's state is a few hundred bytes
MAX_TEXT = 120  # names, walkers and addresses longer than this are not a kiosk's


@dataclass(frozen=True)
class BrokerPlace:
    """Where the broker is and how to log in: the kiosk's own mqtt.* settings."""

    host: str
    port: int
    username: str
    password: str | None
    tls: bool
    ca_file: str
    topic_prefix: str

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> BrokerPlace:
        return cls(**broker_login(settings), topic_prefix=settings["mqtt.topic_prefix"])


@dataclass(frozen=True)
class KioskSeen:
    """One kiosk as last heard of. `online` is None until its availability is heard."""

    kiosk_id: str
    name: str | None = None
    online: bool | None = None
    zone: str | None = None
    armed: bool | None = None
    walker: str | None = None
    escalated: bool = False
    minutes_today: float | None = None
    state_time: str | None = None  # the kiosk's own time of its state, as it sent it
    heard_at: float | None = None  # the dashboard's clock when anything was last heard
    web_url: str | None = None


class FacilityWatch:
    """Subscribes to every kiosk's availability and state; `kiosks()` lists what is known."""

    def __init__(
        self,
        place: BrokerPlace,
        *,
        clock: Callable[[], float] = time.time,
        client: Any = None,
    ) -> None:
        self.place = place
        self.clock = clock
        self.connected = False
        self.problem: str | None = "connecting to the broker"
        self._lock = threading.Lock()
        self._kiosks: dict[str, KioskSeen] = {}
        self.client = client or self._make_client()
        self.client.on_connect = self._on_connect
        self.client.on_connect_fail = self._on_connect_fail
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message

    @property
    def where(self) -> str:
        return f"{self.place.host}:{self.place.port}"

    def _make_client(self) -> Any:
        import paho.mqtt.client as mqtt

        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"balance-kiosk-web-{uuid.uuid4().hex[:8]}",
            clean_session=True,
        )
        if self.place.username or self.place.password:
            client.username_pw_set(self.place.username or None, self.place.password)
        if self.place.tls:
            try:
                client.tls_set(ca_certs=self.place.ca_file or None)
            except (OSError, ValueError) as error:
                raise LinkSetupError(
                    f"mqtt.ca_file: {self.place.ca_file} cannot be used as a certificate "
                    f"authority ({error}); give the PEM file that signed the broker's certificate"
                ) from None
        client.reconnect_delay_set(*RECONNECT_S)
        return client

    def start(self) -> FacilityWatch:
        """Connect in the background; the dashboard serves its pages meanwhile."""
        log.info("facility page: listening to the broker at %s", self.where)
        self.client.connect_async(self.place.host, self.place.port, KEEPALIVE_S)
        self.client.loop_start()
        return self

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def kiosks(self) -> list[KioskSeen]:
        """Every kiosk heard of, by name then ID."""
        with self._lock:
            seen = list(self._kiosks.values())
        return sorted(seen, key=lambda k: ((k.name or k.kiosk_id).casefold(), k.kiosk_id))

    # -- paho's callbacks, on its network thread ---------------------------------------------

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            self._say(f"the broker at {self.where} refused the connection ({reason})")
            return
        prefix = self.place.topic_prefix
        client.subscribe([(f"{prefix}/+/availability", 1), (f"{prefix}/+/state", 1)])
        self.connected, self.problem = True, None
        log.info("facility page: connected to the broker at %s", self.where)

    def _on_connect_fail(self, client: Any, userdata: Any) -> None:
        self._say(f"cannot reach the broker at {self.where} (retrying every few seconds)")

    def _on_disconnect(
        self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        self.connected = False
        self._say(f"lost the broker at {self.where} ({reason}); reconnecting")

    def _say(self, words: str) -> None:
        if words != self.problem:
            log.warning("facility page: %s", words)
        self.problem = words

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        try:
            self.take(message.topic, message.payload)
        except Exception:  # whatever arrives, the listener goes on
            log.exception("facility page: a message on %s could not be read", message.topic)

    # -- what a message says -----------------------------------------------------------------

    def take(self, topic: str, payload: bytes) -> None:
        """Remember what `payload` on `topic` says of its kiosk, or say why it is ignored."""
        parts = topic.split("/")
        kiosk_id, leaf = (parts[-2], parts[-1]) if len(parts) >= 2 else ("", "")
        if not kiosk_id or len(kiosk_id) > MAX_TEXT or not kiosk_id.isprintable():
            return _ignored(topic, "the kiosk ID in the topic is not one a kiosk uses")
        if leaf == "availability":
            change = _availability(payload)
        elif leaf == "state":
            change = _state(payload)
        else:
            return None
        if isinstance(change, str):
            return _ignored(topic, change)
        with self._lock:
            known = self._kiosks.get(kiosk_id)
            if known is None and len(self._kiosks) >= MAX_KIOSKS:
                return _ignored(topic, f"more than {MAX_KIOSKS} kiosks on the broker")
            base = known or KioskSeen(kiosk_id)
            self._kiosks[kiosk_id] = replace(base, heard_at=self.clock(), **change)
        return None


def _ignored(topic: str, why: str) -> None:
    log.warning("facility page: ignored a message on %s: %s", topic, why)


def _availability(payload: bytes) -> dict[str, Any] | str:
    if payload == ONLINE.encode():
        return {"online": True}
    if payload == OFFLINE.encode():
        return {"online": False}
    return f'an availability is "{ONLINE}" or "{OFFLINE}", not {payload[:40]!r}'


def _state(payload: bytes) -> dict[str, Any] | str:
    """The fields of a kiosk's state the page shows, or why the payload is not one."""
    if len(payload) > MAX_PAYLOAD:
        return f"a state of {len(payload)} bytes is far larger than a kiosk's"
    try:
        state = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return "the state is not JSON"
    if not isinstance(state, dict):
        return "the state is not a JSON object"
    zone = state.get("zone")
    if zone not in ZONES:
        return f"zone {str(zone)[:40]!r} is not one of {', '.join(ZONES)}"
    minutes = state.get("minutes_today")
    return {
        "zone": zone,
        "armed": state.get("armed") is True,
        "escalated": state.get("escalated") is True,
        "walker": _text(state.get("walker")),
        "name": _text(state.get("name")),
        "state_time": _text(state.get("updated")),
        "minutes_today": float(minutes) if isinstance(minutes, int | float) else None,
        "web_url": _web_url(state.get("web_url")),
    }


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value and len(value) <= MAX_TEXT and value.isprintable():
        return value
    return None


def _web_url(value: Any) -> str | None:
    """Only a plain http(s) address becomes a link: never javascript: or the like."""
    text = _text(value)
    if text and text.startswith(("http://", "https://")) and " " not in text:
        return text
    return None
