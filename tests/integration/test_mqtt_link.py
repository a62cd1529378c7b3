"""The kiosk on a real broker (Debian's mosquitto), as bootstrap builds it, read by a real
subscriber: discovery, availability, calls for help and their answer, what the broker refuses,
and an alarm that does not wait for any of it."""

from __future__ import annotations

import json
import logging
import time

import trustme
from fakes import BROKER_PASSWORD, BROKER_USER, event_types, through_to_walking, wait_for

from kiosk.walk.flow import Screen

QUICK_CALL_S = 5  # escalation.after_s: the shortest the schema allows


def on(broker, **values):
    """make_kiosk's keyword arguments for a kiosk on `broker` (keys with '__')."""
    return {k.replace(".", "__"): v for k, v in broker.settings(**values).items()}


def connected(kiosk):
    wait_for(lambda: kiosk.kiosk.link.connected, 10.0)
    return kiosk.kiosk.link.topics


def events(subscriber, topics):
    return [e for e in subscriber.json(topics.event)]


# -- discovery and availability -------------------------------------------------------------


def test_home_assistant_finds_the_device_and_its_entities(broker, make_kiosk, subscribe):
    kiosk = make_kiosk(**on(broker, **{"kiosk.id": "hall-2", "kiosk.name": "Hall, 2nd floor"}))
    topics = connected(kiosk)
    late = subscribe(broker)  # after the kiosk: it sees what the broker kept
    wait_for(lambda: late.retained(topics.discovery) and late.retained(topics.availability))
    assert topics.discovery == "homeassistant/device/hall-2/config"
    assert late.retained(topics.availability) == [b"online"]
    config = json.loads(late.retained(topics.discovery)[0])
    assert config["dev"]["name"] == "Hall, 2nd floor" and config["dev"]["ids"] == ["hall-2"]
    assert config["o"]["name"] == "balance-kiosk"
    assert config["availability_topic"] == "balance-kiosk/hall-2/availability"
    entities = {c["name"]: c for c in config["cmps"].values()}
    assert set(entities) == {
        "Out of reach",
        "Sensor problem",
        "Help called",
        "Distance",
        "Minutes today",
        "Events",
        "Acknowledge call",
    }
    assert {c["unique_id"] for c in entities.values()} == {
        f"hall-2_{key}" for key in config["cmps"]
    }
    assert entities["Out of reach"]["p"] == "binary_sensor"
    assert entities["Out of reach"]["device_class"] == "safety"
    assert entities["Sensor problem"]["device_class"] == "problem"
    assert entities["Distance"]["unit_of_measurement"] == "mm"
    assert entities["Distance"]["state_class"] == "measurement"
    assert entities["Events"]["p"] == "event" and "escalated" in entities["Events"]["event_types"]
    assert entities["Acknowledge call"]["command_topic"] == "balance-kiosk/hall-2/command"
    # The start-up check arms the loop for a moment; the retained state follows within 0.25 s.
    assert late.retained(topics.state)  # kept by the broker for whoever comes later
    wait_for(lambda: json.loads(late.messages(topics.state)[-1])["zone"] == "idle")
    state = json.loads(late.messages(topics.state)[-1])
    assert state["armed"] is False and state["escalated"] is False


def test_discovery_is_sent_again_when_home_assistant_comes_online(broker, make_kiosk, subscribe):
    kiosk = make_kiosk(**on(broker))
    topics = connected(kiosk)
    watcher = subscribe(broker, topics.discovery)
    wait_for(lambda: len(watcher.messages(topics.discovery)) == 1)
    watcher.publish("homeassistant/status", "online")  # Home Assistant's birth message
    wait_for(lambda: len(watcher.messages(topics.discovery)) == 2)
    watcher.publish("homeassistant/status", "offline")
    kiosk.kiosk.stop_link()  # everything the link was going to send is sent by now
    assert len(watcher.messages(topics.discovery)) == 2


# -- calls for help, and their answer -------------------------------------------------------


def test_a_walker_away_too_long_calls_for_help_and_the_broker_answers(
    broker, make_kiosk, subscribe
):
    kiosk = make_kiosk(**on(broker), escalation__after_s=QUICK_CALL_S, nurse_call__pin=27)
    topics = connected(kiosk)
    home = subscribe(broker)
    through_to_walking(kiosk)
    kiosk.sim.walker.move_to(800.0)
    wait_for(lambda: "escalated" in event_types(home, topics), QUICK_CALL_S + 5)
    kiosk.sim.walker.move_to(450.0)  # back: recorded, but the call stands
    wait_for(lambda: "back_in_reach" in event_types(home, topics))
    wait_for(lambda: home.json(topics.state)[-1]["escalated"] is True)
    nurse = kiosk.sim.pin_factory.pin(27)
    assert not nurse.state  # normally closed: open on a call
    home.publish(topics.command, json.dumps({"command": "acknowledge"}))
    wait_for(lambda: "acknowledged" in event_types(home, topics))
    wait_for(lambda: home.json(topics.state)[-1]["escalated"] is False)
    assert nurse.state
    assert event_types(home, topics) == [
        "session_started",
        "out_of_reach",
        "escalated",
        "back_in_reach",
        "acknowledged",
    ]
    called = next(e for e in events(home, topics) if e["event_type"] == "escalated")
    assert called["detail"] == f"out of reach for {QUICK_CALL_S} s"
    assert called["walker"] == "Walker" and called["session_id"] == kiosk.kiosk.walk.sessions[0]
    kiosk.store.flush()
    logged = kiosk.store.session_detail(kiosk.kiosk.walk.sessions[0]).events
    assert [e.detail for e in logged if e.kind == "acknowledged"] == ["answered on the broker"]


