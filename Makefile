# The two commands a newcomer needs: `make run` and `make test`. Each sets up .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

export FLASK_APP := wsgi

.PHONY: run test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

# Development server with the development sign-in, on a SQLite file in instance/.
run: $(STAMP)
	FLASK_DEBUG=1 $(BIN)/flask db upgrade
	FLASK_DEBUG=1 $(BIN)/flask forum seed-boards
	FLASK_DEBUG=1 $(BIN)/flask forum seed-demo --if-empty
	FORUM_DEV_LOGIN=true $(BIN)/flask --debug run --host 127.0.0.1 --port 5000

# Ruff, then the whole suite (SQLite; set FORUM_TEST_DATABASE_URL for PostgreSQL).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
