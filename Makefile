# One entry point for people and CI. `make run` serves the system, `make test` checks everything.
SHELL := /bin/bash
PY := .venv/bin/python
STAMP := .venv/.installed
# Python 3.13, as Lambda's python3.13 runtime (scripts/find-python says how to get it if missing).
PYTHON ?= $(shell scripts/find-python)

.PHONY: run test test-deep lint typecheck unit openapi bench fuzz clean venv lock build checkov

venv: $(STAMP)

# The venv installs the hashed locks only: the versions the layer ships are the versions tested.
# scripts/make-venv makes every environment of the project with uv (pip installs uv itself).
$(STAMP): requirements-dev.txt layers/shared/requirements.txt requirements-uv.txt scripts/make-venv
	@test -n "$(PYTHON)" || exit 1
	PYTHON=$(PYTHON) scripts/make-venv .venv requirements-dev.txt
	touch $(STAMP)

# Re-resolve the locks after editing a requirements*.in (the layer's, the dev tools', uv's, SAM CLI's, checkov's).
lock: $(STAMP)
	cd layers/shared && ../../.venv/bin/pip-compile -q --generate-hashes --strip-extras --no-header \
		--no-emit-index-url --no-emit-find-links -o requirements.txt requirements.in
	.venv/bin/pip-compile -q --generate-hashes --strip-extras --no-header --no-emit-index-url \
		--no-emit-find-links --allow-unsafe -o requirements-dev.txt requirements-dev.in
	for tool in uv sam checkov; do .venv/bin/pip-compile -q --generate-hashes --strip-extras --no-header \
		--no-emit-index-url --no-emit-find-links --allow-unsafe -o requirements-$$tool.txt requirements-$$tool.in; done

# What `sam deploy` ships: `make build` (arm64), `make build ARCH=x86_64`.
ARCH ?= arm64
build: $(STAMP)
	$(PY) -m local.build --arch $(ARCH) --build-dir .aws-sam/build

run: $(STAMP)
	$(PY) scripts/gen_openapi.py
	$(PY) -m local.devserver

openapi: $(STAMP)
	$(PY) scripts/gen_openapi.py

# lint-imports checks the contracts in .importlinter: certtrack's packages import only downwards.
lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	PYTHONPATH=layers/shared .venv/bin/lint-imports --no-cache --no-logo

# pyproject's files, then each Lambda code directory in a run of its own (docs/CONVENTIONS.md, Types).
typecheck: $(STAMP)
	$(PY) -m mypy
	for code in functions/*/; do $(PY) -m mypy "$$code" || exit 1; done

# The web client's ES modules, type-checked by tsc (// @ts-check + JSDoc; tsconfig.json). npm installs
# the pinned TypeScript from package-lock.json again when the lock is newer than the install.
NODE_STAMP := node_modules/.installed

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

.PHONY: webcheck
webcheck: $(NODE_STAMP)
	npx --no-install tsc -p tsconfig.json

typecheck: webcheck

# The suite in two tiers (scripts/run-tests, docs/notes/testing.md). `make test`: the OpenAPI check,
# lint, then unit and integration tests (moto in-process) with coverage and its floor, the type
# checks beside them. `make test-deep`: what deploys and what a browser sees (SAM CLI, sam build,
# checkov, the dev servers, the built artifact, Chromium) with the schema fuzzer beside it.
# CI runs both.
test: $(STAMP)
	$(PY) scripts/gen_openapi.py --check
	$(MAKE) lint
	scripts/run-tests fast

test-deep: $(STAMP)
	scripts/run-tests deep

unit: $(STAMP)
	$(PY) -m pytest tests/unit

bench: $(STAMP)
	$(PY) -m bench

# checkov pins libraries the dev tools pin differently: it gets its own environment.
CHECKOV_STAMP := .venv-checkov/.installed

$(CHECKOV_STAMP): requirements-checkov.txt $(STAMP)
	scripts/make-venv .venv-checkov requirements-checkov.txt
	touch $(CHECKOV_STAMP)

# Settings in .checkov.yaml; every skip is on its resource in template.yaml with its reason.
checkov: $(CHECKOV_STAMP)
	AWS_DEFAULT_REGION=us-east-1 .venv-checkov/bin/checkov -f template.yaml

fuzz: $(STAMP)
	FUZZ_EXAMPLES=500 $(PY) -m pytest tests/e2e/test_fuzz.py

clean:
	rm -rf .venv .venv-sam .venv-checkov .aws-sam .pytest_cache .mypy_cache .ruff_cache node_modules
