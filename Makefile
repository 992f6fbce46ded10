# allaboutme: `make run` serves the demo, `make test` runs every test, `make serve`
# runs the production shape on this machine (deploy/serve-local.sh).
# All of them bootstrap themselves (make setup) from a fresh clone.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app allaboutme
STAMP := $(VENV)/.installed
LOCK := requirements.lock
MO_FILES := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))

.PHONY: setup run test fuzz bench crash lint i18n-extract i18n-update i18n-compile lock serve clean \
	backup restore

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

# The API fuzzer at length, on SQLite and PostgreSQL (make test runs a few examples on SQLite).
FUZZ_EXAMPLES ?= 200
fuzz: setup
	ALLABOUTME_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) ALLABOUTME_FUZZ_BACKENDS=sqlite,postgresql \
		$(BIN)/pytest -n 2 tests/fuzz/test_api_fuzz.py

bench: setup
	$(BIN)/python -m bench.run

# The load profile (bench/README.md): its own production-shaped instance by default;
# LOAD_ARGS="--base-url http://localhost:8000 --seed instance/load-seed.json" drives `make serve`.
LOAD_ARGS ?=
.PHONY: load
load: setup
	$(BIN)/python -m bench.load $(LOAD_ARGS)

# Writes under SIGKILL, key rotation under SIGKILL, then every check (bench/README.md).
CRASH_BACKENDS ?= sqlite postgresql
CRASH_WRITES ?= 1000
crash: setup
	@status=0; for backend in $(CRASH_BACKENDS); do \
		$(BIN)/python -m bench.crash --backend $$backend --writes $(CRASH_WRITES) || status=1; \
	done; exit $$status

lint: setup
	$(BIN)/ruff check .

# Known vulnerabilities of every pin in the lock (deploy/README.md, "Dependency audit").
# pip-audit has its own venv: it checks the lock, it is not one of its dependencies.
# The script exits 0 clean (warnings allowed), 1 a pin failed, 3 some pins not audited;
# make reports any failure as 2, so its last line names the code.
AUDIT_VENV := .venv-audit
PIP_AUDIT_VERSION := 2.10.1
AUDIT_STAMP := $(AUDIT_VENV)/.installed-$(PIP_AUDIT_VERSION)

$(AUDIT_STAMP):
	test -d $(AUDIT_VENV) || $(PYTHON) -m venv $(AUDIT_VENV)
	$(AUDIT_VENV)/bin/pip install --quiet pip-audit==$(PIP_AUDIT_VERSION)
	@touch $(AUDIT_STAMP)

.PHONY: audit audit-setup
audit-setup: $(AUDIT_STAMP)

audit: $(AUDIT_STAMP)
	$(AUDIT_VENV)/bin/python -m tools.dependency_audit --lock $(LOCK)

i18n-extract: setup
	$(FLASK) i18n extract

i18n-update: i18n-extract
	$(FLASK) i18n update

i18n-compile: setup
	$(FLASK) i18n compile

lock:
	$(BIN)/pip-compile --quiet --extra test --strip-extras --no-emit-index-url --output-file $(LOCK) pyproject.toml

serve: setup
	deploy/serve-local.sh

# `make backup` copies the data database and the key store into BACKUP_DIR
# (default backups/<UTC time>); KEYSTORE_BACKUP_DIR stores the key store apart.
# `make restore BACKUP_DIR=...` restores them into the configured, empty databases.
# The root key file is in no backup: it is kept apart, like a KMS key.
BACKUP_DIR ?=
KEYSTORE_BACKUP_DIR ?=
KEYSTORE_OPTION = $(if $(KEYSTORE_BACKUP_DIR),--keystore-dir "$(KEYSTORE_BACKUP_DIR)")

backup: setup
	$(FLASK) backup create "$(or $(BACKUP_DIR),backups/$(shell date -u +%Y%m%dT%H%M%SZ))" \
		$(KEYSTORE_OPTION)

restore: setup
	@test -n "$(BACKUP_DIR)" || { echo "usage: make restore BACKUP_DIR=backups/<time>"; exit 2; }
	$(FLASK) backup restore "$(BACKUP_DIR)" $(KEYSTORE_OPTION)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
