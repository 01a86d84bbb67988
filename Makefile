# Coverage Guide: the commands a developer needs. See README.md.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: help install install-dev messages run serve worker staff-code test test-fast test-fault smoke bench bench-admin bench-pages bench-icd10 bench-load lint fmt typecheck check-deploy clean

help:
	@echo "make run          set everything up, seed the demo, start web + worker + Redis"
	@echo "make serve        production stack: gunicorn + Celery workers + beat (README: Deploying)"
	@echo "make staff-code   the demo staff reviewer's current 6-digit admin sign-in code"
	@echo "make test         the whole test suite"
	@echo "make messages     compile the translations (locale/), as make install does"
	@echo "make test-fault   the fault suite: Redis stopped, workers killed; prints recovery times"
	@echo "make smoke        start make run's stack, then make serve's (gunicorn), and use them over HTTP"
	@echo "make bench        time packet rendering (task vs WeasyPrint alone, 1 and 2 workers)"
	@echo "make bench-admin  time the case admin pages with 10,000 fake cases (seed_fake_cases)"
	@echo "make bench-pages  time the wizard pages on a large case against a static page (2x, 12 queries)"
	@echo "make bench-icd10  time the diagnosis search over the phrase table (median target 20 ms)"
	@echo "make bench-load   50 patients on make serve's stack (locust; LOAD_DATABASE_URL: PostgreSQL)"
	@echo "make lint / fmt   ruff check / ruff format"
	@echo "make typecheck    mypy with django-stubs (pyproject.toml says which modules are strict)"
	@echo "make check-deploy Django's deployment checks with production settings"

# Two installs: the runtime (requirements.txt: what make run and make serve need) and the
# development tools on top (requirements-dev.txt: pytest, Playwright, ruff, mypy, moto, locust).
$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed messages

install-dev: $(VENV)/.installed-dev messages

# The compiled catalogs (locale/*/LC_MESSAGES/django.mo) are build products, not in git; msgfmt
# comes from gettext. Only catalogs older than their .po are compiled again.
messages: $(VENV)/.installed
	@if [ -d locale ]; then DJANGO_DEBUG=1 $(PY) manage.py compilemessages -v0 \
		--ignore=$(VENV) --ignore=.local --ignore=staticfiles; fi

run: install
	scripts/dev.sh

# Production settings; needs DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS (README: Deploying).
serve: install
	scripts/serve.sh

# One worker for both queues (make run starts one per queue, so large packets wait apart).
worker: install
	DJANGO_DEBUG=1 SECRET_KEY_FILE=.local/secret_key $(VENV)/bin/celery -A coverage_guide worker -l INFO \
		--queues=celery,packets-large

# The demo reviewer's authenticator code (seed_demo gives it a published key), for the admin login.
staff-code: install
	DJANGO_DEBUG=1 $(PY) manage.py demo_totp_code

# Compiled modules are kept (under .local/pycache) even where the environment sets
# PYTHONDONTWRITEBYTECODE, as these machines do: otherwise every test process compiles the app and
# rewrites the asserts of every test module again, about 2 s each.
PYTEST := PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(CURDIR)/.local/pycache $(PY) -m pytest

test: install-dev
	$(PYTEST) -n auto --dist loadgroup

test-fast: install-dev
	$(PYTEST) -n auto --dist worksteal -m "not worker and not pdf and not browser and not slow and not fault and not fuzz"

# Redis stopped mid-request, workers killed mid-render, 20 writes at once (part of make test too);
# -s shows how long each packet took once the fault ended.
test-fault: install-dev
	REQUIRE_SERVICES=1 $(PYTEST) -m fault -s -p no:randomly

smoke: install-dev
	$(PY) scripts/smoke.py

bench: install-dev
	$(PY) bench/packet_bench.py

bench-admin: install-dev
	$(PY) bench/admin_bench.py

bench-pages: install-dev
	$(PY) bench/page_bench.py

bench-icd10: install-dev
	$(PY) bench/icd10_bench.py

# 50 patients at once on the production-like stack; needs LOAD_DATABASE_URL (an empty PostgreSQL
# database). See bench/load_bench.py.
bench-load: install-dev
	$(PY) bench/load_bench.py

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The packages and the strictness per module are in pyproject.toml ([tool.mypy]).
typecheck: install-dev
	$(VENV)/bin/mypy

# Production settings: DEBUG off, a real-looking secret, a host name. Fails on any warning.
check-deploy: install
	DJANGO_DEBUG=0 SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	ALLOWED_HOSTS=coverage-guide.example.org REDIS_URL=redis://127.0.0.1:6379/0 \
	$(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles
