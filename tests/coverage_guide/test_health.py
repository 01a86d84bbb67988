"""/health/ and `manage.py check_services` (issue 18, item 2), with real failures: a database
file that cannot be opened, a media directory that cannot be created, and a real Redis stopped
under a real Celery worker.

Anyone gets the overall status and each check's ok / down / not used; only staff verified by a
second factor get the error details. The tests run Celery eagerly (settings_test.py), where the
broker and the worker are "not used"; those marked `worker` point the Celery app at a Redis of
their own with a worker consuming from it.
"""

import contextlib
import json
import os
import signal
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connections
from django.urls import reverse

from tests import redis_server
from tests.coverage_guide.test_worker import _worker_env, project_app_using, wait_until_ready

CHECKS = ["database", "cache", "broker", "worker", "storage"]
UP_WITHOUT_CELERY = {
    "database": "ok",
    "cache": "ok",
    "broker": "not used",
    "worker": "not used",
    "storage": "ok",
}
# Words an error text would bring with it: none may reach an anonymous caller.
ERROR_WORDS = ["rror", "refused", "Timeout", "127.0.0.1", "localhost", "Traceback", "/"]
WITHIN = 3.0  # seconds: the whole endpoint, whatever is down
RECOVERY_TIMEOUT = 60.0  # Redis back: the worker reconnects on its own schedule


def _get(client, **extra):
    started = time.monotonic()
    response = client.get(reverse("health"), **extra)
    return response, time.monotonic() - started


def _anonymous_body(response) -> dict:
    """The JSON an anonymous caller gets, checked to hold nothing but statuses."""
    assert response["Content-Type"] == "application/json"
    text = response.content.decode()
    body = json.loads(text)
    assert set(body) == {"status", "checks"}
    assert body["status"] in ("ok", "down")
    assert list(body["checks"]) == CHECKS
    assert set(body["checks"].values()) <= {"ok", "down", "not used"}
    for word in ERROR_WORDS:
        assert word not in text
    return body


@pytest.fixture
def unwritable_media(settings, tmp_path) -> Path:
    """A MEDIA_ROOT under a plain file: no directory can be made there, even by root."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings.MEDIA_ROOT = blocker / "media"
    return blocker


@pytest.fixture
def database_cannot_open(monkeypatch, tmp_path):
    """New connections (the health check opens its own) go to a database that does not exist.
    The test's own connection is already open and keeps working."""
    wanted = connections.settings["default"]
    if wanted["ENGINE"] == "django.db.backends.sqlite3":
        missing = str(tmp_path / "no-such-directory" / "db.sqlite3")
    else:
        missing = f"{wanted['NAME']}_no_such_database"
    monkeypatch.setitem(wanted, "NAME", missing)


def test_all_up_answers_200_with_each_check_ok(client, db):
    response, took = _get(client)

    assert response.status_code == 200
    assert _anonymous_body(response) == {"status": "ok", "checks": UP_WITHOUT_CELERY}
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies  # no session, no CSRF cookie
    assert took < WITHIN


