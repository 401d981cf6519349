# Pathways: `make dev` runs the whole system, `make test` runs the tests. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install dev test test-stress lint bench clean-db fuzz lock

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# The pip a venv comes with (23) gives up on the OpenTelemetry packages' exact pins of
	@# each other where a newer resolver backtracks to the set that fits.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade 'pip>=25'
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

# The programs the tests run that this project does not write (tests/external/package.json: an
# OpenID provider, client generators, an OpenAPI linter, the Compose specification's schema),
# pinned by its lock file; needs npm.
# Only the tests need them: `make dev` does not.
NODE_STAMP := tests/external/node_modules/.installed-stamp
$(NODE_STAMP): tests/external/package-lock.json
	cd tests/external && npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

install: $(STAMP)

# requirements.lock: every runtime dependency of pyproject.toml pinned with its files' hashes,
# resolved for the image's Python (3.11, glibc Linux on x86_64, wheels only); the image installs
# exactly that (deploy/Dockerfile). Run it after changing `dependencies` in pyproject.toml: the
# tests fail on a lock that no longer satisfies it. Needs PyPI.
lock: install
	$(BIN)/uv pip compile pyproject.toml --quiet --generate-hashes --python-version 3.11 \
		--python-platform x86_64-manylinux_2_36 --only-binary :all: \
		--custom-compile-command 'make lock' --output-file requirements.lock

# `make dev DEMO=homere` (or palim, mentor2) also seeds a demo scenario through the API;
# `make dev PORT_BASE=9000` runs the gateway on 9000 and the services on 9101-9103.
dev: install
	$(BIN)/pathways dev $(if $(REPLICAS),--replicas $(REPLICAS)) $(if $(DEMO),--demo $(DEMO)) \
		$(if $(PORT_BASE),--port-base $(PORT_BASE))

# Two pytest workers (pytest-xdist), each test file on one of them, so that a file's module-wide
# test system starts once: the suite's processes leave a core idle half the time otherwise. Each
# worker starts its own embedded PostgreSQL; on a DATABASE_URL cluster the workers would share
# its connection slots (100 on a default server: two workers peaked at 93), so there the suite
# runs in one process unless PYTEST_WORKERS says otherwise.
PYTEST_WORKERS ?= $(if $(DATABASE_URL),1,2)
PYTEST_PARALLEL = $(if $(filter 0 1,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadfile)

test: lint $(NODE_STAMP)
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

# The whole suite while every core is kept busy by a CPU hog started (one per core, `nproc`) and
# stopped here, killed by pid on any exit: proves a busy machine does not turn the suite red
# (no wall-clock thresholds, no sleeps as synchronisation). Takes about ten minutes.
test-stress: install $(NODE_STAMP)
	@set -e; pids=""; \
	trap 'kill $$pids 2>/dev/null || true' EXIT INT TERM; \
	for _ in $$(seq "$$(nproc)"); do \
		$(BIN)/python -c 'while True: pass' & pids="$$pids $$!"; \
	done; \
	echo "CPU hogs running:$$pids"; \
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

# A long fuzzing run of the whole API through the gateway (tests/fuzz); `make test` runs a short
# one. FUZZ_MAX_EXAMPLES (examples per operation) and FUZZ_SEED tune it.
FUZZ_MAX_EXAMPLES ?= 100
fuzz: install
	FUZZ_MAX_EXAMPLES=$(FUZZ_MAX_EXAMPLES) FUZZ_COVERAGE=1 $(BIN)/python -m pytest tests/fuzz $(PYTEST_ARGS)

# ruff, then mypy in strict mode over the kit, the services, the gateway, the launcher and the
# demo ([tool.mypy] in pyproject.toml). `make test` runs it first.
lint: install
	$(BIN)/ruff check --quiet .
	$(BIN)/mypy

# Every benchmark by default; `make bench BENCH="reads gateway"` runs some. The report (Markdown,
# JSON, latency chart) goes to bench/results/, which git ignores.
bench: install
	$(BIN)/python -m bench $(BENCH)

clean-db:
	rm -rf var/postgres
