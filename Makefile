# crmqa — every target sets up .venv itself; a fresh machine needs only `make demo` or `make test`.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install demo test test-all lint bench models clean

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the widget's browser test (skipped cleanly where it cannot be installed).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -q chromium >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; } || \
	  echo "chromium not installed: the browser tests will skip"; \
	else echo "no apt-get as root: the browser tests will skip"; fi

demo: $(STAMP)
	$(VENV)/bin/crmqa demo

test: $(STAMP) $(CHROMIUM)
	$(PY) -m ruff check .
	$(PY) -m pytest -q -m "not slow"

test-all: $(STAMP) $(CHROMIUM)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(PY) -m ruff check .

bench: $(STAMP)
	$(PY) bench/score_deals.py
	$(PY) bench/score_comments.py
	$(PY) bench/score_conversations.py
	$(PY) bench/sample.py
	$(PY) bench/api_load.py
	$(PY) bench/retrain.py

models: $(STAMP)
	$(PY) -m training.train_nickname
	$(PY) -m training.train_comments
	$(PY) -m training.train_steps
	$(PY) -m training.train_risk

clean:
	rm -rf $(VENV) out var .pytest_cache .ruff_cache
