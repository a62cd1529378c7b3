"""Tests that need a Raspberry Pi with the sensor and buzzer wired (see the README).

Left out unless BALANCE_KIOSK_HARDWARE_TESTS=1 is set, as CI has no Pi:

    BALANCE_KIOSK_HARDWARE_TESTS=1 .venv/bin/python -m pytest tests/hardware -v
"""

from __future__ import annotations

import os

import pytest

ENABLED = os.environ.get("BALANCE_KIOSK_HARDWARE_TESTS") == "1"


def pytest_collection_modifyitems(config, items):
    if ENABLED:
        return
    skip = pytest.mark.skip(reason="Pi-only: run on a Pi with BALANCE_KIOSK_HARDWARE_TESTS=1")
    for item in items:
        if "tests/hardware/" in str(item.fspath):
            item.add_marker(skip)
