"""Doctor's broker check: the MQTT broker named in the settings, tried the way the kiosk
connects to it (same host, port, login, TLS), one step at a time so a failure names its step.

The kiosk's systemd unit locks it off IP unless a drop-in lets it through, so a broker that
answers doctor may still be out of the service's reach: that is a WARN with the drop-in to add.

Read-only on the broker as everywhere else: it logs in under a client ID of its own (the
kiosk's ID would push a running kiosk off the broker), subscribes to the kiosk's availability
topic to read what the broker keeps there, and publishes nothing.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
import uuid
from collections.abc import Mapping
from typing import Any

from kiosk.service.doctor_checks import FAIL, OK, SERVICE_UNIT, SKIP, WARN, CheckResult, Systemd

UNIT_PROPERTIES = "LoadState,RestrictAddressFamilies,IPAddressDeny,IPAddressAllow"
CONNECT_S = 5.0  # TCP, TLS and the broker's answer to the login, together
RETAINED_S = 1.0  # how long to wait for the retained availability after subscribing

BROKER_RUNS_FIX = (
    "check that the broker runs there (on it: sudo systemctl status mosquitto) and that "
    "mqtt.port is the port it listens on (1883, or 8883 with TLS)"
)
TLS_FIX = (
    "set mqtt.ca_file to the PEM file of the authority that signed the broker's certificate, "
    "check that mqtt.host is a name in that certificate, and that mqtt.port is the broker's "
    "TLS port"
)
LOGIN_FIX = (
    "check mqtt.username and the password in mqtt.password_file against the broker's users "
    "(Home Assistant: Settings > People > Users, or the Mosquitto add-on's logins)"
)


def check_broker(settings: Mapping[str, Any], systemd: Systemd | None = None) -> CheckResult:
    """Resolve, connect (TLS and login included), subscribe, read the kiosk's availability;
    then whether the installed service may use IP at all (its unit locks the network)."""
    from kiosk.link.mqtt import LinkConfig, LinkSetupError, make_client

    host, port = settings["mqtt.host"], settings["mqtt.port"]
    if not host:
        return CheckResult("broker", SKIP, "mqtt.host is empty: the kiosk talks to no broker")
    try:
        config = LinkConfig.from_settings(settings)
        client = make_client(config, client_id=f"balance-kiosk-doctor-{uuid.uuid4().hex[:8]}")
    except LinkSetupError as error:
        return CheckResult("broker", FAIL, str(error), "fix the setting named above")
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        return CheckResult(
            "broker",
            FAIL,
            f'mqtt.host = "{host}" does not resolve ({error.strerror or error})',
            "check the name's spelling, or give the broker's IP address instead",
        )
    result = _connect_and_read(client, config)
    addresses = sorted({str(info[4][0]) for info in found})
    locked = service_network_lock(systemd) if systemd is not None else None
    if result.status != OK or locked is None:
        return result
    return CheckResult(
        "broker",
        WARN,
        f"{result.detail}; but the installed service may not use IP ({locked}), so the "
        "kiosk started at boot cannot reach the broker",
        f"sudo systemctl edit {SERVICE_UNIT}, add the lines: [Service] / "
        f"RestrictAddressFamilies=AF_INET AF_INET6 / IPAddressAllow={' '.join(addresses)} "
        "(and your DNS server's address when mqtt.host is a name); then sudo systemctl "
        "restart balance-kiosk",
    )


def service_network_lock(systemd: Systemd) -> str | None:
    """What in the kiosk's installed unit keeps it off IP, in its own words; None when the
    unit is not installed, systemd cannot be asked, or IP is allowed."""
    if systemd.systemctl is None:
        return None
    command = [systemd.systemctl, "show", SERVICE_UNIT, "--property", UNIT_PROPERTIES]
    try:
        done = systemd.run(command, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    shown = dict(line.partition("=")[::2] for line in done.stdout.splitlines())
    if shown.get("LoadState") != "loaded":
        return None
    families = shown.get("RestrictAddressFamilies", "").split()
    if families and not families[0].startswith("~") and not {"AF_INET", "AF_INET6"} & set(families):
        return f"RestrictAddressFamilies={' '.join(families)}"
    if shown.get("IPAddressDeny") and not shown.get("IPAddressAllow"):
        return f"IPAddressDeny={shown['IPAddressDeny']}"
    return None


def _connect_and_read(client: Any, config: Any) -> CheckResult:
    where = f"{config.host}:{config.port}"
    probe = _Probe(client, config.topics.availability)
    try:
        client.connect(config.host, config.port, keepalive=int(CONNECT_S * 2))
    except ssl.SSLError as error:
        return CheckResult("broker", FAIL, f"TLS with {where} failed: {error.reason}", TLS_FIX)
    except TimeoutError:
        return CheckResult("broker", FAIL, f"no answer from {where}", BROKER_RUNS_FIX)
    except OSError as error:
        return CheckResult(
            "broker",
            FAIL,
            f"cannot connect to {where} ({error.strerror or error})",
            BROKER_RUNS_FIX,
        )
    try:
        return probe.result(where, config)
    finally:
        client.disconnect()
        client.loop_stop()


class _Probe:
    """Waits for the broker's answer to the login, then for the retained availability."""

    def __init__(self, client: Any, availability: str) -> None:
        self.availability = availability
        self.reason: Any = None
        self.status: bytes | None = None
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.retained = threading.Event()
        client.on_connect = self._on_connect
        client.on_subscribe = lambda *_: self.subscribed.set()
        client.on_message = self._on_message
        self.client = client

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        self.reason = reason
        if not reason.is_failure:
            client.subscribe(self.availability, qos=1)
        self.connected.set()

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        if message.topic == self.availability and message.retain:
            self.status = bytes(message.payload)
            self.retained.set()

    def result(self, where: str, config: Any) -> CheckResult:
        self.client.loop_start()
        if not self.connected.wait(CONNECT_S):
            return CheckResult(
                "broker", FAIL, f"{where} took the connection but did not answer", BROKER_RUNS_FIX
            )
        if self.reason.is_failure:
            value = getattr(self.reason, "value", 0)
            fix = LOGIN_FIX if value in (4, 5, 134, 135) else BROKER_RUNS_FIX
            return CheckResult("broker", FAIL, f"{where} refused the login ({self.reason})", fix)
        if not self.subscribed.wait(CONNECT_S):
            return CheckResult(
                "broker", WARN, f"{where}: logged in, but no answer to a subscription", LOGIN_FIX
            )
        self.retained.wait(RETAINED_S)
        return CheckResult("broker", OK, f"{where}{_how(config)}: {self._seen(config)}")

    def _seen(self, config: Any) -> str:
        kid = config.topics.kiosk_id
        if self.status is None:
            return f"logged in; kiosk {kid} has not been on this broker yet"
        return f"logged in; kiosk {kid} is {self.status.decode('utf-8', 'replace')} there"


def _how(config: Any) -> str:
    parts = ["TLS" if config.tls else "no TLS"]
    parts.append(f"as {config.username}" if config.username else "anonymous")
    return f" ({', '.join(parts)})"


def wait_seconds() -> float:
    """What doctor allows this check before calling it hung."""
    return CONNECT_S * 2 + RETAINED_S + 2.0
