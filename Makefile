# localign: `make run` starts the app on the bundled Barking and Dagenham data; `make test` runs the tests.
# Both create .venv and install what they need the first time (and again whenever pyproject.toml changes).
# `make run` is private to this computer (127.0.0.1). `make serve` shares it on the network, and starts only
# with sign-in configured in .streamlit/secrets.toml or OPEN_TO_NETWORK="anyone on this network may use it".

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
BUNDLE ?=
OPEN_TO_NETWORK ?=
# setuptools warns on every editable install ("Please be careful with folders…"), which a planner cannot act on;
# errors still show.
INSTALL = PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet

.PHONY: run serve test bench install clean lint check-national

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "localign needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(INSTALL) -e .
	$(BIN)/python -m analysis.cli.warmup
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(INSTALL) -e '.[test]'
	@touch $@ $(VENV)/.installed-app

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(INSTALL) -e '.[dev]'
	@touch $@ $(VENV)/.installed-test $(VENV)/.installed-app

install: $(VENV)/.installed-app

run: $(VENV)/.installed-app
	$(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) -- $(if $(BUNDLE),--bundle $(BUNDLE),)

serve: $(VENV)/.installed-app
	$(BIN)/python -m analysis.cli.serving --port $(PORT) $(if $(BUNDLE),--bundle $(BUNDLE),) \
		$(if $(OPEN_TO_NETWORK),--acknowledge "$(OPEN_TO_NETWORK)",)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/run_all.py

# Build and load a bundle for every district in England (296); writes benchmarks/results/national_check.{csv,md}.
check-national: $(VENV)/.installed-app
	$(BIN)/python benchmarks/check_national.py

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check geo analysis tests benchmarks app.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
