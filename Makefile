# The README's two commands: `make serve` and `make test`. Each sets up .venv by itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
APT_PACKAGES := raptor2-utils chromium virtuoso-opensource
BENCH_APT_PACKAGES := wrk

.PHONY: venv sysdeps build validate lint serve test bench-tools bench bench-scale soak clean vendor

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	touch $@

venv: $(BIN)/.installed

# Debian tools the tests use; installed when root (as on CI), otherwise the line to run is printed.
sysdeps:
	@missing=""; \
	command -v rapper >/dev/null || missing="$$missing raptor2-utils"; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	test -x /usr/bin/virtuoso-t || missing="$$missing virtuoso-opensource"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Missing Debian packages. Run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

# Serving needs none of the test tools: only `make test` installs them (sysdeps).
build: venv
	$(BIN)/ldpub build

validate: venv
	$(BIN)/ldpub validate

serve: build
	$(BIN)/ldpub serve --host $(HOST) --port $(PORT)

# ruff and mypy are configured in pyproject.toml; CI fails on either.
lint: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

test: venv sysdeps lint build
	$(BIN)/python -m pytest -q

# wrk, the load generator of both benchmarks: installed when root, otherwise the line to run is printed.
bench-tools:
	@command -v wrk >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BENCH_APT_PACKAGES) >/dev/null; else echo "Run: sudo apt-get install -y $(BENCH_APT_PACKAGES)"; exit 1; fi; }

bench: venv build bench-tools
	$(BIN)/python bench/run.py

# Not part of `make test`: ldpub on disk beside oxigraph serve, and ldpub in front of a remote
# Oxigraph, on synthetic data at BENCH_SIZES (default 100000,1000000) triples: load, start, memory of
# every process, latency and throughput by wrk, ratios. bench/results/scale.txt.
bench-scale: venv bench-tools
	$(BIN)/python bench/scale.py

# Not part of `make test`: 5 minutes of load with attacks mixed in, on loopback (SOAK_SECONDS=60 to
# shorten). Report in bench/results/soak.txt; exits 1 when a target is missed.
soak: venv build
	$(BIN)/python bench/soak.py

# The query page's editor (CodeMirror 6 + esbuild, pinned in tools/editor/package-lock.json) into
# src/ldpub/static/vendor/codemirror/, which is committed: only re-run to change its versions.
vendor:
	tools/vendor-editor.sh

clean:
	rm -rf dist dist.tmp-* dist.old-* tests/artifacts bench/results
