# The two commands a newcomer runs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
SECRET_FILE := instance/secret_key

.PHONY: demo test lint test-postgres bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[postgres,server,test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

$(SECRET_FILE):
	mkdir -p instance
	$(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(48))' > $(SECRET_FILE)
	chmod 600 $(SECRET_FILE)

## make demo: install, migrate an SQLite database under instance/, seed, serve on :5000
demo: $(STAMP) $(SECRET_FILE)
	LTI_TOOL_SECRET_KEY="$$(cat $(SECRET_FILE))" $(BIN)/lti-tool db upgrade
	LTI_TOOL_SECRET_KEY="$$(cat $(SECRET_FILE))" $(BIN)/lti-tool demo

## make test: install, check style and import rules, run the whole suite
test: $(STAMP) lint
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check lti_tool tests migrations
	$(BIN)/ruff format --check lti_tool tests migrations
	$(BIN)/lint-imports

## make test-postgres: the suite on PostgreSQL and Redis (both on 127.0.0.1)
test-postgres: $(STAMP)
	LTI_TOOL_TEST_DATABASE_URL=$${LTI_TOOL_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test} \
	LTI_TOOL_TEST_REDIS_URL=$${LTI_TOOL_TEST_REDIS_URL:-redis://127.0.0.1:6379/0} \
	$(BIN)/python -m pytest -q

## make bench: the benchmarks under tests/benchmarks (slow; numbers go into the README)
bench: $(STAMP)
	$(BIN)/python -m pytest -q -s tests/benchmarks -o addopts=""

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
