"""`balance-kiosk run` with a config pointing at a real broker, read by a real subscriber:
a scripted drift session in order with its summary, the last will after a SIGKILL, a broker
stopped mid-session, and a kiosk restarted with messages the broker never had."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from fakes import KIOSK_ENV, REPO, event_types, run_cli, wait_for

from kiosk.link.messages import Topics

pytestmark = pytest.mark.slow

TOPICS = Topics("balance-kiosk", "homeassistant", "hall-2")
DRIFT = ["session_started", "out_of_reach", "back_in_reach", "session_ended"]
SCRIPT_LIMIT_S = 120


def start_kiosk(tmp_path: Path, broker, *args: str) -> subprocess.Popen:
    config = broker.config_toml(tmp_path / "config.toml", **{"kiosk.id": TOPICS.kiosk_id})
    env = {k: v for k, v in os.environ.items() if k not in KIOSK_ENV}
    env.update(SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    command = ["run", "--headless", "--simulate", "--config", str(config)]
    command += ["--data-dir", str(tmp_path / "data"), *args]
    return subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", *command],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(kiosk: subprocess.Popen) -> str:
    """Wait for a scripted kiosk to end by itself; its standard error."""
    try:
        _, err = kiosk.communicate(timeout=SCRIPT_LIMIT_S)
    finally:
        if kiosk.poll() is None:
            kiosk.kill()
    assert kiosk.returncode == 0, err
    assert "Traceback" not in err
    return err


def walk_events(subscriber) -> list[str]:
    """The walk's events in the order the subscriber saw them. A sensor that misses readings
    on a heavily loaded machine adds sensor_fault / sensor_ok pairs (published armed or not);
    the scripts' own faults are tested in test_kiosk_run and test_mqtt_link."""
    return [k for k in event_types(subscriber, TOPICS) if k not in ("sensor_fault", "sensor_ok")]


def outbox_kinds(tmp_path: Path) -> list[str]:
    with sqlite3.connect(tmp_path / "data" / "sessions.db") as db:
        return [kind for (kind,) in db.execute("SELECT kind FROM outbox ORDER BY seq")]


def test_a_drift_session_reaches_the_subscriber_in_order_with_its_summary(
    tmp_path, broker, subscribe
):
    home = subscribe(broker, "balance-kiosk/#", "homeassistant/#")
    finished(start_kiosk(tmp_path, broker, "--script", "drift"))
    wait_for(lambda: home.messages(TOPICS.session))
    assert walk_events(home) == DRIFT
    events = home.json(TOPICS.event)
    assert len({e["id"] for e in events}) == len(events)
    assert all(datetime.fromisoformat(e["time"]).utcoffset() is not None for e in events)
    assert {e["session_id"] for e in events} == {1} and {e["walker"] for e in events} == {"Walker"}
    # The summary holds what `logs export --format json` says of the session.
    exported = run_cli("logs", "export", "--format", "json", "--data-dir", tmp_path / "data")
    session = json.loads(exported.stdout)["sessions"][0]
    del session["events"]
    (summary,) = home.json(TOPICS.session)
    assert {k: v for k, v in summary.items() if k not in ("id", "kiosk")} == session
    assert summary["result"] == "stopped" and summary["reminders"] == 1
    assert home.messages(TOPICS.availability) == [b"online", b"offline"]  # a clean stop
    assert json.loads(home.messages(TOPICS.discovery)[0])["dev"]["ids"] == ["hall-2"]
    assert outbox_kinds(tmp_path) == []  # the broker confirmed everything


def test_the_last_will_says_offline_when_the_kiosk_is_killed(tmp_path, broker, subscribe):
    home = subscribe(broker, TOPICS.availability)
    kiosk = start_kiosk(tmp_path, broker, "--script", "drift")
    try:
        wait_for(lambda: home.messages(TOPICS.availability) == [b"online"], 30.0)
        kiosk.send_signal(signal.SIGKILL)
        kiosk.wait(10)
    finally:
        if kiosk.poll() is None:
            kiosk.kill()
    wait_for(lambda: home.messages(TOPICS.availability) == [b"online", b"offline"], 10.0)
    later = subscribe(broker, TOPICS.availability)  # Home Assistant starting afterwards
    wait_for(lambda: later.retained(TOPICS.availability) == [b"offline"])


def test_a_broker_stopped_mid_session_gets_everything_in_order_when_back(
    tmp_path, broker, subscribe
):
    # A subscriber whose session the broker keeps across its own restart, as Home Assistant's.
    home = subscribe(broker, "balance-kiosk/#", persistent=True)
    kiosk = start_kiosk(tmp_path, broker, "--script", "drift")
    try:
        wait_for(lambda: "session_started" in event_types(home, TOPICS), 60.0)
        broker.stop()
        time.sleep(8.0)  # the walker drifts and comes back while the broker is away
        broker.start()
        finished(kiosk)
    finally:
        if kiosk.poll() is None:
            kiosk.kill()
    wait_for(lambda: home.messages(TOPICS.session), 30.0)
    assert walk_events(home) == DRIFT
    assert outbox_kinds(tmp_path) == []


def test_a_restarted_kiosk_sends_what_the_broker_never_had_first(tmp_path, broker, subscribe):
    broker.stop()
    finished(start_kiosk(tmp_path, broker, "--script", "walk"))
    kept = outbox_kinds(tmp_path)
    assert [k for k in kept if k not in ("distance", "sensor_fault", "sensor_ok")] == [
        "session_started",
        "session_ended",
        "session",
    ]
    broker.start()
    home = subscribe(broker, "balance-kiosk/#")
    kiosk = start_kiosk(tmp_path, broker)  # at the home screen, no script
    try:
        wait_for(lambda: home.messages(TOPICS.session), 30.0)
        wait_for(lambda: outbox_kinds(tmp_path) == [], 10.0)
        kiosk.send_signal(signal.SIGTERM)
        kiosk.wait(10)
    finally:
        if kiosk.poll() is None:
            kiosk.kill()
    assert walk_events(home) == ["session_started", "session_ended"]
    assert home.json(TOPICS.session)[0]["result"] == "completed"
