"""The broker's link on loopback, against Debian's mosquitto started here on a free port.

1. Event -> subscriber: the kiosk's path (outbox row, link thread, QoS 1) beside a plain paho
   QoS 1 publish from a client of its own, the anchor: what any MQTT client pays on this
   machine. p50 and p99 of each, and the kiosk's p99 over the anchor's. Target: p99 <= 50 ms.
2. Outbox drain: 10,000 events queued while the broker is stopped, then the broker started:
   the time until the broker has confirmed them all. Target: <= 10 s.
3. The alarm with the link on and the broker frozen (SIGSTOP), beside the same measurement
   without the link, in the same run (bench_safety's crossings). Target: ratio <= 1.02.
"""

from __future__ import annotations

import json
import logging
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import bench_safety
from kiosk import bootstrap
from kiosk.link.mqtt import LinkConfig, MqttLink
from kiosk.link.outbox import Outbox
from kiosk.log.store import SessionStore
from kiosk.settings import Settings

EVENTS = 500
DRAINED = 10_000
CROSSINGS = 100
LATENCY_TARGET_MS = 50.0
DRAIN_TARGET_S = 10.0
ALARM_RATIO_TARGET = 1.02
TOPIC = "bench/kiosk/event"
ANCHOR_TOPIC = "bench/anchor"


class LocalBroker:
    """mosquitto on 127.0.0.1, a free port, a config of its own in `folder`."""

    def __init__(self, folder: Path) -> None:
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        if not Path(binary).exists():
            raise RuntimeError("mosquitto is missing: sudo apt-get install mosquitto")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        config = folder / "mosquitto.conf"
        config.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\nuser root\n"
            f"persistence false\nlog_dest none\n",
            encoding="utf-8",
        )
        self.command = [binary, "-c", str(config)]
        self.process: subprocess.Popen | None = None

    def start(self) -> LocalBroker:
        self.process = subprocess.Popen(self.command, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.02)
        raise RuntimeError("mosquitto did not start listening")

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def signal(self, which: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(which)


class Arrivals:
    """A subscriber that notes when each numbered message first arrives."""

    def __init__(self, port: int, *topics: str) -> None:
        import paho.mqtt.client as mqtt

        self.times: dict[int, float] = {}
        self.ready = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-arrivals")
        self.client.on_connect = lambda c, *_: c.subscribe([(t, 1) for t in topics])
        self.client.on_subscribe = lambda *_: self.ready.set()
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        if not self.ready.wait(10):
            raise RuntimeError("the subscriber could not subscribe")

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        n = json.loads(message.payload)["n"]
        self.times.setdefault(n, time.perf_counter())

    def wait_for(self, n: int, limit_s: float = 5.0) -> float:
        deadline = time.monotonic() + limit_s
        while n not in self.times:
            if time.monotonic() > deadline:
                raise RuntimeError(f"message {n} did not arrive")
            time.sleep(0.0002)
        return self.times[n]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def start_link(port: int, store: SessionStore, **values: Any) -> MqttLink:
    settings = Settings({"mqtt.host": "127.0.0.1", "mqtt.port": port, **values})
    link = MqttLink(LinkConfig.from_settings(settings), Outbox(store), on_acknowledge=bool)
    link.start()
    _wait(lambda: link.connected, 10.0)
    return link


def _wait(predicate: Callable[[], bool], limit_s: float) -> None:
    deadline = time.monotonic() + limit_s
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError("timed out")
        time.sleep(0.001)


def _spaced(numbers: range, send: Callable[[int], Any], arrivals: Arrivals) -> list[float]:
    """Seconds from each send to its arrival, one message at a time, 2 ms apart."""
    latencies = []
    for n in numbers:
        started = time.perf_counter()
        send(n)
        latencies.append(arrivals.wait_for(n) - started)
        time.sleep(0.002)
    return latencies


def measure_latency(port: int, folder: Path, count: int = EVENTS) -> dict[str, list[float]]:
    """The kiosk's event path and a raw paho publish, taking turns in blocks of 50 so that
    both see the same machine."""
    import paho.mqtt.client as mqtt

    arrivals = Arrivals(port, TOPIC, ANCHOR_TOPIC)
    raw = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-anchor")
    raw.connect("127.0.0.1", port)
    raw.loop_start()
    store = SessionStore.open(folder / "latency.db")
    link = start_link(port, store, **{"kiosk.id": "bench"})

    def kiosk(n: int) -> None:
        link.send("out_of_reach", TOPIC, {"n": n})

    def anchor(n: int) -> None:
        raw.publish(ANCHOR_TOPIC, json.dumps({"n": n}), qos=1)

    result: dict[str, list[float]] = {"kiosk": [], "anchor": []}
    try:
        for block in range(0, count, 50):
            end = min(count, block + 50)
            result["kiosk"] += _spaced(range(block, end), kiosk, arrivals)
            result["anchor"] += _spaced(range(count + block, count + end), anchor, arrivals)
    finally:
        link.stop()
        store.close()
        raw.disconnect()
        raw.loop_stop()
        arrivals.close()
    return result


def measure_drain(broker: LocalBroker, folder: Path, count: int = DRAINED) -> dict[str, float]:
    """Queue `count` events with the broker stopped; start it; time until all are confirmed."""
    store = SessionStore.open(folder / "drain.db")
    link = start_link(broker.port, store, **{"kiosk.id": "bench-drain"})
    try:
        broker.stop()
        _wait(lambda: not link.connected, 10.0)
        started = time.perf_counter()
        for n in range(count):
            link.send("out_of_reach", TOPIC, {"n": n})
        queued = time.perf_counter() - started
        broker.start()
        back = time.perf_counter()
        _wait(lambda: link.connected, 30.0)
        connected = time.perf_counter()
        _wait(lambda: link.outbox.held == 0, 120.0)
        drained = time.perf_counter()
        store.flush()
        rows = len(store.outbox_rows())
    finally:
        link.stop()
        store.close()
    return {
        "queued_s": queued,
        "reconnect_s": connected - back,
        "drained_s": drained - connected,
        "rows_left": rows,
    }


def measure_alarm(broker: LocalBroker, folder: Path, crossings: int = CROSSINGS) -> dict:
    """bench_safety's crossings without the link, then with it and the broker frozen."""
    plain = bench_safety.measure(crossings, load=False)
    settings = Settings({"mqtt.host": "127.0.0.1", "mqtt.port": broker.port, "kiosk.id": "b"})
    store = SessionStore.open(folder / "alarm.db")

    def attach(parts: Any) -> Callable[[], None]:
        link = bootstrap.build_link(settings, store, parts, _NoSessions())
        _wait(lambda: link.connected, 10.0)
        broker.signal(signal.SIGSTOP)  # frozen: takes nothing, answers nothing

        def detach() -> None:
            broker.signal(signal.SIGCONT)
            link.stop()

        return detach

    try:
        frozen = bench_safety.measure(crossings, load=False, settings=settings, attach=attach)
    finally:
        store.close()
    return {"plain": plain["total"], "frozen": frozen["total"]}


class _NoSessions:
    """bench_safety has no walk: the link hears of no sessions."""

    def add_session_listener(self, listener: Any) -> None:
        pass


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]


