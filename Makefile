# The two commands of the README, plus bench. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench fuzz lint services install

$(BIN)/lotse: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(BIN)/lotse

demo: install
	$(BIN)/lotse demo $(if $(PORT),--port $(PORT)) $(if $(REGION),--region $(REGION))

services:
	bash scripts/services.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

test: install services lint
	bash scripts/node-deps.sh
	bash scripts/cms-venv.sh
	$(BIN)/python -m pytest -q -p no:cacheprovider

bench: install services
	$(BIN)/python -m benchmarks

fuzz: install
	$(BIN)/python -m benchmarks.fuzz
