# Every target sets itself up: a fresh Debian machine needs only python3 and make.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean broker browser test-trixie pi-check

# The dashboard's browser tests drive Debian's chromium (Playwright cannot download its own here).
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq chromium; \
	  else \
	    echo "Chromium is missing, so the dashboard's browser tests will be skipped: run 'sudo apt-get install chromium', then 'make test' again." >&2; \
	  fi; }

$(STAMP): pyproject.toml
	@python3 -c 'import ensurepip' 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq python3-venv; \
	  else \
	    echo "Python's venv module is missing: run 'sudo apt-get install python3-venv', then 'make' again." >&2; exit 1; \
	  fi; }
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/balance-kiosk run --simulate --windowed --data-dir ./data

# The tests start Debian's mosquitto themselves (a broker of their own on a free port).
broker:
	@command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq mosquitto mosquitto-clients; \
	  else \
	    echo "The tests need the MQTT broker mosquitto: run 'sudo apt-get install mosquitto mosquitto-clients', then 'make test' again." >&2; exit 1; \
	  fi; }

test: $(STAMP) broker browser
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The player is measured beside mpv, headless and in an Xvfb window: as root, install them.
BENCH_TOOLS := mpv:mpv Xvfb:xvfb

bench: $(STAMP) broker
	@missing=""; for pair in $(BENCH_TOOLS); do \
	  command -v "$${pair%%:*}" >/dev/null || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "make bench compares the player with mpv: run 'sudo apt-get install$$missing', then 'make bench' again." >&2; \
	  fi; \
	fi
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info

# The test suite under Debian trixie's Python 3.13, in a native root made with debootstrap
# (as root; the first run takes minutes, see the README). Not part of `make test`.
test-trixie:
	tools/debian_roots/test_trixie.sh

# The kiosk installed by the README's steps on arm64 Debian bookworm and trixie under qemu-user
# (as root; tens of minutes the first time). Not part of `make test`.
pi-check:
	tools/debian_roots/pi_check.sh