def _ms(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"p50 {statistics.median(ms):6.2f} ms  p99 {p99(ms):6.2f} ms"


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISS"


def report_latency(result: dict[str, list[float]]) -> None:
    kiosk, anchor = result["kiosk"], result["anchor"]
    print(f"event -> subscriber, {len(kiosk)} events each, QoS 1, loopback")
    print(f"  raw paho publish (anchor):  {_ms(anchor)}")
    print(f"  kiosk event (outbox, link): {_ms(kiosk)}")
    kiosk_p99, anchor_p99 = p99(kiosk) * 1000, p99(anchor) * 1000
    print(
        f"  kiosk p99 / anchor p99 = {kiosk_p99 / anchor_p99:.2f}; target p99 <= "
        f"{LATENCY_TARGET_MS:.0f} ms: {_verdict(kiosk_p99 <= LATENCY_TARGET_MS)}"
    )


def report_drain(result: dict[str, float], count: int = DRAINED) -> None:
    drained = result["drained_s"]
    print(f"outbox drain: {count:,} events queued with the broker stopped")
    print(f"  queued in {result['queued_s']:.2f} s (the safety thread's side: send() only)")
    print(f"  reconnected {result['reconnect_s']:.2f} s after the broker started (backoff)")
    print(
        f"  all confirmed {drained:.2f} s after reconnecting ({count / drained:,.0f}/s), "
        f"{result['rows_left']:.0f} rows left; target <= {DRAIN_TARGET_S:.0f} s: "
        f"{_verdict(drained <= DRAIN_TARGET_S)}"
    )


def report_alarm(result: dict[str, list[float]]) -> None:
    plain, frozen = result["plain"], result["frozen"]
    print(f"alarm latency (crossing -> buzzer pin), {len(plain)} crossings each")
    print(f"  no broker link:           {_ms(plain)}")
    print(f"  link on, broker frozen:   {_ms(frozen)}")
    ratio50 = statistics.median(frozen) / statistics.median(plain)
    ratio99 = p99(frozen) / p99(plain)
    print(
        f"  frozen / none: p50 {ratio50:.3f}, p99 {ratio99:.3f}; target <= "
        f"{ALARM_RATIO_TARGET}: {_verdict(ratio50 <= ALARM_RATIO_TARGET)}"
    )


def run(events: int = EVENTS, drained: int = DRAINED, crossings: int = CROSSINGS) -> None:
    # The link's warnings (broker lost, cannot reach it) are what this benchmark does to it.
    logging.getLogger("kiosk.link").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="bench-mqtt-") as tmp:
        folder = Path(tmp)
        broker = LocalBroker(folder).start()
        try:
            report_latency(measure_latency(broker.port, folder, events))
            report_drain(measure_drain(broker, folder, drained), drained)
            report_alarm(measure_alarm(broker, folder, crossings))
        finally:
            broker.stop()
