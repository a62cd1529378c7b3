# Every target sets itself up: a fresh Debian machine needs only python3 and make.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean test-trixie pi-check

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

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: $(STAMP)
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
