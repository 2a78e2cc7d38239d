# The README's two commands: `make serve` and `make test`. Each sets up .venv by itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
APT_PACKAGES := raptor2-utils chromium
BENCH_APT_PACKAGES := wrk

.PHONY: venv sysdeps build validate serve test bench clean

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
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Missing Debian packages. Run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

# As root the Debian test tools are installed here too; otherwise their apt line is printed and the
# build goes on (it does not need them, and `make serve` must work without them).
build: venv
	@$(MAKE) --no-print-directory sysdeps || echo "(continuing: the build does not need them; make test does)"
	$(BIN)/ldpub build

validate: venv
	$(BIN)/ldpub validate

serve: build
	$(BIN)/ldpub serve --host $(HOST) --port $(PORT)

test: venv sysdeps build
	$(BIN)/python -m pytest -q

bench: venv build
	@command -v wrk >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BENCH_APT_PACKAGES) >/dev/null; else echo "Run: sudo apt-get install -y $(BENCH_APT_PACKAGES)"; exit 1; fi; }
	$(BIN)/python bench/run.py

clean:
	rm -rf dist tests/artifacts bench/results
