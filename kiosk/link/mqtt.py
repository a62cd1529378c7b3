"""The kiosk's MQTT client: the outbox out, the acknowledge command in, on threads of its own.

paho-mqtt's network thread (`loop_start`) connects, reconnects with backoff (1 s doubling to
10 s) and reads; the link's own thread sends the outbox in order and keeps the retained state
up to date. Nothing here is called by the safety loop except `send`, which only queues: a
broker that is down, slow, frozen, refuses the password or does not resolve never delays the
buzzer or the screen, and the kiosk starts without it.

Order and delivery: messages go out oldest first with QoS 1, at most `WINDOW` unconfirmed at
a time, and leave the outbox when the broker confirms them. After a lost connection paho sends
the unconfirmed ones again first, and nothing new goes out until they are confirmed, so a
subscriber sees them in order (perhaps twice: each carries an id).
"""

from __future__ import annotations

import contextlib
import json
import logging
import stat
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.link.identity import kiosk_id
from kiosk.link.messages import (
    OFFLINE,
    ONLINE,
    Topics,
    discovery_payload,
    now_iso,
    parse_command,
)
from kiosk.link.outbox import Outbox

log = logging.getLogger(__name__)

WINDOW = 100  # messages sent and not yet confirmed, at most
STATE_EVERY_S = 0.25  # how often the retained state is compared with the kiosk's
KEEPALIVE_S = 15
RECONNECT_S = (1, 10)  # paho's backoff: first retry after 1 s, doubling up to 10 s
STOP_FLUSH_S = 1.0  # at a clean stop, how long the outbox may take to empty


class LinkSetupError(Exception):
    """The broker's settings cannot be used; the message says what to change."""


@dataclass(frozen=True)
class LinkConfig:
    host: str
    port: int
    username: str
    password: str | None
    tls: bool
    ca_file: str
    topics: Topics
    name: str
    version: str = "0.1.0"

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> LinkConfig:
        kid = kiosk_id(settings["kiosk.id"])
        return cls(
            **broker_login(settings),
            topics=Topics(settings["mqtt.topic_prefix"], settings["mqtt.discovery_prefix"], kid),
            name=settings["kiosk.name"],
            version=_version(),
        )


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("balance-kiosk")
    except PackageNotFoundError:
        return "unknown"


