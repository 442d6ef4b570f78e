# The commands a person types. Longer logic lives in scripts/.
#
#   make run       set up what is missing, migrate, load demo data, serve on 127.0.0.1:5000
#                  (SERVE_HOST, SERVE_PORT to change)
#   make test      the whole test suite on SQLite, then on PostgreSQL (when one answers);
#                  PYTEST_ARGS="-k demo -x" passes arguments to pytest
#   make bench     the benchmarks of SPEC.md, each with its ratio to a floor of the same run
#   make lint      ruff
#   make migrate   migrate the database (GMIS_DATABASE_URL; default instance/gmis.sqlite3)
#   make demo      migrate, then load the demo data set (once)
#   make worker    the e-mail outbox worker
#   make clean     caches, build output and test artifacts (keeps .venv and the database)
#   make distclean clean, plus .venv and instance/ (the local database)

SHELL := /bin/bash
SERVE_HOST ?= 127.0.0.1
SERVE_PORT ?= 5000
PYTEST_ARGS ?=
export SERVE_HOST SERVE_PORT PYTEST_ARGS

FLASK := scripts/flask.sh

.DEFAULT_GOAL := help
.PHONY: help run test bench lint migrate demo worker clean distclean

help:
	@sed -n 's/^#   //p' Makefile

run:
	scripts/run.sh

test:
	scripts/test.sh

bench:
	scripts/venv.sh
	.venv/bin/python -m tools.bench

lint:
	scripts/venv.sh
	.venv/bin/ruff check .

migrate:
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) demo load

worker:
	$(FLASK) mail work

clean:
	rm -rf .pytest_cache .ruff_cache build dist test-artifacts
	find . -path ./.venv -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf .venv instance
