"""What a signed-in caregiver reads and changes on the dashboard, and what bad input gets."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import threading

import pytest
from fakes import run_cli
from web_site import build_site

from kiosk.log.store import SessionStore


@pytest.fixture
def site(tmp_path):
    site = build_site(tmp_path)
    assert site.sign_in().status_code == 303
    return site


def test_sessions_lists_both_walks_and_filters_by_walker_and_date(site):
    page = site.client.get("/sessions")
    assert page.status_code == 200
    assert page.text.count('href="/sessions/') == 2
    assert "completed" in page.text and "sensor fault" in page.text
    ann = site.client.get(f"/sessions?walker={site.ids['ann']}")
    assert ann.text.count('href="/sessions/') == 1 and "Bob</td>" not in ann.text
    later = site.client.get("/sessions?from=2025-03-05")
    assert "No sessions match" in later.text


def test_a_session_logged_before_the_clock_was_set_is_marked_in_the_list_and_on_its_page(site):
    store = SessionStore.open(site.folder.sessions_db)
    store.record_event(site.ids["second"], "clock_unset", "the clock was not set")
    store.close()
    listing = site.client.get("/sessions").text
    rows = listing.split("<tr>")[2:]  # after the heading's row
    rows = {row.split('href="/sessions/')[1].split('"')[0]: row for row in rows}
    assert "(time not confirmed)" in rows[str(site.ids["second"])]
    assert "(time not confirmed)" not in rows[str(site.ids["first"])]
    assert "may be off" in listing
    page = site.client.get(f"/sessions/{site.ids['second']}").text
    assert "The date and times of this session are not confirmed" in page
    assert "not confirmed" not in site.client.get(f"/sessions/{site.ids['first']}").text
    record = site.client.get(f"/api/sessions/{site.ids['second']}").json()
    assert record["time_confirmed"] is False


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("walker=../../etc", "is not one of the walkers"),
        ("walker=999", "not in the log"),
        ("from=yesterday", "wants a date like"),
        ("from=2025-03-05&to=2025-03-01", "is after"),
        ("page=-3", "not a page number"),
        ("page=99999999999999", "not a page number"),
    ],
)
def test_a_wrong_filter_is_named_and_the_list_still_shows(site, query, said):
    page = site.client.get(f"/sessions?{query}")
    assert page.status_code == 200
    assert said in page.text


def test_paging_moves_by_25_sessions(tmp_path):
    site = build_site(tmp_path)
    store = SessionStore.open(site.folder.sessions_db)
    for n in range(30):
        sid = store.start_session(site.ids["ann"], "beginner", 1, t_ms=1_600_000_000_000 + n)
        store.end_session(sid, "completed", seconds_walking=60, seconds_paused=0)
    store.close()
    site.sign_in()
    first = site.client.get("/sessions")
    assert first.text.count('href="/sessions/') == 25 and 'rel="next"' in first.text
    second = site.client.get("/sessions?page=2")
    assert second.text.count('href="/sessions/') == 7 and 'rel="next"' not in second.text


def test_a_session_shows_its_chart_with_the_reach_line_and_a_labelled_hatched_alarm(site):
    page = site.client.get(f"/sessions/{site.ids['first']}")
    assert page.status_code == 200
    text = page.text
    assert '<svg viewBox="0 0 600 300" role="img"' in text
    assert "reach 600 mm" in text
    assert 'fill="url(#hatch)"' in text and '<pattern id="hatch"' in text
    assert ">1</text>" in text  # the span's number, as in the list under the chart
    assert "out of reach (reminder)" in text and "back within reach" in text
    assert "5 s" in text  # 40.6 s to 46.0 s
    assert "completed" in text


def test_a_sensor_fault_is_dotted_and_listed(site):
    page = site.client.get(f"/sessions/{site.ids['second']}")
    assert 'fill="url(#dots)"' in page.text and "Sensor faults" in page.text


@pytest.mark.parametrize(
    "path",
    [
        "/sessions/999",
        "/sessions/..%2F..%2Fetc%2Fpasswd",
        "/sessions/1%2F..%2F..%2Fsessions.db",
        "/export/..%2Fsessions.db",
        "/export/sessions.db",
        "/export/..%2F..%2Fweb_password.json",
        "/static/../sessions.db",
        "/static/..%2F..%2F..%2Fweb_password.json",
        "/static/%2e%2e/%2e%2e/app.py",
        "/api/sessions/-1",
    ],
)
def test_paths_reach_nothing_outside_the_dashboard(site, path):
    answer = site.client.get(path, follow_redirects=False)
    assert answer.status_code == 404, path
    assert b"SQLite format" not in answer.content and b"argon2" not in answer.content
    assert b"import" not in answer.content


def test_progress_shows_each_walker_and_the_build_up_reason(site):
    page = site.client.get("/progress")
    assert page.status_code == 200
    assert "Ann" in page.text and "Bob" in page.text
    assert "Stay at level 1" in page.text and "recent clean session" in page.text
    assert "ended with a sensor fault" in page.text  # Bob's reason
    assert "goal 30 min" in page.text  # Ann: 10 min x 3 days


def test_today_shows_the_minutes_against_the_goal(site):
    page = site.client.get("/")
    assert "Nobody is walking" in page.text
    assert "11 min of 10 min" in page.text and "goal reached" in page.text


def test_today_shows_a_walk_going_on_and_out_of_reach(tmp_path):
    site = build_site(tmp_path)
    now_ms = int(site.dashboard.clock() * 1000)
    store = SessionStore.open(site.folder.sessions_db, clock=site.dashboard.clock)
    sid = store.start_session(site.ids["bob"], "beginner", 1, t_ms=now_ms - 60_000)
    store.record_event(sid, "alarm_on", "out of reach", 800, t_ms=now_ms - 2_000)
    store.record_sample(sid, 800, t_ms=now_ms - 500)
    store.flush()
    site.sign_in()
    page = site.client.get("/")
    assert "Bob is walking" in page.text and "OUT OF REACH" in page.text
    status = site.client.get("/api/status").json()
    assert status["walking_now"]["out_of_reach"] is True
    assert status["walking_now"]["left_open"] is False
    store._closed = True  # leave it open, as a kiosk that lost power would


def test_walkers_can_be_added_renamed_and_given_a_goal(site):
    added = site.post("/walkers/add", {"name": "Cleo", "minutes": "12", "days": "4"})
    assert added.status_code == 303 and added.headers["location"] == "/walkers?done=added"
    walkers = {w["name"]: w for w in site.client.get("/api/walkers").json()["walkers"]}
    assert (walkers["Cleo"]["goal_minutes"], walkers["Cleo"]["goal_days"]) == (12, 4)
    cleo = walkers["Cleo"]["id"]
    assert site.post(f"/walkers/{cleo}/rename", {"name": "Cléo"}).status_code == 303
    assert site.post(f"/walkers/{cleo}/goal", {"minutes": "20", "days": "5"}).status_code == 303
    rows = sqlite3.connect(site.folder.sessions_db).execute(
        "SELECT name, goal_minutes, goal_days FROM profiles WHERE id = ?", (cleo,)
    )
    assert rows.fetchall() == [("Cléo", 20, 5)]


@pytest.mark.parametrize(
    ("path", "data", "said"),
    [
        ("/walkers/add", {"name": "ann", "minutes": "10", "days": "3"}, "already exists"),
        ("/walkers/add", {"name": "x" * 41, "minutes": "10", "days": "3"}, "at most 40"),
        ("/walkers/add", {"name": "  ", "minutes": "10", "days": "3"}, "needs a name"),
        ("/walkers/add", {"name": "Dan", "minutes": "0", "days": "3"}, "Minutes a day"),
        ("/walkers/add", {"name": "Dan", "minutes": "10", "days": "8"}, "Days a week"),
        ("/walkers/1/goal", {"minutes": "ten", "days": "3"}, "Minutes a day"),
        ("/walkers/77/rename", {"name": "Zed"}, "no walker number 77"),
    ],
)
def test_refused_changes_say_why_and_change_nothing(site, path, data, said):
    before = site.client.get("/api/walkers").json()
    answer = site.post(path, data)
    assert answer.status_code == 400 and said in answer.text
    assert site.client.get("/api/walkers").json() == before


def test_a_cross_site_post_is_refused_and_changes_nothing(site):
    for origin in ("http://evil.example", "http://testserver:8081", "null"):
        answer = site.post("/walkers/add", {"name": "Mallory", "minutes": "10", "days": "3"},
                           origin=origin)  # fmt: skip
        assert answer.status_code == 403 and "nothing was changed" in answer.text
    no_token = site.post("/walkers/add", {"name": "Mallory", "minutes": "10", "days": "3"},
                         with_csrf=False)  # fmt: skip
    assert no_token.status_code == 403
    assert "Mallory" not in site.client.get("/api/walkers").text


def test_origin_check_holds_on_another_port_and_behind_a_trusted_proxy(site):
    headers = {"Host": "kiosk.local:8443"}
    token = site.csrf("/walkers")
    answer = site.client.post(
        "/walkers/add",
        data={"csrf": token, "name": "Port", "minutes": "5", "days": "2"},
        headers={**headers, "Origin": "http://kiosk.local:8443"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    proxied = {"Host": "127.0.0.1:8080", "X-Forwarded-Host": "care.example.org",
               "Origin": "https://care.example.org"}  # fmt: skip
    data = {"csrf": site.csrf("/walkers"), "name": "Proxy", "minutes": "5", "days": "2"}
    refused = site.client.post("/walkers/add", data=data, headers=proxied)
    assert refused.status_code == 403  # not trusted unless configured
    site.dashboard.trust_forwarded_host = True
    accepted = site.client.post("/walkers/add", data=data, headers=proxied, follow_redirects=False)
    assert accepted.status_code == 303


def test_exports_are_the_files_logs_export_writes(site, tmp_path):
    for name, fmt, what in [("sessions.csv", "csv", "sessions"), ("events.csv", "csv", "events"),
                            ("sessions.json", "json", "sessions")]:  # fmt: skip
        out = tmp_path / name
        done = run_cli("logs", "export", "--format", fmt, "--what", what, "--out", out,
                       "--data-dir", site.folder.path)  # fmt: skip
        assert done.returncode == 0, done.stderr
        answer = site.client.get(f"/export/{name}")
        assert answer.status_code == 200
        assert "attachment" in answer.headers["content-disposition"]
        if fmt == "csv":
            assert answer.content == out.read_bytes()
        else:
            mine, theirs = json.loads(answer.content), json.loads(out.read_bytes())
            assert mine["sessions"] == theirs["sessions"]


def test_the_csv_export_filters_by_walker(site):
    answer = site.client.get(f"/export/sessions.csv?walker={site.ids['bob']}")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [r["profile"] for r in rows] == ["Bob"]


def test_api_lists_and_shows_sessions(site):
    listing = site.client.get("/api/sessions").json()
    assert [s["profile"] for s in listing["sessions"]] == ["Bob", "Ann"]
    one = site.client.get(f"/api/sessions/{site.ids['first']}").json()
    assert one["reminders"] == 1 and one["out_of_reach"][0]["seconds"] == 5.4
    assert len(one["samples"]) == 600 and one["events"][0]["kind"] == "alarm_on"
    bad = site.client.get("/api/sessions?page=zero")
    assert bad.status_code == 400 and "not a page number" in bad.json()["error"]
    assert site.client.get("/api/sessions/999").status_code == 404


def hold_the_log(path, *, mode: str, release: threading.Event) -> threading.Event:
    """Another connection (the kiosk's writer) takes the log's lock until `release` is set."""
    held = threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        if mode == "exclusive":  # readers wait too
            conn.execute("PRAGMA locking_mode = EXCLUSIVE")
            conn.execute("BEGIN EXCLUSIVE")
        else:
            conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE profiles SET goal_days = goal_days")
        held.set()
        release.wait(10)
        conn.execute("COMMIT")
        conn.close()

    threading.Thread(target=hold, daemon=True).start()
    assert held.wait(5)
    return held


@pytest.mark.parametrize("mode", ["exclusive", "immediate"])
def test_a_page_waits_for_the_kiosks_writer_then_answers(site, mode):
    release = threading.Event()
    hold_the_log(site.folder.sessions_db, mode=mode, release=release)
    threading.Timer(0.3, release.set).start()
    page = site.client.get("/sessions")
    assert page.status_code == 200 and page.text.count('href="/sessions/') == 2
    added = site.post("/walkers/add", {"name": "Eve", "minutes": "10", "days": "3"})
    assert added.status_code == 303


def test_a_writer_that_keeps_the_log_gets_a_busy_message_not_a_hang(site):
    site.dashboard.log.busy_timeout_s = 0.2
    release = threading.Event()
    hold_the_log(site.folder.sessions_db, mode="exclusive", release=release)
    try:
        page = site.client.get("/sessions")
        assert page.status_code == 503 and "The kiosk is busy" in page.text
        api = site.client.get("/api/walkers")
        assert api.status_code == 503 and "busy" in api.json()["error"]
    finally:
        release.set()
    assert site.client.get("/sessions").status_code == 200


def test_without_a_session_log_the_pages_say_so(tmp_path):
    site = build_site(tmp_path)
    site.folder.sessions_db.unlink()
    for suffix in ("-wal", "-shm"):
        site.folder.sessions_db.with_name("sessions.db" + suffix).unlink(missing_ok=True)
    site.sign_in()
    page = site.client.get("/sessions")
    assert page.status_code == 200 and "has not recorded any session yet" in page.text


@pytest.mark.parametrize("content", [b"not a database at all" * 100, b""])
def test_a_damaged_session_log_is_said_not_crashed_on(tmp_path, content):
    site = build_site(tmp_path)
    site.sign_in()
    site.folder.sessions_db.write_bytes(content)
    for path in ("/", "/sessions", "/progress", "/export/sessions.csv"):
        page = site.client.get(path)
        assert page.status_code in (200, 503), path
        assert "session log" in page.text, path
    said = site.client.get("/api/sessions").json()["error"]
    assert ("cannot be read" if content else "has not recorded any session yet") in said


def test_the_clinicians_report_is_the_pdf_logs_report_makes(site, tmp_path):
    from pypdf import PdfReader

    query = f"walker={site.ids['ann']}&from=2025-03-01&to=2025-03-31"
    answer = site.client.get(f"/report.pdf?{query}")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert "attachment" in answer.headers["content-disposition"]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.content)).pages)
    out = tmp_path / "ann.pdf"
    done = run_cli("logs", "report", "--walker", "Ann", "--from", "2025-03-01", "--to",
                   "2025-03-31", "--out", out, "--data-dir", site.folder.path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    cli_text = "".join(p.extract_text() for p in PdfReader(out).pages)
    # The same figures; only what depends on today (the suggestion, the footer) may differ,
    # as the dashboard here runs on a fixed clock.
    assert "Ann" in text and text.splitlines()[:10] == cli_text.splitlines()[:10]
    assert 'action="/report.pdf"' in site.client.get("/export").text


@pytest.mark.parametrize(
    ("query", "status", "said"),
    [
        ("", 400, "Choose a walker"),
        ("walker=999", 404, "no such walker"),
        ("walker=1&from=yesterday", 400, "wants a date like"),
        ("walker=1&from=2020-01-01&to=2026-01-01", 400, "at most five years"),
    ],
)
def test_a_report_asked_for_wrongly_says_why(site, query, status, said):
    answer = site.client.get(f"/report.pdf?{query}")
    assert answer.status_code == status
    assert said in answer.text


def test_a_walker_name_the_kiosk_cannot_draw_is_refused_on_the_dashboard(site):
    answer = site.post("/walkers/add", {"name": "李明", "minutes": "10", "days": "3"})
    assert answer.status_code == 400
    assert "The kiosk&#39;s screen cannot draw 李 明" in answer.text
    assert "李明" not in site.client.get("/walkers").text.split("cannot draw")[0]
