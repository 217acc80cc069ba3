# The two commands: `make demo` and `make test`. Everything a fresh machine needs is
# installed from here; see README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/xueshi
PORT ?= 8000
PYTEST_WORKERS ?= 2
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo test install system-deps lint migrations-check test-sqlite test-pg test-browser \
        pg-up messages serve seed clean bench bench-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# setuptools' default editable mode; its one "Editable installation" notice (a
	@# BuildBackendWarning from the build backend) is filtered by message, nothing else.
	PYTHONWARNINGS="ignore:Editable installation:Warning" \
	  $(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# Debian packages the browser tests and the print view need. As root they are installed;
# otherwise we say what is missing and stop.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing fontconfig >/dev/null; \
	  else \
	    echo "Please install as root: apt-get install$$missing"; exit 1; \
	  fi; \
	fi

messages: install
	@if command -v msgfmt >/dev/null; then $(BIN)/python manage.py compilemessages --ignore=.venv -v 0; fi

var:
	mkdir -p var

seed: install var messages
	$(BIN)/python manage.py migrate --no-input -v 0
	$(BIN)/python manage.py seed_demo

# The django-tasks worker (large imports) runs beside the server and stops with it.
demo: seed
	@$(BIN)/python manage.py demo_logins --port $(PORT)
	@$(BIN)/python manage.py db_worker --no-reload --no-startup-delay -v 0 & worker=$$!; \
	 trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/bandit -q -r config core orgs accounts ledger claims training notifications reports portal -x '*/tests/*,*/migrations/*' -ll

migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run -v 1

pg-up:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect 15 main start
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; \
	 echo "PostgreSQL did not come up on 127.0.0.1:5432"; exit 1

test-sqlite: install messages
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) -m "not browser"
	@cat test-artifacts/authz-matrix-sqlite.txt 2>/dev/null || true

test-pg: install messages pg-up
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -n $(PYTEST_WORKERS) -m "not browser"
	@cat test-artifacts/authz-matrix-postgresql.txt 2>/dev/null || true

test-browser: install messages system-deps
	$(BIN)/pytest -q -m browser

test: install system-deps lint migrations-check test-sqlite test-pg test-browser

# The pages benchmark drives gunicorn with wrk (Debian's package).
bench-deps:
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing: wrk"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else \
	    echo "Please install as root: apt-get install wrk"; exit 1; \
	  fi; \
	fi

bench: install pg-up bench-deps
	DATABASE_URL=$(PG_URL) $(BIN)/python -m bench

clean:
	rm -rf $(VENV) staticfiles
