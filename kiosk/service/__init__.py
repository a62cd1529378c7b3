"""Living with systemd and the machine: notify and watchdog, signals, doctor."""
