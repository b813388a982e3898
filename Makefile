# The README's two commands: `make demo` and `make test`. Both set up what they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: demo test test-tools setup system lint bench bench-tools clean

demo: setup
	$(BIN)/publisher build articles/ --out dist/

test: setup test-tools
	$(BIN)/ruff check publisher tests
	$(BIN)/python -m pytest -q -n auto --dist worksteal

# pdf.js, the viewer of Firefox and most web pages, for the tests that read PDFs as viewers do;
# Ace by DAISY, the accessibility checker stores and libraries run on EPUBs. Ace's default runner
# is Electron, whose install script downloads a browser: --ignore-scripts skips it, and the tests
# run Ace's Puppeteer runner on Debian's chromium (PUPPETEER_EXECUTABLE_PATH) instead.
test-tools: .cache/pdfjs/node_modules/pdfjs-dist/package.json .cache/ace/node_modules/.bin/ace-puppeteer

.cache/pdfjs/node_modules/pdfjs-dist/package.json:
	mkdir -p .cache/pdfjs
	[ -f .cache/pdfjs/package.json ] || echo '{"name": "publisher-test-tools", "private": true}' > .cache/pdfjs/package.json
	cd .cache/pdfjs && npm install --silent --no-audit --no-fund pdfjs-dist@4

.cache/ace/node_modules/.bin/ace-puppeteer:
	mkdir -p .cache/ace
	[ -f .cache/ace/package.json ] || echo '{"name": "publisher-ace", "private": true}' > .cache/ace/package.json
	cd .cache/ace && PUPPETEER_SKIP_DOWNLOAD=1 npm install --silent --no-audit --no-fund --ignore-scripts @daisy/ace@1.4

# Speed beside bare WeasyPrint and pandoc; results in bench/results/ (never asserted in tests).
bench: setup bench-tools
	$(BIN)/python bench/run.py

# pandoc and Typst are only for comparison: pandoc installed when run as root on Debian or Ubuntu,
# Typst (typst-py) in bench's own venv under .cache/bench; either is skipped when it cannot be had.
bench-tools:
	@command -v pandoc >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pandoc >/dev/null; } || \
		echo "pandoc not installed: the pandoc comparison will be skipped (apt-get install pandoc)"
	@[ -x .cache/bench/typst/bin/python ] || { python3 -m venv .cache/bench/typst && \
		.cache/bench/typst/bin/pip install -q typst==0.15.2; } || \
		echo "Typst not installed: the Typst comparison will be skipped"

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
