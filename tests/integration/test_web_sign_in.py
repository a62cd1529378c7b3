"""The dashboard's doors: every route closed to strangers, sign-in, cookies, CSRF and Origin.

Starlette's TestClient drives the real application over a real session log and real password,
token and key files in a temporary data folder.
"""

from __future__ import annotations

import json

import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient
from web_site import ORIGIN, PASSWORD, build_site

from kiosk.web.app import create_app
from kiosk.web.dashboard import Dashboard
from kiosk.web.guard import PUBLIC_ROUTES

PARAMS = {"session_id": "1", "walker_id": "1", "name": "sessions.csv"}


@pytest.fixture
def site(tmp_path):
    return build_site(tmp_path)


def every_route(app) -> list[tuple[str, str]]:
    """(method, path) for every route of the router, its parameters filled in."""
    found = []
    for route in app.routes:
        if isinstance(route, Mount):
            continue
        assert isinstance(route, Route)
        path = route.path
        for name, value in PARAMS.items():
            path = path.replace(f"{{{name}:int}}", value).replace(f"{{{name}}}", value)
        assert "{" not in path, f"a parameter the test does not know: {route.path}"
        found += [(method, path) for method in sorted(route.methods or {"GET"}) if method != "HEAD"]
    return found


def test_every_route_refuses_a_stranger(site):
    routes = every_route(site.client.app)
    assert len(routes) >= 17
    stranger = TestClient(site.client.app)
    for method, path in routes:
        if path in PUBLIC_ROUTES:
            continue
        answer = stranger.request(method, path, follow_redirects=False)
        if path.startswith("/api/"):
            assert answer.status_code == 401, (method, path)
            assert "sign in first" in answer.json()["error"]
        else:
            assert answer.status_code == 303, (method, path, answer.status_code)
            assert answer.headers["location"].startswith("/login?next=")
        assert "Ann" not in answer.text


def test_only_the_sign_in_page_and_the_static_files_are_open(site):
    mounts = [r.path for r in site.client.app.routes if isinstance(r, Mount)]
    assert mounts == ["/static"]
    stranger = TestClient(site.client.app)
    assert stranger.get("/login").status_code == 200
    css = stranger.get("/static/style.css")
    assert css.status_code == 200 and "font-size: 18px" in css.text


def test_signing_in_opens_the_pages_and_sets_a_strict_http_only_cookie(site):
    answer = site.sign_in()
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    today = site.client.get("/")
    assert today.status_code == 200 and "Ann" in today.text and "Bob" in today.text


def test_over_tls_the_cookie_is_secure_and_host_only(tmp_path):
    site = build_site(tmp_path, secure=True)
    client = TestClient(site.client.app, base_url="https://testserver")
    page = client.get("/login")
    token = page.text.split('name="csrf" value="')[1].split('"')[0]
    answer = client.post(
        "/login",
        data={"csrf": token, "password": PASSWORD},
        headers={"Origin": "https://testserver"},
        follow_redirects=False,
    )
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("__Host-balance_kiosk=") and "Secure" in cookie
    assert client.get("/").status_code == 200


def test_sign_in_gives_a_new_session_so_a_planted_cookie_stays_signed_out(site):
    site.client.get("/login")
    planted = dict(site.client.cookies)  # what an attacker could have put in this browser
    assert site.sign_in().status_code == 303
    signed_in = dict(site.client.cookies)
    assert signed_in != planted
    attacker = TestClient(site.client.app, cookies=planted)
    assert attacker.get("/", follow_redirects=False).status_code == 303
    assert attacker.get("/api/walkers").status_code == 401
    assert site.client.get("/api/walkers").status_code == 200


def test_sign_ins_survive_a_restart_of_the_program(site):
    site.sign_in()
    cookies = dict(site.client.cookies)
    again = Dashboard.for_folder(site.folder, clock=site.dashboard.clock)  # same key file
    restarted = TestClient(create_app(again), cookies=cookies)
    assert restarted.get("/", follow_redirects=False).status_code == 200