def test_a_sensor_out_of_order_too_long_calls_for_help(broker, make_kiosk, subscribe):
    kiosk = make_kiosk(**on(broker), escalation__after_s=QUICK_CALL_S)
    topics = connected(kiosk)
    home = subscribe(broker)
    through_to_walking(kiosk)
    kiosk.sim.chip.unplug()
    wait_for(lambda: "escalated" in event_types(home, topics), QUICK_CALL_S + 5)
    kinds = event_types(home, topics)
    # From the walk's start (a machine under heavy load can miss a reading during the ready
    # check, which is reported as a fault and its end before the walk).
    assert kinds[kinds.index("session_started") :][-2:] == ["sensor_fault", "escalated"]
    called = events(home, topics)[-1]
    assert called["detail"] == f"the sensor out of order for {QUICK_CALL_S} s"
    wait_for(lambda: home.json(topics.state)[-1]["zone"] == "sensor_fault")


def test_the_help_button_calls_at_once_and_home_assistant_answers(broker, make_kiosk, subscribe):
    kiosk = make_kiosk(**on(broker))
    topics = connected(kiosk)
    home = subscribe(broker)
    wait_for(lambda: home.messages(topics.discovery))
    discovery = json.loads(home.messages(topics.discovery)[-1])
    through_to_walking(kiosk)
    kiosk.tap("help")
    kiosk.tap("help")  # the second tap confirms
    wait_for(lambda: "escalated" in event_types(home, topics))
    button = discovery["cmps"]["acknowledge"]
    home.publish(button["command_topic"], button["payload_press"])  # what pressing it sends
    wait_for(lambda: "acknowledged" in event_types(home, topics))
    assert event_types(home, topics) == [
        "session_started",
        "help_requested",
        "escalated",
        "acknowledged",
    ]
    answered = events(home, topics)[-1]
    assert answered["detail"] == "answered on Home Assistant"
    assert kiosk.kiosk.safety.escalation.call is None


def test_nothing_but_acknowledge_is_taken_from_the_broker(broker, make_kiosk, subscribe, caplog):
    home = subscribe(broker)
    command = "balance-kiosk/hall-2/command"
    # A retained acknowledge would answer every future call at the next connection.
    home.publish(command, json.dumps({"command": "acknowledge"}), retain=True)
    with caplog.at_level(logging.WARNING, logger="kiosk.link.mqtt"):
        kiosk = make_kiosk(**on(broker, **{"kiosk.id": "hall-2"}))
        topics = connected(kiosk)
        wait_for(lambda: "refused a retained command" in caplog.text)
        through_to_walking(kiosk)
        kiosk.sim.walker.move_to(800.0)
        wait_for(lambda: kiosk.buzzer.active)
        kiosk.tap("help")
        kiosk.tap("help")
        wait_for(lambda: "escalated" in event_types(home, topics))
        home.publish(command, json.dumps({"command": "silence"}))
        home.publish(command, "stop the walk")
        wait_for(lambda: len([r for r in caplog.records if "refused" in r.message]) == 3)
    refusals = [r.message for r in caplog.records if "refused" in r.message]
    assert 'only {"command": "acknowledge"} is accepted' in refusals[1]
    assert "it is not JSON" in refusals[2]
    # The alarm sounds on, the call stands, and the link still answers a proper command.
    assert kiosk.buzzer.active and kiosk.kiosk.safety.escalation.call is not None
    home.publish(command, json.dumps({"command": "acknowledge"}))
    wait_for(lambda: "acknowledged" in event_types(home, topics))
    assert kiosk.buzzer.active  # answering a call does not silence the alarm
    home.publish(command, "", retain=True)  # the broker forgets the retained one


# -- what the broker refuses, or a broker that is not there ---------------------------------


def password_file(tmp_path, password, mode=0o600):
    path = tmp_path / "mqtt-password"
    path.write_text(password + "\n", encoding="utf-8")
    path.chmod(mode)
    return str(path)


