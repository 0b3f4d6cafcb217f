# The two commands of the quick start:
#   make run    installs into .venv and runs the service on :8001 (embedded PostgreSQL unless
#               CHEMAUDIT_DATABASE_URL is set)
#   make test   installs into .venv and runs the whole test suite
PYTHON ?= python3
VENV ?= .venv
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck install bench clean

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/chemaudit serve

# Two test processes: most of the slow tests wait on real processes, sockets and timeouts, so a
# second one overlaps them (TEST_PROCESSES=0 runs everything in this process, in order).
TEST_PROCESSES ?= 2

test: $(STAMP)
	$(VENV)/bin/python -m pytest -n $(TEST_PROCESSES) --dist loadgroup $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(VENV)/bin/python -m bench

clean:
	rm -rf $(VENV) .chemaudit
