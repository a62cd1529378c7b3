"""The broker's outbox in the session log: kept across a restart in order, emptied as the
broker confirms, bounded without ever dropping an alarm or a session; and the kiosk's ID."""

from __future__ import annotations

import sqlite3
import time

from fakes import wait_for

from kiosk.link.identity import kiosk_id
from kiosk.link.mqtt import LinkConfig, MqttLink
from kiosk.link.outbox import Outbox
from kiosk.log.schema import MIGRATIONS, OUTBOX_VERSION, migrate
from kiosk.log.store import SessionStore
from kiosk.settings import KIOSK_ID, Settings


def test_what_the_broker_has_not_confirmed_is_there_after_a_restart_in_order(tmp_path):
    path = tmp_path / "sessions.db"
    with SessionStore.open(path) as store:
        outbox = Outbox(store)
        sent = [
            outbox.put(kind, "t/event", f'{{"n": {n}}}')
            for n, kind in enumerate(
                ["session_started", "out_of_reach", "distance", "back_in_reach", "session_ended"]
            )
        ]
        for message in outbox.take(2):  # the broker confirmed the first two
            outbox.delivered(message)
    with SessionStore.open(path) as store:
        again = Outbox(store)
        assert [m.payload for m in again.take(10)] == [m.payload for m in sent[2:]]
        later = again.put("session_started", "t/event", "{}")
        assert later.seq > sent[-1].seq  # numbered after what was kept


def test_a_full_outbox_drops_distance_samples_first_and_never_an_alarm(tmp_path):
    with SessionStore.open(tmp_path / "sessions.db") as store:
        outbox = Outbox(store, max_rows=4)
        for kind in ("distance", "out_of_reach", "distance", "back_in_reach", "escalated"):
            outbox.put(kind, "t", kind)
        assert [m.kind for m in outbox.take(10)] == [
            "out_of_reach",
            "distance",
            "back_in_reach",
            "escalated",
        ]
    with SessionStore.open(tmp_path / "full.db") as store:
        outbox = Outbox(store, max_rows=2)
        kinds = ["out_of_reach", "back_in_reach", "session_started", "escalated", "session"]
        for kind in kinds:
            outbox.put(kind, "t", kind)
        # the end of an alarm goes before anything else; alarms, calls and sessions stay
        assert [m.kind for m in outbox.take(10)] == [k for k in kinds if k != "back_in_reach"]
        assert outbox.dropped == 1
        store.flush()
        assert [row[1] for row in store.outbox_rows()] == [k for k in kinds if k != "back_in_reach"]


def test_an_older_log_gains_the_outbox_and_keeps_its_sessions(tmp_path):
    assert "CREATE TABLE outbox" in MIGRATIONS[OUTBOX_VERSION - 1][0]  # numbered right
    path = tmp_path / "sessions.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for version, step in enumerate(MIGRATIONS[: OUTBOX_VERSION - 1]):  # the step before
        for statement in step:
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {version + 1}")
    conn.execute("INSERT INTO profiles VALUES (1, 'Ana', 10, 3, 0)")
    conn.close()
    with SessionStore.open(path) as store:
        assert store.outbox_rows() == []
        assert [p.name for p in store.profiles()] == ["Ana"]
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    migrate(check)  # nothing left to do


def test_the_kiosks_id_is_derived_from_the_machine_the_same_at_every_start(tmp_path):
    machine = tmp_path / "machine-id"
    machine.write_text("4f1c0e8e9b2a4d7f8c3e2b1a0f9e8d7c\n")
    first, again = kiosk_id("", machine), kiosk_id("", machine)
    assert first == again and KIOSK_ID.fullmatch(first)
    assert "4f1c0e8e" not in first  # the machine's own ID is not published
    machine.write_text("0123456789abcdef0123456789abcdef\n")
    assert kiosk_id("", machine) != first  # another card, another kiosk
    assert kiosk_id("hall-2", machine) == "hall-2"
    assert KIOSK_ID.fullmatch(kiosk_id("", tmp_path / "missing"))


# -- the outbox and a real broker (the link alone, without the kiosk) -----------------------


def start_link(broker, store, **values):
    config = LinkConfig.from_settings(Settings(broker.settings(**{"kiosk.id": "hall-2", **values})))
    link = MqttLink(config, Outbox(store), on_acknowledge=lambda by: False)
    link.start()
    return link


def committed_seqs(store):
    store.flush()
    return [row[0] for row in store.outbox_rows()]


def test_a_row_leaves_the_outbox_only_when_the_broker_confirms_it(broker, subscribe, tmp_path):
    home = subscribe(broker, "balance-kiosk/hall-2/event")
    with SessionStore.open(tmp_path / "sessions.db") as store:
        link = start_link(broker, store)
        try:
            wait_for(lambda: link.connected, 10.0)
            broker.freeze()  # the broker takes nothing in and confirms nothing
            link.send("out_of_reach", link.topics.event, {"n": 1})
            time.sleep(0.5)
            assert len(committed_seqs(store)) == 1  # sent, perhaps, but not confirmed
            broker.thaw()
            wait_for(lambda: committed_seqs(store) == [], 10.0)
            assert home.json(link.topics.event) == [{"n": 1}]
        finally:
            broker.thaw()
            link.stop()


def test_the_outbox_drains_in_order_after_the_broker_is_restarted(broker, subscribe, tmp_path):
    home = subscribe(broker, "balance-kiosk/hall-2/event", persistent=True)
    with SessionStore.open(tmp_path / "sessions.db") as store:
        link = start_link(broker, store)
        try:
            wait_for(lambda: link.connected, 10.0)
            link.send("session_started", link.topics.event, {"n": 0})
            broker.stop()
            wait_for(lambda: not link.connected, 10.0)
            for n in range(1, 301):  # queued while the broker is away: nothing blocks
                link.send("out_of_reach", link.topics.event, {"n": n})
            assert link.outbox.held >= 300
            broker.start()
            wait_for(lambda: committed_seqs(store) == [], 30.0)
        finally:
            link.stop()
    wait_for(lambda: len({m["n"] for m in home.json("balance-kiosk/hall-2/event")}) == 301, 10.0)
    seen = [m["n"] for m in home.json("balance-kiosk/hall-2/event")]
    first = [n for i, n in enumerate(seen) if n not in seen[:i]]  # a repeat may follow a loss
    assert first == list(range(301))


def test_sending_while_the_broker_is_frozen_returns_at_once(broker, tmp_path):
    with SessionStore.open(tmp_path / "sessions.db") as store:
        link = start_link(broker, store)
        try:
            wait_for(lambda: link.connected, 10.0)
            broker.freeze()
            started = time.perf_counter()
            for n in range(200):
                link.send("distance", link.topics.distance, {"distance_mm": n})
            per_send = (time.perf_counter() - started) / 200
            assert per_send < 0.005  # queued: the safety thread never waits for the network
        finally:
            broker.thaw()
            link.stop()
