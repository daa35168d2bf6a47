# One script, same locally and in CI: `.ci/run` calls `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= safeguard-data/demo
DEMO_ACCOUNTS ?= 30000
DEMO_SEED ?= 7
SCALE ?= small
PYTEST_WORKERS ?= 2

DEMO_DISSEMINATION ?= 1
#: Recipients whose packages the demo approves and sends (the demo force officer's force
#: among them); empty: every recipient (6,182 packages, tens of minutes).
DEMO_RECIPIENTS ?= thames-valley,kent,rocu:north-east-rocu

.PHONY: help venv system-deps test check lint types pytest demo demo-data demo-dissemination serve bench docs clean

help:
	@echo "make demo   set up, generate a synthetic operation, run the pipeline, send three"
	@echo "            recipients' packages (DEMO_RECIPIENTS; DEMO_DISSEMINATION=0 skips that),"
	@echo "            serve the web app"
	@echo "make test   set up and run lint, types and every test (SQLite, PostgreSQL, browser)"
	@echo "make check  lint and types only;  make bench  every benchmark (SCALE=small|full)"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools wheel
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# Debian's PostgreSQL server and Chromium, for the integration and browser tests.
system-deps:
	@bash scripts/system-deps.sh

lint: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

types: venv
	$(BIN)/mypy

check: lint types

pytest: venv system-deps
	$(BIN)/pytest -n $(PYTEST_WORKERS) -q

test: check pytest

demo-data: venv
	test -f $(DEMO_DIR)/synth/ground_truth.json || \
	  $(BIN)/safeguard synth $(DEMO_DIR)/synth --accounts $(DEMO_ACCOUNTS) --seed $(DEMO_SEED)
	test ! -d $(DEMO_DIR)/synth/cybertipline || SAFEGUARD_DATA_DIR=$(DEMO_DIR) \
	  $(BIN)/safeguard ingest $(DEMO_DIR)/synth/cybertipline --operation demo
	SAFEGUARD_DATA_DIR=$(DEMO_DIR) $(BIN)/safeguard run $(DEMO_DIR)/synth/delivery \
	  --operation demo --synth-dir $(DEMO_DIR)/synth

# Out and back: keys, second-person approval, batches per recipient, verify, tamper,
# outcomes, summary, report, supplementary packages (scripts/demo_dissemination.py).
demo-dissemination: demo-data
	$(BIN)/python scripts/demo_dissemination.py $(DEMO_DIR) --operation demo \
	  $(if $(DEMO_RECIPIENTS),--recipients $(DEMO_RECIPIENTS))

demo: demo-data $(if $(filter 1,$(DEMO_DISSEMINATION)),demo-dissemination)
	@echo "Demo logins, one per role (TOTP secrets: add them to an authenticator app):"
	SAFEGUARD_DATA_DIR=$(DEMO_DIR) $(BIN)/safeguard users demo
	SAFEGUARD_DATA_DIR=$(DEMO_DIR) $(BIN)/safeguard serve --host 127.0.0.1 --port 8000

docs: venv
	$(BIN)/python scripts/gen-cli-docs.py

bench: venv
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b --scale $(SCALE) || exit 1; done

clean:
	rm -rf $(VENV) safeguard-data .mypy_cache .ruff_cache .pytest_cache
