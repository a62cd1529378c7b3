"""Doctor's broker check against a real mosquitto: each step that can fail names itself and
its fix, and the check writes nothing on the broker."""

from __future__ import annotations

import subprocess
import time

import pytest
import trustme
from fakes import BROKER_PASSWORD, BROKER_USER, wait_for

from kiosk.service.doctor_broker import LOGIN_FIX, TLS_FIX, check_broker, service_network_lock
from kiosk.service.doctor_checks import FAIL, OK, SERVICE_UNIT, SKIP, WARN, Systemd
from kiosk.settings import Settings


def settings(broker, **values):
    return Settings(broker.settings(**values))


def password_file(tmp_path, password):
    path = tmp_path / "mqtt-password"
    path.write_text(password + "\n", encoding="utf-8")
    path.chmod(0o600)
    return str(path)


def test_no_broker_set_is_skipped():
    result = check_broker(Settings())
    assert result.status == SKIP and "mqtt.host is empty" in result.detail


def test_a_broker_that_answers_is_ok_and_hears_nothing_from_doctor(broker, subscribe):
    everything = subscribe(broker)
    result = check_broker(settings(broker, **{"kiosk.id": "hall-2"}))
    assert result.status == OK, result
    assert f"127.0.0.1:{broker.port} (no TLS, anonymous)" in result.detail
    assert "kiosk hall-2 has not been on this broker yet" in result.detail
    time.sleep(0.3)
    assert everything.received == []  # read-only: doctor published nothing


def test_a_kiosk_seen_on_the_broker_is_named(broker, subscribe, make_kiosk):
    values = broker.settings(**{"kiosk.id": "hall-2"})
    kiosk = make_kiosk(**{k.replace(".", "__"): v for k, v in values.items()})
    wait_for(lambda: kiosk.kiosk.link.connected, 10.0)
    result = check_broker(Settings(values))
    assert result.status == OK and "kiosk hall-2 is online there" in result.detail
    assert kiosk.kiosk.link.connected  # doctor's own client ID did not push the kiosk off


def test_a_wrong_password_fails_with_the_login_fix(make_broker, tmp_path):
    broker = make_broker(users=True)
    wrong = settings(
        broker,
        **{"mqtt.username": BROKER_USER, "mqtt.password_file": password_file(tmp_path, "nope")},
    )
    result = check_broker(wrong)
    assert result.status == FAIL and "refused the login" in result.detail
    assert result.fix == LOGIN_FIX
    right = settings(
        broker,
        **{
            "mqtt.username": BROKER_USER,
            "mqtt.password_file": password_file(tmp_path, BROKER_PASSWORD),
        },
    )
    assert check_broker(right).status == OK


def test_a_stopped_broker_and_an_unknown_name_fail_with_their_step(broker):
    broker.stop()
    stopped = check_broker(settings(broker))
    assert stopped.status == FAIL and "cannot connect to 127.0.0.1" in stopped.detail
    assert "systemctl status mosquitto" in stopped.fix
    unknown = check_broker(Settings({"mqtt.host": "no-such-broker.invalid"}))
    assert unknown.status == FAIL and "does not resolve" in unknown.detail


def test_tls_with_the_wrong_authority_fails_with_the_tls_fix(make_broker, tmp_path):
    broker = make_broker(tls=True)
    good = settings(broker, **{"mqtt.tls": True, "mqtt.ca_file": str(broker.ca_file)})
    assert check_broker(good).status == OK
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    result = check_broker(settings(broker, **{"mqtt.tls": True, "mqtt.ca_file": str(other)}))
    assert result.status == FAIL and "TLS with" in result.detail and result.fix == TLS_FIX


def test_a_password_file_others_can_read_fails_before_connecting(broker, tmp_path):
    loose = password_file(tmp_path, BROKER_PASSWORD)
    (tmp_path / "mqtt-password").chmod(0o644)
    result = check_broker(settings(broker, **{"mqtt.password_file": loose}))
    assert result.status == FAIL and "chmod 600" in result.detail


def systemd_showing(stdout):
    """A Systemd whose `systemctl show` prints `stdout` (the unit's properties)."""

    def run(command, **options):
        assert command[1:3] == ["show", SERVICE_UNIT]
        return subprocess.CompletedProcess(command, 0, stdout=stdout, stderr="")

    return Systemd("/usr/bin/systemctl", "", run)


LOCKED_UNIT = (
    "LoadState=loaded\nRestrictAddressFamilies=AF_UNIX AF_NETLINK\n"
    "IPAddressDeny=0.0.0.0/0 ::/0\nIPAddressAllow=\n"
)


def test_a_broker_the_installed_service_may_not_reach_is_a_warning_with_the_drop_in(broker):
    result = check_broker(settings(broker), systemd_showing(LOCKED_UNIT))
    assert result.status == WARN
    assert "the installed service may not use IP" in result.detail
    assert "RestrictAddressFamilies=AF_UNIX AF_NETLINK" in result.detail
    assert f"sudo systemctl edit {SERVICE_UNIT}" in result.fix
    assert "RestrictAddressFamilies=AF_INET AF_INET6" in result.fix
    assert "IPAddressAllow=127.0.0.1" in result.fix


@pytest.mark.parametrize(
    ("shown", "lock"),
    [
        (LOCKED_UNIT, "RestrictAddressFamilies=AF_UNIX AF_NETLINK"),
        (
            "LoadState=loaded\nRestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET AF_INET6\n"
            "IPAddressDeny=0.0.0.0/0 ::/0\nIPAddressAllow=\n",
            "IPAddressDeny=0.0.0.0/0 ::/0",
        ),
        (
            "LoadState=loaded\nRestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET AF_INET6\n"
            "IPAddressDeny=0.0.0.0/0 ::/0\nIPAddressAllow=192.168.1.0/24\n",
            None,
        ),
        ("LoadState=loaded\nRestrictAddressFamilies=\nIPAddressDeny=\nIPAddressAllow=\n", None),
        ("LoadState=not-found\nRestrictAddressFamilies=\n", None),
    ],
)
def test_the_units_network_lock_is_read_from_systemctl_show(shown, lock):
    assert service_network_lock(systemd_showing(shown)) == lock


def test_the_lock_is_not_looked_for_without_systemd():
    assert service_network_lock(Systemd(None, "there is no systemctl here")) is None
