# Two entry points do all set-up on a fresh machine with Python 3.11, pip and make:
#   make demo   - the main job end to end on embedded defaults
#   make test   - lint, type checks and the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: demo test lint install clean bytecode
PACKAGES := credcert rules scorecard explain subscribers reports

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; \
	  sys.exit(0 if (3, 11) <= v < (3, 13) else \
	  f"credcert needs Python 3.11 or 3.12 (durable-rules does not build on newer); got {v[0]}.{v[1]}")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --python $(BIN)/python --quiet --compile-bytecode -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# Compiled once here, so that processes started with PYTHONDONTWRITEBYTECODE
# (which stops Python writing .pyc files, not reading them) do not compile
# every module at each start; stale files are recompiled by mtime.
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q $(PACKAGES) > /dev/null

demo: $(STAMP) bytecode
	$(BIN)/credcert demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# scripts/test-system.sh installs and starts what the tests need outside
# Python (Chromium, a CJK font, PostgreSQL) and prints the database URL.
test: $(STAMP) bytecode lint
	url=$$(bash scripts/test-system.sh) && \
	  CREDCERT_TEST_POSTGRES_URL="$$url" $(BIN)/pytest -n 2 --durations=15

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