def broker_login(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Where the broker is and how to log in to it, from the settings (the kiosk's link and the
    dashboard's facility page read the same ones)."""
    path = settings["mqtt.password_file"]
    return {
        "host": settings["mqtt.host"],
        "port": settings["mqtt.port"],
        "username": settings["mqtt.username"],
        "password": read_password(Path(path)) if path else None,
        "tls": settings["mqtt.tls"],
        "ca_file": settings["mqtt.ca_file"],
    }


def read_password(path: Path) -> str:
    """The broker password from its owner-only file; LinkSetupError says what to fix."""
    try:
        info = path.stat()
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LinkSetupError(
            f"mqtt.password_file: {path} does not exist; create it holding only the broker "
            f"password, then chmod 600 {path}"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise LinkSetupError(
            f"mqtt.password_file: {path} cannot be read by this user ({_why(error)}); make the "
            f"kiosk's user its owner (sudo chown kiosk {path}) and chmod 600 {path}"
        ) from None
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise LinkSetupError(
            f"mqtt.password_file: {path} can be read by other users (mode "
            f"{stat.S_IMODE(info.st_mode):o}); make it owner-only: chmod 600 {path}"
        )
    password = text.strip("\r\n")
    if not password:
        raise LinkSetupError(f"mqtt.password_file: {path} is empty; put the broker password in it")
    return password


def _why(error: BaseException) -> str:
    return getattr(error, "strerror", None) or type(error).__name__


def make_client(config: LinkConfig, client_id: str | None = None) -> Any:
    """A paho client set up from `config` (will, login, TLS, backoff); not yet connected."""
    import paho.mqtt.client as mqtt

    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id or f"balance-kiosk-{config.topics.kiosk_id}",
        clean_session=True,
    )
    client.will_set(config.topics.availability, OFFLINE, qos=1, retain=True)
    if config.username or config.password:
        client.username_pw_set(config.username or None, config.password)
    if config.tls:
        try:
            client.tls_set(ca_certs=config.ca_file or None)
        except (OSError, ValueError) as error:
            raise LinkSetupError(
                f"mqtt.ca_file: {config.ca_file} cannot be used as a certificate authority "
                f"({_why(error)}); give the PEM file of the authority that signed the "
                "broker's certificate"
            ) from None
    client.reconnect_delay_set(*RECONNECT_S)
    client.max_inflight_messages_set(0)  # the link keeps its own window (WINDOW)
    return client


class MqttLink:
    """Sends the outbox and the state; hands `{"command": "acknowledge"}` to `on_acknowledge`."""

    def __init__(
        self,
        config: LinkConfig,
        outbox: Outbox,
        *,
        on_acknowledge: Callable[[str], bool],
        state: Callable[[], dict[str, Any]] | None = None,
        client: Any = None,
    ) -> None:
        self.config, self.outbox, self.topics = config, outbox, config.topics
        self.on_acknowledge = on_acknowledge
        self.state_source = state
        self.client = client or make_client(config)
        self.connected = False
        self.problem: str | None = None  # why the broker is not connected, in words
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._inflight: dict[int, Any] = {}  # mid -> OutMessage, or None for the link's own
        self._early: set[int] = set()  # confirmations that came before publish() returned
        self._holding = False  # resent messages first: nothing new until they are confirmed
        self._last_state: dict[str, Any] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        client = self.client
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        client.on_message = self._on_message

    # -- for the kiosk ---------------------------------------------------------------------------

    def send(self, kind: str, topic: str, payload: dict[str, Any]) -> None:
        """Queue a message (an event, a summary, a distance); returns at once."""
        self.outbox.put(kind, topic, json.dumps(payload, ensure_ascii=False))
        with self._wake:
            self._wake.notify()

    def start(self) -> None:
        """Connect in the background; returns at once whether or not the broker is there."""
        where = f"{self.config.host}:{self.config.port}"
        log.info("broker link: %s as %s", where, self.topics.kiosk_id)
        self.client.connect_async(self.config.host, self.config.port, KEEPALIVE_S)
        self.client.loop_start()
        self._thread = threading.Thread(target=self._run, name="mqtt-link", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Give the outbox a moment to empty, say "offline", and disconnect. What the broker
        has not confirmed stays in the outbox for the next start."""
        deadline = time.monotonic() + STOP_FLUSH_S
        while self.connected and self.outbox.held and time.monotonic() < deadline:
            time.sleep(0.02)
        self._stop.set()
        with self._wake:
            self._wake.notify()
        if self._thread is not None:
            self._thread.join(2.0)
        if self.connected:
            info = self.client.publish(self.topics.availability, OFFLINE, qos=1, retain=True)
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(1.0)
        self.client.disconnect()
        self.client.loop_stop()

    # -- the link's thread -------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._send_waiting()
                self._publish_state()
            except Exception:  # the link must go on; the kiosk does not need it
                log.exception("the broker link failed")
            with self._wake:
                if not self._ready_to_send():
                    self._wake.wait(STATE_EVERY_S)

    def _ready_to_send(self) -> bool:
        return (
            self.connected
            and not self._holding
            and bool(self.outbox.waiting)
            and self._events_inflight() < WINDOW
        )

    def _events_inflight(self) -> int:
        return sum(1 for message in self._inflight.values() if message is not None)

    def _send_waiting(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                if not self._ready_to_send():
                    return
                room = WINDOW - self._events_inflight()
            for message in self.outbox.take(room):
                self._publish(message.topic, message.payload, qos=1, message=message)

    def _publish(
        self, topic: str, payload: str, *, qos: int, retain: bool = False, message: Any = None
    ) -> None:
        """Publish, and note what the confirmation will be for. Never called holding the
        lock: paho calls `_on_publish` holding its own, which would deadlock."""
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        if qos == 0 and info.rc != 0:
            return  # not connected: a QoS 0 message is simply not sent
        with self._lock:
            if info.mid in self._early:
                self._early.discard(info.mid)
                done = True
            else:
                self._inflight[info.mid] = message
                done = False
        if done and message is not None:
            self.outbox.delivered(message)

    def _publish_state(self, force: bool = False) -> None:
        if self.state_source is None or not self.connected:
            return
        state = self.state_source()
        if not force and state == self._last_state:
            return
        self._last_state = state
        payload = json.dumps({**state, "updated": now_iso()}, ensure_ascii=False)
        # QoS 0: a newer state replaces it anyway, and every connection starts with one.
        self._publish(self.topics.state, payload, qos=0, retain=True)

    # -- paho's callbacks, on its network thread ---------------------------------------------

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            self._say_problem(_refusal(reason, self.config))
            return
        log.info("connected to the broker at %s:%s", self.config.host, self.config.port)
        self.problem = None
        client.subscribe([(self.topics.command, 1), (self.topics.home_assistant_status, 1)])
        self._publish(self.topics.availability, ONLINE, qos=1, retain=True)
        self._publish_discovery()
        with self._wake:
            self.connected = True
            self._holding = self._events_inflight() > 0
            self._last_state = None  # a fresh connection gets the state again
            self._wake.notify()

    def _publish_discovery(self) -> None:
        payload = discovery_payload(self.topics, self.config.name, self.config.version)
        self._publish(self.topics.discovery, json.dumps(payload), qos=1, retain=True)

    def _on_connect_fail(self, client: Any, userdata: Any) -> None:
        where = f"{self.config.host}:{self.config.port}"
        self._say_problem(
            f"cannot reach the broker at {where} (retrying every few seconds; "
            "'balance-kiosk doctor' says why)"
        )

    def _on_disconnect(
        self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        with self._wake:
            was_connected, self.connected = self.connected, False
            self._holding = self._events_inflight() > 0
        if was_connected and not self._stop.is_set():
            self._say_problem(f"lost the broker ({reason}); reconnecting, nothing is lost")

    def _on_publish(self, client: Any, userdata: Any, mid: int, reason: Any, props: Any) -> None:
        with self._wake:
            if mid not in self._inflight:
                self._early.add(mid)
                return
            message = self._inflight.pop(mid)
            if self._holding and self._events_inflight() == 0:
                self._holding = False
            self._wake.notify()
        if message is not None:
            self.outbox.delivered(message)

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        try:
            if message.topic == self.topics.home_assistant_status:
                if message.payload == ONLINE.encode():
                    self._publish_discovery()  # Home Assistant restarted: tell it again
            elif message.topic == self.topics.command:
                self._command(message)
        except Exception:  # a message from outside must never stop the link
            log.exception("a message on %s could not be handled", message.topic)

    def _command(self, message: Any) -> None:
        if message.retain:
            log.warning(
                "refused a retained command on %s: a command must be sent when meant, not "
                "kept by the broker for the next call (publish it without retain)",
                message.topic,
            )
            return
        command, by = parse_command(message.payload)
        if command is None:
            shown = message.payload[:80].decode("utf-8", "replace")
            log.warning("refused a command on %s (%r): %s", message.topic, shown, by)
            return
        if not self.on_acknowledge(by):
            log.info("acknowledge from the broker: there was no call for help to answer")

    def _say_problem(self, words: str) -> None:
        if words != self.problem:
            log.warning("%s", words)
        self.problem = words


def _refusal(reason: Any, config: LinkConfig) -> str:
    """Why the broker refused the connection, with what to change."""
    value = getattr(reason, "value", reason)
    if value in (4, 134, 5, 135):  # bad user name or password; not authorized
        return (
            f"the broker at {config.host}:{config.port} refused the login ({reason}); check "
            "mqtt.username and the password in mqtt.password_file, and the broker's users"
        )
    return f"the broker at {config.host}:{config.port} refused the connection ({reason})"
