# One entry point for people and CI. `make run` serves the system, `make test` checks everything.
SHELL := /bin/bash
PY := .venv/bin/python
PIP := .venv/bin/pip
STAMP := .venv/.installed

.PHONY: run test lint typecheck unit openapi bench fuzz clean venv checkov

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

# checkov pins libraries the dev tools pin differently: it gets its own environment.
CHECKOV_STAMP := .venv-checkov/.installed

$(CHECKOV_STAMP): requirements-checkov.txt $(STAMP)
	$(PY) -m venv --clear .venv-checkov
	.venv-checkov/bin/python -m pip install -q -r requirements-checkov.txt
	touch $(CHECKOV_STAMP)

# Settings in .checkov.yaml; every skip is on its resource in template.yaml with its reason.
checkov: $(CHECKOV_STAMP)
	AWS_DEFAULT_REGION=us-east-1 .venv-checkov/bin/checkov -f template.yaml

fuzz: $(STAMP)
	FUZZ_EXAMPLES=500 $(PY) -m pytest tests/e2e/test_fuzz.py

clean:
	rm -rf .venv .venv-sam .venv-checkov .aws-sam .pytest_cache .mypy_cache .ruff_cache
