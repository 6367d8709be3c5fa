# The two commands: `make run` (set up and start the service) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export FLASK_APP := app

.PHONY: run test setup system-deps lint bench clean

# A virtualenv with the project and its test tools, remade when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: $(VENV)/.installed

# Debian packages the tests use: espeak-ng (prompt placeholders, test audio), chromium (browser tests),
# fonts-nanum (Hangul glyphs: the test Vosk model is Korean, so transcripts in screenshots are too);
# fonts-dejavu-core (the QR posters' font, with the Kazakh letters), poppler-utils and zbar-tools (the poster
# tests turn the PDF into an image and text, and decode its QR code).
SYSTEM_PACKAGES := espeak-ng chromium fonts-nanum fonts-dejavu-core poppler-utils zbar-tools
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; \
	  else echo "please install:$$missing (sudo apt-get install$$missing)"; exit 1; fi; fi

# The Twilio stand-in is opt-in; `make run` turns it on unless .env or the environment says otherwise.
run: setup
	set -a; [ -f .env ] && . ./.env; : "$${TWILIO_SIMULATOR:=on}"; set +a; \
	flask db upgrade && flask users seed-demo && honcho start web worker

lint: setup
	ruff check app tests bench
	lint-imports

test: setup system-deps lint
	pytest

bench: setup
	python bench/webhook.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
