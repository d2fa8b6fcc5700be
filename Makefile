# Two commands: `make run` and `make test`. Everything else is a step they use.
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/uv-venv/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test test-dates test-pooled test-replica install lint imports migrations-check pytest e2e bench clean messages

run: install
	$(PY) -m config.devrun

test: install lint imports migrations-check pytest

install: $(VENV)/.installed node_modules/.installed

$(UV):
	$(PYTHON) -m venv $(TOOLS)/uv-venv
	$(TOOLS)/uv-venv/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

imports:
	$(VENV)/bin/lint-imports

migrations-check:
	$(PY) manage.py makemigrations --check --dry-run

# One database per worker (pytest-xdist); a file's tests stay on one worker. The slowest tests are
# listed at the end, so that a run that grows shows where its time went.
PYTEST_ARGS ?= -n auto --dist loadfile --durations=30 --durations-min=3

pytest:
	$(PY) -m pytest $(PYTEST_ARGS)

# The whole suite with the clock moved to each instant of tests/clock.py (AT=<instant> for one).
test-dates: install
	$(PY) -m tests.clock $(if $(AT),--at $(AT)) $(PYTEST_ARGS)

# The isolation suite, the race tests and 8 threads on 8 stores through PgBouncer (session mode),
# then proof that transaction mode is refused (tests/pooled.py). Needs pgbouncer and DATABASE_URL.
test-pooled: install
	$(PY) -m tests.pooled

# The HQ replica tests against a real streaming replica (tests/replica.py). Needs PostgreSQL 15's binaries.
test-replica: install
	$(PY) -m tests.replica

messages:
	$(PY) manage.py translations --compile

bench: install
	$(PY) -m bench

clean:
	rm -rf $(VENV) $(TOOLS) node_modules .run/staticfiles
