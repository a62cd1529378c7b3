"""Screenshots of the caregivers' dashboard for the README, made with Debian's chromium.

    .venv/bin/python -m tools.web_screenshots [--out docs/web]

Plays two scripted sessions into a fresh data folder (`run --script drift`, then `walk`),
starts `balance-kiosk web` on it, signs in, and saves each page at a phone's width (390 px)
and a desktop's (1280 px) as OUT/PAGE-phone.png and OUT/PAGE-desktop.png.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PASSWORD = "screenshots only"
PAGES = {
    "sign-in": "/login",
    "today": "/",
    "sessions": "/sessions",
    "session": "/sessions/1",
    "progress": "/progress",
    "walkers": "/walkers",
    "export": "/export",
}
VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 800)}


def cli(*args: str, data: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    command = [sys.executable, "-m", "kiosk.cli", *args, "--data-dir", str(data)]
    return subprocess.run(command, env=env, input=stdin, capture_output=True, text=True)


def prepare(data: Path) -> None:
    for script in ("drift", "walk"):
        done = cli("run", "--simulate", "--headless", "--script", script, data=data)
        print(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr)
    cli("web", "set-password", data=data, stdin=PASSWORD + "\n")


def shoot(url: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("chromium is missing: sudo apt-get install chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for size, (width, height) in VIEWPORTS.items():
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(url + "/login")
            page.screenshot(path=str(out / f"sign-in-{size}.png"), full_page=True)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(url + "/")
            for name, path in PAGES.items():
                if name != "sign-in":
                    page.goto(url + path)
                    page.screenshot(path=str(out / f"{name}-{size}.png"), full_page=True)
        browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/web"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="web-shots-") as tmp:
        data = Path(tmp) / "data"
        prepare(data)
        server = subprocess.Popen(
            [sys.executable, "-m", "kiosk.cli", "web", "--host", "127.0.0.1", "--port", "0",
             "--data-dir", str(data)],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            line = ""
            while server.stdout and "dashboard:" not in line:
                line = server.stdout.readline()
            shoot(line.split("dashboard: ")[1].strip().rstrip("/"), args.out)
        finally:
            server.terminate()
            server.wait(10)
    print(f"screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
