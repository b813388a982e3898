# The README's two commands: `make demo` and `make test`. Both set up what they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: demo test setup system lint bench clean

demo: setup
	$(BIN)/publisher build articles/ --out dist/

test: setup
	$(BIN)/ruff check publisher tests
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check publisher tests

setup: system $(STAMP)

system:
	@sh scripts/system-deps.sh

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $@

clean:
	rm -rf dist .pytest_cache
