"""The caregivers' web dashboard: its own process beside the kiosk, reading the same log."""
