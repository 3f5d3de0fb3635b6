# Two commands do all setup on a fresh clone:
#   make demo   set up, then brief a bundled sample report with the embedded model (no API key)
#   make test   set up, then run the whole test suite (CI runs exactly this via .ci/run)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SAMPLE := samples/dongchuan-district-79th-executive-meeting.txt

.PHONY: demo test setup setup-test browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# the embedded extra compiles llama-cpp-python once (~7 min on 2 cores; pip caches the wheel)
$(VENV)/.setup: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[embedded]'
	touch $@

$(VENV)/.setup-test: $(VENV)/.setup
	$(BIN)/python -m pip install --quiet -e '.[embedded,test]'
	touch $@

setup: $(VENV)/.setup
setup-test: $(VENV)/.setup-test

demo: setup
	$(BIN)/summarizer brief $(SAMPLE) --out briefings/
	@echo "briefing written to briefings/ (open the .brief.md)"

browser:
	bash scripts/ensure-chromium.sh

test: setup-test browser
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) briefings test-artifacts .pytest_cache
