"""Export to a USB stick: only ever onto the stick, whatever the stick holds, and a message a
caregiver can act on when the stick is full or cannot be written."""

from __future__ import annotations

import csv
import json
import os
import textwrap
import threading
from datetime import datetime
from pathlib import Path

import pypdf
import pytest
from fakes import run_python_with_mounts

from kiosk.bootstrap import clinician_reports
from kiosk.log.export import REPORTS_FAILED, ExportError, export_to_usb
from kiosk.log.store import SessionStore
from kiosk.paths import DataFolder

NOW = datetime(2026, 11, 25, 10, 15)
STAMP = "balance-kiosk-2026-11-25-1015"


@pytest.fixture
def data(tmp_path) -> DataFolder:
    """A data folder with a PIN file and a log of two sessions."""
    folder = DataFolder(tmp_path / "data").create()
    folder.caregiver_pin.write_text('{"the": "pin"}')
    store = SessionStore.open(folder.sessions_db)
    try:
        for name in ("Anna", "Ben"):
            sid = store.start_session(store.add_profile(name), "beginner", 1)
            store.end_session(sid, "completed", seconds_walking=60, seconds_paused=0)
        store.flush()
    finally:
        store.close()
    return folder


@pytest.fixture
def store(data):
    opened = SessionStore.open(data.sessions_db)
    yield opened
    opened.close()


def stick_in(tmp_path: Path) -> tuple[Path, Path]:
    """(the mount root, the stick mounted in it as ROOT/USER/LABEL)."""
    media = tmp_path / "media"
    stick = media / "kiosk" / "STICK"
    stick.mkdir(parents=True)
    return media, stick


def export(store: SessionStore, media: Path) -> Path | None:
    return export_to_usb(store, (media,), now=NOW, is_mount=lambda p: p.name == "STICK")


def sessions_in(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return [row["profile"] for row in csv.DictReader(file)]


def test_links_planted_on_the_stick_never_lead_the_export_off_it(data, store, tmp_path):
    media, stick = stick_in(tmp_path)
    pin_before = data.caregiver_pin.read_text()
    # The names a previous version wrote under, pointing into the kiosk's data folder.
    (stick / f"{STAMP}-sessions.csv.part").symlink_to(data.caregiver_pin)
    (stick / f"{STAMP}-events.csv.part").symlink_to(data.settings_overrides)
    (stick / f"{STAMP}-events.csv").symlink_to(data.path / "events-copy.csv")

    path = export(store, media)

    assert path == stick / f"{STAMP}-sessions.csv"
    assert data.caregiver_pin.read_text() == pin_before
    assert not data.settings_overrides.exists()
    assert not (data.path / "events-copy.csv").exists()
    for name in (f"{STAMP}-sessions.csv", f"{STAMP}-events.csv"):
        assert (stick / name).is_file() and not (stick / name).is_symlink()
    assert sessions_in(path) == ["Anna", "Ben"]
    assert sorted(p.name for p in stick.iterdir()) == [  # nothing else left behind
        f"{STAMP}-events.csv",
        f"{STAMP}-events.csv.part",
        f"{STAMP}-sessions.csv",
        f"{STAMP}-sessions.csv.part",
    ]


def test_a_fifo_on_the_stick_does_not_hold_the_export_up(store, tmp_path):
    media, stick = stick_in(tmp_path)
    fifo = stick / f"{STAMP}-sessions.csv.part"
    os.mkfifo(fifo)
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(export(store, media)), daemon=True)
    worker.start()
    worker.join(60)  # a guard against a hang, not a measurement: the export takes milliseconds
    if worker.is_alive():  # let the old behaviour go, so the test run can end
        os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
        worker.join(5)
        pytest.fail("the export blocked on a FIFO on the stick")
    assert result == [stick / f"{STAMP}-sessions.csv"]
    assert sessions_in(stick / f"{STAMP}-sessions.csv") == ["Anna", "Ben"]


EXPORT_ON_A_REAL_STICK = """
import json, os, sys
from pathlib import Path
from kiosk.log.export import ExportError, export_to_usb
from kiosk.log.store import SessionStore

media, stick = Path(sys.argv[1]), Path(sys.argv[1]) / "STICK"
if sys.argv[2] == "fill":
    fd = os.open(stick / "holiday-photos.jpg", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, bytes(4096))
    except OSError:
        os.close(fd)
store = SessionStore.open(Path(sys.argv[3]))
try:
    outcome = {"path": str(export_to_usb(store, (media,)))}
except ExportError as error:
    outcome = {"error": str(error), "kind": type(error).__name__}
finally:
    store.close()
outcome["on_stick"] = sorted(os.listdir(stick))
print(json.dumps(outcome))
"""


def export_on_a_real_stick(data: DataFolder, tmp_path: Path, options: str, fill: bool) -> dict:
    media = tmp_path / "media"
    (media / "STICK").mkdir(parents=True)
    code = textwrap.dedent(EXPORT_ON_A_REAL_STICK)
    argv = f"import sys; sys.argv = ['x', {str(media)!r}, {'fill' if fill else ''!r}, "
    argv += f"{str(data.sessions_db)!r}]\n"
    result = run_python_with_mounts(argv + code, {media / "STICK": options})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_full_stick_says_so_and_what_to_do(data, tmp_path):
    outcome = export_on_a_real_stick(data, tmp_path, "size=64k", fill=True)
    message = outcome["error"]
    assert message.startswith("The USB stick is full")
    assert "delete" in message.lower() or "another stick" in message
    assert "Errno" not in message and "[" not in message
    assert outcome["kind"] == "StickFullError"  # an ExportError, which the screen shows
    assert outcome["on_stick"] == ["holiday-photos.jpg"]  # no half files left behind


