# Two commands do everything on a fresh clone:
#   make demo   create .venv, install wardcrawler, crawl the offline replica portals, serve them
#   make test   create .venv, install wardcrawler with its test tools (and Debian's Chromium for
#               the browser tests, when run as root), run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: install browser demo crawl serve test lint format clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

# The browser tests drive Debian's Chromium (Playwright never downloads a browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Install Chromium (Debian: sudo apt-get install chromium) for the browser tests"; exit 1; \
	  fi; }

demo: install
	$(BIN)/wardcrawler demo

crawl: install
	$(BIN)/wardcrawler crawl

serve: install
	$(BIN)/wardcrawler serve

test: install browser
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check wardcrawler tests bench
	$(BIN)/ruff format --check wardcrawler tests bench

format: install
	$(BIN)/ruff format wardcrawler tests bench
	$(BIN)/ruff check --fix wardcrawler tests bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
