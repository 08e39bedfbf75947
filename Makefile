# The two set-up commands in README.md are `make start` and `make test`; .ci/run calls `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: start test screenshots install install-test assets browser readers corpus bench eval clean

## Install everything, ingest the sample corpus and serve the web UI on http://127.0.0.1:8000
start: install assets readers
	$(BIN)/kunskapsbank ingest corpus/documents
	$(BIN)/kunskapsbank serve --host $(HOST) --port $(PORT)

## Install test dependencies (Chromium included) and run the whole test suite
test: install-test assets browser readers
	$(BIN)/python -m pytest -q

## Refresh the screenshots in docs/ (README) from the browser tests; `make test` writes them to a temporary folder
screenshots: install-test assets browser
	KUNSKAPSBANK_SCREENSHOTS=$(CURDIR)/docs $(BIN)/python -m pytest -q -p no:cacheprovider -m screenshots tests/test_browser.py tests/test_browser_examples.py

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-test: $(BIN)/python
	$(BIN)/pip install -q -e ".[test]"

## Front-end libraries from npm (package-lock.json); none of them needs an install script
assets:
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

# Programs the converters run (ingest/convert/registry.py): Tesseract with its Swedish model for OCR,
# pdftoppm to render scanned PDF pages, antiword for legacy .doc.
readers:
	@command -v tesseract >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx swe && \
	  command -v pdftoppm >/dev/null && command -v antiword >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr tesseract-ocr-swe \
	    poppler-utils antiword >/dev/null; }

corpus: install
	$(BIN)/python corpus/build_documents.py

bench: install
	$(BIN)/pip install -q -e ".[bench]"
	$(BIN)/python bench/bench_search.py

eval: install
	$(BIN)/python bench/eval_search.py
	$(BIN)/python bench/eval_linking.py
	$(BIN)/python bench/eval_section_types.py
	$(BIN)/python bench/eval_section_types.py --heldout
	$(BIN)/python bench/eval_entities.py
	$(BIN)/python bench/eval_project_cards.py

clean:
	rm -rf $(VENV) node_modules data
