# The two commands of the README: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=
BENCH_DB ?= /tmp/alliance-bench-smoke.sqlite3
# test-fast only: one worker per core, a module's tests on one worker (they share its data). `XDIST=` runs serially.
XDIST ?= -n auto --dist loadfile

.PHONY: demo test test-fast lint test-sqlite test-postgres browser-deps postgres bench-smoke

$(VENV)/.installed: requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $@

demo: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py migrate --no-input
	DEBUG=1 $(PY) manage.py load_demo --with-demo-login
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

test: lint test-sqlite test-postgres

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run --settings=alliance.test_settings

# The developer's loop: SQLite, without the tests marked slow (state machine, fuzz, bench, browser, processes).
test-fast: $(VENV)/.installed
	env -u DATABASE_URL $(VENV)/bin/pytest -q -m "not slow" $(XDIST) $(PYTEST_ARGS)

test-sqlite: $(VENV)/.installed browser-deps
	env -u DATABASE_URL $(VENV)/bin/pytest $(PYTEST_ARGS)

test-postgres: $(VENV)/.installed browser-deps postgres
	DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest $(PYTEST_ARGS)

# Browser tests drive Debian's Chromium; Playwright never downloads a browser of its own.
browser-deps:
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)
	@test -d node_modules/axe-core || npm ci --silent --no-audit --no-fund

postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; echo "PostgreSQL is not answering on 127.0.0.1:5432"; exit 1

# The benchmark at its smallest size on a throwaway SQLite file, so that it never breaks unnoticed.
bench-smoke: $(VENV)/.installed
	rm -f $(BENCH_DB)
	DATABASE_URL=sqlite:///$(BENCH_DB) DEBUG=1 $(PY) manage.py migrate --no-input -v0
	DATABASE_URL=sqlite:///$(BENCH_DB) DEBUG=1 $(PY) manage.py bench --size 1000 --repeat 5 --no-load
	rm -f $(BENCH_DB)
