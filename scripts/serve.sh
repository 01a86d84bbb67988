#!/usr/bin/env bash
# The production stack on one machine (`make serve`): gunicorn + Celery workers + beat under
# honcho (Procfile.production), with production settings. PostgreSQL, Redis and the file storage
# are services of their own, named by the environment; README.md, "Deploying", lists it all.
#
#   SERVE_PROCESSES  which Procfile.production processes to run here (default: all four). Beat
#                    must run on exactly one machine: "web worker worker-large" on the others.
#   SERVE_MIGRATE    1 (default) runs `migrate` first; 0 where another machine or a release
#                    step does it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH="$root/${VENV:-.venv}/bin:$PATH"
export DJANGO_DEBUG=0

missing=()
[ -n "${DATABASE_URL:-}" ] || missing+=("DATABASE_URL (postgres://user:password@host:5432/name)")
[ -n "${REDIS_URL:-}" ] || missing+=("REDIS_URL (redis://host:6379/0)")
[ -n "${SECRET_KEY:-}${SECRET_KEY_FILE:-}" ] || missing+=("SECRET_KEY or SECRET_KEY_FILE")
[ -n "${ALLOWED_HOSTS:-}" ] || missing+=("ALLOWED_HOSTS (the site's host names, comma-separated)")
if [ "${#missing[@]}" -gt 0 ]; then
  echo "make serve runs with production settings and needs, in the environment:" >&2
  printf '  %s\n' "${missing[@]}" >&2
  echo "See README.md, \"Deploying\". For a development server, use make run." >&2
  exit 2
fi
case "$DATABASE_URL" in
  postgres://* | postgresql://*) ;;
  *) echo "note: DATABASE_URL is not PostgreSQL; production runs on PostgreSQL" >&2 ;;
esac

# Static files are served by WhiteNoise from STATIC_ROOT, with hashed names (collectstatic).
python manage.py collectstatic --noinput -v0
if [ "${SERVE_MIGRATE:-1}" = 1 ]; then
  python manage.py migrate --noinput
fi
python manage.py check --deploy --fail-level ERROR

processes=${SERVE_PROCESSES:-web worker worker-large beat}
echo "Starting: $processes"
# shellcheck disable=SC2086 # the process names are separate words
exec honcho -f "$root/Procfile.production" start $processes
