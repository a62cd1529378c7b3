"""The balance-assist kiosk: the walker's screens, the safety loop and the session log."""
