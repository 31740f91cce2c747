# bytedance-kg: the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup build validate fmt fmt-check test run clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found (Python 3.11 is required)" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP) ## create .venv and install the project and its test tools

build: setup ## parse, verify quotes, reason, validate, run the gates, write dist/
	$(BIN)/bytedance-kg build

validate: setup ## check the sources without writing dist/
	$(BIN)/bytedance-kg validate

fmt: setup ## rewrite the Turtle sources in canonical form
	$(BIN)/bytedance-kg fmt

fmt-check: setup
	$(BIN)/bytedance-kg fmt --check

test: setup ## run the whole test suite
	$(BIN)/pytest

run: build ## build and validate the graph (serving arrives with the server issue)
	@echo "built dist/; see README.md for what to run next"

clean:
	rm -rf dist .dist-* .pytest_cache
