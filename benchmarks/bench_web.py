"""The caregivers' dashboard at scale: a real `balance-kiosk web` process over a log of 100,000
sessions and 1,000,000 events (bench_store's log), asked for pages over HTTP one after another.

Times each page from request to last byte (p50 and p95 of many requests, after one warm-up),
the CSV export of every session streamed to the end, and the process's resident memory (RSS
now, and its peak) after all of it. Targets from issue 16: pages p95 <= 100 ms, the export
<= 1.5 s, RSS <= 60 MB.
"""

from __future__ import annotations

import http.client
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.bench_store import EVENTS, PROFILES, SESSIONS, build
from kiosk.paths import DataFolder

PAGE_TARGET_S = 0.100
EXPORT_TARGET_S = 1.5
RSS_TARGET_MB = 60.0
REQUESTS = 60
SAMPLED_SESSION_SAMPLES = 4_500  # a 15-minute walk at 5 readings a second


def add_samples(path: Path, session_id: int, count: int = SAMPLED_SESSION_SAMPLES) -> None:
    """Distance readings for one session, so that its page draws a full chart."""
    conn = sqlite3.connect(path, isolation_level=None)
    started = conn.execute("SELECT started_at FROM sessions WHERE id = ?", (session_id,))
    start = started.fetchone()[0]
    rng = random.Random(session_id)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO samples (session_id, t, distance_mm) VALUES (?, ?, ?)",
        [(session_id, start + i * 200, rng.randrange(380, 720)) for i in range(count)],
    )
    conn.execute("COMMIT")
    conn.close()


def start_dashboard(data: Path) -> tuple[subprocess.Popen, int, str]:
    token = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "web", "token", "--data-dir", str(data)],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "web", "--host", "127.0.0.1", "--port", "0",
         "--data-dir", str(data)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    line = ""
    while process.stdout and "dashboard:" not in line:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("the dashboard did not start")
    port = int(line.rsplit(":", 1)[1].strip(" /\n"))
    return process, port, token


class Client:
    """One keep-alive HTTP connection carrying the bearer token."""

    def __init__(self, port: int, token: str) -> None:
        self._conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self._headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str) -> int:
        """Fetch `path` to its last byte; returns the number of bytes."""
        self._conn.request("GET", path, headers=self._headers)
        answer = self._conn.getresponse()
        size = 0
        while chunk := answer.read(1 << 16):
            size += len(chunk)
        if answer.status != 200:
            raise RuntimeError(f"{path}: HTTP {answer.status}")
        return size


def timed_requests(client: Client, paths: Callable[[int], str], count: int) -> list[float]:
    client.get(paths(0))  # warm-up
    times = []
    for i in range(count):
        started = time.perf_counter()
        client.get(paths(i))
        times.append(time.perf_counter() - started)
    return times


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1]


def report(name: str, seconds: float, target: float, extra: str = "") -> None:
    ratio = seconds / target
    verdict = "ok" if ratio <= 1 else "SLOW"
    print(
        f"{name:<44} {seconds * 1000:9.2f} ms  target {target * 1000:6.0f} ms  "
        f"ratio {ratio:5.2f}  {verdict}{extra}",
        flush=True,
    )


def rss_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MB (1,000,000 bytes), from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) * 1024 / 1e6
    return fields["VmRSS"], fields["VmHWM"]


def page_checks(sessions: int, sampled: int) -> list[tuple[str, Callable[[int], str]]]:
    rng = random.Random(16)
    ids = [rng.randrange(1, sessions + 1) for _ in range(REQUESTS + 1)]
    deep = sessions // 2 // 25
    return [
        ("Sessions: first page", lambda i: "/sessions"),
        (f"Sessions: page {deep:,}", lambda i: f"/sessions?page={deep}"),
        (
            "Sessions: one walker, from a date, page 10",
            lambda i: "/sessions?walker=7&from=2024-01-01&page=10",
        ),  # noqa: E501
        ("A session (random ones)", lambda i: f"/sessions/{ids[i]}"),
        (f"A session with {SAMPLED_SESSION_SAMPLES:,} readings", lambda i: f"/sessions/{sampled}"),
        (f"Progress ({PROFILES} walkers, 12 weeks)", lambda i: "/progress"),
        ("Today", lambda i: "/"),
        ("API: sessions", lambda i: "/api/sessions"),
    ]


def run(sessions: int = SESSIONS, events: int = EVENTS, requests: int = REQUESTS) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        folder = DataFolder(Path(tmp) / "data").create()
        started = time.perf_counter()
        build(folder.sessions_db, sessions, events)
        sampled = sessions // 3
        add_samples(folder.sessions_db, sampled)
        print(
            f"built {sessions:,} sessions, {events:,} events in "
            f"{time.perf_counter() - started:.1f} s; cpus={os.cpu_count()}",
            flush=True,
        )
        measure(folder, sessions, sampled, requests)


def measure(folder: DataFolder, sessions: int, sampled: int, requests: int = REQUESTS) -> None:
    """Start the dashboard over `folder` and time it; prints one line per figure."""
    process, port, token = start_dashboard(folder.path)
    try:
        idle_rss, _ = rss_mb(process.pid)
        print(f"web process RSS at start: {idle_rss:.1f} MB", flush=True)
        client = Client(port, token)
        for name, paths in page_checks(sessions, sampled):
            times = timed_requests(client, paths, requests)
            report(f"{name} p95", p95(times), PAGE_TARGET_S,
                   f"  (p50 {statistics.median(times) * 1000:.1f} ms)")  # fmt: skip
        measure_export(client, folder, sessions)
        rss, peak = rss_mb(process.pid)
        verdict = "ok" if rss <= RSS_TARGET_MB else "BIG"
        print(
            f"{'web process RSS after the load':<44} {rss:9.1f} MB  target {RSS_TARGET_MB:4.0f} MB"
            f"  ratio {rss / RSS_TARGET_MB:5.2f}  {verdict}  (peak {peak:.1f} MB)",
            flush=True,
        )
    finally:
        process.terminate()
        process.wait(10)


def measure_export(client: Client, folder: DataFolder, sessions: int) -> None:
    """The streamed download, and beside it the same file written by `logs export`."""
    runs, size = [], 0
    for _ in range(3):
        started = time.perf_counter()
        size = client.get("/export/sessions.csv")
        runs.append(time.perf_counter() - started)
    report(f"CSV export: all {sessions:,} sessions, streamed", statistics.median(runs),
           EXPORT_TARGET_S, f"  (best {min(runs):.2f} s, {size / 1e6:.1f} MB)")  # fmt: skip
    out = folder.path / "export.csv"
    command = [sys.executable, "-m", "kiosk.cli", "logs", "export", "--data-dir",
               str(folder.path), "--out", str(out)]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    seconds = time.perf_counter() - started
    ratio = statistics.median(runs) / seconds
    label = "  the same by logs export --out (a process)"
    print(f"{label:<44} {seconds * 1000:9.2f} ms  (streamed / logs export: {ratio:.2f})")
