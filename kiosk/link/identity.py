"""Who this kiosk is on the broker: its ID in the topics, stable across reboots.

The ID is derived from /etc/machine-id, which systemd keeps for the life of the installed
system. The machine ID itself is not published (systemd asks applications to hash it with a
key of their own), only a short hash of it, so the same card gives the same ID at every start
and a new card a new one.
"""

from __future__ import annotations

import hashlib
import hmac
import socket
from pathlib import Path

MACHINE_ID = Path("/etc/machine-id")
APP_KEY = b"balance-kiosk"
HASH_CHARS = 8


def kiosk_id(configured: str, machine_id: Path = MACHINE_ID) -> str:
    """`configured` (kiosk.id, already checked by the settings) or the derived ID."""
    if configured:
        return configured
    try:
        seed = machine_id.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        seed = ""
    if not seed:  # a container or a bare chroot: the host name is the next steadiest thing
        seed = socket.gethostname()
    digest = hmac.new(APP_KEY, seed.encode(), hashlib.sha256).hexdigest()
    return f"kiosk-{digest[:HASH_CHARS]}"
