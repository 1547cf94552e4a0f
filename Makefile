# Everything a user or CI needs, from a fresh machine with Python 3.11, Java 17 and Node 20.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
# A twin of Glue 5.1's own Python environment (layers/glue-provided.txt), for the Glue-fidelity test.
GLUE_VENV := .venv-glue
GLUE_STAMP := $(GLUE_VENV)/.installed
BUNDLE := layers/dist/image_metadata.gluewheels.zip
LIBRARY := $(shell find glue_jobs -name '*.py' -o -name '*.sql' | grep -v egg-info)
DEMO := demo
export PYTHONDONTWRITEBYTECODE := 1
# jsii warns on every call that Node 20 is past its end of life; the CDK works on it.
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export CDK_DISABLE_CLI_TELEMETRY := true

.PHONY: setup demo test lint unit integration infra bundle synth browser screenshots bench clean \
	glue-runtime deploy mutation exiftool

setup: $(STAMP) $(NODE_STAMP)

$(STAMP): pyproject.toml layers/requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11" >&2; exit 1; }
	@command -v java >/dev/null || { echo "error: java not found; install a Java 17 runtime (Spark needs it)" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r layers/requirements.txt -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

$(GLUE_STAMP): layers/glue-provided.txt
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11" >&2; exit 1; }
	rm -rf $(GLUE_VENV)
	$(PYTHON) -m venv $(GLUE_VENV)
	$(GLUE_VENV)/bin/python -m pip install --quiet --no-deps -r layers/glue-provided.txt
	$(GLUE_VENV)/bin/python -m pip check
	touch $(GLUE_STAMP)

glue-runtime: $(GLUE_STAMP)

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "error: npm not found; install Node.js 20 or later" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# Debian's Chromium for the map's browser tests (Playwright drives it; nothing is downloaded).
browser:
	@command -v chromium >/dev/null || { \
	  [ "$$(id -u)" = 0 ] || { echo "error: chromium is missing; run: sudo apt-get install chromium" >&2; exit 1; }; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Debian's exiftool: the reference the label and compatibility tests compare with, and one of
# the benchmarks' baselines.
exiftool:
	@command -v exiftool >/dev/null || { \
	  [ "$$(id -u)" = 0 ] || { echo "error: exiftool is missing; run: sudo apt-get install libimage-exiftool-perl" >&2; exit 1; }; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libimage-exiftool-perl >/dev/null; }

# The Glue dependency bundle: rebuilt when the library or the pins change.
$(BUNDLE): $(STAMP) layers/build_bundle.py $(LIBRARY)
	$(BIN)/python layers/build_bundle.py

bundle: $(BUNDLE)

synth: $(STAMP) $(NODE_STAMP) $(BUNDLE)
	npx --no-install cdk synth --quiet

demo: $(STAMP) $(NODE_STAMP)
	rm -rf $(DEMO)
	$(BIN)/python -m image_metadata.samples $(DEMO)/input
	$(BIN)/imgmeta extract $(DEMO)/input/manifest.csv --output $(DEMO)/output --run-id demo --master 'local[2]'
	@echo
	$(BIN)/imgmeta query failures_by_error_type $(DEMO)/output
	@echo
	$(BIN)/imgmeta map $(DEMO)/output --title "image-metadata demo"
	@echo
	@echo "Output (Parquet, partitioned by dt):"
	@echo "  $(DEMO)/output/images/    one row per image read"
	@echo "  $(DEMO)/output/failures/  one row per image that could not be read, with error_type"
	@echo "  $(DEMO)/output/runs/demo.json  the run summary"
	@echo "  $(DEMO)/output/map.html   the GPS map: open it in a browser"
	@echo
	@echo "Next: put imgmeta on PATH with  . $(VENV)/bin/activate  then try"
	@echo "  imgmeta query --list"
	@echo "  imgmeta query camera_models $(DEMO)/output"
	@echo "  imgmeta extract --help"

lint: $(STAMP)
	$(BIN)/ruff check .

# The whole suite, with the library's line and branch coverage (build/coverage/report.txt).
test: $(STAMP) $(NODE_STAMP) $(BUNDLE) $(GLUE_STAMP) browser exiftool
	$(BIN)/ruff check .
	rm -rf build/coverage && mkdir -p build/coverage
	$(BIN)/python -m coverage run -m pytest
	$(BIN)/python -m coverage combine -q
	$(BIN)/python -m coverage report | tee build/coverage/report.txt | tail -n 3

# Mutation testing (slow: about an hour on 2 cores, not part of make test): the review's known
# breaks, then mutmut over the modules where a silent bug loses rows or lets a URL in.
# Results: tests/mutation/results.md.
mutation: $(STAMP) $(NODE_STAMP) $(BUNDLE) exiftool
	$(BIN)/python -m tests.mutation.run_known_breaks
	$(BIN)/python -m tests.mutation.run_mutmut

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

integration: $(STAMP) $(NODE_STAMP) $(BUNDLE) $(GLUE_STAMP) browser exiftool
	$(BIN)/python -m pytest tests/integration

infra: $(STAMP) $(NODE_STAMP) $(BUNDLE)
	$(BIN)/python -m pytest tests/infra

# The README's map pictures, made by the same headless Chromium the tests use.
screenshots: $(STAMP) $(NODE_STAMP) browser
	$(BIN)/python docs/make_screenshots.py

# The benchmark suite (several minutes): results in bench/results/latest.md. exiftool is one
# of the baselines, from Debian's libimage-exiftool-perl.
bench: $(STAMP) $(NODE_STAMP) browser exiftool
	$(BIN)/python bench/run.py
	$(BIN)/python bench/map_100k.py

clean:
	rm -rf $(VENV) $(GLUE_VENV) node_modules $(DEMO) layers/dist cdk.out .pytest_cache .ruff_cache build glue_jobs/*.egg-info
