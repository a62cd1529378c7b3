"""The statuses `balance-kiosk run` exits with when it cannot start, as systemd sees them.

The numbers are those of sysexits.h, which systemd names in `systemctl status` (78 shows as
"status=78/CONFIG"). The unit restarts the kiosk after every exit but CONFIG_REFUSED
(RestartPreventExitStatus= in systemd/balance-kiosk.service): a refused settings file stays
refused until someone edits it, while a screen that is not there yet may come up in a moment.
"""

from __future__ import annotations

NO_SCREEN = 69  # EX_UNAVAILABLE: no screen could be opened (retried by systemd)
CONFIG_REFUSED = 78  # EX_CONFIG: the settings file is refused (not retried by systemd)
