"""The command line: one module per command; the options every command shares are in options.py.

Command modules import the heavy parts (pygame, PyAV, the wiring point) inside their handlers,
so that `balance-kiosk logs list` on a Pi does not wait for a video stack it does not use.
"""

import os

# pygame prints a banner on import; keep the command line's output (and --json) clean.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
