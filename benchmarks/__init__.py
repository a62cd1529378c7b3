"""Benchmarks for `make bench`: each module here has a `run()` that prints its figures."""

import os

# pygame prints a banner on import; the reports stay figures only.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
