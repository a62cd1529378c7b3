#!/bin/sh
# balance-kiosk on the Raspberry Pi's command line (logs, profiles, doctor, config, ...).
# systemd/install.sh installs this as /usr/local/bin/balance-kiosk, with the @...@ names filled
# in; --uninstall removes it. The program itself is the one the service runs.
#
# Every command runs the way the service runs the kiosk, whoever types it and wherever:
#  - as the kiosk's own user: the session log is readable by that user only, and a file that
#    root (sudo) made in the data folder could keep the kiosk from writing its own log;
#  - with the service's data folder and settings (STATE_DIRECTORY and CONFIGURATION_DIRECTORY,
#    as systemd sets them; --data-dir and --config still win);
#  - with lgpio's pipes in the data folder (LG_WD), not in the folder it was typed in.
# The folder it is typed in stays the working folder, so a relative path means what it says
# (the kiosk's user may not be allowed into it: write output with '>', as in the README).

program='@PROGRAM@'
kiosk_user='@KIOSK_USER@'

if [ ! -x "$program" ]; then
    echo "balance-kiosk: the kiosk's program is missing ($program). Install it again from the" \
        "project's folder: sudo systemd/install.sh" >&2
    exit 1
fi

umask 077 # what the kiosk writes in its folder is for its user only, as under systemd
set -- env HOME='@STATE_DIR@' STATE_DIRECTORY='@STATE_DIR@' \
    CONFIGURATION_DIRECTORY='@CONFIG_DIR@' XDG_CACHE_HOME='@CACHE_DIR@' LG_WD='@STATE_DIR@' \
    PYGAME_HIDE_SUPPORT_PROMPT=1 "$program" "$@"
if [ "$(id -un 2>/dev/null)" = "$kiosk_user" ]; then
    exec "$@"
fi
# sudo asks for your password if this system wants one; it starts from a clean environment.
exec sudo -u "$kiosk_user" -- "$@"
