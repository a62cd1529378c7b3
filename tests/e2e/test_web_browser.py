"""The dashboard in a real browser: Debian's chromium, driven by Playwright, against a real
`balance-kiosk web` process serving the log of a scripted session (`run --script drift`)."""

from __future__ import annotations

import csv
import http.server
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from fakes import run_cli

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PASSWORD = "a walk by the counter"

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="Debian's chromium is not installed: 'sudo apt-get install chromium' "
        "(make test installs it when run as root)",
    ),
]


def start_dashboard(data: Path) -> tuple[subprocess.Popen, str]:
    """`balance-kiosk web` on a free port; returns the process and its address."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "web", "--host", "127.0.0.1", "--port", "0",
         "--data-dir", str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )  # fmt: skip
    line = process.stdout.readline() if process.stdout else ""
    if "dashboard: http://" not in line:
        process.kill()
        raise AssertionError(f"the dashboard did not start: {line} {process.stderr.read()}")
    return process, line.split("dashboard: ")[1].strip().rstrip("/")


@pytest.fixture(scope="module")
def kiosk_data(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("browser") / "data"
    env = {"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    ran = run_cli("run", "--simulate", "--headless", "--script", "drift", "--data-dir", data,
                  env=env)  # fmt: skip
    sessions = sqlite3.connect(data / "sessions.db").execute("SELECT count(*) FROM sessions")
    assert sessions.fetchone()[0] >= 1, f"no session in the log: {ran.stdout}{ran.stderr}"
    done = run_cli("web", "set-password", "--data-dir", data, input=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    return data


@pytest.fixture(scope="module")
def dashboard(kiosk_data):
    process, url = start_dashboard(kiosk_data)
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def signed_in_page(browser, url: str, **context):
    page = browser.new_context(accept_downloads=True, **context).new_page()
    page.goto(f"{url}/sessions")
    assert page.url.startswith(f"{url}/login")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/sessions")
    return page


def test_sign_in_see_the_session_and_open_its_chart(browser, dashboard):
    page = signed_in_page(browser, dashboard)
    rows = page.locator("table.sessions tbody tr")
    assert rows.count() >= 1
    assert "Walker" in rows.first.inner_text()
    rows.first.locator("a").click()
    page.wait_for_selector("svg.chart")
    chart = page.locator("svg.chart")
    assert chart.is_visible()
    assert "reach 600 mm" in (chart.text_content() or "")
    assert (page.locator("svg.chart title").text_content() or "").startswith(
        "Distance from the support"
    )
    assert page.get_by_role("heading", name="Events").is_visible()


def test_download_the_csv(browser, dashboard, kiosk_data):
    page = signed_in_page(browser, dashboard)
    page.goto(f"{dashboard}/export")
    with page.expect_download() as event:
        page.get_by_role("link", name="Sessions (CSV)").click()
    download = event.value
    assert download.suggested_filename.endswith("-sessions.csv")
    text = Path(download.path()).read_bytes().decode("utf-8")
    assert text.startswith("\ufeffsession_id,profile,date")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    count = sqlite3.connect(kiosk_data / "sessions.db").execute("SELECT count(*) FROM sessions")
    assert len(rows) == count.fetchone()[0] and rows[0]["profile"] == "Walker"


PAGES = ["/", "/sessions", "/sessions/1", "/progress", "/walkers", "/export"]


def test_a_phone_sized_screen_never_scrolls_sideways(browser, dashboard):
    page = signed_in_page(browser, dashboard, viewport={"width": 390, "height": 844})
    for path in [*PAGES, "/login"]:
        page.goto(dashboard + path)
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], (path, widths)
        size = page.evaluate("getComputedStyle(document.body).fontSize")
        assert size == "18px", path


def test_the_keyboard_reaches_the_content_first(browser, dashboard):
    page = signed_in_page(browser, dashboard)
    page.goto(dashboard + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    assert page.locator("main").count() == 1 and page.locator("nav").count() == 1


class _AttackerPage(http.server.BaseHTTPRequestHandler):
    target = ""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = (
            f'<form method="post" action="{self.target}/walkers/add">'
            '<input name="name" value="Mallory"><input name="minutes" value="10">'
            '<input name="days" value="3"></form><script>document.forms[0].submit()</script>'
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_form_posted_from_another_site_is_refused(browser, dashboard, kiosk_data):
    page = signed_in_page(browser, dashboard)
    _AttackerPage.target = dashboard
    server = http.server.HTTPServer(("127.0.0.1", 0), _AttackerPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
        page.wait_for_url(f"{dashboard}/walkers/add")
        assert "nothing was changed" in page.inner_text("main")
    finally:
        server.shutdown()
    names = sqlite3.connect(kiosk_data / "sessions.db").execute("SELECT name FROM profiles")
    assert "Mallory" not in [n for (n,) in names]
    page.goto(f"{dashboard}/walkers")  # the dashboard's own form still works
    page.fill("#new-name", "Rosa")
    page.get_by_role("button", name="Add").click()
    assert "The walker was added" in page.inner_text("main")


def test_a_wrong_password_slows_the_next_try(browser, kiosk_data):
    process, url = start_dashboard(kiosk_data)  # its own process: its own failure counts
    try:
        page = browser.new_page()
        page.goto(f"{url}/login")
        page.fill("#password", "a wrong guess")
        page.click("button[type=submit]")
        assert "That password is not right" in page.inner_text("main")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        assert "Too many wrong passwords: wait" in page.inner_text("main")
        assert page.url.startswith(f"{url}/login")
        page.wait_for_timeout(1100)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{url}/")
        assert page.get_by_role("heading", name="Today").is_visible()
    finally:
        process.terminate()
        process.wait(10)
