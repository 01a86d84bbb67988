#!/usr/bin/env bash
# Prepare and start the development stack the way `make run` does: migrate, seed the demo, then
# run web + Celery worker + Redis together under honcho. Ports and paths can be overridden from
# the environment (the smoke script starts a second stack this way on free ports).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH="$root/${VENV:-.venv}/bin:$PATH"
export DJANGO_DEBUG=1
mkdir -p "$root/.local"
if [ -z "${SECRET_KEY:-}" ] && [ -z "${SECRET_KEY_FILE:-}" ]; then
  if [ ! -s "$root/.local/secret_key" ]; then
    (umask 077 && python -c 'import secrets; print(secrets.token_urlsafe(50))' > "$root/.local/secret_key")
  fi
  export SECRET_KEY_FILE="$root/.local/secret_key"
fi
export WEB_PORT=${WEB_PORT:-8000}
export REDIS_PORT=${REDIS_PORT:-6390}
export REDIS_DIR=${REDIS_DIR:-$root/.local/redis}

python manage.py migrate --noinput
python manage.py seed_demo

if command -v redis-server >/dev/null 2>&1; then
  mkdir -p "$REDIS_DIR"
  export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  echo "Starting web on http://127.0.0.1:$WEB_PORT/ , a Celery worker, and Redis on port $REDIS_PORT"
  exec honcho -f "$root/Procfile" start
else
  cat <<MSG
redis-server is not installed, so background tasks will run inside the web process.
To run them in a real Celery worker, install Redis and run make run again:
    sudo apt-get install redis-server      (Debian/Ubuntu)
    brew install redis                    (macOS)
MSG
  export REDIS_URL=""
  echo "Starting web on http://127.0.0.1:$WEB_PORT/"
  exec honcho -f "$root/Procfile.noredis" start
fi
