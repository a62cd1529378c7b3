"""`python -m kiosk.cli` is `balance-kiosk`."""

import sys

from kiosk.cli.main import main

sys.exit(main())