def test_a_new_password_signs_everyone_out(site):
    site.sign_in()
    assert site.client.get("/", follow_redirects=False).status_code == 200
    site.dashboard.passwords.set("another long password")
    assert site.client.get("/", follow_redirects=False).status_code == 303


def test_a_wrong_password_makes_the_next_try_wait_then_the_right_one_works(site):
    wrong = site.sign_in("not the password")
    assert wrong.status_code == 401 and "That password is not right" in wrong.text
    too_soon = site.sign_in()
    assert too_soon.status_code == 429 and "wait 1 second" in too_soon.text
    assert site.client.get("/", follow_redirects=False).status_code == 303
    site.monotonic.now += 1.0
    site.sign_in("still not it")
    site.monotonic.now += 1.0
    assert "wait 1 second" in site.sign_in().text  # the second failure waits 2 s
    site.monotonic.now += 1.0
    assert site.sign_in().status_code == 303  # never banned: after the wait it opens


def test_failures_from_many_addresses_slow_everyone_a_little(site):
    for n in range(12):
        site.dashboard.throttle.failed(f"10.0.0.{n}")
    assert 0 < site.dashboard.throttle.wait_s("192.168.1.5") <= 10
    answer = site.sign_in()
    assert answer.status_code == 429 and "Nothing is locked" in answer.text


@pytest.mark.parametrize("content", [None, "", "{not json", '{"hash": "plain text"}', "\xff"])
def test_a_missing_or_damaged_password_file_says_how_to_set_one(tmp_path, content):
    site = build_site(tmp_path, password=False)
    if content is not None:
        site.folder.web_password.write_text(content, encoding="latin-1")
    page = site.client.get("/login")
    assert page.status_code == 200
    assert "balance-kiosk web set-password" in page.text
    assert ("damaged" in page.text) == (content is not None)
    token = page.text.split('name="csrf" value="')[1].split('"')[0] if "csrf" in page.text else ""
    answer = site.client.post("/login", data={"csrf": token, "password": "anything at all"},
                              headers={"Origin": ORIGIN})  # fmt: skip
    assert answer.status_code in (400, 503) and "set-password" in answer.text
    assert site.client.get("/", follow_redirects=False).status_code == 303


def test_after_sign_in_only_paths_of_this_site_are_followed(site):
    for target, landing in [("/progress", "/progress"), ("//evil.example/x", "/"),
                            ("https://evil.example/", "/"), ("/\\evil.example", "/")]:  # fmt: skip
        token = site.csrf()
        answer = site.client.post(
            "/login",
            data={"csrf": token, "password": PASSWORD, "next": target},
            headers={"Origin": ORIGIN},
            follow_redirects=False,
        )
        assert answer.headers["location"] == landing, target
        site.client.cookies.clear()


def test_bearer_token_opens_the_api_until_revoked(site):
    token = site.dashboard.tokens.issue()
    script = TestClient(site.client.app)
    headers = {"Authorization": f"Bearer {token}"}
    walkers = script.get("/api/walkers", headers=headers)
    assert walkers.status_code == 200
    assert [w["name"] for w in walkers.json()["walkers"]] == ["Ann", "Bob"]
    assert script.get("/export/sessions.csv", headers=headers).status_code == 200
    assert script.get("/api/walkers", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert "sha256" in json.loads(site.folder.web_token.read_text())
    assert token not in site.folder.web_token.read_text()
    site.dashboard.tokens.revoke()
    assert script.get("/api/walkers", headers=headers).status_code == 401


def test_secret_files_are_the_owners_only(site):
    site.dashboard.tokens.issue()
    for path in (site.folder.web_password, site.folder.web_secret, site.folder.web_token):
        assert path.stat().st_mode & 0o777 == 0o600, path
    assert json.loads(site.folder.web_password.read_text())["hash"].startswith("$argon2id$")
