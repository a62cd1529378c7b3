"""Trying the kiosk without a walker: the simulator strip, scripted sessions, the terminal view."""
