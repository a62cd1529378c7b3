"""The Facility page over a real broker (Debian's mosquitto): every kiosk's retained state.

Two kiosks' retained availability and state are published before the dashboard starts
listening, as they would be on a facility's broker; the page then lists both.
"""

from __future__ import annotations

import json
import logging

import pytest
from fakes import wait_for
from web_site import build_site

from kiosk.web.facility import BrokerPlace, FacilityWatch


def place(broker, prefix="balance-kiosk") -> BrokerPlace:
    return BrokerPlace(broker.host, broker.port, "", None, False, "", prefix)


def state(zone, **more) -> str:
    payload = {"armed": zone != "idle", "zone": zone, "distance_mm": 500, "walker": None,
               "session_id": None, "escalated": False, "minutes_today": 12.5,
               "updated": "2025-03-04T09:58:07.120+01:00"}  # fmt: skip
    return json.dumps({**payload, **more})


@pytest.fixture
def facility(tmp_path, broker, subscribe):
    publisher = subscribe(broker, "nothing/here")
    publisher.publish("balance-kiosk/hall-2/availability", "online", retain=True)
    publisher.publish(
        "balance-kiosk/hall-2/state",
        state(
            "out_of_reach",
            walker="Ann",
            escalated=True,
            name="Hall, 2nd floor",
            web_url="http://192.0.2.7:8080/",
        ),  # fmt: skip
        retain=True,
    )
    publisher.publish("balance-kiosk/room-14/availability", "offline", retain=True)
    publisher.publish("balance-kiosk/room-14/state", state("idle"), retain=True)
    site = build_site(tmp_path)
    watch = FacilityWatch(place(broker)).start()
    site.dashboard.facility = watch
    assert wait_for(lambda: len(watch.kiosks()) == 2 and all(k.zone for k in watch.kiosks()), 10)
    assert site.sign_in().status_code == 303
    yield site, publisher
    watch.stop()


def card(text: str, heading: str) -> str:
    start = text.index(heading)
    return text[start : text.index("</article>", start)]


def test_the_page_lists_every_kiosk_with_its_state_and_link(facility):
    site, _ = facility
    page = site.client.get("/facility")
    assert page.status_code == 200
    hall = card(page.text, "Hall, 2nd floor</h2>")
    assert "online" in hall and "OUT OF REACH" in hall
    assert "Ann" in hall and "HELP WAS CALLED" in hall
    assert "Tue 4 Mar 2025, 09:58:07" in hall
    assert '<a href="http://192.0.2.7:8080/">Open its dashboard</a>' in hall
    room = card(page.text, "room-14</h2>")  # no name in its state: its ID
    assert "OFFLINE" in room and "nobody walking" in room
    assert "Open its dashboard" not in room
    assert 'href="/facility" aria-current="page"' in page.text


def test_a_change_on_the_broker_shows_on_the_next_load(facility):
    site, publisher = facility
    publisher.publish("balance-kiosk/room-14/availability", "online", retain=True)
    publisher.publish("balance-kiosk/room-14/state", state("within_reach", walker="Bob"), True)
    watch = site.dashboard.facility
    assert wait_for(lambda: [k.walker for k in watch.kiosks()] == ["Ann", "Bob"], 10)
    room = card(site.client.get("/facility").text, "room-14</h2>")
    assert "Bob" in room and "within reach" in room and "OFFLINE" not in room


@pytest.mark.parametrize(
    ("topic", "payload", "said"),
    [
        ("balance-kiosk/hall-2/state", "{not json", "not JSON"),
        ("balance-kiosk/hall-2/state", "[1, 2]", "not a JSON object"),
        ("balance-kiosk/hall-2/state", '{"zone": "on the moon"}', "is not one of"),
        ("balance-kiosk/hall-2/availability", "maybe", "availability is"),
    ],
)
def test_a_malformed_message_is_ignored_with_a_line(facility, caplog, topic, payload, said):
    site, publisher = facility
    caplog.set_level(logging.WARNING, "kiosk.web.facility")
    publisher.publish(topic, payload)
    assert wait_for(lambda: said in caplog.text, 10)
    hall = card(site.client.get("/facility").text, "Hall, 2nd floor</h2>")
    assert "OUT OF REACH" in hall and "online" in hall  # the last good state still shows


def test_a_link_that_is_not_http_is_not_shown(facility):
    site, publisher = facility
    bad = state("idle", name="Sneaky", web_url="javascript:alert(1)")
    publisher.publish("balance-kiosk/sneaky/state", bad, retain=True)
    assert wait_for(lambda: len(site.dashboard.facility.kiosks()) == 3, 10)
    sneaky = card(site.client.get("/facility").text, "Sneaky</h2>")
    assert "javascript" not in sneaky and "Open its dashboard" not in sneaky


def test_without_a_broker_the_page_says_how_to_configure_one(tmp_path):
    site = build_site(tmp_path)
    site.sign_in()
    page = site.client.get("/facility")
    assert page.status_code == 200
    assert "MQTT is not configured" in page.text
    assert "[mqtt]" in page.text and "systemctl restart balance-kiosk-web" in page.text


def test_a_broker_that_is_away_is_said_and_nothing_crashes(tmp_path, make_broker):
    broker = make_broker()
    broker.stop()
    site = build_site(tmp_path)
    site.dashboard.facility = watch = FacilityWatch(place(broker)).start()
    try:
        assert wait_for(lambda: watch.problem and "cannot reach" in watch.problem, 10)
        site.sign_in()
        page = site.client.get("/facility")
        assert page.status_code == 200
        assert "Not connected: cannot reach the broker" in page.text
        assert "No kiosk heard yet" in page.text
    finally:
        watch.stop()


def test_a_real_kiosk_shows_with_its_name_and_a_link_to_its_dashboard(
    tmp_path, broker, make_kiosk, monkeypatch
):
    web_env = tmp_path / "web.env"
    web_env.write_text("WEB_OPTIONS=--port 8443 --tls\n", encoding="utf-8")
    monkeypatch.setattr("kiosk.web.address.WEB_ENV", web_env)
    monkeypatch.setattr("kiosk.web.address.local_addresses", lambda: ["192.0.2.9"])
    values = broker.settings(**{"kiosk.id": "hall-2", "kiosk.name": "Hall, 2nd floor"})
    make_kiosk(**{k.replace(".", "__"): v for k, v in values.items()})
    site = build_site(tmp_path / "web")
    site.dashboard.facility = watch = FacilityWatch(place(broker)).start()
    try:
        assert wait_for(lambda: [k.zone for k in watch.kiosks()] == ["idle"], 10)
        site.sign_in()
        hall = card(site.client.get("/facility").text, "Hall, 2nd floor</h2>")
        assert "online" in hall and "nobody walking" in hall and "ID hall-2" in hall
        assert '<a href="https://192.0.2.9:8443/">Open its dashboard</a>' in hall
    finally:
        watch.stop()