def test_a_load_balancer_over_plain_http_is_not_redirected(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get(reverse("patients:login")).status_code == 301
    assert client.get(reverse("health")).status_code == 200
    assert client.head(reverse("health")).status_code == 200
    assert client.post(reverse("health")).status_code == 405
    assert client.get(reverse("health_web")).status_code == 200


def test_a_database_that_cannot_be_opened_is_down(client, db, database_cannot_open):
    response, took = _get(client)

    assert response.status_code == 503
    body = _anonymous_body(response)
    assert body == {"status": "down", "checks": {**UP_WITHOUT_CELERY, "database": "down"}}
    assert took < WITHIN
    # The load balancer's check: this machine cannot serve pages.
    web = client.get(reverse("health_web"))
    assert web.status_code == 503
    assert web.json() == {"status": "down", "checks": {"database": "down"}}


def test_with_the_database_down_staff_get_the_anonymous_answer_not_an_error(
    client, otp_login, clinic_staff, database_cannot_open
):
    """Their session and account are in the database: the answer cannot depend on them."""
    otp_login(client, clinic_staff)

    response, _ = _get(client)

    assert response.status_code == 503
    assert _anonymous_body(response)["checks"]["database"] == "down"


def test_a_storage_that_cannot_be_written_is_down(client, db, unwritable_media):
    response, took = _get(client)

    assert response.status_code == 503
    body = _anonymous_body(response)
    assert body == {"status": "down", "checks": {**UP_WITHOUT_CELERY, "storage": "down"}}
    assert took < WITHIN


def test_staff_with_a_second_factor_see_the_details(
    client, otp_login, clinic_staff, unwritable_media
):
    otp_login(client, clinic_staff)

    response, _ = _get(client)

    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["storage"] == "down"
    details = body["details"]
    assert list(details) == CHECKS
    storage = details["storage"]
    assert storage["status"] == "down"
    assert "NotADirectoryError" in storage["detail"]
    assert str(unwritable_media) in storage["detail"]
    assert details["database"]["status"] == "ok"
    assert details["database"]["detail"] == ""
    assert 0 <= details["database"]["seconds"] < WITHIN
    assert details["worker"] == {
        "status": "not used",
        "seconds": None,
        "detail": "tasks run in the web process (CELERY_TASK_ALWAYS_EAGER: no REDIS_URL)",
    }


@pytest.mark.parametrize("who", ["patient", "staff_with_password_only"])
def test_others_signed_in_see_no_details(client, owner, clinic_staff, unwritable_media, who):
    client.force_login(owner if who == "patient" else clinic_staff)

    response, _ = _get(client)

    assert response.status_code == 503
    _anonymous_body(response)
    assert "private" in response["Cache-Control"]


def test_check_services_prints_each_check_and_exits_0_when_all_are_up(db):
    out = StringIO()

    call_command("check_services", stdout=out, no_color=True)

    lines = out.getvalue().splitlines()
    assert [line.split()[0] for line in lines] == CHECKS
    assert lines[0].split()[1] == "ok"
    assert lines[0].split()[2].endswith("s")  # the timing
    assert lines[2].split(maxsplit=1)[1].startswith("not used")


def test_check_services_prints_the_error_and_exits_1_when_one_is_down(db, unwritable_media):
    out = StringIO()

    with pytest.raises(CommandError) as failure:
        call_command("check_services", stdout=out, no_color=True)

    assert failure.value.returncode == 1
    assert str(failure.value) == "down: storage"
    storage = next(line for line in out.getvalue().splitlines() if line.startswith("storage"))
    assert storage.split()[1] == "down"
    assert "NotADirectoryError" in storage
    assert str(unwritable_media) in storage


# --- with a real Redis and Celery worker --------------------------------------------------------


@contextlib.contextmanager
def _private_redis(tmp_path):
    """A Redis of the test's own (the session's shared one must not be stopped)."""
    try:
        server = redis_server.start_redis(tmp_path / "redis")
    except FileNotFoundError as exc:
        redis_server.missing_service(str(exc))
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def _celery_worker(broker_url: str, tmp_path: Path, queues: str = ""):
    """The production worker command, consuming `queues` (both packet queues unless told)."""
    queues = queues or f"{django_settings.PACKET_QUEUE},{django_settings.PACKET_LARGE_QUEUE}"
    log_path = tmp_path / "worker.log"
    args = [sys.executable, "-m", "celery", "-A", "coverage_guide", "worker"]
    args += ["--pool=solo", "--loglevel=INFO", f"--hostname=health-{os.getpid()}@localhost"]
    args += [f"--queues={queues}"]
    args += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    process = redis_server.spawn(
        args,
        log_path=log_path,
        env=_worker_env(broker_url, tmp_path),
        cwd=django_settings.BASE_DIR,
    )
    try:
        wait_until_ready(process, log_path)
        yield log_path
    finally:
        redis_server.stop_process(process)


def _redis_cache(settings, url: str) -> None:
    """The cache on the test's Redis, as production has it (settings.py)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }


def _until(client, status: int, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        response, took = _get(client)
        if response.status_code == status or time.monotonic() > deadline:
            return response, took
        time.sleep(0.2)


@pytest.mark.worker
def test_a_broker_without_a_worker_is_down(client, otp_login, clinic_staff, settings, tmp_path):
    with _private_redis(tmp_path) as server, project_app_using(server.url):
        _redis_cache(settings, server.url)
        otp_login(client, clinic_staff)

        response, took = _get(client)
        # A lost worker does not take the web machines out of the load balancer.
        web = client.get(reverse("health_web"))

    assert web.status_code == 200
    assert web.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert response.status_code == 503
    body = response.json()
    assert body["checks"] == {**UP_WITHOUT_CELERY, "broker": "ok", "worker": "down"}
    assert body["details"]["worker"]["detail"] == (
        "Unavailable: No Celery worker answered the ping"
    )
    assert took < WITHIN


@pytest.mark.worker
def test_a_packet_queue_no_worker_consumes_is_down(
    client, otp_login, clinic_staff, settings, tmp_path
):
    """A worker for small packets only: large packets would wait for ever."""
    otp_login(client, clinic_staff)
    with (
        _private_redis(tmp_path) as server,
        _celery_worker(server.url, tmp_path, queues=settings.PACKET_QUEUE),
        project_app_using(server.url),
    ):
        response, took = _get(client)

    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["broker"] == "ok"
    assert body["checks"]["worker"] == "down"
    assert body["details"]["worker"]["detail"] == (
        f"Unavailable: No worker consumes the queue {settings.PACKET_LARGE_QUEUE}"
    )
    assert took < WITHIN


@pytest.mark.worker
def test_redis_hung_or_stopped_under_a_live_worker_is_down_until_it_is_back(
    client, otp_login, clinic_staff, settings, tmp_path
):
    """The cache, the broker and the worker are down within seconds of Redis hanging (accepting
    connections, answering nothing) or stopping, and up again once it answers."""
    staff = client.__class__()
    otp_login(staff, clinic_staff)
    everything_up = {name: "ok" for name in CHECKS}
    redis_down = {**everything_up, "cache": "down", "broker": "down", "worker": "down"}
    with (
        _private_redis(tmp_path) as server,
        _celery_worker(server.url, tmp_path),
        project_app_using(server.url),
    ):
        _redis_cache(settings, server.url)
        response, _ = _until(client, 200, timeout=10)
        assert response.status_code == 200, response.content
        assert _anonymous_body(response) == {"status": "ok", "checks": everything_up}

        os.kill(server.process.pid, signal.SIGSTOP)
        try:
            response, hung = _get(client)
        finally:
            os.kill(server.process.pid, signal.SIGCONT)
        assert response.status_code == 503
        assert _anonymous_body(response)["checks"] == redis_down
        assert hung < WITHIN
        assert _until(client, 200, timeout=10)[0].status_code == 200

        server.stop()
        response, stopped = _get(client)

        assert response.status_code == 503
        assert stopped < WITHIN
        assert _anonymous_body(response)["checks"] == redis_down
        assert str(server.port) not in response.content.decode()
        details = staff.get(reverse("health")).json()["details"]
        assert "Connection refused" in details["cache"]["detail"]
        assert f"Connect call failed ('127.0.0.1', {server.port})" in details["broker"]["detail"]
        assert "OperationalError" in details["worker"]["detail"]
        out = StringIO()
        with pytest.raises(CommandError) as failure:
            call_command("check_services", stdout=out, no_color=True)
        assert str(failure.value) == "down: cache, broker, worker"
        assert f"127.0.0.1:{server.port}" in out.getvalue()

        back = redis_server.start_redis(tmp_path / "redis", port=server.port)
        returned = time.monotonic()
        try:
            response, _ = _until(client, 200, timeout=RECOVERY_TIMEOUT)
            recovered = time.monotonic() - returned
            assert response.status_code == 200, response.content
            assert _anonymous_body(response)["checks"] == everything_up
        finally:
            back.stop()
    print(
        f"\n/health/ answered 503 in {hung:.2f}s with Redis hung, in {stopped:.2f}s with it "
        f"stopped; 200 again {recovered:.1f}s after it came back"
    )
