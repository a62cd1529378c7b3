"""Build tools for the project. Not installed with the kiosk: run them from a checkout."""
