# Everything runs from the project's own virtual environment in .venv.
VENV ?= .venv
PYTHON ?= python3
GUIDES ?= ../shared/guides/learning-deep-learning-2017
# The examples' datasets (real MNIST) for the jobs `make run` serves; see kb/settings.py.
export KB_DATASETS_DIR ?= $(abspath ../shared/datasets)
TUTORIALBANK ?= ../shared/data/tutorialbank/resources.tsv
BIN := $(VENV)/bin

.PHONY: install run test lint bench bench-tools vocabulary kind-model clean

# Debian packages, as root; nothing to do where they are installed: bubblewrap isolates sandbox
# jobs, nginx holds the API's connections in front of gunicorn (`kb serve`).
install: $(VENV)/.installed
	command -v bwrap >/dev/null && command -v nginx >/dev/null || \
		(apt-get update && apt-get install -y --no-install-recommends bubblewrap nginx-light)

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Build the embedded SQLite knowledge base from the study guide, show what it holds, serve the API
# with a sandbox worker beside it (stopped with the server).
run: install
	$(BIN)/kb db upgrade
	$(BIN)/kb import $(GUIDES)
	$(BIN)/kb export --output instance/kb.json
	$(BIN)/kb stats
	$(BIN)/kb worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT; $(BIN)/kb serve

# The whole suite, on SQLite and on the local PostgreSQL (KB_TEST_POSTGRES_URL).
test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install bench-tools
	$(BIN)/python bench/import.py
	$(BIN)/python bench/api.py --synthetic --sustained 60

# The API's load generator, from Debian (run as root); nothing to do where it is installed.
bench-tools:
	command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk)

# The topic vocabulary, kb/data/vocabulary.json, rebuilt from TutorialBank's topic tables
# (../shared/data/tutorialbank) and kb/data/curated_topics.json; the standard library suffices.
vocabulary:
	$(PYTHON) -m kb.extraction.build_vocabulary

# Retrain the kind model on TutorialBank (kb/extraction/kind_model.py): prints its held-out
# accuracy and confusion table, and rewrites kb/data/kind_model.json, which the package ships.
kind-model: install
	$(BIN)/python -m kb.extraction.kind_model --tutorialbank $(TUTORIALBANK)

clean:
	rm -rf $(VENV) instance build *.egg-info
