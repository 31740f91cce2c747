# bytedance-kg: the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
# One stamp per set of packages: running needs the package and the query page's editor; the tests
# and the benchmarks add their own extras on top (`make run` never installs them).
STAMP       := $(VENV)/.installed
TEST_STAMP  := $(VENV)/.installed-test
BENCH_STAMP := $(VENV)/.installed-bench
# The release is rebuilt only when a source is newer than it: its checksum file is written last.
RELEASE := dist/SHA256SUMS
SOURCES := $(shell find data ontology queries checks src -type f -not -path '*/__pycache__/*' \
                -not -path '*.egg-info/*' -not -name '*.pyc' 2>/dev/null)

.PHONY: setup setup-test setup-bench system-deps build validate fmt fmt-check lint typecheck check test run bench clean

$(STAMP): pyproject.toml web/package-lock.json
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found (Python 3.11 is required)" >&2; exit 2; }
	@command -v npm >/dev/null 2>&1 || { echo "error: npm not found (the query page's editor comes from the npm registry)" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	cd web && npm ci --omit=dev --no-audit --no-fund --silent
	touch $(STAMP)

# The tests take the benchmark tools too: they smoke-test `bytedance-kg bench`, and mypy checks its
# modules; and the editor's development packages, the two JavaScript SHACL engines the conformance
# tests run on the release (running needs neither).
$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	cd web && npm ci --include=dev --no-audit --no-fund --silent
	touch $(TEST_STAMP)

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $(BENCH_STAMP)

setup: $(STAMP) ## create .venv and install the project and the query page's editor (what running needs)

setup-test: $(TEST_STAMP) ## add the test tools (pytest, Playwright, ruff, mypy, ...) and the benchmark's

setup-bench: $(BENCH_STAMP) ## add the benchmark tools (matplotlib, rdflib-endpoint, the Oxigraph server)

$(RELEASE): $(SOURCES) $(STAMP)
	$(BIN)/bytedance-kg build

build: setup ## parse, verify quotes, reason, validate, run the gates, write dist/
	$(BIN)/bytedance-kg build

validate: setup ## check the sources without writing dist/
	$(BIN)/bytedance-kg validate

fmt: setup ## rewrite the Turtle sources in canonical form
	$(BIN)/bytedance-kg fmt

fmt-check: setup
	$(BIN)/bytedance-kg fmt --check

# ruff: errors (long lines included), warnings and import order, as pyproject.toml selects, and the
# formatter's layout.
lint: setup-test ## lint and format-check the Python code with ruff
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

# mypy over src/bytedance_kg, with the settings in pyproject.toml's [tool.mypy].
typecheck: setup-test ## type-check the package with mypy
	$(BIN)/mypy

# Debian packages the tests need: Virtuoso (cross-engine tests), Chromium (browser tests).
DEBS := virtuoso-opensource chromium chromium-driver
system-deps: ## install the Debian packages the tests need (as root, with apt-get)
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
	    echo "error: the tests need Debian packages:$$missing (install them as root with apt-get)" >&2; exit 2; fi; \
	  echo "installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# The tests run in as many processes as the machine has cores, four at most (pytest-xdist), a test
# file to a process at a time, so that a module's fixtures (a browser, a server) are started once:
# much of the suite waits on servers, subprocesses and sockets, and one process left a core idle.
# The tests that time a server's answers under load (marker `serial`) run after the others, alone:
# beside another test file they would measure that file too. `make test PYTEST_WORKERS=0` runs
# the rest in this process as well.
PYTEST_WORKERS ?= auto
PYTEST := $(BIN)/pytest -n $(PYTEST_WORKERS) --maxprocesses 4 --dist loadfile

check: setup-test ## the quick tier of the tests (under a minute on an idle machine, no root, no Debian packages)
	$(PYTEST) -m fast -q

test: setup-test system-deps ## run the whole test suite
	$(PYTEST) -m "not serial"
	$(BIN)/pytest -m serial

HOST ?= 127.0.0.1
PORT ?= 8000
# Builds only if a source changed since the last build; serve fails (exit 2) on a busy port.
run: $(RELEASE) ## build and validate the graph if a source changed, then serve it at http://$(HOST):$(PORT)/
	$(BIN)/bytedance-kg serve --host $(HOST) --port $(PORT)

BENCH_PORT ?= 8765
# The load test sends from one address: 12 clients are as many as one address may have running (its
# share, 4) and waiting (twice that) at once; more would measure the fair-share refusals (429).
bench: $(BENCH_STAMP) $(RELEASE) ## measurements: build vs naive pipeline up to ~1M triples, endpoints, then a 60-second load test (BENCHMARKS.md)
	$(BIN)/bytedance-kg bench --articles 0,6,64,645 --repeats 5 --endpoint-seconds 5 --save
	@$(BIN)/bytedance-kg serve --port $(BENCH_PORT) --client-queries 4 & pid=$$!; \
	trap "kill $$pid" EXIT; \
	up=""; for i in $$(seq 1 100); do curl -sf -o /dev/null http://127.0.0.1:$(BENCH_PORT)/sparql && up=1 && break; sleep 0.2; done; \
	[ -n "$$up" ] || { echo "error: the server did not answer on port $(BENCH_PORT)" >&2; exit 1; }; \
	$(BIN)/bytedance-kg loadtest --url http://127.0.0.1:$(BENCH_PORT) --clients 12 --seconds 60 --pid $$pid --save

clean:
	rm -rf dist .releases .dist-link-* .pytest_cache test-artifacts