def test_a_read_only_stick_is_found_and_said_to_be_locked(data, tmp_path):
    outcome = export_on_a_real_stick(data, tmp_path, "ro", fill=False)
    message = outcome["error"]
    assert "cannot be written" in message and "lock" in message
    assert "No USB stick" not in message and "Errno" not in message
    assert outcome["kind"] == "StickNotWritableError"
    assert outcome["on_stick"] == []


def test_a_stick_with_room_gets_both_files(data, tmp_path):
    outcome = export_on_a_real_stick(data, tmp_path, "size=1m", fill=False)
    assert outcome["path"].endswith("-sessions.csv")
    assert [name.rsplit("-", 1)[1] for name in outcome["on_stick"]] == [
        "events.csv",
        "sessions.csv",
    ]


# ------------------------------------------------------------------ the clinician's reports


@pytest.fixture
def autumn(tmp_path) -> SessionStore:
    """Anna walked in the three months before NOW and once long before; Łukasz not at all."""
    store = SessionStore.open(tmp_path / "autumn" / "sessions.db")
    anna = store.add_profile("Anna")
    store.add_profile("Łukasz")
    for day in (datetime(2026, 5, 4, 10), datetime(2026, 9, 7, 10), datetime(2026, 11, 23, 10)):
        t = int(day.timestamp() * 1000)
        sid = store.start_session(anna, "beginner", 1, t_ms=t)
        store.record_event(sid, "alarm_on", t_ms=t + 60_000)
        store.record_event(sid, "alarm_off", t_ms=t + 72_000)
        store.end_session(sid, "completed", seconds_walking=600, seconds_paused=0, t_ms=t + 6e5)
    store.flush()
    yield store
    store.close()


def pdf_text(path: Path) -> str:
    return " ".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


def test_the_export_puts_each_walkers_last_three_months_beside_the_csv(autumn, tmp_path):
    media, stick = stick_in(tmp_path)
    path = export_to_usb(
        autumn, (media,), now=NOW, is_mount=lambda p: p.name == "STICK", reports=clinician_reports
    )
    assert path == stick / f"{STAMP}-sessions.csv"
    assert sorted(p.name for p in stick.iterdir()) == [
        f"{STAMP}-events.csv",
        f"{STAMP}-report-1-Anna.pdf",
        f"{STAMP}-report-2-ukasz.pdf",
        f"{STAMP}-sessions.csv",
    ]
    anna = pdf_text(stick / f"{STAMP}-report-1-Anna.pdf")
    assert "26 Aug 2026 to 25 Nov 2026" in anna
    assert "Sessions 2 (2 completed)" in " ".join(anna.split())  # May's is not in the period
    assert "No sessions in this period." in pdf_text(stick / f"{STAMP}-report-2-ukasz.pdf")
    assert sessions_in(path) == ["Anna", "Anna", "Anna"]  # the CSV still holds everything


def test_a_link_planted_under_a_reports_name_is_replaced_not_followed(autumn, data, tmp_path):
    media, stick = stick_in(tmp_path)
    pin_before = data.caregiver_pin.read_text()
    (stick / f"{STAMP}-report-1-Anna.pdf").symlink_to(data.caregiver_pin)
    export_to_usb(
        autumn, (media,), now=NOW, is_mount=lambda p: p.name == "STICK", reports=clinician_reports
    )
    assert data.caregiver_pin.read_text() == pin_before
    report = stick / f"{STAMP}-report-1-Anna.pdf"
    assert report.is_file() and not report.is_symlink()
    assert pdf_text(report).startswith("Anna")


def test_reports_that_cannot_be_made_say_so_and_leave_the_csv_whole(autumn, tmp_path):
    media, stick = stick_in(tmp_path)

    def broken(store, today):
        raise RuntimeError("reportlab fell over")

    with pytest.raises(ExportError) as raised:
        export_to_usb(
            autumn, (media,), now=NOW, is_mount=lambda p: p.name == "STICK", reports=broken
        )
    assert str(raised.value) == REPORTS_FAILED
    assert "CSV" in REPORTS_FAILED and "logs report" in REPORTS_FAILED
    assert sorted(p.name for p in stick.iterdir()) == [
        f"{STAMP}-events.csv",
        f"{STAMP}-sessions.csv",
    ]


def test_the_kiosks_own_usb_export_writes_a_report_for_each_walker(make_kiosk, tmp_path):
    app = make_kiosk()
    app.store.add_profile("Zoë")
    media, stick = stick_in(tmp_path)
    wired = app.caregiver.tools.export_to_usb  # as bootstrap built it, sent to this stick
    wired.func(
        *wired.args, (media,), now=NOW, is_mount=lambda p: p.name == "STICK", **wired.keywords
    )
    reports = sorted(p.name for p in stick.glob("*.pdf"))
    assert len(reports) == len(app.store.profiles()) >= 1
    assert f"{STAMP}-report-{app.store.find_profile('Zoë').id}-Zoe.pdf" in reports
