import gc
import hashlib
import importlib
import io
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import django
import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connections, transaction
from django.db.migrations.loader import MigrationLoader
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.plugin import blocking_manager_key

from patients import icd10
from tests.factories import PASSWORD, ClinicFactory, StaffFactory, UserFactory
from tests.redis_server import (
    redis_url,  # noqa: F401 - a real Redis for tests that ask for it
    services_required,
)

# Debian's Chromium: Playwright's own browser download cannot work on these machines.
CHROMIUM = "/usr/bin/chromium"

CLOCK_AHEAD_ENV = "TEST_CLOCK_AHEAD_DAYS"


def pytest_addoption(parser):
    parser.addoption(
        "--clock-ahead-days",
        type=int,
        default=int(os.environ.get(CLOCK_AHEAD_ENV) or 0),
        help=(
            "Run the whole session with the clock moved this many days ahead, ticking "
            f"(time-machine). Also read from ${CLOCK_AHEAD_ENV}. CI runs the fast suite "
            "a second time with it, so no test can depend on today's date."
        ),
    )


def pytest_configure(config):
    days = config.getoption("clock_ahead_days")
    if days:
        traveller = time_machine.travel(datetime.now(UTC) + timedelta(days=days), tick=True)
        traveller.start()
        config.stash[_clock_key] = traveller


def pytest_unconfigure(config):
    traveller = config.stash.get(_clock_key, None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config):
    if config.stash.get(_clock_key, None) is not None:
        days = config.getoption("clock_ahead_days")
        return f"clock: moved {days} days ahead, now {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    return None


_clock_key = pytest.StashKey[time_machine.travel]()


def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist with `--dist loadgroup` (`make test`), the browser tests share one xdist
    worker, and so do the worker tests: one live server and one Chromium at a time, one Redis and
    one Celery worker, while the rest of the suite runs on the other xdist workers."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        for group in ("browser", "worker"):
            if item.get_closest_marker(group):
                item.add_marker(pytest.mark.xdist_group(group))
                break


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After each test's own teardown:

    - A transactional test's flush emptied every table: put the migration-seeded rows back
      (payers, criteria sets) for the tests xdist runs next on this worker, whether or not the
      test asked for `seeds_restored` (two new ones forgot, and five seed tests failed after them).
      Not after the last test: the session teardown has removed the test database by then.
    - Once a test has loaded the ICD-10-CM code set, take it out of the garbage collector's
      sight. patients/icd10.py loads it once per process (`functools.cache`), but that is some
      400,000 objects which every later full collection would walk again. Frozen, they are
      never scanned; nothing in them is ever garbage.
    """
    yield
    if nextitem is not None and _is_transactional(item) and not _seeds_present(item.config):
        with item.config.stash[blocking_manager_key].unblock():
            _seed_reference_data()
    loaded = icd10._code_set.cache_info().currsize
    if loaded > item.config.stash.get(_icd10_frozen_key, 0):
        item.config.stash[_icd10_frozen_key] = loaded
        gc.collect()
        gc.freeze()


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


def _seeds_present(config) -> bool:
    from patients.models import Payer

    with config.stash[blocking_manager_key].unblock():
        return Payer.objects.exists()


_icd10_frozen_key = pytest.StashKey[int]()


# The migrated SQLite test database, kept as a template. Migrating from nothing costs about 7 s of
# CPU in every session (in every xdist worker), nearly all of it Django rendering model states,
# not SQL. So a session that migrates saves the result under .local/test-db/, named by a hash of
# every migration file; a later session copies the template to its own database (per process:
# settings_test.py names the file by pid, so concurrent runs never share one), and migrate then
# finds nothing to do but still runs, as do the post_migrate handlers. Changing, adding or removing
# a migration changes the hash. --create-db, --no-migrations and PostgreSQL migrate as before.
def _sqlite_test_database() -> Path | None:
    """The default test database's file, when it is the only database and a SQLite file."""
    db = settings.DATABASES["default"]
    name = db.get("TEST", {}).get("NAME")
    if len(settings.DATABASES) > 1 or db["ENGINE"] != "django.db.backends.sqlite3":
        return None
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name)


