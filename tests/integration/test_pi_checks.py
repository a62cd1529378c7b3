"""make pi-check runs a check once more only when qemu crashed it, and says so."""

from __future__ import annotations

import sys
from pathlib import Path

from tools.debian_roots.pi_checks import run_check

# Fails the first time it runs in a folder (as qemu reports a crash, or plainly), then passes.
FLAKY = """
import pathlib, sys
mark = pathlib.Path(sys.argv[1]) / "ran"
runs = int(mark.read_text()) + 1 if mark.exists() else 1
mark.write_text(str(runs))
if runs == 1:
    print(sys.argv[2], file=sys.stderr)
    sys.exit(139)
print(f"decoded on run {runs}")
"""


def flaky(folder: Path, first_words: str) -> list[str]:
    return [sys.executable, "-c", FLAKY, str(folder), first_words]


def test_a_check_qemu_crashed_runs_again_and_its_line_says_so(tmp_path):
    crash = "qemu: uncaught target signal 11 (Segmentation fault) - core dumped"
    outcome = run_check(flaky(tmp_path, crash), {})
    assert outcome.ok
    assert outcome.said == f"decoded on run 2 (second try; the first: status 139: {crash})"
    assert (tmp_path / "ran").read_text() == "2"


def test_a_check_that_fails_by_itself_is_not_run_again(tmp_path):
    outcome = run_check(flaky(tmp_path, "Traceback: ImportError: no module named av"), {})
    assert not outcome.ok
    assert outcome.said == "status 139: Traceback: ImportError: no module named av"
    assert (tmp_path / "ran").read_text() == "1"
