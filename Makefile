# The two commands of the README, plus helpers. Everything goes through tools/bootstrap.sh first, which is
# idempotent and fast once its cache (~/.cache/directus-mcp-access) is warm.
.PHONY: setup venv setup-tests local local-stop test test-core lint unit benchmark docs

ARGS ?=

setup:
	@bash tools/bootstrap.sh

## Only the virtualenv (what lint and unit need): no toolchain build, no wait on another worktree's bootstrap.
venv:
	@bash tools/bootstrap.sh --venv-only

## What the tests need beyond `make local`: Directus 11.x and Redis (the core runs on both lines and profiles), and
## the test-only tools (Mermaid CLI, Chromium and its WebDriver, age).
setup-tests:
	@bash tools/bootstrap.sh --for-tests

## The main job on the embedded default: local Directus + `up` on the local stack. ARGS=--show-token prints tokens;
## PORT=N starts the local Directus on another port (e.g. a second checkout while 8055 is taken).
PORT ?=
local: setup
	@.venv/bin/mcp-access local $(if $(PORT),--port $(PORT)) $(ARGS)

local-stop:
	@.venv/bin/mcp-access local-stop

lint: venv
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	.venv/bin/mypy -p tools.bench
	.venv/bin/lint-imports --no-logo
	NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --quiet

## The documentation site (docs/, mkdocs.yml) into .site/
docs: venv
	NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict

## All tests: lint, unit, integration (real Directus) and end-to-end (real Pulumi CLI + Directus + MCP) on
## SQLite and Directus 12.x; then the end-to-end core (-m core) again on PostgreSQL + Redis with two instances,
## on Directus 12.x and on 11.x. Each part prints its own duration.
test: setup-tests lint
	.venv/bin/pytest --durations=10
	.venv/bin/pytest -m core --directus-profile postgres-redis --directus-line 12 --durations=5
	.venv/bin/pytest -m core --directus-profile postgres-redis --directus-line 11 --durations=5

## One part of `make test`: make test-core PROFILE=postgres-redis LINE=11
PROFILE ?= sqlite
LINE ?= 12
test-core: setup-tests
	.venv/bin/pytest -m core --directus-profile $(PROFILE) --directus-line $(LINE) --durations=5

unit: venv
	.venv/bin/pytest tests/unit

## Benchmark: N members (default 10 100 300) over the three templates on a fresh local Directus; prints figures.
benchmark: setup
	.venv/bin/python -m tools.bench.benchmark $(ARGS)
