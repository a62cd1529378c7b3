"""The kiosk's caregiver page for the web dashboard: its address, its TLS fingerprint, and a
password typed on the screen that then opens the dashboard (a real TestClient sign-in)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from kiosk.web.app import create_app
from kiosk.web.dashboard import Dashboard
from kiosk.web.tls import ensure_certificate

ORIGIN = "http://testserver"


@pytest.fixture
def drawn(monkeypatch):
    """Every text the web dashboard page draws, as drawn."""
    from kiosk.screens.caregiver.pages import web_dashboard

    texts: list[str] = []
    real = web_dashboard.draw_text

    def recording(surface, text, *args, **kwargs):
        texts.append(text)
        return real(surface, text, *args, **kwargs)

    monkeypatch.setattr(web_dashboard, "draw_text", recording)
    return texts


def open_web_page(app, pin="2468"):
    app.caregiver.show()
    app.frame()
    for digit in pin:
        app.tap(f"digit:{digit}")
    app.tap("enter")
    assert app.current_screen == "caregiver-menu"
    app.tap("page:web")
    assert app.current_screen == "caregiver-web"


def type_text(app, text):
    for char in text:
        key = "space" if char == " " else char
        while not any(b.action == f"key:{key}" for b in app.buttons):
            app.tap("keys")
        app.tap(f"key:{key}")


def sign_in(folder, password):
    client = TestClient(create_app(Dashboard.for_folder(folder)))
    page = client.get("/login")
    token = page.text.split('name="csrf" value="')[1].split('"')[0]
    answer = client.post(
        "/login",
        data={"csrf": token, "password": password, "next": "/"},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    return client, answer


def test_the_page_shows_the_address_and_the_certificates_fingerprint(make_kiosk, drawn):
    app = make_kiosk()
    data = app.kiosk.data
    made = ensure_certificate(data.web_certificate, data.web_certificate_key)
    app.caregiver.tools.addresses = lambda: ["192.0.2.5"]
    open_web_page(app)
    app.frame()
    shown = " ".join(drawn)
    assert "http://192.0.2.5:8080/" in shown
    assert "Password: not set yet." in shown
    fingerprint_line = next(t for t in drawn if t.startswith("TLS fingerprint (SHA-256): "))
    assert fingerprint_line.split(": ", 1)[1].replace(" ", ":") == made.fingerprint


def test_without_a_certificate_no_fingerprint_is_shown(make_kiosk, drawn):
    app = make_kiosk()
    app.caregiver.tools.addresses = lambda: []
    open_web_page(app)
    app.frame()
    assert not any("fingerprint" in t for t in drawn)
    assert any("no network address" in t for t in drawn)


def test_a_password_set_on_the_kiosk_signs_in_on_the_dashboard(make_kiosk, drawn):
    app = make_kiosk()
    open_web_page(app)
    app.tap("set_password")
    assert app.current_screen == "caregiver-web_password"
    type_text(app, "kitchen 42")
    app.tap("save")
    assert app.current_screen == "caregiver-web"
    assert "Web password set" in app.caregiver.message
    app.frame()
    assert any(t == "Password: set." for t in drawn)
    client, answer = sign_in(app.kiosk.data, "kitchen 42")
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    assert client.get("/", follow_redirects=False).status_code == 200
    _, wrong = sign_in(app.kiosk.data, "kitchen 43")
    assert wrong.status_code != 303


def test_a_short_password_is_refused_and_nothing_is_saved(make_kiosk):
    app = make_kiosk()
    open_web_page(app)
    app.tap("set_password")
    type_text(app, "abc")
    app.tap("save")
    assert app.current_screen == "caregiver-web_password"
    assert "at least 8 characters" in app.caregiver.message
    assert not app.kiosk.data.web_password.exists()


def test_the_page_is_behind_the_pin(make_kiosk):
    app = make_kiosk()
    app.caregiver.show()
    app.frame()
    actions = {b.action for b in app.buttons}
    assert "page:web" not in actions and "set_password" not in actions
    for digit in "1357":  # a wrong PIN
        app.tap(f"digit:{digit}")
    app.tap("enter")
    assert app.current_screen == "caregiver-pin"
    assert "page:web" not in {b.action for b in app.buttons}
