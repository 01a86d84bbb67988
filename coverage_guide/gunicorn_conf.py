"""Gunicorn, the production app server: `gunicorn -c python:coverage_guide.gunicorn_conf
coverage_guide.wsgi` (Procfile.production, `make serve`). Every value can be set from the
environment; the defaults suit one machine behind a reverse proxy that terminates TLS.

Settings reference: https://docs.gunicorn.org/en/stable/settings.html
"""

import os
from pathlib import Path


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


# Where to listen. Behind a proxy on the same machine, loopback; in a container, 0.0.0.0:8000.
bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{_int('PORT', 8000)}")

# Processes: Gunicorn's advice is (2 x cores) + 1 sync workers; WEB_CONCURRENCY overrides it (the
# usual name on hosting platforms). Requests are short: packets render in the Celery workers.
# The CPUs this process may run on (a container's cpuset), not the host's; a CPU quota is not
# seen at all, so set WEB_CONCURRENCY in containers (README, "Deploying").
workers = _int("WEB_CONCURRENCY", 2 * len(os.sched_getaffinity(0)) + 1)
# Threads per process: more than 1 switches to the threaded worker (slow clients hold a thread,
# not a process). Connections to the database are per thread.
threads = _int("GUNICORN_THREADS", 1)

# A request still running after this many seconds has its worker restarted: web requests never
# render packets, so anything this slow is stuck. Uploads count against it too.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Workers are replaced after this many requests (jittered so they do not all restart together):
# a slow leak cannot grow without end.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# The heartbeat files in memory, not on a disk that may stall (Docker's overlay, say).
if Path("/dev/shm").is_dir():  # noqa: S108 - a directory, not a file we create
    worker_tmp_dir = "/dev/shm"  # noqa: S108

# Which proxies may set X-Forwarded-Proto (https) for Gunicorn itself; Django decides from
# SECURE_PROXY_SSL_HEADER. Gunicorn reads FORWARDED_ALLOW_IPS on its own; the default is loopback.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Gunicorn 23+'s control socket (for `gunicornc`) sits at one path per user by default, so two
# servers of one user would fight over it; off unless GUNICORN_CONTROL_SOCKET names a path.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True

# Logs to stdout/stderr, for the process manager to collect. The access log has the path without
# its query string (%(U)s, never %(r)s or %(q)s) and no Referer (%(f)s): a query string or a
# referring URL may hold what a patient typed (issue 14, finding 5).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "coverage-guide-web"
