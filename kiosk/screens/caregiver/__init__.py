"""The caregiver area: behind the PIN, one module per page; `area.py` registers them."""

from kiosk.screens.caregiver.area import CaregiverArea
from kiosk.screens.caregiver.tools import CaregiverTools, WalkControls

__all__ = ["CaregiverArea", "CaregiverTools", "WalkControls"]
