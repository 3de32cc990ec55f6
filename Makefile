# The two commands a newcomer needs: `make run` and `make test`. Each sets up .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

export FLASK_APP := wsgi

.PHONY: run run-oidc test clean

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

# As `make run`, plus a local OpenID provider on 127.0.0.1:9400 offered as "Local OpenID"
# on the sign-in page: try the real sign-in flow and onboarding without any account.
OIDC_DEMO := [{"name": "local", "title": "Local OpenID (demo)", "discovery_url": "http://127.0.0.1:9400/.well-known/openid-configuration", "client_id": "firsthand-demo", "client_secret": "demo"}]
run-oidc: $(STAMP)
	FLASK_DEBUG=1 $(BIN)/flask db upgrade
	FLASK_DEBUG=1 $(BIN)/flask forum seed-boards
	FLASK_DEBUG=1 $(BIN)/flask forum seed-demo --if-empty
	$(BIN)/oidc-provider-mock --host 127.0.0.1 --port 9400 --require-nonce true & \
	trap 'kill $$!' EXIT INT TERM; \
	FORUM_DEV_LOGIN=true FORUM_OIDC_PROVIDERS='$(OIDC_DEMO)' \
	$(BIN)/flask --debug run --host 127.0.0.1 --port 5000

# Ruff, bandit and the import contracts (pyproject.toml), then the whole suite (SQLite; set
# FORUM_TEST_DATABASE_URL for PostgreSQL).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/bandit -q -r forum -c pyproject.toml
	$(BIN)/lint-imports --no-cache --no-logo
	$(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
