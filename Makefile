# Two commands do everything on a fresh clone:
#   make demo   create .venv, install wardcrawler, crawl the offline replica portals, serve them
#   make test   create .venv, install wardcrawler with its test tools, run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: install demo crawl serve test lint format clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/wardcrawler demo

crawl: install
	$(BIN)/wardcrawler crawl

serve: install
	$(BIN)/wardcrawler serve

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check wardcrawler tests bench
	$(BIN)/ruff format --check wardcrawler tests bench

format: install
	$(BIN)/ruff format wardcrawler tests bench
	$(BIN)/ruff check --fix wardcrawler tests bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