def _template_database() -> Path | None:
    """Where the template for the current migrations is kept; None when there can be none."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    if any(list(apps.get_app_config(label).get_models()) for label in loader.unmigrated_apps):
        return None  # tables made from models, not migrations: the hash would not cover them
    digest = hashlib.sha256(f"{django.__version__} {sqlite3.sqlite_version}".encode())
    for key, migration in sorted(loader.disk_migrations.items()):
        digest.update(repr(key).encode())
        digest.update(Path(sys.modules[type(migration).__module__].__file__).read_bytes())
    return Path(settings.BASE_DIR) / ".local" / "test-db" / f"{digest.hexdigest()[:16]}.sqlite3"


_template_to_save_key = pytest.StashKey[tuple[Path, Path]]()


@pytest.fixture(scope="session")
def django_db_keepdb(
    request, django_db_modify_db_settings, django_db_createdb, django_db_use_migrations
):
    """pytest-django's --reuse-db flag; otherwise True when the template was copied in place."""
    reuse_db = request.config.getvalue("reuse_db")
    database = _sqlite_test_database()
    if reuse_db or django_db_createdb or not django_db_use_migrations or database is None:
        yield reuse_db
        return
    template = _template_database()
    if template is None:
        yield False
        return
    try:
        shutil.copyfile(template, database)
    except FileNotFoundError:  # none yet: this session migrates and saves one
        request.config.stash[_template_to_save_key] = (database, template)
        yield False
        return
    yield True  # pytest-django then keeps the database: it is a copy, removed here
    connections.close_all()
    database.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, request):
    """pytest-django's, then the freshly migrated database saved as the template (see above).

    At the end, before pytest-django drops a PostgreSQL test database, end the other sessions on
    it, which PostgreSQL would refuse to drop: a Celery worker the last test stopped (PostgreSQL
    notices a killed client a moment later), and the live server's request threads, each of
    which opened its own connection and exits without closing it (Django closes only the
    server thread's). All are this run's own; they are given a few seconds first.
    """
    database, template = request.config.stash.get(_template_to_save_key, (None, None))
    if template is not None:
        template.parent.mkdir(parents=True, exist_ok=True)
        partial = template.with_name(f"{template.name}.{os.getpid()}.partial")
        source, target = sqlite3.connect(database), sqlite3.connect(partial)
        try:
            source.backup(target)  # a consistent copy, whatever the journal holds
        finally:
            source.close()
            target.close()
        partial.replace(template)  # atomic: a concurrent session copies a whole file or none
        for stale in template.parent.glob("*.sqlite3"):
            if stale != template:
                stale.unlink(missing_ok=True)
    yield
    _end_other_sessions(request)


