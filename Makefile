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

demo: $(STAMP)
	$(VENV)/bin/crmqa demo

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest -q -m "not slow"

test-all: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(PY) -m ruff check .

bench: $(STAMP)
	$(PY) bench/score_deals.py
	$(PY) bench/score_comments.py
	$(PY) bench/score_conversations.py
	$(PY) bench/sample.py

models: $(STAMP)
	$(PY) -m training.train_nickname
	$(PY) -m training.train_comments
	$(PY) -m training.train_steps
	$(PY) -m training.train_risk

clean:
	rm -rf $(VENV) out var .pytest_cache .ruff_cache
