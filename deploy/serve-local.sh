#!/usr/bin/env bash
# `make serve`: the production shape on this machine. ALLABOUTME_ENV=production
# with gunicorn workers, the data and the key store in two PostgreSQL databases,
# rate limits in Redis, and secrets made once into instance/serve (git-ignored)
# by `python -m allaboutme.provision`, just as a real install makes them.
#
#   deploy/serve-local.sh                migrate, then serve on http://localhost:8000
#   deploy/serve-local.sh flask ARGS...  any `flask --app allaboutme` command in that
#                                        environment (create-org, create-user, ...)
#
# SERVE_POSTGRES and SERVE_REDIS point elsewhere; ALLABOUTME_WORKERS, _THREADS
# and _BIND tune gunicorn (gunicorn.conf.py).
set -euo pipefail
cd "$(dirname "$0")/.."

POSTGRES=${SERVE_POSTGRES:-postgresql://postgres@127.0.0.1:5432}
REDIS=${SERVE_REDIS:-redis://127.0.0.1:6379/0}
SECRETS_DIR=instance/serve
DATA_DB=allaboutme
KEYS_DB=allaboutme_keys
BIN=.venv/bin

require_servers() {
  if ! psql "$POSTGRES/postgres" -tAc "SELECT 1" >/dev/null 2>&1; then
    echo "PostgreSQL does not answer at $POSTGRES (as a superuser, without a password)."
    echo "Install and start it: sudo apt-get install postgresql"
    exit 1
  fi
  if ! redis-cli -u "$REDIS" ping >/dev/null 2>&1; then
    echo "Redis does not answer at $REDIS."
    echo "Install and start it: sudo apt-get install redis-server"
    exit 1
  fi
}

create_database() {
  local name=$1
  local found
  found=$(psql "$POSTGRES/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'")
  if [ "$found" != "1" ]; then
    psql "$POSTGRES/postgres" -qc "CREATE DATABASE \"$name\""
    echo "created database $name" >&2
  fi
}

use_production_environment() {
  local driver=${POSTGRES/#postgresql:/postgresql+psycopg:}
  export ALLABOUTME_ENV=production
  export ALLABOUTME_INSTANCE_PATH="$PWD/$SECRETS_DIR"
  export ALLABOUTME_DATABASE_URL="$driver/$DATA_DB"
  export ALLABOUTME_KEYSTORE_URL="$driver/$KEYS_DB"
  export ALLABOUTME_RATELIMIT_STORAGE_URL="$REDIS"
  export ALLABOUTME_MFA=on
  set -a
  # shellcheck source=/dev/null
  . "$SECRETS_DIR/secrets.env"
  set +a
  # Where the key files are now, should the clone have moved since they were made.
  export ALLABOUTME_ROOT_KEY_FILE="$PWD/$SECRETS_DIR/root-keys.json"
  export ALLABOUTME_AUDIT_SIGNING_KEY_FILE="$PWD/$SECRETS_DIR/audit-signing-key.pem"
}

require_servers
create_database "$DATA_DB"
create_database "$KEYS_DB"
"$BIN/python" -m allaboutme.provision "$SECRETS_DIR" >&2
use_production_environment

if [ "${1:-}" = "flask" ]; then
  shift
  exec "$BIN/flask" --app allaboutme "$@"
fi

"$BIN/flask" --app allaboutme db upgrade
bind=${ALLABOUTME_BIND:-127.0.0.1:8000}
echo "Serving the production shape on $bind: open http://localhost:${bind##*:} (Ctrl+C to stop)."
echo "Its cookies are Secure, which browsers accept over plain http from localhost only."
echo "A first login: deploy/serve-local.sh flask create-org / create-user (deploy/README.md)."

# gunicorn gets a process group of its own (setsid), so Ctrl+C reaches this
# script alone, which asks the master for a graceful stop (TERM), as systemd
# does. A terminal's INT delivered to every worker at once can leave a gthread
# worker stuck until the master kills it at the end of its graceful timeout.
setsid "$BIN/gunicorn" -c gunicorn.conf.py wsgi:app &
gunicorn_pid=$!
trap 'kill -TERM "$gunicorn_pid" 2>/dev/null || true' INT TERM
status=0
wait "$gunicorn_pid" || status=$?
# A trapped signal ends the first wait early; this one waits for gunicorn itself.
if kill -0 "$gunicorn_pid" 2>/dev/null; then
  status=0
  wait "$gunicorn_pid" || status=$?
fi
exit "$status"