def _end_other_sessions(request, timeout: float = 3.0) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    blocker = request.config.stash[blocking_manager_key]
    others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    deadline, terminated = time.monotonic() + timeout, False
    with blocker.unblock(), connection.cursor() as cursor:
        while True:
            cursor.execute(f"SELECT count(*) {others}")  # noqa: S608 - a constant
            if cursor.fetchone()[0] == 0 or time.monotonic() > deadline + timeout:
                return
            if time.monotonic() > deadline and not terminated:
                # Asynchronous: the loop then waits for the backends to be gone.
                cursor.execute(f"SELECT pg_terminate_backend(pid) {others}")  # noqa: S608
                terminated = True
            time.sleep(0.1)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _english_to_begin_with():
    """Each test starts in the site's default language. A request in Spanish (issue 17) leaves
    Spanish active in the thread that served it, which is the test's own thread with the test
    client, and the next test on the worker would then read Spanish messages."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with no rate-limit counts (patients/throttle.py counts in the cache,
    which is one process's memory in tests)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def rolled_back(db):
    """`with rolled_back():` undoes every database write made inside it, as if what it wraps had
    a test of its own; for sweeps that check many pages against one set of records (building the
    records once per page was a third of the fast suite's time)."""

    @contextmanager
    def rollback() -> Iterator[None]:
        with transaction.atomic():
            yield
            transaction.set_rollback(True)

    return rollback


def _seed_reference_data() -> None:
    """The rows migrations seed: the payers (patients 0002) and the criteria sets (claims 0011)."""
    for name in (
        "patients.migrations.0002_seed_payers",
        "claims.migrations.0011_seed_criteria_sets",
    ):
        importlib.import_module(name).seed(apps, None)


@pytest.fixture
def seeds_restored(django_db_blocker):
    """For a transactional test, requested before `transactional_db`: the flush after the test
    empties every table, and this puts the migration-seeded rows back for the tests that follow
    in the same process."""
    yield
    with django_db_blocker.unblock():
        _seed_reference_data()


@pytest.fixture
def criteria_sets(db):
    """The coverage criteria sets migration 0011 seeds (with the payers 0002 seeds), put back
    where a transactional test (the real-worker ones) flushed the tables in this process."""
    from claims.models import CriteriaSet

    if not CriteriaSet.objects.exists():
        _seed_reference_data()
    return CriteriaSet.objects.all()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def clinic(db):
    return ClinicFactory()


@pytest.fixture
def other_clinic(db):
    return ClinicFactory()


@pytest.fixture
def owner(db):
    """The patient whose records the test is about."""
    return UserFactory(email="owner@example.com")


@pytest.fixture
def outsider(db):
    """Another patient, who must never see the owner's records."""
    return UserFactory(email="outsider@example.com")


@pytest.fixture
def clinic_staff(clinic):
    staff = StaffFactory(email="staff@clinic.example.com")
    clinic.staff.add(staff)
    return staff


@pytest.fixture
def other_clinic_staff(other_clinic):
    staff = StaffFactory(email="staff@other-clinic.example.com")
    other_clinic.staff.add(staff)
    return staff


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def packet_page_texts(packet) -> list[str]:
    """The text of each page of a rendered packet, as pypdf reads it back."""
    from pypdf import PdfReader

    with packet.file.open("rb") as fh:
        return [page.extract_text() for page in PdfReader(io.BytesIO(fh.read())).pages]


def otp_force_login(client, user) -> TOTPDevice:
    """Log `user` in as if with password and authenticator code: admin needs both (django-otp).

    force_login() gives a password-only session; the confirmed device's id in the session is what
    a right code at the admin login leaves there.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


@pytest.fixture
def otp_login():
    """`otp_login(client, user)`: a staff login that admin accepts (password and second factor)."""
    return otp_force_login


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's admin_client, verified by a second factor as the admin site requires.
    tests/patients/test_two_factor.py checks that the same login without it is refused."""
    otp_force_login(client, admin_user)
    return client


@pytest.fixture(scope="session")
def live_server(django_db_setup, live_server):
    """pytest-django's live server, stopped before the test database is dropped: its threads
    hold database connections, and PostgreSQL refuses to drop a database that is in use."""
    return live_server


@pytest.fixture
def reviewer(clinic_staff):
    """A clinic's staff member in the reviewer group (what the clinic's admin pages need)."""
    from claims.services import REVIEWER_GROUP

    clinic_staff.groups.add(Group.objects.get(name=REVIEWER_GROUP))
    return clinic_staff


@pytest.fixture
def other_reviewer(other_clinic_staff):
    from claims.services import REVIEWER_GROUP

    other_clinic_staff.groups.add(Group.objects.get(name=REVIEWER_GROUP))
    return other_clinic_staff


@pytest.fixture
def page(monkeypatch):
    """A headless Chromium page at 1280 x 900. Without Chromium the test is skipped, or fails
    when REQUIRE_SERVICES=1 (CI). Request `page` last: Playwright's sync API runs the test in a
    greenlet, where Django would open (and leak) a second database connection for any fixture
    set up after it."""
    if not shutil.which(CHROMIUM):
        reason = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if services_required():
            pytest.fail(reason)
        pytest.skip(reason)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(30_000)
        yield page
        browser.close()
