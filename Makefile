# Two commands matter: `make run` (the whole system on embedded defaults) and `make test`.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test test-js test-journey test-mysql install lint migrate seed clean bench-notifications bench-waitlist bench-ledger bench-makeup-search bench-dashboard bench-metrics bench-growth bench

$(VENV)/.installed: requirements.txt requirements-dev.txt bin/install-system-deps
	bin/install-system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

## Chromium, a CJK font and Prometheus: only the tests need them (tests/e2e, the alert rules' and
## the scrape's tests), so `make run` does not.
$(VENV)/.test-tools: bin/install-system-deps | $(VENV)/.installed
	bin/install-system-deps --test
	touch $@

## The system on embedded defaults: SQLite, filesystem broker, console notifications. Ctrl-C stops it.
run: install
	PORT=$(PORT) bin/run-dev

## The whole suite: the mini-program's Jest tests, then pytest (SQLite unless DATABASE_URL says otherwise).
test: install $(VENV)/.test-tools test-js
	$(BIN)/pytest

miniprogram/node_modules/.installed: miniprogram/package.json miniprogram/package-lock.json
	cd miniprogram && npm ci --no-audit --no-fund --loglevel=error
	touch $@

test-js: miniprogram/node_modules/.installed
	cd miniprogram && npm test --silent

## The parent's journey in the mini-program against a real server (seed_demo on a throwaway database).
test-journey: install test-js
	$(BIN)/pytest tests/miniprogram/test_journey.py

## The suite on the local MariaDB and Redis, as CI's second pass runs it.
test-mysql: install $(VENV)/.test-tools test-js
	DATABASE_URL=mysql://root@127.0.0.1:3306/test REDIS_URL=redis://127.0.0.1:6379/15 $(BIN)/pytest

## Style and the layers between apps (docs/architecture.md).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

migrate: install
	$(BIN)/python manage.py migrate

seed: install
	$(BIN)/python manage.py seed_demo

clean:
	rm -rf $(VENV) var/db.sqlite3 var/celery var/*.log

## Benchmarks (MariaDB + Redis): numbers go to bench/results/.
bench-notifications: install
	bin/ensure-services
	$(BIN)/python bench/notification_latency.py
	$(BIN)/python bench/notification_latency.py --interval 0 --output notification_latency_stress || true
	$(BIN)/python bench/notification_latency.py --channel sms --output notification_latency_sms

bench-waitlist: install
	bin/ensure-services
	$(BIN)/python bench/waitlist_contention.py

bench-ledger: install
	$(BIN)/python bench/ledger_property.py

bench-makeup-search: install
	bin/ensure-services
	$(BIN)/python bench/makeup_search.py

bench-dashboard: install
	bin/ensure-services
	$(BIN)/python bench/dashboard.py

## One Prometheus scrape of /metrics over 100,000 waiting entries (goal: under 100 ms).
bench-metrics: install
	bin/ensure-services
	$(BIN)/python bench/metrics_scrape.py

## How each read's p95 grows from 1x to 100x data (several minutes to build 2,000,000 bookings).
bench-growth: install
	bin/ensure-services
	$(BIN)/python bench/growth.py

## The load benchmark (gunicorn + MariaDB + Redis, wrk) with the sweeper and growth: bench/results/load.md.
bench: install
	bin/ensure-services
	command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	$(BIN)/python bench/waitlist_contention.py
	$(BIN)/python bench/load.py

## Mutation testing (slow: not in CI): mutmut over the rules' services and selectors, a seeded sample
## of SAMPLE mutants per module (SAMPLE=0: all, a day's run); report in bench/results/mutation.md.
SAMPLE ?= 20
SEED ?= 1
.PHONY: mutation
mutation: install
	$(BIN)/python bench/mutation_sample.py --per-module $(SAMPLE) --seed $(SEED)
	$(BIN)/python bench/mutation_report.py

## Race rounds (MariaDB): 1,000 randomized rounds of concurrent accept/join/cancel/leave/sweep/make-up, invariants checked after each.
.PHONY: bench-races
bench-races: install
	bin/ensure-services
	$(BIN)/python bench/race_rounds.py
