"""Remake the screenshots in docs/screens from the scripted sessions, as the kiosk draws them.

    python -m tools.docs_screens            # 800x480, the official 7-inch panel

Each scripted session runs headless in one scratch data folder (so the caregiver's pages
show the sessions walked before), and the screens the README shows are copied under stable
names. Screens are whatever this machine's kiosk draws: on a machine whose clock is not
synchronised the caregiver pages say so, as they would on a Pi.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SIZE = "800x480"
SCRIPT_ORDER = ("walk", "drift", "unplug", "caregiver")
# docs name: (script, the screen's first screenshot in that script)
WANTED = {
    "home": ("walk", "home"),
    "before-start": ("walk", "before_start"),
    "ready-check": ("walk", "ready_check"),
    "routine": ("walk", "routine"),
    "end": ("walk", "end"),
    "out-of-reach": ("drift", "out_of_reach"),
    "countdown": ("drift", "countdown"),
    "paused": ("drift", "paused"),
    "sensor-fault": ("unplug", "sensor_fault"),
    "caregiver-pin": ("caregiver", "caregiver-pin"),
    "caregiver-menu": ("caregiver", "caregiver-menu"),
    "caregiver-settings": ("caregiver", "caregiver-settings"),
    "caregiver-calibrate": ("caregiver", "caregiver-calibrate"),
    "caregiver-sessions": ("caregiver", "caregiver-sessions"),
    "caregiver-weekly": ("caregiver", "caregiver-weekly"),
}


def run_scripts(scratch: Path) -> None:
    for script in SCRIPT_ORDER:
        command = [sys.executable, "-m", "kiosk.cli", "run", "--simulate", "--headless"]
        command += ["--windowed", "--size", SIZE, "--script", script]
        command += ["--data-dir", str(scratch / "data"), "--screenshots", str(scratch / script)]
        subprocess.run(command, cwd=REPO, check=True, capture_output=True)


def first_shot(folder: Path, screen: str) -> Path:
    """`NN-screen.png` with the lowest NN (later visits are `-2`, `-3`...)."""
    for shot in sorted(folder.glob("*.png")):
        if shot.stem.split("-", 1)[1] == screen:
            return shot
    raise SystemExit(f"no '{screen}' screenshot in {folder}: did the script change?")


def main() -> int:
    out = REPO / "docs" / "screens"
    with tempfile.TemporaryDirectory(prefix="docs-screens-") as scratch:
        run_scripts(Path(scratch))
        for name, (script, screen) in WANTED.items():
            shutil.copyfile(first_shot(Path(scratch) / script, screen), out / f"{name}.png")
    print(f"{len(WANTED)} screenshots written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
