"""The alarm's latency while 20 caregivers load dashboard pages (issue 16).

bench_safety's crossings (the safety part as the kiosk builds it, on pins that time their
edges) are measured twice in one run: with nothing else running, then with a real
`balance-kiosk web` process over a 100,000-session log and a second process running 20 clients
that fetch Today, Sessions, A session and Progress without pause. The clients run on this
machine too, which a caregiver's phone would not: the load is heavier than in the field.
Target: the loaded run's p50 and p99 within 1.02 of the quiet run's.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import bench_safety
from benchmarks.bench_web import build, start_dashboard
from kiosk.paths import DataFolder

CROSSINGS = 100
CLIENTS = 20
SESSIONS, EVENTS = 100_000, 1_000_000
RATIO_TARGET = 1.02
REPO = Path(__file__).resolve().parent.parent

# Run in a process of its own: 20 threads, each a keep-alive client going round the pages.
LOAD = """
import itertools, signal, sys, threading
from benchmarks.bench_web import Client

port, token, clients, sessions = (int(sys.argv[1]), sys.argv[2], int(sys.argv[3]),
                                  int(sys.argv[4]))
PAGES = ["/", "/sessions", "/sessions?page=40", "/sessions/{n}", "/progress"]
served = [0] * clients

def keep_loading(k):
    client = Client(port, token)
    for n in itertools.count(k * 997):
        client.get(PAGES[n % len(PAGES)].format(n=1 + n * 7919 % sessions))
        served[k] += 1

def stop(*_):
    print(sum(served), flush=True)
    sys.exit(0)

signal.signal(signal.SIGTERM, stop)
for k in range(clients):
    threading.Thread(target=keep_loading, args=(k,), daemon=True).start()
print("loading", flush=True)
threading.Event().wait()
"""


def loaded_by_clients(
    data: Path, sessions: int, served: list[int]
) -> Callable[[Any], Callable[[], None]]:
    """An `attach` for bench_safety.measure: starts the dashboard and its clients, and
    returns what stops them (the pages served are added to `served`)."""

    def attach(_parts: Any) -> Callable[[], None]:
        web, port, token = start_dashboard(data)
        clients = subprocess.Popen(
            [sys.executable, "-c", LOAD, str(port), token, str(CLIENTS), str(sessions)],
            cwd=REPO, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        if clients.stdout is None or "loading" not in clients.stdout.readline():
            raise RuntimeError("the dashboard's clients did not start")

        def detach() -> None:
            clients.terminate()
            answer, _ = clients.communicate(timeout=10)
            served.append(int(answer.strip() or 0))
            web.terminate()
            web.wait(10)

        return detach

    return attach


def p99_ms(values: list[float]) -> float:
    ordered = sorted(v * 1000 for v in values)
    return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]


def report(quiet: list[float], loaded: list[float], served: int) -> None:
    print(f"alarm latency (crossing -> buzzer pin), {len(quiet)} crossings each")
    print(f"  the dashboard served {served:,} pages to {CLIENTS} clients during the loaded run")
    for label, values in (("quiet", quiet), (f"{CLIENTS} dashboard clients", loaded)):
        p50 = statistics.median(values) * 1000
        print(f"  {label:<22} p50 {p50:6.1f} ms  p99 {p99_ms(values):6.1f} ms")
    ratio50 = statistics.median(loaded) / statistics.median(quiet)
    ratio99 = p99_ms(loaded) / p99_ms(quiet)
    verdict = "ok" if max(ratio50, ratio99) <= RATIO_TARGET else "MISS"
    print(
        f"  loaded / quiet: p50 {ratio50:.3f}, p99 {ratio99:.3f}; target <= {RATIO_TARGET}: "
        f"{verdict}"
    )


def run(crossings: int = CROSSINGS, sessions: int = SESSIONS, events: int = EVENTS) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-web-load-") as tmp:
        folder = DataFolder(Path(tmp) / "data").create()
        build(folder.sessions_db, sessions, events)
        quiet = bench_safety.measure(crossings, load=False)["total"]
        served: list[int] = []
        attach = loaded_by_clients(folder.path, sessions, served)
        loaded = bench_safety.measure(crossings, load=False, attach=attach)["total"]
        report(quiet, loaded, sum(served))
