# Two commands do all setup on a fresh clone:
#   make demo   set up, then brief a bundled sample report with the embedded model (no API key)
#   make test   set up, then run the whole test suite
# Setup installs exactly what requirements.lock pins, hashes checked, with the pip the Python ships.
# requirements.lock is exported from uv.lock (Linux x86_64, Python 3.11); `make lock` refreshes both.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SAMPLE := samples/dongchuan-district-79th-executive-meeting.txt
LOCK := requirements.lock
EXPORT := export --frozen --format requirements-txt --all-extras --all-groups --no-emit-project --no-header --quiet

# llama-cpp-python compiles llama.cpp once (pip caches the wheel). The server never loads the
# multimodal library (libmtmd), so it is not built: the compile is shorter, inference the same
# (README, "Installing"). Both are environment settings a user may override.
export CMAKE_ARGS ?= -DLLAVA_BUILD=OFF
export CMAKE_BUILD_PARALLEL_LEVEL ?= $(shell nproc 2>/dev/null || echo 2)
# Packages built from source (llama-cpp-python, langdetect, rouge-score) get their build tools
# in an isolated environment; these constraints hold those tools to the versions the lock pins.
export PIP_CONSTRAINT := $(abspath $(VENV)/build-constraints.txt)

.PHONY: demo test setup setup-test browser lock lock-upgrade lock-check check-install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/build-constraints.txt: $(LOCK) | $(BIN)/python
	grep -E '^[A-Za-z0-9_.-]+==' $(LOCK) | sed 's/ *;.*//; s/ *\\$$//' > $@

$(VENV)/.setup: $(LOCK) pyproject.toml $(VENV)/build-constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

setup: $(VENV)/.setup
setup-test: $(VENV)/.setup

demo: setup
	$(BIN)/summarizer brief $(SAMPLE) --out briefings/
	@echo "briefing written to briefings/ (open the .brief.md)"

browser:
	bash scripts/ensure-chromium.sh

test: setup browser
	$(BIN)/python -m pytest

# re-resolve after a change to pyproject.toml, keeping every pin that still fits
lock: setup
	$(BIN)/uv lock
	$(BIN)/uv $(EXPORT) -o $(LOCK)

# move every pin to the newest release the ranges allow
lock-upgrade: setup
	$(BIN)/uv lock --upgrade
	$(BIN)/uv $(EXPORT) -o $(LOCK)

# fails when pyproject.toml, uv.lock and requirements.lock disagree
lock-check: setup
	$(BIN)/uv lock --check
	$(BIN)/uv $(EXPORT) -o $(VENV)/lock-export.txt
	diff -u $(LOCK) $(VENV)/lock-export.txt || { echo "requirements.lock is stale: run make lock"; exit 1; }

# installs with the stock pip and the locked current pip, from the lock and from pyproject.toml alone
check-install:
	bash scripts/check-install.sh

clean:
	rm -rf $(VENV) briefings test-artifacts .pytest_cache
