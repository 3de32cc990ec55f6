# The two commands a newcomer needs: `make run` and `make test`. Each sets up .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

export FLASK_APP := wsgi

# The development server's port: `make run PORT=5050`.
PORT ?= 5000
# The development database: the SQLite file in instance/, unless FORUM_DATABASE_URL names
# another (the flask commands read it from the environment too).
DEV_DATABASE := $(or $(FORUM_DATABASE_URL),sqlite:///$(CURDIR)/instance/forum.sqlite3)
DEV := FLASK_DEBUG=1

.PHONY: run run-oidc dev-database moderator name-given reset-demo test clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

# Migrates the development database, seeds the boards, and the demo content when it is empty.
dev-database: $(STAMP)
	$(DEV) $(BIN)/flask db upgrade
	$(DEV) $(BIN)/flask forum seed-boards
	$(DEV) $(BIN)/flask forum seed-demo --if-empty

# Development server with the development sign-in, on 127.0.0.1:$(PORT).
run: dev-database
	FORUM_DEV_LOGIN=true $(BIN)/flask --debug run --host 127.0.0.1 --port $(PORT)

# As `make run`, plus a local OpenID provider on 127.0.0.1:9400 offered as "Local OpenID"
# on the sign-in page: try the real sign-in flow and onboarding without any account. Its
# callback is built from FORUM_BASE_URL, so it follows PORT.
OIDC_DEMO := [{"name": "local", "title": "Local OpenID (demo)", "discovery_url": "http://127.0.0.1:9400/.well-known/openid-configuration", "client_id": "firsthand-demo", "client_secret": "demo"}]
run-oidc: dev-database
	$(BIN)/oidc-provider-mock --host 127.0.0.1 --port 9400 --require-nonce true & \
	trap 'kill $$!' EXIT INT TERM; \
	FORUM_DEV_LOGIN=true FORUM_OIDC_PROVIDERS='$(OIDC_DEMO)' \
	FORUM_BASE_URL=http://127.0.0.1:$(PORT) \
	$(BIN)/flask --debug run --host 127.0.0.1 --port $(PORT)

# Makes NAME a moderator on the development instance (sign in as NAME once first).
moderator: name-given $(STAMP)
	$(DEV) $(BIN)/flask forum set-role '$(NAME)' moderator

name-given:
	@case '$(NAME)' in '') echo 'Usage: make moderator NAME=<pseudonym>' >&2; exit 2;; esac

# Starts the demo again: deletes the development SQLite database, then as `make run` does
# before serving. Stop `make run` first.
reset-demo: $(STAMP)
	@case '$(DEV_DATABASE)' in sqlite:///*) ;; \
	  *) echo 'reset-demo deletes a SQLite database only; FORUM_DATABASE_URL names another' >&2; \
	     exit 2;; esac
	rm -f '$(DEV_DATABASE:sqlite:///%=%)' '$(DEV_DATABASE:sqlite:///%=%)-wal' \
	  '$(DEV_DATABASE:sqlite:///%=%)-shm'
	$(MAKE) --no-print-directory dev-database

# Ruff, bandit and the import contracts (pyproject.toml), then the whole suite (SQLite; set
# FORUM_TEST_DATABASE_URL for PostgreSQL), on one worker per core: each worker has its own
# SQLite file or PostgreSQL database, and each test file runs on one worker, so what a
# module sets up once (a browser module's live forum, the route table's cast) is set up once.
# `make test TEST_WORKERS=0` runs it in one process.
TEST_WORKERS ?= auto
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/bandit -q -r forum -c pyproject.toml
	$(BIN)/lint-imports --no-cache --no-logo
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
