"""Are the services the app needs up? For the /health/ view and `manage.py check_services`.

Five checks, each django-health-check's (v4: a dataclass whose async ``get_result`` times the
probe, bounds it with ``asyncio.wait_for`` and turns its exception into the result's error):

- database: ``SELECT 1`` on a connection of its own;
- cache: a key set and read back (Redis in production, where the rate limits count);
- broker: a PING to the Celery broker's Redis;
- worker: a Celery worker answers a ping, and every packet queue has a worker consuming it;
- storage: a small file written to the default storage, read back and deleted.

Every probe has its own short client timeouts, so with Redis stopped (refused at once) or hung
(accepting but never answering) all of them together answer in about two seconds at most.

With ``CELERY_TASK_ALWAYS_EAGER`` (no REDIS_URL: tasks run inside the web process) there is no
broker and no worker to be down: those two report "not used", which is not a failure. "ok" would
claim a check that never ran, and "down" would mark a bare-machine install unhealthy for good.

Error texts can name hosts, ports, paths and library versions: they are for operators (the
command) and verified staff (the view), never for anonymous callers.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

from django.conf import settings
from health_check.base import HealthCheck, HealthCheckResult
from health_check.checks import Cache, Database, Storage
from health_check.contrib.celery import Ping
from health_check.contrib.redis import Redis
from health_check.exceptions import ServiceUnavailable
from kombu.exceptions import OperationalError
from redis.asyncio import Redis as RedisClient
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from .celery import app as celery_app

Status = Literal["ok", "down", "not used"]
OK: Status = "ok"
DOWN: Status = "down"
NOT_USED: Status = "not used"
EAGER = "tasks run in the web process (CELERY_TASK_ALWAYS_EAGER: no REDIS_URL)"

# How long a Redis or Celery probe waits to connect and for each answer. The library gives each
# check its `timeout` plus one second of wall-clock time before it reports "Timed out".
PROBE_SECONDS = 1.0
# For the checks whose client has no timeout of ours (the database driver, the storage backend):
# the library stops waiting after this plus one second.
BOUNDED = datetime.timedelta(seconds=1.5)


@dataclasses.dataclass(frozen=True)
class Outcome:
    name: str
    status: Status
    seconds: float | None = None  # None when the check did not run
    # The error (or why the check did not run). Operators and verified staff only.
    detail: str = ""


@dataclasses.dataclass
class BoundedDatabase(Database):  # type: ignore[misc]  # django-health-check ships no types
    """The library's SELECT 1, given up on sooner than its default of five seconds."""

    timeout = BOUNDED


@dataclasses.dataclass
class BoundedStorage(Storage):  # type: ignore[misc]
    """The library's probe, with any failure of the storage reported with its cause: a full or
    read-only disk, a missing directory, an S3 error are not HealthCheckExceptions, and the
    library would report them only as "unknown error"."""

    timeout = BOUNDED

    def run(self) -> None:
        try:
            super().run()
        except ServiceUnavailable:
            raise
        except Exception as exc:
            raise ServiceUnavailable("The file storage failed") from exc


@dataclasses.dataclass
class Worker(Ping):  # type: ignore[misc]
    """The library's Celery ping (workers answer "pong"; the queues have consumers), over a
    broker connection of its own with short socket timeouts. Through the app's shared pool, a
    Redis that accepted connections but never answered held the ping for minutes, and with it a
    pooled connection that the app's task sends need."""

    queues: tuple[str, ...] = ()

    def run(self) -> None:
        seconds = self.timeout.total_seconds()
        options = {"socket_connect_timeout": seconds, "socket_timeout": seconds, "max_retries": 0}
        try:
            with self.app.connection_for_write(transport_options=options) as connection:
                replies = self.app.control.ping(timeout=seconds, connection=connection)
                if not replies:
                    raise ServiceUnavailable("No Celery worker answered the ping")
                workers = list(self.active_workers(replies))
                inspect = self.app.control.inspect(workers, timeout=seconds, connection=connection)
                consumed = {
                    queue.get("name")
                    for queues in (inspect.active_queues() or {}).values()
                    for queue in queues
                }
        except (OSError, OperationalError) as exc:
            raise ServiceUnavailable("The broker did not answer") from exc
        missing = [queue for queue in self.queues if queue not in consumed]
        if missing:
            raise ServiceUnavailable(f"No worker consumes the queue {', '.join(missing)}")


def _broker_client() -> RedisClient:
    """A client for one PING: short timeouts and no retries (redis-py retries 10 times by
    default)."""
    client: RedisClient = RedisClient.from_url(
        celery_app.conf.broker_url,
        socket_connect_timeout=PROBE_SECONDS,
        socket_timeout=PROBE_SECONDS,
        retry=Retry(NoBackoff(), 0),
    )
    return client


def _checks() -> dict[str, HealthCheck | None]:
    """The checks by name, in the order they are reported; None for one that does not apply."""
    uses_broker = not celery_app.conf.task_always_eager
    return {
        "database": BoundedDatabase(),
        # The probe key's lifetime; the cache's own socket timeouts (settings: 2 s) end the probe.
        "cache": Cache(timeout=datetime.timedelta(seconds=2)),
        "broker": Redis(client_factory=_broker_client) if uses_broker else None,
        "worker": (
            Worker(
                app=celery_app,
                timeout=datetime.timedelta(seconds=PROBE_SECONDS),
                queues=(settings.PACKET_QUEUE, settings.PACKET_LARGE_QUEUE),
            )
            if uses_broker
            else None
        ),
        "storage": BoundedStorage(),
    }


# What a load balancer asks (/health/web/): can this web process serve a page? Only the database
# decides that. Redis down lets pages through (the rate limits fail open), and a missing worker or
# a bucket hiccup would take every web machine out at once: those are for /health/ (monitoring).
WEB_CHECKS = ("database",)


def check_services(only: tuple[str, ...] | None = None) -> list[Outcome]:
    """Run every check (or the ones named in ``only``) at once and return their outcomes, in a
    fixed order. Takes about as long as the slowest check: milliseconds, plus the worker ping's
    second when Celery is used."""
    checks = {name: check for name, check in _checks().items() if only is None or name in only}
    running = {name: check for name, check in checks.items() if check is not None}
    results = dict(zip(running, asyncio.run(_run(list(running.values()))), strict=True))
    outcomes = []
    for name in checks:
        result = results.get(name)
        if result is None:
            outcomes.append(Outcome(name, NOT_USED, detail=EAGER))
        elif result.error is None:
            outcomes.append(Outcome(name, OK, result.time_taken))
        else:
            outcomes.append(Outcome(name, DOWN, result.time_taken, _describe(result.error)))
    return outcomes


async def _run(checks: list[HealthCheck]) -> list[HealthCheckResult]:
    # Sync checks run in threads of their own. A probe the library has stopped waiting for may
    # still be blocked in its thread: the request does not wait for it to end.
    executor = ThreadPoolExecutor(max_workers=len(checks) or 1, thread_name_prefix="health")
    try:
        return list(await asyncio.gather(*(check.get_result(executor) for check in checks)))
    finally:
        executor.shutdown(wait=False, cancel_futures=True)


def _describe(error: BaseException) -> str:
    """The check's message and the exception behind it, which names what failed and why."""
    cause = error.__cause__
    if cause is None:
        return str(error)
    return f"{error} ({type(cause).__name__}: {cause})"
