# allaboutme: `make run` serves the demo, `make test` runs every test.
# Both bootstrap themselves (make setup) from a fresh clone.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app allaboutme
STAMP := $(VENV)/.installed
LOCK := requirements.lock
MO_FILES := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))

.PHONY: setup run test bench lint i18n-extract i18n-update i18n-compile lock serve clean

setup: $(STAMP) $(MO_FILES)

$(STAMP): $(LOCK) pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $(STAMP)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d translations -l $* >/dev/null

run: setup
	@ALLABOUTME_MFA=$${ALLABOUTME_MFA:-off} $(FLASK) db upgrade
	@ALLABOUTME_MFA=$${ALLABOUTME_MFA:-off} $(FLASK) seed-demo
	@echo "Serving on http://127.0.0.1:5000 (MFA off for the demo; Ctrl+C to stop)"
	ALLABOUTME_MFA=$${ALLABOUTME_MFA:-off} $(FLASK) run --host 127.0.0.1 --port 5000

test: setup
	$(BIN)/pytest -n 2

bench: setup
	$(BIN)/python -m bench.run

lint: setup
	$(BIN)/ruff check .

i18n-extract: setup
	$(FLASK) i18n extract

i18n-update: i18n-extract
	$(FLASK) i18n update

i18n-compile: setup
	$(FLASK) i18n compile

lock:
	$(BIN)/pip-compile --quiet --extra test --strip-extras --no-emit-index-url --output-file $(LOCK) pyproject.toml

serve: setup
	$(FLASK) db upgrade
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
