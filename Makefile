# The two commands of the quick start are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test lint format messages vendor clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

## Install, migrate, load demo data and serve HTTP + WebSockets on embedded defaults. With a
## broker (REDIS_URL or CELERY_BROKER_URL) tasks no longer run inline: a Celery worker and beat
## (bin/worker, bin/beat) run alongside, or rankings and imports would wait in the queue for ever.
## Ctrl-C stops all three.
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo ""
	@echo "  Open http://127.0.0.1:$(PORT)/  (Ctrl-C stops the server)"
	@echo ""
	@if [ -z "$${CELERY_BROKER_URL:-$${REDIS_URL:-}}" ]; then exec $(PY) manage.py runserver 127.0.0.1:$(PORT); fi; \
	echo "  A broker is set: a Celery worker and beat run alongside (warnings only: LOG_LEVEL=INFO for more)."; \
	export PYTHON=$(PY) LOG_LEVEL=$${LOG_LEVEL:-WARNING}; \
	bin/worker & worker=$$!; bin/beat & beat=$$!; \
	trap 'kill $$worker $$beat 2>/dev/null; wait' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

## Install and run the tests (PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set) on
## PYTEST_WORKERS processes (pytest-xdist, a test file per process at a time; 0: one process).
## Two by default: CI's machine has two cores (docs/benchmarks.md, test suite time).
PYTEST_WORKERS ?= 2
test: $(STAMP)
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Refresh the translation catalogues (needs gettext); the compiled .mo files are committed.
messages: $(STAMP)
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=node_modules --ignore=staticfiles --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv

## Re-vendor front-end packages from npm into static/vendor (committed; no CDN at run time).
vendor:
	./scripts/vendor-assets.sh

clean:
	rm -rf $(VENV) staticfiles node_modules
