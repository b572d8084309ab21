# Targets: vendor, check-vendor, lint, test, check, bench, demo. `make test` builds .venv itself.
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: vendor check-vendor lint test check bench demo clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet ".[dev]"
	touch $(STAMP)

vendor:
	$(PYTHON) tools/vendor.py

check-vendor:
	$(PYTHON) tools/vendor.py --check

lint: $(STAMP)
	$(VENV)/bin/ruff check skills tests tools bench
	$(VENV)/bin/vermin --target=3.9- --no-tips --violations --eval-annotations skills/

test: $(STAMP)
	$(VPY) -m pytest -q -n 2 $(PYTEST_ARGS)

check: lint check-vendor test

bench: $(STAMP)
	$(VPY) bench/run.py

demo:
	$(PYTHON) tools/demo.py

clean:
	rm -rf $(VENV) output .pytest_cache
