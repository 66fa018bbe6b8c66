# One entry point for people and CI. `make run` serves the system, `make test` checks everything.
SHELL := /bin/bash
PY := .venv/bin/python
PIP := .venv/bin/pip
STAMP := .venv/.installed

.PHONY: run test lint typecheck unit openapi bench fuzz clean venv

venv: $(STAMP)

$(STAMP): requirements-dev.txt layers/shared/requirements.txt
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(PY) scripts/gen_openapi.py
	$(PY) -m local.devserver

openapi: $(STAMP)
	$(PY) scripts/gen_openapi.py

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(STAMP)
	$(PY) -m mypy

test: $(STAMP)
	$(PY) scripts/gen_openapi.py --check
	$(MAKE) lint typecheck
	$(PY) -m pytest

unit: $(STAMP)
	$(PY) -m pytest tests/unit

bench: $(STAMP)
	$(PY) -m bench

fuzz: $(STAMP)
	FUZZ_EXAMPLES=500 $(PY) -m pytest tests/e2e/test_fuzz.py

clean:
	rm -rf .venv .venv-sam .aws-sam .pytest_cache .mypy_cache .ruff_cache
