# Everything a user or CI needs, from a fresh machine with Python 3.11, Java 17 and Node 20.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := demo
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup demo test lint unit integration clean

setup: $(STAMP)

$(STAMP): pyproject.toml layers/requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11" >&2; exit 1; }
	@command -v java >/dev/null || { echo "error: java not found; install a Java 17 runtime (Spark needs it)" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r layers/requirements.txt -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	rm -rf $(DEMO)
	$(BIN)/python -m image_metadata.samples $(DEMO)/input
	$(BIN)/imgmeta extract $(DEMO)/input/manifest.csv --output $(DEMO)/output --run-id demo --master 'local[2]'
	@echo
	@echo "Output (Parquet, partitioned by dt):"
	@echo "  $(DEMO)/output/images/    one row per image read"
	@echo "  $(DEMO)/output/failures/  one row per image that could not be read, with error_type"
	@echo "  $(DEMO)/output/runs/demo.json  the run summary"

lint: $(STAMP)
	$(BIN)/ruff check .

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

integration: $(STAMP)
	$(BIN)/python -m pytest tests/integration

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .ruff_cache build *.egg-info glue_jobs/*.egg-info
