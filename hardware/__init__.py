"""The physical world: the distance sensor, its emulator and the buzzer. Never imports kiosk."""
