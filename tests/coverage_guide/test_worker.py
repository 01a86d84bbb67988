"""A real Celery worker, fed through a real Redis, answers the project's ping task.

The worker is the production command (``python -m celery -A coverage_guide worker``) in its own
process session, configured only through the environment the way ``make run`` configures it
(REDIS_URL). The test process sends the task with the project app temporarily pointed at the same
Redis (broker and result backend) and with eager mode off; everything is put back afterwards.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

import kombu.pools
import pytest
from django.conf import settings

from coverage_guide.celery import app, ping
from tests import redis_server

# The session-scoped Redis fixture, usable here whether or not tests/conftest.py imports it too
# (both share one server: see tests/redis_server.py).
redis_url = redis_server.redis_url

pytestmark = pytest.mark.worker

WORKER_READY_TIMEOUT = 60.0  # a cold worker imports Django and the project before consuming
RESULT_TIMEOUT = 30.0


def _close_client_connections() -> None:
    """Close the broker and result-backend connections the project app has opened in this process.

    Celery caches both on first use, so without this the app would keep talking to the old broker
    after a configuration change, and leave sockets open for the garbage collector to warn about.
    """
    backend = app._backend_cache or getattr(app._local, "backend", None)
    if backend is not None:
        consumer = backend.__dict__.get("result_consumer")
        if consumer is not None:
            consumer.stop()
        client = backend.__dict__.get("client")
        if client is not None:
            client.connection_pool.disconnect()
    app._backend_cache = None
    vars(app._local).pop("backend", None)
    kombu.pools.reset()  # closes every pooled broker connection and producer
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@contextlib.contextmanager
def project_app_using(redis_url: str):
    """Point the project's Celery app at ``redis_url``, eager mode off; restore it afterwards."""
    keys = ("broker_url", "result_backend", "task_always_eager")
    saved = {key: app.conf[key] for key in keys}
    _close_client_connections()
    app.conf.update(broker_url=redis_url, result_backend=redis_url, task_always_eager=False)
    try:
        yield app
    finally:
        _close_client_connections()
        app.conf.update(saved)


def _worker_env(redis_url: str, tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="coverage_guide.settings",  # the real settings, as under make run
        DJANGO_DEBUG="0",
        SECRET_KEY="worker-test-secret-key-not-for-production-0123456789",
        REDIS_URL=redis_url,
        # The ping task needs no database; should the worker ever open one, it is a throwaway.
        DATABASE_URL=f"sqlite:///{tmp / 'worker.sqlite3'}",
        PRIVATE_MEDIA_ROOT=str(tmp / "media"),
        PYTHONUNBUFFERED="1",
    )
    env.pop("SECRET_KEY_FILE", None)
    return env


def wait_until_ready(process, log_path: Path) -> None:
    """Until the Celery worker started as ``process`` logs that it is ready; the test fails
    with the log's tail if it exits first or is not ready after WORKER_READY_TIMEOUT."""
    deadline = time.monotonic() + WORKER_READY_TIMEOUT
    while "ready." not in log_path.read_text(errors="replace"):
        if process.poll() is not None:
            pytest.fail(
                f"celery worker exited with {process.returncode}:\n"
                + redis_server.log_tail(log_path)
            )
        if time.monotonic() > deadline:
            pytest.fail(
                f"celery worker not ready after {WORKER_READY_TIMEOUT:.0f}s:\n"
                + redis_server.log_tail(log_path)
            )
        time.sleep(0.1)


@pytest.fixture(scope="module")
def celery_worker(redis_url, tmp_path_factory):
    """A ``celery -A coverage_guide worker`` process consuming from the test Redis."""
    tmp = tmp_path_factory.mktemp("celery-worker")
    log_path = tmp / "worker.log"
    node = f"test-worker-{os.getpid()}@localhost"
    args = [sys.executable, "-m", "celery", "-A", "coverage_guide", "worker"]
    args += ["--pool=solo", "--concurrency=1", "--loglevel=INFO", f"--hostname={node}"]
    args += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    process = redis_server.spawn(
        args, log_path=log_path, env=_worker_env(redis_url, tmp), cwd=settings.BASE_DIR
    )
    try:
        wait_until_ready(process, log_path)
        yield node
    finally:
        redis_server.stop_process(process)
    assert process.returncode is not None


def test_ping_round_trips_through_redis_and_a_real_worker(celery_worker, redis_url):
    with project_app_using(redis_url):
        result = ping.delay()
        assert result.get(timeout=RESULT_TIMEOUT) == "pong"
        assert result.successful()