def test_a_refused_password_is_said_and_loses_nothing(make_broker, make_kiosk, tmp_path, caplog):
    broker = make_broker(users=True)
    kiosk = make_kiosk(
        **on(
            broker,
            **{
                "mqtt.username": BROKER_USER,
                "mqtt.password_file": password_file(tmp_path, "wrong"),
            },
        )
    )
    link = kiosk.kiosk.link
    wait_for(lambda: link.problem and "refused the login" in link.problem, 10.0)
    assert "mqtt.password_file" in link.problem
    through_to_walking(kiosk)
    kiosk.sim.walker.move_to(800.0)
    wait_for(lambda: kiosk.buzzer.active)  # the alarm does not care
    kiosk.frame()
    assert kiosk.flow.screen is Screen.OUT_OF_REACH
    wait_for(lambda: link.outbox.held >= 2)
    kiosk.store.flush()
    kinds = [row[1] for row in kiosk.store.outbox_rows() if row[1] != "distance"]
    assert kinds[:2] == ["session_started", "out_of_reach"]


def test_a_password_file_others_can_read_keeps_the_link_off(broker, make_kiosk, tmp_path, caplog):
    loose = password_file(tmp_path, BROKER_PASSWORD, mode=0o644)
    with caplog.at_level(logging.ERROR, logger="kiosk.bootstrap"):
        kiosk = make_kiosk(**on(broker, **{"mqtt.password_file": loose}))
    assert kiosk.kiosk.link is None
    assert f"chmod 600 {loose}" in caplog.text and "can be read by other users" in caplog.text
    through_to_walking(kiosk)  # the kiosk itself works


def test_a_broker_name_that_does_not_resolve_does_not_stop_the_kiosk(make_kiosk):
    kiosk = make_kiosk(mqtt__host="no-such-broker.invalid")
    link = kiosk.kiosk.link
    through_to_walking(kiosk)
    kiosk.sim.walker.move_to(800.0)
    wait_for(lambda: kiosk.buzzer.active)
    wait_for(lambda: link.problem and "cannot reach the broker" in link.problem, 10.0)


def test_tls_with_the_facilitys_certificate_authority(make_broker, make_kiosk, subscribe, tmp_path):
    broker = make_broker(tls=True)
    kiosk = make_kiosk(**on(broker, **{"mqtt.tls": True, "mqtt.ca_file": str(broker.ca_file)}))
    topics = connected(kiosk)
    home = subscribe(broker)
    wait_for(lambda: home.retained(topics.availability) == [b"online"])
    # A broker certificate from another authority is not trusted.
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    doubtful = make_kiosk(**on(broker, **{"mqtt.tls": True, "mqtt.ca_file": str(other)}))
    link = doubtful.kiosk.link
    wait_for(lambda: link.problem and "cannot reach the broker" in link.problem, 10.0)
    assert not link.connected


# -- the alarm never waits for the broker ---------------------------------------------------


def pulse_groups(states, pulses=10):
    """The buzzer's first `pulses` pulses, grouped at the pattern's long gaps (3 + 2 ...).

    A state's timestamp is how long the state before it lasted; a change that lasted no time
    at all (off and on again in one call) is no gap."""
    groups: list[int] = []
    for gap in (s.timestamp for s in states[1:] if s.state):  # the low span before each rise
        if groups and gap < 0.001:
            continue
        if not groups or gap > 0.2:
            groups.append(0)
        groups[-1] += 1
        if sum(groups) == pulses:
            break
    return groups


def alarm_pattern(kiosk):
    pin = kiosk.sim.pin_factory.pin(17)
    through_to_walking(kiosk)
    time.sleep(0.5)  # the check's chirp is over
    pin.clear_states()
    kiosk.sim.walker.move_to(800.0)
    wait_for(lambda: sum(1 for s in pin.states[1:] if s.state) >= 10, 10.0)
    kiosk.frame()
    screen = kiosk.flow.screen
    kiosk.sim.walker.move_to(450.0)
    wait_for(lambda: not kiosk.buzzer.active)
    return screen, pulse_groups(pin.states)


def test_a_frozen_or_stopped_broker_changes_nothing_in_the_alarm(make_broker, make_kiosk):
    patterns = {"no broker": alarm_pattern(make_kiosk())}
    frozen = make_broker()
    kiosk = make_kiosk(**on(frozen))
    connected(kiosk)
    frozen.freeze()
    patterns["frozen broker"] = alarm_pattern(kiosk)
    frozen.thaw()
    stopped = make_broker()
    stopped.stop()
    patterns["stopped broker"] = alarm_pattern(make_kiosk(**on(stopped)))
    # the high-priority pattern, 3 + 2 twice, shown on the alarm's screen, whatever the broker
    assert set(map(repr, patterns.values())) == {repr((Screen.OUT_OF_REACH, [3, 2, 3, 2]))}
