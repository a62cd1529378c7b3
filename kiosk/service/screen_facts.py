"""What the kernel says about screens, sound cards and console blanking, in plain words.

SDL only says that a driver failed; these files say why: no KMS driver, a cable that is not
plugged in, no sound card, a console that will blank. `doctor` and the kiosk's start-up
message use them. Every path is an argument so tests can hand in a scratch copy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SYS_DRM = Path("/sys/class/drm")
ASOUND_CARDS = Path("/proc/asound/cards")
CONSOLE_BLANK = Path("/sys/module/kernel/parameters/consoleblank")


@dataclass(frozen=True)
class Connector:
    """A display output of a DRM card (HDMI-A-1, DSI-1...) and whether a screen is on it."""

    name: str
    connected: bool


def connectors(sys_drm: Path = SYS_DRM) -> list[Connector] | None:
    """The display outputs, or None when there is no DRM card at all (no KMS driver)."""
    try:
        entries = sorted(sys_drm.iterdir())
    except OSError:
        return None
    cards = [e for e in entries if re.fullmatch(r"card\d+", e.name)]
    if not cards:
        return None
    found = []
    for entry in entries:
        match = re.fullmatch(r"card\d+-(.+)", entry.name)
        if match is None:
            continue
        try:
            status = (entry / "status").read_text().strip()
        except OSError:
            continue
        # Writeback outputs are not screens.
        if not match[1].startswith("Writeback"):
            found.append(Connector(match[1], status == "connected"))
    return found


def screen_hint(sys_drm: Path = SYS_DRM) -> str:
    """Why a screen may be missing, in one sentence ('' when the kernel sees one)."""
    outputs = connectors(sys_drm)
    if outputs is None:
        return (
            "the kernel has no display driver (no /dev/dri/card*): on a Raspberry Pi, "
            "dtoverlay=vc4-kms-v3d must be in /boot/firmware/config.txt"
        )
    if not outputs:
        return "the display driver has no outputs"
    if any(o.connected for o in outputs):
        return ""
    names = ", ".join(o.name for o in outputs)
    return f"no screen is connected ({names}: disconnected); check the cable and the screen's power"


def sound_cards(cards_file: Path = ASOUND_CARDS) -> list[str] | None:
    """The sound cards' names, or None when the kernel has no sound at all."""
    try:
        text = cards_file.read_text()
    except OSError:
        return None
    # "  0 [vc4hdmi0       ]: vc4-hdmi - vc4-hdmi-0": the name after the colon and dash.
    card_line = re.compile(r"^\s*\d+\s+\[[^\]]*\]:.*? - (.+)$", re.M)
    return [m[1].strip() for m in card_line.finditer(text)]


def sound_hint(cards_file: Path = ASOUND_CARDS) -> str:
    """Why there may be no sound, in one sentence ('' when there is a sound card)."""
    cards = sound_cards(cards_file)
    if cards:
        return ""
    return (
        "the kernel lists no sound card: connect an HDMI screen with speakers or a USB "
        "speaker (a Pi 5 and a Zero 2 W have no headphone socket), and keep dtparam=audio=on "
        "in /boot/firmware/config.txt"
    )


def console_blank_s(parameter: Path = CONSOLE_BLANK) -> int | None:
    """After how many idle seconds the console blanks the screen (0: never); None if unknown."""
    try:
        return int(parameter.read_text().strip())
    except (OSError, ValueError):
        return None
